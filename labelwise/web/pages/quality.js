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
    let report;
    try {
      const query = control ? `?control=${encodeURIComponent(control)}` : "";
      report = await api(`/projects/${project.id}/quality${query}`, { signal: ctx.signal });
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: () => load(control), title: "Could not load the quality report." }));
      return;
    }
    body.replaceChildren(...render(report, project, load));
  }
  await load(ctx.query.get("control"));
}

function render(report, project, reload) {
  const parts = [];
  const tools = h("div", { class: "toolbar" });
  if (report.controls.length > 1) {
    const select = h("select", { "aria-label": "Control", onchange: () => reload(select.value) },
      report.controls.map((c) => h("option", { value: c, selected: c === report.control }, c)));
    tools.append(h("label", null, "Control ", select));
  }
  if (canDo(project, "manager") && report.control) {
    tools.append(h("button", { type: "button", class: "btn", onclick: async (event) => {
      event.target.disabled = true;
      try {
        const out = await api(`/projects/${project.id}/quality/refit`, { method: "POST", body: { control: report.control } });
        toast(out.note || `Skills estimated for ${out.annotators} annotators; ${out.tasks_updated} tasks updated.`);
        reload(report.control);
      } catch (error) { toastError(error, "Refit failed: "); event.target.disabled = false; }
    } }, "Re-estimate skills (Dawid–Skene)"));
  }
  parts.push(tools);
  const fresh = report.freshness;
  if (fresh) {
    parts.push(h("p", { class: "muted", "aria-label": "Freshness" }, fresh.pending_tasks
      ? `${fresh.pending_tasks} task${fresh.pending_tasks === 1 ? "" : "s"} pending recompute (consensus and gold `
        + `figures wait for answers since ${new Date(fresh.oldest_pending_at).toLocaleTimeString()}); `
        + `computed at ${new Date(fresh.computed_at).toLocaleTimeString()}`
      : `Consensus and gold figures up to date; computed at ${new Date(fresh.computed_at).toLocaleTimeString()}`));
  }
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

function metric(key, value, label) {
  return h("div", { class: "card metric", "data-metric": key },
    h("div", { class: "metric-value" }, String(value)), h("div", { class: "metric-label" }, label));
}

function table(cls, caption, head, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: `table ${cls}` },
    h("caption", null, caption),
    h("thead", null, h("tr", null, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", null, rows.map((row) => h("tr", null, row.map((cell, i) =>
      i === 0 ? h("th", { scope: "row" }, String(cell)) : h("td", { class: typeof cell === "number" ? "num" : null }, String(cell))))))));
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
