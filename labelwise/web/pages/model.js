// A project's built-in model: its versions with their cross-validated accuracy and F1, a Train button
// and a Pre-label button per version (each queues a job whose progress shows here, with Cancel), and
// the settings that close the loop (routing, retrain every N labels). Polls while a job is active.
import { api } from "/static/api.js";
import { describeError, errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { field, formatDate, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const POLL_MS = 700;
const ACTIVE = new Set(["queued", "running"]);
const KINDS = new Set(["train", "prelabel"]);
const ROUTING = [
  ["sequential", "Sequential (import order)"],
  ["random", "Random"],
  ["active_learning", "Active learning (the model's least sure first)"],
  ["uncertainty", "Uncertainty of the consensus"],
];

export default async function modelPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Model · ${project.name}`);
  view.append(projectHeader(project, "model", { title: `Model · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can train and run its model; your role is ${project.role}.`));
    return;
  }
  const errors = h("div");
  const train = h("button", { type: "button", class: "btn btn-primary", "data-action": "train" }, "Train a new version");
  const jobBox = h("div", { class: "model-jobs", "aria-live": "polite" });
  const tbody = h("tbody");
  const empty = h("p", { class: "muted", hidden: true },
    "No model yet. Label a few tasks, then train: the new version pre-labels the unlabeled tasks.");
  const versions = h("section", { class: "card model-versions" },
    h("div", { class: "title-row" }, h("h2", null, "Model versions"), train),
    h("p", { class: "small muted" },
      "Accuracy and F1 are k-fold cross-validated on the labeled tasks a version was trained on."),
    jobBox, empty,
    h("div", { class: "table-wrap" }, h("table", { class: "table model-table" },
      h("thead", null, h("tr", null, ["Version", "Control", "Model", "Trained on", "Accuracy", "F1", "Created", ""]
        .map((t) => h("th", { scope: "col" }, t)))),
      tbody)));
  const usage = h("tbody");
  const baseline = h("p", { class: "small muted" });
  const usageCard = h("section", { class: "card model-suggestions" }, h("h2", null, "Suggestions in use"),
    h("p", { class: "small muted" }, "What annotators did with each version's suggestions on the labeling page, and their mean time per task."),
    baseline,
    h("div", { class: "table-wrap" }, h("table", { class: "table suggestions-table" },
      h("thead", null, h("tr", null, ["Version", "Shown", "Accepted", "Accepted with edits", "Rejected", "Accepted share", "Time per task", "Time saved"]
        .map((t) => h("th", { scope: "col" }, t)))),
      usage)));
  view.append(errors, versions, usageCard, loopSettings(project));

  let timer = null;
  const start = async (button, path, label) => {
    button.disabled = true;
    try {
      const job = await api(path, { method: "POST", body: path.endsWith("/model-versions") ? {} : undefined, signal: ctx.signal });
      toast(`${label}: job ${job.id} queued.`);
    } catch (error) {
      if (error.name !== "AbortError") toastError(error, `${label}: `);
    } finally {
      button.disabled = false;
    }
    load();
  };
  train.addEventListener("click", () => start(train, `/projects/${project.id}/model-versions`, "Training"));
  const cancel = async (job, button) => {
    button.disabled = true;
    try {
      await api(`/jobs/${job.id}/cancel`, { method: "POST", signal: ctx.signal });
      toast(`Job ${job.id}: cancel requested`);
    } catch (error) {
      if (error.name !== "AbortError") toastError(error, `Job ${job.id}: `);
    }
    load();
  };

  const load = async () => {
    clearTimeout(timer);
    try {
      const [rows, jobs, used] = await Promise.all([
        api(`/projects/${project.id}/model-versions`, { signal: ctx.signal }),
        api(`/projects/${project.id}/jobs?limit=20`, { signal: ctx.signal }),
        api(`/projects/${project.id}/suggestions`, { signal: ctx.signal }),
      ]);
      baseline.textContent = used.mean_lead_time_ms_without === null
        ? "No answers without a suggestion yet to compare with."
        : `Without a suggestion, a task takes ${seconds(used.mean_lead_time_ms_without)} on average.`;
      usage.replaceChildren(...(used.versions.length ? used.versions.map(usageRow)
        : [h("tr", null, h("td", { colspan: 8, class: "muted" }, "No suggestion has been answered yet."))]));
      errors.replaceChildren();
      const mine = jobs.filter((job) => KINDS.has(job.kind));
      const active = mine.filter((job) => ACTIVE.has(job.status));
      const latest = mine.find((job) => !ACTIVE.has(job.status));
      jobBox.replaceChildren(...active.map((job) => jobLine(job, cancel)), ...(latest && !active.length ? [jobLine(latest, cancel)] : []));
      empty.hidden = rows.length > 0;
      tbody.replaceChildren(...rows.map((row) => versionRow(row, (button) =>
        start(button, `/projects/${project.id}/model-versions/${row.id}/prelabel`, `Pre-label with ${row.name}`))));
      if (active.length && ctx.isCurrent()) timer = setTimeout(load, POLL_MS);
    } catch (error) {
      if (error.name === "AbortError") return;
      errors.replaceChildren(errorBox(error, { title: "The model versions could not be loaded.", retry: load }));
    }
  };
  await load();
  return () => clearTimeout(timer);
}

function seconds(ms) {
  return typeof ms === "number" ? `${(ms / 1000).toFixed(1)} s` : "—";
}

function usageRow(v) {
  const saved = typeof v.time_saved_ms === "number" ? `${v.time_saved_ms < 0 ? "−" : ""}${seconds(Math.abs(v.time_saved_ms))}` : "—";
  return h("tr", { "data-model-version": v.model_version },
    h("td", null, h("code", null, v.model_version)),
    ...[v.shown, v.accepted, v.edited, v.rejected].map((n) => h("td", null, formatNumber(n))),
    h("td", null, percent(v.accepted_share)), h("td", null, seconds(v.mean_lead_time_ms)), h("td", null, saved));
}

function percent(value) {
  return typeof value === "number" ? `${(value * 100).toFixed(1)} %` : "—";
}

function versionRow(row, prelabel) {
  const m = row.metrics || {};
  const button = h("button", { type: "button", class: "btn btn-small", "data-action": "prelabel" }, "Pre-label");
  button.addEventListener("click", () => prelabel(button));
  const spread = (key) => (typeof m[`${key}_std`] === "number" ? h("span", { class: "small muted" }, ` ± ${(m[`${key}_std`] * 100).toFixed(1)}`) : null);
  return h("tr", { "data-version-id": String(row.id), "data-model-version": row.name },
    h("td", null, h("code", null, row.name)),
    h("td", null, row.control),
    h("td", null, row.model_class),
    h("td", null, formatNumber(row.trained_on)),
    h("td", { class: "metric-accuracy", title: m.metric || "" }, percent(m.accuracy), spread("accuracy")),
    h("td", { class: "metric-f1", title: m.metric || "" }, percent(m.f1), spread("f1")),
    h("td", null, h("time", { datetime: row.created_at }, formatDate(row.created_at))),
    h("td", null, button));
}

function jobLine(job, cancel) {
  const bar = h("progress", { max: 1, "aria-label": `Job ${job.id} progress` });
  if (job.progress !== null && job.progress !== undefined) bar.value = job.progress;
  const figures = job.total ? `${formatNumber(job.done)} / ${formatNumber(job.total)} tasks` : "";
  const parts = [h("strong", null, `${job.kind === "train" ? "Training" : "Pre-labeling"} (job #${job.id}): `),
    h("span", { class: `badge job-${job.status}` }, job.status), " ", bar, " ", h("span", { class: "small muted" }, figures)];
  if (ACTIVE.has(job.status)) {
    const button = h("button", { type: "button", class: "btn btn-small", disabled: job.cancel_requested || null,
      "data-action": "cancel" }, job.cancel_requested ? "Cancelling…" : "Cancel");
    button.addEventListener("click", () => cancel(job, button));
    parts.push(" ", button);
  } else if (job.error) {
    parts.push(" ", h("span", { class: "job-error" }, job.error.message || "failed"));
  } else if (job.result) {
    const r = job.result;
    parts.push(" ", h("span", { class: "small" }, [r.model_version, r.predictions !== undefined ? `${formatNumber(r.predictions)} predictions` : null,
      r.reordered ? `${formatNumber(r.reordered)} tasks reordered` : null].filter(Boolean).join(" · ")));
  }
  return h("p", { class: "model-job", "data-job-id": String(job.id), "data-status": job.status }, ...parts);
}

// Routing and retrain_every, saved with PATCH (the server keeps the other settings as they are).
function loopSettings(project) {
  const routing = h("select", { name: "routing" }, ROUTING.map(([v, text]) => h("option", { value: v }, text)));
  routing.value = project.settings.routing ?? "sequential";
  const every = h("input", { name: "retrain_every", type: "number", min: 1, max: 1000000, step: 1,
    value: project.settings.retrain_every == null ? "" : String(project.settings.retrain_every) });
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const form = h("form", { class: "card model-loop", novalidate: true },
    h("h2", null, "Model in the loop"),
    h("div", { class: "grid-2" },
      field("Routing", routing, { hint: "Active learning serves the tasks the newest model is least sure about first." }).wrap,
      field("Retrain every (new labels)", every, { hint: "Empty = only when you press Train." }).wrap),
    message, h("div", { class: "actions" }, h("button", { type: "submit", class: "btn" }, "Save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const raw = every.value.trim();
    const n = Number(raw);
    if (raw && (!Number.isInteger(n) || n < 1 || n > 1000000)) {
      message.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, "Retrain every must be a whole number from 1 to 1000000, or empty."));
      every.focus();
      return;
    }
    try {
      const updated = await api(`/projects/${project.id}`, { method: "PATCH",
        body: { settings: { routing: routing.value, retrain_every: raw ? n : null } } });
      Object.assign(project, updated);
      message.replaceChildren(h("p", { class: "alert alert-success", role: "status" }, "Saved."));
      toast("Model settings saved.");
    } catch (error) {
      message.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, `Could not save: ${describeError(error)}`));
    }
  });
  return form;
}
