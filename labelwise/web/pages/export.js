// Export a project (any format, filters, a train/validation/test split) and manage its snapshots.
import { api } from "/static/api.js";
import { errorBox, infoBox, toastError, toast } from "/static/components/alerts.js";
import { field, formatDate, h } from "/static/components/dom.js";
import { followJob } from "/static/components/job-progress.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

export default async function exportPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Export · ${project.name}`);
  view.append(projectHeader(project, "export", { title: `Export · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can export it; your role is ${project.role}.`));
    return;
  }
  const all = await api("/export-formats", { signal: ctx.signal });
  // Only what this install can write; the others are named with what they need.
  const formats = all.filter((f) => f.available);
  const missing = all.filter((f) => !f.available);
  const format = h("select", { name: "format" }, formats.map((f) => h("option", { value: f.name, title: f.description }, f.name)));
  const source = h("select", { name: "source" }, ["consensus", "first", "all"].map((s) => h("option", { value: s }, s)));
  const inputs = {
    status: h("input", { name: "status", placeholder: "submitted,skipped" }),
    annotator: h("input", { name: "annotator", placeholder: "username" }),
    label: h("input", { name: "label" }),
    since: h("input", { name: "since", placeholder: "2024-05-01" }),
    until: h("input", { name: "until", placeholder: "2024-06-01" }),
    split: h("input", { name: "split", placeholder: "80,10,10" }),
    schema_version: h("input", { name: "schema_version", type: "number", min: 1, placeholder: `1–${project.schema_version}` }),
    guidelines_version: h("input", { name: "guidelines_version", type: "number", min: 1, placeholder: `1–${project.guidelines_version}` }),
  };
  const accepted = h("input", { type: "checkbox", name: "accepted_only" });
  // Auto-labels are never mixed into the human labels; asked for, each auto-labeled task carries `auto_label`.
  const autoLabels = h("input", { type: "checkbox", name: "include_auto_labels" });
  const link = h("a", { class: "btn btn-primary", download: "" }, "Download");
  // A large export runs better as a job: progress, cancel, and the file waits on the server for download.
  const background = h("button", { type: "button", class: "btn", "data-action": "export-job" }, "Export in background");
  const jobBox = h("div", { class: "export-job", "aria-live": "polite" });
  const chosen = () => {
    const params = new URLSearchParams({ format: format.value, source: source.value });
    for (const [name, input] of Object.entries(inputs)) if (input.value.trim()) params.set(name, input.value.trim());
    if (accepted.checked) params.set("accepted_only", "true");
    if (autoLabels.checked) params.set("include_auto_labels", "true");
    return params;
  };
  const update = () => {
    link.href = `/api/v1/projects/${project.id}/export?${chosen()}`;
  };
  background.addEventListener("click", async () => {
    background.disabled = true;
    try {
      const body = {};
      for (const [name, value] of chosen()) {
        body[name] = name.endsWith("_version") ? Number(value) : ["accepted_only", "include_auto_labels"].includes(name) ? value === "true" : value;
      }
      const queued = await api(`/projects/${project.id}/exports`, { method: "POST", body, signal: ctx.signal });
      const job = await followJob(queued, jobBox, { title: "Exporting", unit: "tasks", signal: ctx.signal });
      if (job.status === "succeeded") {
        jobBox.replaceChildren(h("p", { class: "export-ready" }, `${job.result.records} task records ready: `,
          h("a", { class: "btn btn-primary", href: `/api/v1/jobs/${job.id}/file`, download: job.result.filename },
            `Download ${job.result.filename}`)));
      }
    } catch (error) {
      if (error.name !== "AbortError") jobBox.replaceChildren(errorBox(error, { title: "The export could not be queued." }));
    } finally {
      background.disabled = false;
    }
  });
  const form = h("form", { class: "card export-form" }, h("h2", null, "Export"),
    h("div", { class: "row" }, field("Format", format).wrap, field("Labels", source).wrap),
    missing.length ? h("p", { class: "small muted export-missing" }, "Not available in this install: ",
      missing.map((f) => `${f.name} (needs ${f.needs})`).join("; "), ".") : null,
    h("div", { class: "row" }, ...Object.entries(inputs).map(([name, input]) => field(name.replace("_", " "), input).wrap)),
    h("label", null, accepted, " only annotations a reviewer accepted"),
    h("label", null, autoLabels, " include auto-labels (the model's, above the precision threshold: their own ",
      h("code", null, "auto_label"), " field in JSON and JSONL)"),
    h("div", { class: "row" }, link, background), jobBox);
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  const name = h("input", { name: "name", required: true, placeholder: "v1" });
  const create = h("button", { type: "submit", class: "btn" }, "Create snapshot");
  const body = h("div");
  const snapForm = h("form", { class: "card snapshot-form" }, h("h2", null, "Snapshots"),
    h("div", { class: "row" }, field("Name", name).wrap, create), body);
  const load = async () => {
    try {
      const snaps = await api(`/projects/${project.id}/snapshots`, { signal: ctx.signal });
      if (!snaps.length) { body.replaceChildren(h("p", { class: "muted" }, "No snapshots yet.")); return; }
      const head = h("thead", null, h("tr", null,
        ["Name", "Created", "By", "Tasks", "Labeled", "SHA-256", ""].map((t) => h("th", { scope: "col" }, t))));
      const rows = snaps.map((snap) => h("tr", null,
        h("td", null, snap.name),
        h("td", null, formatDate(snap.created_at)),
        h("td", null, snap.author || ""),
        h("td", null, String(snap.item_count)),
        h("td", null, String(snap.labeled_count)),
        h("td", null, h("code", { title: snap.content_hash }, snap.content_hash.slice(0, 12))),
        h("td", null, h("a", { href: `/api/v1/snapshots/${snap.id}/export?format=${encodeURIComponent(format.value)}`,
          download: "" }, "Download"))));
      body.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table" }, head, h("tbody", null, rows))));
    } catch (error) {
      if (error.name !== "AbortError") body.replaceChildren(errorBox(error, { retry: load }));
    }
  };
  snapForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/projects/${project.id}/snapshots`, { method: "POST", body: { name: name.value.trim() } });
      toast(`Snapshot ${name.value.trim()} created.`);
      name.value = "";
      await load();
    } catch (error) {
      toastError(error, "Could not create the snapshot: ");
    }
  });
  view.append(form, snapForm);
  await load();
}
