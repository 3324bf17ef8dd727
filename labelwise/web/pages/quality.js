// Quality dashboard: agreement (overall, per label, pairwise kappa heat map), the annotator table,
// the confusion matrix against consensus and quality per day, from GET /projects/{id}/quality.
import { api } from "/static/api.js";
import { errorBox, toast, toastError } from "/static/components/alerts.js";
import { h, s } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const fmt = (x, digits = 2) => (x === null || x === undefined ? "—" : Number(x).toFixed(digits));
const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);

export default async function qualityPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Quality · ${project.name}`);
  const body = h("div", { class: "quality" });
  view.append(projectHeader(project, "quality", { title: `Quality · ${project.name}` }), body);

  async function load(control) {
    body.replaceChildren(h("p", { class: "loading", role: "status" }, "Computing the quality report…"));
    let report = null;
    let overview;
    try {
      overview = await api(`/projects/${project.id}/quality/controls`, { signal: ctx.signal });
      const entry = overview.controls.find((c) => c.control === control);
      if (!entry || (entry.kind === "nominal" && !entry.keyed)) {  // the full report is for single-choice controls
        const query = entry ? `?control=${encodeURIComponent(control)}` : "";
        report = await api(`/projects/${project.id}/quality${query}`, { signal: ctx.signal });
      }
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: () => load(control), title: "Could not load the quality report." }));
      return;
    }
    const current = control || report?.control || overview.controls[0]?.control;
    body.replaceChildren(controlPicker(overview, current, load), overviewSection(overview, current, load),
      ...(report ? render(report, project, load) : controlDetail(overview.controls.find((c) => c.control === current))));
  }
  await load(ctx.query.get("control"));
}

function render(report, project, reload) {
  const parts = [];
  const fresh = report.freshness;
  if (fresh) {
    parts.push(h("p", { class: "muted", "aria-label": "Freshness" }, fresh.pending_tasks
      ? `${fresh.pending_tasks} task${fresh.pending_tasks === 1 ? "" : "s"} pending recompute (consensus and gold `
        + `figures wait for answers since ${new Date(fresh.oldest_pending_at).toLocaleTimeString()}); `
        + `computed at ${new Date(fresh.computed_at).toLocaleTimeString()}`
      : `Consensus and gold figures up to date; computed at ${new Date(fresh.computed_at).toLocaleTimeString()}`));
  }
  if (report.control) parts.push(methodSection(report, project, reload));
  const a = report.agreement;
  const alpha = a.krippendorff_alpha;
  parts.push(h("section", { class: "metrics", "aria-label": "Agreement" },
    metric("answers", report.n_answers, "Answers"),
    metric("annotators", report.n_annotators, "Annotators"),
    metric("percent", pct(a.percent), "Percent agreement"),
    metric("alpha", alpha ? `${fmt(alpha.estimate, 3)}` : "—",
      alpha ? `Krippendorff's α (95% CI ${fmt(alpha.low, 3)}–${fmt(alpha.high, 3)})` : "Krippendorff's α"),
    metric("fleiss", fmt(a.fleiss_kappa, 3), "Fleiss' κ"),
    metric("light", fmt(a.pairwise?.mean, 3), "Mean pairwise κ")));
  if (report.notes.length) {
    parts.push(h("ul", { class: "notes", "aria-label": "Notes" }, report.notes.map((n) => h("li", null, n))));
  }
  if (a.per_label.length) {
    parts.push(table("per-label-table", "Agreement per label (positive specific agreement)",
      ["Label", "Answers", "Specific agreement"],
      a.per_label.map((r) => [r.label, r.answers, fmt(r.specific_agreement, 3)])));
  }
  if (a.pairwise) parts.push(heatmap(a.pairwise));
  parts.push(table("annotators-quality-table", "Annotators",
    ["Annotator", "Status", "Submitted", "Per active hour", "Median time", "Gold accuracy (95% CI)", "Agrees with consensus", "Skill"],
    report.annotators.map((r) => [
      r.username, r.status || "—", r.submitted, fmt(r.throughput_per_hour, 1),
      r.median_lead_time_ms === null ? "—" : `${(r.median_lead_time_ms / 1000).toFixed(1)} s`,
      r.gold.answered ? `${pct(r.gold.accuracy)} (${pct(r.gold.low)}–${pct(r.gold.high)}) of ${r.gold.answered}` : "—",
      pct(r.agreement_with_consensus), fmt(r.skill, 2),
    ])));
  if (report.labels.length) {
    parts.push(table("confusion-table", "Confusion with consensus (rows: annotators' answers, columns: consensus)",
      ["", ...report.labels], report.confusion.overall.map((row, i) => [report.labels[i], ...row])));
  }
  if (report.over_time.length) {
    parts.push(table("over-time-table", "Quality per day",
      ["Day", "Compared answers", "Agreement with consensus", "Gold answers", "Gold accuracy"],
      report.over_time.map((r) => [r.period, r.compared, pct(r.agreement_with_consensus), r.gold_answered, pct(r.gold_accuracy)])));
  }
  return parts;
}

