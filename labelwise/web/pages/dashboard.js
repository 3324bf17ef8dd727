// Project dashboard: progress, task states, throughput per day, ETA and per-annotator work.
import { api } from "/static/api.js";
import { errorBox } from "/static/components/alerts.js";
import { barChart, progressRing, stateBar } from "/static/components/charts.js";
import { burndown } from "/static/components/burndown.js";
import { formatDuration, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";
import { renderMarkdown } from "/static/components/markdown.js";

export default async function dashboard(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(project.name);
  view.append(projectHeader(project, "dashboard"));
  if (project.description) view.append(h("div", { class: "description" }, renderMarkdown(project.description)));
  const body = h("div", { class: "dashboard" });
  view.append(body);
  if (!canDo(project, "reviewer")) {
    body.append(h("div", { class: "card" }, h("p", null, "As an annotator you label tasks; the dashboard is for reviewers and managers."),
      h("a", { href: `/app/projects/${project.id}/label`, class: "btn btn-primary" }, "Start labeling")));
    return;
  }
  const load = async () => {
    body.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading statistics…"));
    try {
      const stats = await api(`/projects/${project.id}/stats`, { signal: ctx.signal });
      const forecast = await api(`/projects/${project.id}/forecast`, { signal: ctx.signal });
      body.replaceChildren(...renderStats(project, stats), renderForecast(forecast), h("div", { class: "actions" },
        h("button", { type: "button", class: "btn btn-small", onclick: load }, "Refresh")));
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: load, title: "Statistics could not be loaded." }));
    }
  };
  await load();
}

function metric(label, value, key) {
  return h("div", { class: "metric card", dataset: { metric: key } },
    h("div", { class: "metric-value" }, value), h("div", { class: "metric-label" }, label));
}

function renderStats(project, stats) {
  const base = `/app/projects/${project.id}`;
  const overlap = project.settings?.overlap ?? 1;
  const inProgress = Math.max(0, stats.labeled - stats.complete);
  const summary = h("section", { class: "overview", "aria-label": "Progress" },
    h("div", { class: "card progress-card" },
      progressRing(stats.progress, { label: "Tasks complete" }),
      h("div", null,
        h("p", { class: "big" }, h("span", { dataset: { metric: "complete" } }, formatNumber(stats.complete)),
          ` of ${formatNumber(stats.tasks)} tasks complete`),
        h("p", { class: "small muted" }, `A task is complete with ${overlap} submitted annotation${overlap === 1 ? "" : "s"}.`),
        h("p", null, "ETA: ", h("strong", { dataset: { metric: "eta" } }, etaText(stats))),
        stats.tasks === 0
          ? h("p", null, "No tasks yet. ", h("a", { href: `${base}/import` }, "Import data"), " to get started.")
          : h("a", { href: `${base}/label`, class: "btn btn-primary" }, "Start labeling"))),
    h("div", { class: "metrics" },
      metric("Tasks", formatNumber(stats.tasks), "tasks"),
      metric("Unlabeled", formatNumber(stats.unlabeled), "unlabeled"),
      metric("Labeled", formatNumber(stats.labeled), "labeled"),
      metric("Annotations submitted", formatNumber(stats.annotations_submitted), "submitted"),
      metric("Skipped", formatNumber(stats.annotations_skipped), "skipped"),
      metric("Predictions", formatNumber(stats.predictions), "predictions")));
  const states = h("section", { class: "card" }, h("h2", null, "Task states"),
    stateBar([
      { key: "complete", label: "Complete", value: stats.complete },
      { key: "progress", label: "In progress", value: inProgress },
      { key: "unlabeled", label: "Unlabeled", value: stats.unlabeled },
    ]));
  const throughput = h("section", { class: "card" }, h("h2", null, "Throughput per day"));
  if (Array.isArray(stats.per_day)) {
    if (stats.per_day.length) {
      const points = fillDays(stats.per_day).map((d) => ({ label: d.date, short: d.date.slice(5), value: d.submitted }));
      throughput.append(barChart(points, { title: "Annotations submitted per day", unit: "annotations" }),
        dayTable(points));
    } else throughput.append(h("p", { class: "muted" }, "No annotations submitted yet."));
  } else {
    throughput.append(h("p", { class: "muted" }, "This server does not report daily throughput yet."));
  }
  const people = h("section", { class: "card" }, h("h2", null, "Annotators"));
  if (stats.annotators.length) {
    people.append(h("div", { class: "table-wrap" }, h("table", { class: "table annotators-table" },
      h("thead", null, h("tr", null, ["Annotator", "Submitted", "Skipped", "Median time per task"].map((t, i) =>
        h("th", { scope: "col", class: i ? "num" : null }, t)))),
      h("tbody", null, stats.annotators.map((a) => h("tr", null,
        h("th", { scope: "row" }, a.username),
        h("td", { class: "num" }, formatNumber(a.submitted)),
        h("td", { class: "num" }, formatNumber(a.skipped)),
        h("td", { class: "num" }, a.median_lead_time_ms == null ? "—" : `${(a.median_lead_time_ms / 1000).toFixed(1)} s`)))))));
  } else people.append(h("p", { class: "muted" }, "Nobody has annotated yet."));
  return [summary, h("div", { class: "grid-2 wide" }, states, throughput), people];
}

