// A project's background jobs (imports, pre-labels, trainings...): status, a progress bar while they
// run, why they failed, and buttons to cancel or retry them. Refreshes itself while any job is active.
import { api } from "/static/api.js";
import { errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { formatDate, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const POLL_MS = 700;
const ACTIVE = new Set(["queued", "running"]);

export default async function jobsPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Jobs · ${project.name}`);
  view.append(projectHeader(project, "jobs", { title: `Jobs · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can see its jobs; your role is ${project.role}.`));
    return;
  }
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const errors = h("div");
  const tbody = h("tbody");
  const table = h("div", { class: "table-wrap" }, h("table", { class: "table jobs-table" },
    h("thead", null, h("tr", null, ["Job", "Kind", "Status", "Progress", "Started", "Result or error", ""]
      .map((t) => h("th", { scope: "col" }, t)))),
    tbody));
  view.append(status, errors, table);

  let timer = null;
  const act = async (job, action) => {
    try {
      await api(`/jobs/${job.id}/${action}`, { method: "POST", signal: ctx.signal });
      toast(action === "cancel" ? `Job ${job.id}: cancel requested` : `Job ${job.id} queued again`);
    } catch (error) {
      if (error.name !== "AbortError") toastError(error, `Job ${job.id}: `);
    }
    load();
  };

  const load = async () => {
    clearTimeout(timer);
    try {
      const jobs = await api(`/projects/${project.id}/jobs?limit=200`, { signal: ctx.signal });
      errors.replaceChildren();
      tbody.replaceChildren(...jobs.map((job) => jobRow(job, act)));
      const active = jobs.filter((job) => ACTIVE.has(job.status)).length;
      status.textContent = jobs.length
        ? `${jobs.length} job${jobs.length === 1 ? "" : "s"}${active ? `, ${active} active` : ""}`
        : "No jobs yet. Imports with a progress bar, pre-labeling and training runs appear here.";
      if (active && ctx.isCurrent()) timer = setTimeout(load, POLL_MS);
    } catch (error) {
      if (error.name === "AbortError") return;
      errors.replaceChildren(errorBox(error, { title: "The jobs could not be loaded.", retry: load }));
    }
  };
  await load();
  return () => clearTimeout(timer);
}

function jobRow(job, act) {
  const bar = h("progress", { max: 1, "aria-label": `Job ${job.id} progress` });
  if (job.progress !== null && job.progress !== undefined) bar.value = job.progress;
  const figures = job.total ? `${formatNumber(job.done)} / ${formatNumber(job.total)}` : formatNumber(job.done);
  const buttons = [];
  if (ACTIVE.has(job.status)) {
    const cancel = h("button", { type: "button", class: "btn btn-small", disabled: job.cancel_requested || null },
      job.cancel_requested ? "Cancelling…" : "Cancel");
    cancel.addEventListener("click", () => { cancel.disabled = true; act(job, "cancel"); });
    buttons.push(cancel);
  } else if (job.status === "failed" || job.status === "cancelled") {
    const retry = h("button", { type: "button", class: "btn btn-small" }, "Retry");
    retry.addEventListener("click", () => { retry.disabled = true; act(job, "retry"); });
    buttons.push(retry);
  }
  return h("tr", { "data-job-id": String(job.id), "data-status": job.status },
    h("td", null, `#${job.id}`, job.attempts > 1 ? h("span", { class: "small muted" }, ` (attempt ${job.attempts})`) : null),
    h("td", null, h("code", null, job.kind)),
    h("td", null, h("span", { class: `badge job-${job.status}` }, job.status)),
    h("td", { class: "job-progress" }, bar, " ", h("span", { class: "small muted" }, figures)),
    h("td", null, job.started_at ? h("time", { datetime: job.started_at }, formatDate(job.started_at)) : "—"),
    h("td", { class: "job-outcome" }, outcome(job)),
    h("td", null, ...buttons));
}

function outcome(job) {
  if (job.error) {
    const details = job.error.errors
      ? h("details", null, h("summary", null, `${job.error.errors.length} problem(s)`),
        h("ul", null, job.error.errors.map((e) => h("li", null, e.line ? `line ${e.line}: ${e.message}` : e.message))))
      : null;
    return h("div", { class: job.status === "failed" ? "job-error" : "muted" }, job.error.message || "failed", details);
  }
  if (job.result) return h("details", null, h("summary", null, summary(job.result)), h("pre", null, JSON.stringify(job.result, null, 2)));
  return "—";
}

function summary(result) {
  const parts = Object.entries(result).filter(([, v]) => typeof v === "number").slice(0, 3);
  return parts.length ? parts.map(([k, v]) => `${k}: ${formatNumber(v)}`).join(", ") : "done";
}