const METHODS = { mv: "Majority vote", wmv: "Weighted majority vote", onecoin: "One-coin Dawid–Skene",
  ds: "Dawid–Skene", glad: "GLAD", mace: "MACE" };
const CHOSEN_BY = { gold_accuracy: "accuracy on gold tasks", heldout_log_likelihood: "likelihood of withheld answers",
  override: "a manager's override", fallback: "the default (the methods could not be compared)" };

// Which aggregation method estimates the annotators' skills, why, every candidate's score, and the override.
function methodSection(report, project, reload) {
  const choice = report.method;
  const section = h("section", { class: "card aggregation-method", "aria-labelledby": "method-heading" },
    h("h2", { id: "method-heading" }, "Aggregation method"));
  if (choice) {
    section.append(h("p", { class: "method-choice" }, h("strong", null, METHODS[choice.method] || choice.method),
      ` — chosen by ${CHOSEN_BY[choice.chosen_by] || choice.chosen_by}, ${new Date(choice.at).toLocaleString()}.`));
    if (choice.reason) section.append(h("p", { class: "method-reason" }, choice.reason));
    if (choice.scores) {
      const byGold = choice.criterion === "gold_accuracy";
      section.append(table("method-scores-table",
        byGold ? "Accuracy on gold tasks (95% CI)" : "Mean log-likelihood of withheld answers (95% CI; closer to 0 is better)",
        ["Method", "Score", "95% CI", "Judged on", "Note"],
        Object.values(choice.scores).map((x) => [METHODS[x.method] || x.method,
          x.value === null ? "—" : (byGold ? pct(x.value) : fmt(x.value, 3)),
          x.value === null ? "—" : (byGold ? `${pct(x.low)}–${pct(x.high)}` : `${fmt(x.low, 3)} to ${fmt(x.high, 3)}`),
          x.n, x.error || (x.method === choice.method ? "fitted" : "")])));
    }
  } else {
    section.append(h("p", { class: "method-choice" }, "Skills have not been estimated for this control yet."));
  }
  if (!canDo(project, "manager")) return section;
  const select = h("select", { id: "method-override", "aria-label": "Aggregation method" },
    h("option", { value: "" }, "Automatic: the method the evidence favours"),
    Object.entries(METHODS).map(([key, label]) => h("option", { value: key, selected: key === report.method_override }, label)));
  const run = h("button", { type: "submit", class: "btn" }, "Re-estimate skills");
  section.append(h("form", { class: "toolbar method-form", onsubmit: async (event) => {
    event.preventDefault();
    run.disabled = true;
    try {
      const methods = { ...(project.settings.aggregation_methods || {}) };
      if (select.value) methods[report.control] = select.value; else delete methods[report.control];
      if ((methods[report.control] || "") !== (report.method_override || "")) {
        Object.assign(project, await api(`/projects/${project.id}`, { method: "PATCH",
          body: { settings: { aggregation_methods: methods } } }));
      }
      const out = await api(`/projects/${project.id}/quality/refit`, { method: "POST", body: { control: report.control } });
      toast(out.note || `${METHODS[out.method]}: skills estimated for ${out.annotators} annotators; ${out.tasks_updated} tasks updated.`);
      reload(report.control);
    } catch (error) { toastError(error, "Refit failed: "); run.disabled = false; }
  } }, h("label", { for: "method-override" }, "Method "), select, run));
  return section;
}

const formatValue = (c, x) => (c.higher_is_better ? pct(x) : fmt(x, 2));

