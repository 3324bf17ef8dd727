// A burn-down chart of a forecast (GET /projects/{id}/forecast): remaining answers so far, the expected
// remainder ahead and its 80 % band, drawn with the vendored uPlot. A table carries the same figures
// for screen readers and for reading exact values.
import uPlot from "/static/vendor/uplot/uPlot.esm.js";
import { formatNumber, h } from "/static/components/dom.js";

const CSS = "/static/vendor/uplot/uPlot.min.css";

function ensureCss() {
  if (document.querySelector(`link[href="${CSS}"]`)) return;
  document.head.append(h("link", { rel: "stylesheet", href: CSS }));
}

const seconds = (iso) => Date.parse(iso) / 1000;

/** The chart's columns: x, then history, expected, low, high (null where a series has no point). */
export function burndownData(forecast) {
  const rows = new Map();
  for (const [at, remaining] of forecast.history || []) rows.set(seconds(at), [remaining, null, null, null]);
  for (const [at, expected, low, high] of forecast.forecast || []) {
    const row = rows.get(seconds(at)) || [null, null, null, null];
    rows.set(seconds(at), [row[0], expected, low, high]);
  }
  const xs = [...rows.keys()].sort((a, b) => a - b);
  return [xs, ...[0, 1, 2, 3].map((i) => xs.map((x) => rows.get(x)[i]))];
}

export function burndown(forecast, { title = "Burn-down", width = 720, height = 260 } = {}) {
  ensureCss();
  const box = h("figure", { class: "burndown", "aria-label": title });
  const data = burndownData(forecast);
  if (data[0].length < 2) {
    box.append(h("p", { class: "muted" }, "Not enough answers yet to draw a burn-down."));
    return box;
  }
  const options = {
    title, width, height,
    scales: { x: { time: true } },
    series: [
      {},
      { label: "Remaining", stroke: "#2458c7", width: 2 },
      { label: "Forecast", stroke: "#d0731e", width: 2, dash: [6, 4] },
      { label: "Low (10 %)", stroke: "rgba(208,115,30,0.35)", width: 1 },
      { label: "High (90 %)", stroke: "rgba(208,115,30,0.35)", width: 1 },
    ],
    bands: [{ series: [4, 3], fill: "rgba(208,115,30,0.12)" }],
    axes: [{}, { label: "answers left" }],
  };
  const chart = h("div", { class: "burndown-chart" });
  box.append(chart, h("figcaption", { class: "small muted" },
    `Remaining answers: ${formatNumber(forecast.remaining)}. Expected done ${forecast.eta ? forecast.eta.replace("T", " ").slice(0, 16) + " UTC" : "— (no pace yet)"}` +
    (forecast.eta_low ? `, 80 % interval ${forecast.eta_low.slice(0, 16).replace("T", " ")} – ${forecast.eta_high.slice(0, 16).replace("T", " ")}` : "") + "."));
  box.plot = new uPlot(options, data, chart);
  return box;
}
