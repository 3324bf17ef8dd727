// Data browser: server-side keyset paging, filters, sort and debounced substring search.
// It never asks for totals, so it stays quick at a million tasks; Back walks the kept cursors.
import { api } from "/static/api.js";
import { errorBox } from "/static/components/alerts.js";
import { debounce, field, formatDate, h } from "/static/components/dom.js";
import { followJob } from "/static/components/job-progress.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const SORTS = [
  ["id", "Oldest first (id)"], ["-id", "Newest first (id)"],
  ["-annotations", "Most annotations"], ["annotations", "Fewest annotations"],
  ["-confidence", "Highest confidence"], ["confidence", "Lowest confidence"],
];
const STATUSES = [["", "Any status"], ["unlabeled", "Unlabeled"], ["labeled", "Labeled"],
  ["complete", "Complete"], ["incomplete", "Incomplete"], ["skipped", "Skipped"]];
const FILTER_KEYS = ["q", "status", "has_predictions", "duplicates", "duplicate_cluster", "label_error", "auto_labeled", "lf_conflict", "annotator",
  "schema_version", "sort", "limit"];

export function preview(data, max = 180) {
  const parts = [];
  for (const [key, value] of Object.entries(data || {})) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    parts.push(Object.keys(data).length > 1 ? `${key}: ${text}` : text);
    if (parts.join(" · ").length > max) break;
  }
  const joined = parts.join(" · ");
  return joined.length > max ? `${joined.slice(0, max - 1)}…` : joined;
}

function highlight(text, q) {
  if (!q) return [text];
  const out = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let from = 0;
  let at = lower.indexOf(needle);
  while (at !== -1 && out.length < 20) {
    if (at > from) out.push(text.slice(from, at));
    out.push(h("mark", null, text.slice(at, at + needle.length)));
    from = at + needle.length;
    at = lower.indexOf(needle, from);
  }
  out.push(text.slice(from));
  return out;
}

function select(name, options, value) {
  const el = h("select", { name }, options.map(([v, t]) => h("option", { value: v }, t)));
  el.value = value;
  if (el.value !== value) el.value = options[0][0];
  return el;
}

