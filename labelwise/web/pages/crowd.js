// Crowd operations of a project (managers): batches (priority, deadline, pay, budget; pause and resume;
// add the latest import) and worker links (open, copy, revoke, see workers with their completion codes).
import { api } from "/static/api.js";
import { errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { field, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const when = (iso) => (iso ? `${String(iso).slice(0, 16).replace("T", " ")} UTC` : "—");
const orNull = (value) => (value === "" ? null : Number(value));

export default async function crowdPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Crowd · ${project.name}`);
  view.append(projectHeader(project, "crowd", { title: `Crowd · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project run batches and worker links; your role is ${project.role}.`));
    return;
  }
  let linkFormRef = null;
  const batchesBody = h("div");
  const linksBody = h("div");
  const workersBox = h("section", { class: "card link-workers", hidden: true });
  view.append(batchForm(), h("section", { class: "card" }, h("h2", null, "Batches"), batchesBody),
    linkForm(), h("section", { class: "card" }, h("h2", null, "Worker links"), linksBody), workersBox);

  const act = async (what, call) => {
    try { await call(); toast(what); } catch (error) { toastError(error, `${what}: `); }
    load();
  };

  function batchForm() {
    const name = h("input", { name: "name", required: true, autocomplete: "off" });
    const priority = h("input", { name: "priority", type: "number", value: "0", step: "1" });
    const deadline = h("input", { name: "deadline", type: "datetime-local" });
    const perTask = h("input", { name: "pay_per_task", type: "number", min: "0", step: "any", value: "0" });
    const perSecond = h("input", { name: "pay_per_second", type: "number", min: "0", step: "any", value: "0" });
    const budget = h("input", { name: "budget", type: "number", min: "0", step: "any" });
    const fromImport = h("input", { type: "checkbox", name: "from_import", checked: true });
    const message = h("div", { class: "form-message", "aria-live": "assertive" });
    const form = h("form", { class: "card batch-form" }, h("h2", null, "New batch"),
      h("div", { class: "row" }, field("Name", name).wrap, field("Priority", priority, { hint: "Higher is served first." }).wrap,
        field("Deadline (UTC)", deadline).wrap),
      h("div", { class: "row" }, field("Pay per task", perTask).wrap, field("Pay per second", perSecond).wrap,
        field("Budget", budget, { hint: "The batch pauses itself once spent." }).wrap),
      h("label", { class: "checkbox" }, fromImport, " Put the tasks of the latest import in it"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Create batch"), message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      try {
        const batch = await api(`/projects/${project.id}/batches`, { method: "POST", body: {
          name: name.value.trim(), priority: Number(priority.value || 0),
          deadline: deadline.value ? `${deadline.value}:00Z` : null, pay_per_task: Number(perTask.value || 0),
          pay_per_second: Number(perSecond.value || 0), budget: orNull(budget.value) } });
        if (fromImport.checked) await api(`/batches/${batch.id}/tasks`, { method: "POST", body: { from_import: "latest" } });
        toast(`Batch ${batch.name} created`);
        form.reset();
        load();
      } catch (error) { message.textContent = error.message; }
    });
    return form;
  }

  function linkForm() {
    const name = h("input", { name: "name", value: "worker link", autocomplete: "off" });
    const batch = h("select", { name: "batch_id" }, h("option", { value: "" }, "The whole project"));
    const perWorker = h("input", { name: "max_tasks_per_worker", type: "number", min: "1" });
    const total = h("input", { name: "max_tasks_total", type: "number", min: "1" });
    const rate = h("input", { name: "rate_per_minute", type: "number", min: "1", value: "120" });
    const expires = h("input", { name: "expires_at", type: "datetime-local" });
    const message = h("div", { class: "form-message", "aria-live": "assertive" });
    const form = h("form", { class: "card link-form" }, h("h2", null, "New worker link"),
      h("p", { class: "small muted" }, "Workers need no account: they open the link with their marketplace id ",
        "(…?workerId=ID), label, and get a completion code at the end."),
      h("div", { class: "row" }, field("Name", name).wrap, field("Tasks from", batch).wrap, field("Expires (UTC)", expires).wrap),
      h("div", { class: "row" }, field("Tasks per worker", perWorker).wrap, field("Tasks in all", total).wrap,
        field("Requests a minute", rate).wrap),
      h("button", { type: "submit", class: "btn btn-primary" }, "Open link"), message);
    form.batchSelect = batch;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      try {
        await api(`/projects/${project.id}/worker-links`, { method: "POST", body: {
          name: name.value.trim() || "worker link", batch_id: batch.value ? Number(batch.value) : null,
          max_tasks_per_worker: orNull(perWorker.value), max_tasks_total: orNull(total.value),
          rate_per_minute: Number(rate.value || 120), expires_at: expires.value ? `${expires.value}:00Z` : null } });
        toast("Worker link opened");
        load();
      } catch (error) { message.textContent = error.message; }
    });
    linkFormRef = form;
    return form;
  }

  const button = (label, onclick) => h("button", { type: "button", class: "btn btn-small", onclick }, label);

  function batchTable(batches) {
    if (!batches.length) return h("p", { class: "muted" }, "No batches yet: every task is served in the project's order.");
    return h("div", { class: "table-wrap" }, h("table", { class: "table crowd-batches" },
      h("thead", null, h("tr", null, ["Batch", "Priority", "Deadline", "Tasks", "Complete", "Spent", "Status", ""]
        .map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, batches.map((b) => h("tr", { "data-batch-id": String(b.id) },
        h("th", { scope: "row" }, b.name), h("td", null, String(b.priority)), h("td", null, when(b.deadline)),
        h("td", null, formatNumber(b.progress.tasks)), h("td", null, formatNumber(b.progress.complete)),
        h("td", null, `${b.spent.toFixed(2)}${b.budget != null ? ` of ${b.budget.toFixed(2)}` : ""}`),
        h("td", null, h("span", { class: `badge job-${b.status === "active" ? "succeeded" : "cancelled"}` }, b.status),
          b.status_reason ? h("div", { class: "small muted" }, b.status_reason) : null),
        h("td", null, b.status === "active"
          ? button("Pause", () => act(`Batch ${b.name} paused`, () => api(`/batches/${b.id}`, { method: "PATCH", body: { status: "paused" } })))
          : button("Resume", () => act(`Batch ${b.name} resumed`, () => api(`/batches/${b.id}`, { method: "PATCH", body: { status: "active" } })))))))));
  }

  function linkTable(links) {
    if (!links.length) return h("p", { class: "muted" }, "No worker links yet.");
    return h("div", { class: "table-wrap" }, h("table", { class: "table crowd-links" },
      h("thead", null, h("tr", null, ["Link", "Address", "Workers", "Tasks done", "Limits", "State", ""]
        .map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, links.map((l) => {
        const address = `${window.location.origin}${l.url}?workerId=`;
        const state = l.revoked_at ? "revoked" : (l.expires_at && Date.parse(`${l.expires_at}Z`) < Date.now() ? "expired" : "open");
        return h("tr", { "data-link-id": String(l.id) },
          h("th", { scope: "row" }, l.name),
          h("td", null, h("code", { class: "link-url" }, address)),
          h("td", null, String(l.workers)), h("td", null, String(l.tasks_done)),
          h("td", { class: "small" }, [l.max_tasks_per_worker && `${l.max_tasks_per_worker}/worker`,
            l.max_tasks_total && `${l.max_tasks_total} in all`, `${l.rate_per_minute}/min`,
            l.expires_at && `until ${when(l.expires_at)}`, l.blocked.length && `${l.blocked.length} blocked`].filter(Boolean).join(", ")),
          h("td", null, h("span", { class: `badge job-${state === "open" ? "succeeded" : "cancelled"}` }, state)),
          h("td", null, button("Copy", () => navigator.clipboard?.writeText(address).then(() => toast("Link copied"))),
            " ", button("Workers", () => showWorkers(l)),
            " ", l.revoked_at ? null : button("Revoke", () => act(`Link ${l.name} revoked`, () => api(`/worker-links/${l.id}/revoke`, { method: "POST" })))));
      }))));
  }

  async function showWorkers(link) {
    workersBox.hidden = false;
    try {
      const workers = await api(`/worker-links/${link.id}/workers`);
      workersBox.replaceChildren(h("h2", null, `Workers of ${link.name}`), workers.length
        ? h("table", { class: "table" }, h("thead", null, h("tr", null, ["Worker id", "Tasks done", "Completion code", ""]
            .map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", null, workers.map((w) => h("tr", null, h("th", { scope: "row" }, w.worker_id),
            h("td", null, String(w.tasks_done)), h("td", null, h("code", null, w.completion_code)),
            h("td", null, link.blocked.includes(w.worker_id) ? "blocked"
              : button("Block", () => act(`Worker ${w.worker_id} blocked`, () => api(`/worker-links/${link.id}/block`, { method: "POST", body: { worker_id: w.worker_id } }))))))))
        : h("p", { class: "muted" }, "Nobody has used this link yet."));
    } catch (error) { workersBox.replaceChildren(errorBox(error, { title: "The workers could not be loaded." })); }
  }

  async function load() {
    try {
      const [batches, links] = await Promise.all([api(`/projects/${project.id}/batches`, { signal: ctx.signal }),
        api(`/projects/${project.id}/worker-links`, { signal: ctx.signal })]);
      batchesBody.replaceChildren(batchTable(batches));
      linksBody.replaceChildren(linkTable(links));
      linkFormRef.batchSelect.replaceChildren(h("option", { value: "" }, "The whole project"),
        ...batches.map((b) => h("option", { value: String(b.id) }, `Batch: ${b.name}`)));
    } catch (error) {
      if (error.name === "AbortError") return;
      batchesBody.replaceChildren(errorBox(error, { retry: load, title: "Batches and links could not be loaded." }));
    }
  }
  await load();
}