// Every control of the schema; picking one shows its details below (the full report for single-choice ones).
function controlPicker(overview, current, reload) {
  const select = h("select", { id: "quality-control", "aria-label": "Control", onchange: () => reload(select.value) },
    overview.controls.map((c) => h("option", { value: c.control, selected: c.control === current }, `${c.control} (${c.type})`)));
  return h("div", { class: "toolbar" }, h("label", { for: "quality-control" }, "Control "), select);
}

function overviewSection(overview, current, reload) {
  return h("section", { class: "controls-overview", "aria-label": "All controls" }, table("controls-overview-table",
    "Agreement on every control (each with the measure its type calls for)",
    ["Control", "Type", "Measure", "Agreement", "Krippendorff's α", "Items compared", "Pairs"],
    overview.controls.map((c) => [
      h("button", { type: "button", class: "btn btn-small", "aria-current": c.control === current ? "true" : null,
        onclick: () => reload(c.control) }, c.control),
      c.type, c.measure, formatValue(c, c.value), fmt(c.alpha, 3), c.n_items, c.n_pairs])));
}

function controlDetail(entry) {
  if (!entry) return [];
  const parts = [h("h2", null, `${entry.control}: ${entry.measure}`)];
  if (!entry.n_pairs) parts.push(h("p", { class: "notes" }, "No two annotators have answered the same item yet."));
  parts.push(table("control-annotators-table", "Per annotator (mean over their pairs with others)",
    ["Annotator", entry.higher_is_better ? "Agreement" : "Mean difference", "Pairs"],
    entry.annotators.map((a) => [a.username, formatValue(entry, a.value), a.pairs])));
  parts.push(table("control-over-time-table", "Per day (pairs whose later answer fell on that day)",
    ["Day", entry.higher_is_better ? "Agreement" : "Mean difference", "Pairs"],
    entry.over_time.map((p) => [p.period, formatValue(entry, p.value), p.pairs])));
  return parts;
}

function metric(key, value, label) {
  return h("div", { class: "card metric", "data-metric": key },
    h("div", { class: "metric-value" }, String(value)), h("div", { class: "metric-label" }, label));
}

const cellContent = (cell) => (cell instanceof Node ? cell : String(cell));

function table(cls, caption, head, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: `table ${cls}` },
    h("caption", null, caption),
    h("thead", null, h("tr", null, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", null, rows.map((row) => h("tr", null, row.map((cell, i) =>
      i === 0 ? h("th", { scope: "row" }, cellContent(cell))
        : h("td", { class: typeof cell === "number" ? "num" : null }, cellContent(cell))))))));
}

// Pairwise Cohen's kappa as an SVG heat map: red (kappa <= 0) to green (1), grey where a pair shares no item.
function heatmap(pairwise) {
  const names = pairwise.annotators;
  const n = names.length;
  const cell = 44;
  const left = 110;
  const top = 24;
  const color = (k) => {
    if (k === null) return "#d9dde3";
    const t = Math.max(0, Math.min(1, k));
    return `hsl(${Math.round(t * 120)}, 65%, ${Math.round(88 - t * 38)}%)`;
  };
  const svg = s("svg", { class: "kappa-heatmap", role: "img", width: left + n * cell + 10, height: top + n * cell + 10,
    viewBox: `0 0 ${left + n * cell + 10} ${top + n * cell + 10}`, "aria-label": "Pairwise Cohen's kappa between annotators" });
  names.forEach((name, i) => {
    svg.append(s("text", { x: left - 6, y: top + i * cell + cell / 2 + 4, "text-anchor": "end", "font-size": 12 }, name));
    svg.append(s("text", { x: left + i * cell + cell / 2, y: top - 8, "text-anchor": "middle", "font-size": 12 }, name));
  });
  pairwise.matrix.forEach((row, i) => row.forEach((k, j) => {
    const shared = pairwise.n_shared[i][j];
    svg.append(s("g", { "data-pair": `${names[i]}|${names[j]}` },
      s("rect", { x: left + j * cell, y: top + i * cell, width: cell - 2, height: cell - 2, fill: color(k) },
        s("title", null, `${names[i]} × ${names[j]}: κ = ${k === null ? "undefined (no shared item)" : k.toFixed(3)}, ${shared} shared`)),
      s("text", { x: left + j * cell + cell / 2 - 1, y: top + i * cell + cell / 2 + 4, "text-anchor": "middle", "font-size": 11 },
        k === null ? "—" : k.toFixed(2))));
  }));
  return h("figure", { class: "card heatmap" }, h("figcaption", null, "Pairwise Cohen's κ"), svg);
}