export default async function dataPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Data · ${project.name}`);
  const base = `/app/projects/${project.id}`;
  const q = ctx.query;
  const search = h("input", { type: "search", name: "q", value: q.get("q") || "", maxlength: 200,
    placeholder: "Text anywhere in the task data", autocomplete: "off" });
  const status = select("status", STATUSES, q.get("status") || "");
  const preds = select("has_predictions", [["", "With or without"], ["true", "Has predictions"], ["false", "No predictions"]],
    q.get("has_predictions") || "");
  const dupes = select("duplicates", [["", "All tasks"], ["true", "Only duplicates"]], q.get("duplicates") || "");
  // Label-error flags come from the last detection run; reviewers and managers see them.
  const reviewer = canDo(project, "reviewer");
  const errs = select("label_error", [["", "All tasks"], ["true", "Likely label errors"], ["false", "Not flagged"]],
    reviewer ? q.get("label_error") || "" : "");
  // Tasks where labeling functions disagree: at least k votes against the label most of them vote (the Rules
  // page's analysis links here with ?lf_conflict=k).
  const conflictChoices = [["", "Any"], ["1", "1+ votes against the majority"], ["2", "2+ votes against"],
    ["3", "3+ votes against"]];
  const wantedConflict = /^[1-9]\d*$/.test(q.get("lf_conflict") || "") ? q.get("lf_conflict") : "";
  if (wantedConflict && !conflictChoices.some(([v]) => v === wantedConflict)) {
    conflictChoices.push([wantedConflict, `${wantedConflict}+ votes against`]);
  }
  const lfConflict = select("lf_conflict", conflictChoices, reviewer ? wantedConflict : "");
  const detect = h("button", { type: "button", class: "btn small", hidden: !canDo(project, "manager"),
    title: "Cross-validate the built-in model on the labeled tasks and flag labels it confidently disagrees with" },
  "Find label errors");
  const detectNote = h("small", { class: "hint", role: "status", "aria-live": "polite" });
  const detectJob = h("div", { class: "label-error-job", "aria-live": "polite" });
  // Auto-labels are a source of their own: a filter, a badge, and (managers) a run button.
  const autos = select("auto_labeled", [["", "All tasks"], ["true", "Auto-labeled"], ["false", "Not auto-labeled"]],
    reviewer ? q.get("auto_labeled") || "" : "");
  const autoRun = h("button", { type: "button", class: "btn small", hidden: !canDo(project, "manager"),
    title: "Label the unanswered tasks the newest model is confident enough about to meet the project's target "
      + "precision (a background job)" }, "Auto-label");
  const autoJob = h("div", { class: "auto-label-job", "aria-live": "polite" });
  const scan = h("button", { type: "button", class: "btn small", hidden: !canDo(project, "manager"),
    title: "Find exact and near-duplicate tasks (a background job)" }, "Scan for duplicates");
  const scanJob = h("div", { class: "duplicate-scan-job", "aria-live": "polite" });
  // A cluster comes from a row's "duplicate ×N" badge; it shows as a removable chip, not a form field.
  let cluster = /^\d+$/.test(q.get("duplicate_cluster") || "") ? q.get("duplicate_cluster") : "";
  const clusterChip = h("p", { class: "cluster-filter", hidden: !cluster });
  const annotator = select("annotator", [["", "Anyone"]], "");
  // Tasks with an answer made under one schema version (reviewers and managers).
  const versionChoices = [["", "Any version"]];
  for (let n = project.schema_version; n >= 1; n -= 1) versionChoices.push([String(n), `Schema v${n}`]);
  const schemaVersion = select("schema_version", versionChoices, reviewer ? q.get("schema_version") || "" : "");
  const sort = select("sort", SORTS, q.get("sort") || "id");
  const limit = select("limit", [["25", "25"], ["50", "50"], ["100", "100"], ["250", "250"]], q.get("limit") || "50");
  const filters = h("form", { class: "filters card", role: "search", "aria-label": "Filter tasks" },
    field("Search", search).wrap, field("Status", status).wrap, field("Predictions", preds).wrap,
    field("Duplicates", dupes).wrap, field("Label errors", errs).wrap, field("Auto-labels", autos).wrap,
    field("Rules conflict", lfConflict, { hint: "Labeling functions disagree on the task" }).wrap,
    field("Annotated by", annotator).wrap,
    field("Answered under", schemaVersion).wrap, field("Sort", sort).wrap, field("Per page", limit).wrap);
  filters.addEventListener("submit", (e) => { e.preventDefault(); reload(); });
  errs.closest(".field").hidden = !reviewer;
  schemaVersion.closest(".field").hidden = !reviewer;
  lfConflict.closest(".field").hidden = !reviewer;
  errs.closest(".field").append(detect, detectNote, detectJob);
  dupes.closest(".field").append(scan, scanJob);
  autos.closest(".field").hidden = !reviewer;
  autos.closest(".field").append(autoRun, autoJob);

  const tbody = h("tbody");
  const table = h("table", { class: "table tasks-table" },
    h("caption", { class: "visually-hidden" }, "Tasks"),
    h("thead", null, h("tr", null,
      h("th", { scope: "col", class: "num" }, "ID"), h("th", { scope: "col" }, "External id"),
      h("th", { scope: "col" }, "Data"), h("th", { scope: "col", class: "num" }, "Annotations"),
      h("th", { scope: "col", class: "num" }, "Confidence"), h("th", { scope: "col" }, "Created"))),
    tbody);
  const status_ = h("p", { class: "page-status", role: "status", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "btn", disabled: true }, "‹ Previous");
  const next = h("button", { type: "button", class: "btn", disabled: true }, "Next ›");
  const pageLabel = h("span", { class: "page-label" });
  const message = h("div", { class: "browser-message" });
  const tableWrap = h("div", { class: "table-wrap" }, table);
  view.append(projectHeader(project, "data", { title: `Data · ${project.name}` }), filters, clusterChip, message,
    tableWrap, h("nav", { class: "pager", "aria-label": "Pages" }, prev, pageLabel, next, status_));

  // cursors[i] is the `after` value that fetches page i; the last page has no successor.
  let cursors = [null];
  let pageIndex = 0;
  let nextCursor = null;
  let controller = null;

  const params = () => {
    const p = new URLSearchParams();
    if (search.value.trim()) p.set("q", search.value.trim());
    if (status.value) p.set("status", status.value);
    if (preds.value) p.set("has_predictions", preds.value);
    if (dupes.value) p.set("duplicates", dupes.value);
    if (cluster) p.set("duplicate_cluster", cluster);
    if (errs.value) p.set("label_error", errs.value);
    if (autos.value) p.set("auto_labeled", autos.value);
    if (lfConflict.value) p.set("lf_conflict", lfConflict.value);
    if (annotator.value) p.set("annotator", annotator.value);
    if (schemaVersion.value) p.set("schema_version", schemaVersion.value);
    if (sort.value !== "id") p.set("sort", sort.value);
    if (limit.value !== "50") p.set("limit", limit.value);
    return p;
  };

  async function load() {
    controller?.abort();
    controller = new AbortController();
    const mine = controller;
    const query = params();
    if (!query.has("limit")) query.set("limit", limit.value);
    if (!query.has("sort")) query.set("sort", sort.value);
    if (cursors[pageIndex]) query.set("after", cursors[pageIndex]);
    table.setAttribute("aria-busy", "true");
    tableWrap.classList.add("busy");
    status_.textContent = "Loading…";
    prev.disabled = true;
    next.disabled = true;
    try {
      const page = await api(`/projects/${project.id}/tasks?${query}`, { signal: mine.signal });
      if (mine !== controller) return;
      message.replaceChildren();
      nextCursor = page.next;
      renderRows(page.items);
      const first = pageIndex * Number(limit.value) + 1;
      status_.textContent = page.items.length
        ? `Showing tasks ${first.toLocaleString("en-US")}–${(first + page.items.length - 1).toLocaleString("en-US")}${nextCursor ? "" : " (last page)"}`
        : "No tasks match.";
      pageLabel.textContent = `Page ${pageIndex + 1}`;
    } catch (error) {
      if (error.name === "AbortError" || mine !== controller) return;
      status_.textContent = "";
      message.replaceChildren(errorBox(error, { retry: load, title: "Tasks could not be loaded.", alwaysRetry: true }));
    } finally {
      if (mine === controller) {
        table.removeAttribute("aria-busy");
        tableWrap.classList.remove("busy");
        prev.disabled = pageIndex === 0;
        next.disabled = !nextCursor;
      }
    }
  }

  function renderRows(items) {
    const needle = search.value.trim();
    tbody.replaceChildren(...items.map((task) => {
      const href = `${base}/tasks/${task.id}`;
      const row = h("tr", { class: "clickable" },
        h("td", { class: "num" }, h("a", { href, "aria-label": `Task ${task.id}` }, String(task.id))),
        h("td", null, task.external_id ?? ""),
        h("td", { class: "preview" }, highlight(preview(task.data), needle), duplicateBadges(task),
          labelErrorBadge(task), autoLabelBadge(task)),
        h("td", { class: "num" }, String(task.annotation_count)),
        h("td", { class: "num" }, task.confidence == null ? "—" : task.confidence.toFixed(2)),
        h("td", { class: "nowrap" }, formatDate(task.created_at)));
      row.addEventListener("click", (event) => {
        if (event.target.closest("a") || window.getSelection().toString()) return;
        ctx.navigate(href);
      });
      return row;
    }));
    if (!items.length) {
      tbody.append(h("tr", null, h("td", { colspan: 6, class: "empty-row" },
        params().toString() ? "No tasks match these filters." : "No tasks yet. Import data to see it here.")));
    }
  }

  function duplicateBadges(task) {
    return (task.duplicate_of || []).map((d) => h("a", {
      class: "badge duplicate-badge", href: `${base}/data?duplicate_cluster=${d.cluster_id}`,
      style: { marginLeft: ".4rem", textTransform: "none" },
      title: `${d.kind.replace("_", " ")} duplicate cluster ${d.cluster_id} (similarity ${d.similarity.toFixed(2)})`,
      onclick: (event) => { event.preventDefault(); event.stopPropagation(); showCluster(String(d.cluster_id)); },
    }, `duplicate ×${d.size}`));
  }

  function labelErrorBadge(task) {
    const flag = task.label_error;
    if (!flag) return null;
    return h("span", {
      class: "badge label-error-badge", style: { marginLeft: ".4rem", textTransform: "none" },
      title: `Likely label error: labeled “${flag.given}”, the model suggests “${flag.suspected}” `
        + `(label quality ${flag.score.toFixed(2)})`,
    }, `label error? → ${flag.suspected}`);
  }

  function autoLabelBadge(task) {
    const auto = task.auto_label;
    if (!auto) return null;
    return h("span", {
      class: "badge auto-label-badge", style: { marginLeft: ".4rem", textTransform: "none" },
      title: `Auto-labeled by ${auto.model_version} (confidence ${auto.confidence.toFixed(2)})`
        + (auto.verify ? "; in the verification sample humans check" : "") + ". Not a human label.",
    }, `auto: ${auto.label}${auto.verify ? " · verify" : ""}`);
  }

  async function autoLabel() {
    autoRun.disabled = true;
    try {
      const queued = await api(`/projects/${project.id}/auto-labels`, { method: "POST", body: {}, signal: ctx.signal });
      const job = await followJob(queued, autoJob, { title: "Auto-labeling", unit: "steps", signal: ctx.signal });
      if (job.status !== "succeeded") return;
      const r = job.result;
      autoJob.replaceChildren(h("small", { class: "hint", role: "status" }, r.auto_labeled
        ? `${r.auto_labeled} of ${r.pool} unanswered tasks auto-labeled at confidence ≥ ${r.threshold.toFixed(2)} `
          + `(target precision ${r.target_precision}); ${r.verification_sample} routed to humans to verify`
        : `No task auto-labeled: no threshold meets precision ${r.target_precision} on ${r.calibration_tasks} human labels`));
      autos.value = "true";
      reload();
    } catch (error) {
      if (error.name !== "AbortError") message.replaceChildren(errorBox(error, { title: "Auto-labeling could not run." }));
    } finally {
      autoRun.disabled = false;
    }
  }

  async function findLabelErrors() {
    detect.disabled = true;
    detectNote.textContent = "Looking for label errors…";
    try {
      const queued = await api(`/projects/${project.id}/label-errors`, { method: "POST", body: {}, signal: ctx.signal });
      const job = await followJob(queued, detectJob, { title: "Finding label errors", unit: "folds", signal: ctx.signal });
      if (job.status !== "succeeded") { detectNote.textContent = ""; return; }
      const run = job.result;
      detectJob.replaceChildren();
      detectNote.textContent = `${run.flagged} likely label error${run.flagged === 1 ? "" : "s"} among ${run.labeled} labeled tasks`;
      errs.value = "true";
      reload();
    } catch (error) {
      detectNote.textContent = "";
      if (error.name !== "AbortError") message.replaceChildren(errorBox(error, { title: "Label errors could not be checked." }));
    } finally {
      detect.disabled = false;
    }
  }

  async function scanDuplicates() {
    scan.disabled = true;
    try {
      const queued = await api(`/projects/${project.id}/duplicates/scan`, { method: "POST", body: {}, signal: ctx.signal });
      const job = await followJob(queued, scanJob, { title: "Scanning for duplicates", unit: "tasks read", signal: ctx.signal });
      if (job.status !== "succeeded") return;
      scanJob.replaceChildren(h("small", { class: "hint", role: "status" },
        `${job.result.clusters} duplicate cluster${job.result.clusters === 1 ? "" : "s"} among ${job.result.tasks} tasks`));
      dupes.value = "true";
      reload();
    } catch (error) {
      if (error.name !== "AbortError") message.replaceChildren(errorBox(error, { title: "The duplicate scan could not run." }));
    } finally {
      scan.disabled = false;
    }
  }

  function showCluster(id) {
    cluster = id;
    clusterChip.hidden = !cluster;
    clusterChip.replaceChildren(...(cluster ? [`Showing duplicate cluster ${cluster} `,
      h("button", { type: "button", class: "btn small", onclick: () => showCluster("") }, "Show all tasks")] : []));
    reload();
  }

  function reload() {
    cursors = [null];
    pageIndex = 0;
    const p = params();
    history.replaceState(null, "", `${window.location.pathname}${p.toString() ? `?${p}` : ""}`);
    load();
  }

  const searchLater = debounce(reload, 300);
  search.addEventListener("input", searchLater);
  for (const el of [status, preds, dupes, errs, autos, lfConflict, annotator, sort, limit]) el.addEventListener("change", reload);
  detect.addEventListener("click", findLabelErrors);
  scan.addEventListener("click", scanDuplicates);
  autoRun.addEventListener("click", autoLabel);
  next.addEventListener("click", () => {
    if (!nextCursor) return;
    cursors = cursors.slice(0, pageIndex + 1);
    cursors.push(nextCursor);
    pageIndex += 1;
    load();
  });
  prev.addEventListener("click", () => {
    if (pageIndex === 0) return;
    pageIndex -= 1;
    load();
  });

  if (canDo(project, "manager")) {
    // Annotator names come from the member list (managers only); others filter without it.
    api(`/projects/${project.id}/members`, { signal: ctx.signal }).then((members) => {
      const wanted = annotator.value;
      annotator.replaceChildren(annotator.options[0]);
      for (const m of members) annotator.append(h("option", { value: String(m.user_id) }, `${m.username} (${m.role})`));
      annotator.value = wanted;
    }).catch(() => {});
  } else {
    annotator.closest(".field").hidden = true;
  }
  if (q.get("annotator")) {
    annotator.append(h("option", { value: q.get("annotator") }, `User ${q.get("annotator")}`));
    annotator.value = q.get("annotator");
  }
  if (cluster) showCluster(cluster); else load();
  return () => { searchLater.cancel(); controller?.abort(); };
}