const when = (iso) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—");
const money = (value) => (value == null ? "—" : value.toFixed(2));

/** Forecast to completion: the project's burn-down, then each batch's ETA, interval, deadline and cost. */
function renderForecast(forecast) {
  const whole = forecast.project;
  const section = h("section", { class: "card forecast", "aria-label": "Forecast" }, h("h2", null, "Forecast"),
    burndown(whole, { title: "Answers left in the project" }));
  if (forecast.batches.length) {
    section.append(h("div", { class: "table-wrap" }, h("table", { class: "table batches-table" },
      h("thead", null, h("tr", null, ["Batch", "Status", "Left", "Pace /h", "Expected done", "80 % interval", "Deadline",
        "Spent", "Cost to go"].map((t, i) => h("th", { scope: "col", class: i > 1 ? "num" : null }, t)))),
      h("tbody", null, forecast.batches.map((b) => h("tr", { dataset: { batch: b.id } },
        h("th", { scope: "row" }, b.name),
        h("td", null, b.status + (b.status_reason ? ` (${b.status_reason})` : "")),
        h("td", { class: "num" }, formatNumber(b.remaining)),
        h("td", { class: "num" }, b.rate_per_hour.toFixed(1)),
        h("td", { class: "num" }, when(b.eta)),
        h("td", { class: "num" }, b.eta_low ? `${when(b.eta_low)} – ${when(b.eta_high)}` : "—"),
        h("td", { class: "num" + (b.on_time === false ? " late" : "") }, when(b.deadline) + (b.on_time === false ? " (late)" : "")),
        h("td", { class: "num" }, money(b.cost_spent) + (b.budget != null ? ` of ${money(b.budget)}` : "")),
        h("td", { class: "num" }, `${money(b.cost_remaining)} (${money(b.cost_remaining_low)}–${money(b.cost_remaining_high)})`)))))));
  }
  return section;
}

function etaText(stats) {
  if (stats.tasks > 0 && stats.complete >= stats.tasks) return "done";
  if (!("eta_seconds" in stats)) return "not reported by this server yet";
  if (stats.eta_seconds === null) return "unknown until work is under way";
  return formatDuration(stats.eta_seconds);
}

/** At least the last 14 days, with days without submissions as zero bars so gaps stay visible. */
function fillDays(perDay) {
  const sorted = [...perDay].sort((a, b) => a.date.localeCompare(b.date));
  const byDate = new Map(sorted.map((d) => [d.date, d.submitted]));
  const today = new Date().toISOString().slice(0, 10);
  const lastKey = sorted.length && sorted[sorted.length - 1].date > today ? sorted[sorted.length - 1].date : today;
  const end = new Date(`${lastKey}T00:00:00Z`);
  const start = new Date(end);
  start.setUTCDate(start.getUTCDate() - 13);
  if (sorted.length && sorted[0].date < start.toISOString().slice(0, 10)) start.setTime(Date.parse(`${sorted[0].date}T00:00:00Z`));
  const out = [];
  for (const day = start; day <= end && out.length < 400; day.setUTCDate(day.getUTCDate() + 1)) {
    const key = day.toISOString().slice(0, 10);
    out.push({ date: key, submitted: byDate.get(key) || 0 });
  }
  return out.slice(-400);
}

function dayTable(points) {
  return h("details", { class: "small" }, h("summary", null, "Show as a table"),
    h("table", { class: "table" }, h("thead", null, h("tr", null, h("th", { scope: "col" }, "Day"), h("th", { scope: "col", class: "num" }, "Submitted"))),
      h("tbody", null, points.map((p) => h("tr", null, h("td", null, p.label), h("td", { class: "num" }, formatNumber(p.value)))))));
}
