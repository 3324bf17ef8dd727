// Charts drawn as SVG by hand: a bar chart (throughput per day) and a progress ring.
import { h, s, formatNumber } from "./dom.js";

/** Bars for [{label, value}]; every bar has a tooltip and the whole chart a text summary. */
export function barChart(points, { title = "", width = 640, height = 220, unit = "" } = {}) {
  const pad = { top: 16, right: 12, bottom: 36, left: 44 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map((p) => p.value));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const step = innerW / Math.max(1, points.length);
  const barW = Math.max(2, Math.min(48, step * 0.7));
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const svg = s("svg", {
    class: "chart bar-chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${title}: ${points.length} days, ${formatNumber(total)} ${unit} in total`,
    preserveAspectRatio: "xMidYMid meet",
  }, s("title", null, title));
  for (const t of ticks) {
    const y = pad.top + innerH - (t / top) * innerH;
    svg.append(s("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }),
      s("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", class: "axis" }, formatNumber(t)));
  }
  const labelEvery = Math.ceil(points.length / Math.max(1, Math.floor(innerW / 56)));
  points.forEach((p, i) => {
    const x = pad.left + i * step + (step - barW) / 2;
    const barH = (p.value / top) * innerH;
    svg.append(s("rect", { x, y: pad.top + innerH - barH, width: barW, height: Math.max(0, barH), class: "bar",
      "data-value": p.value }, s("title", null, `${p.label}: ${formatNumber(p.value)} ${unit}`)));
    if (i % labelEvery === 0) {
      svg.append(s("text", { x: x + barW / 2, y: height - pad.bottom + 16, "text-anchor": "middle", class: "axis" },
        p.short ?? p.label));
    }
  });
  svg.append(s("line", { x1: pad.left, x2: width - pad.right, y1: pad.top + innerH, y2: pad.top + innerH, class: "baseline" }));
  return svg;
}

function niceTicks(max) {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((f) => f * mag).find((v) => v >= raw));
  const ticks = [];
  for (let v = 0; v < max + step; v += step) ticks.push(v);
  return ticks;
}

/** A ring showing a fraction 0..1, with the percentage in words in the middle. */
export function progressRing(fraction, { size = 140, stroke = 14, label = "Progress" } = {}) {
  const f = Math.max(0, Math.min(1, Number(fraction) || 0));
  const r = (size - stroke) / 2;
  const c = 2 * Math.PI * r;
  const pct = `${(f * 100).toFixed(f > 0 && f < 0.01 ? 2 : 1)}%`;
  return s("svg", { class: "chart progress-ring", width: size, height: size, viewBox: `0 0 ${size} ${size}`,
    role: "img", "aria-label": `${label}: ${pct}` },
  s("circle", { cx: size / 2, cy: size / 2, r, class: "ring-track", "stroke-width": stroke, fill: "none" }),
  s("circle", { cx: size / 2, cy: size / 2, r, class: "ring-value", "stroke-width": stroke, fill: "none",
    "stroke-dasharray": `${f * c} ${c}`, transform: `rotate(-90 ${size / 2} ${size / 2})`, "stroke-linecap": "round" }),
  s("text", { x: size / 2, y: size / 2 + 7, "text-anchor": "middle", class: "ring-text" }, pct));
}

/** A horizontal stacked bar of task states, with a legend in words. */
export function stateBar(parts) {
  const total = parts.reduce((sum, p) => sum + p.value, 0) || 1;
  const bar = h("div", { class: "state-bar", role: "img",
    "aria-label": parts.map((p) => `${p.label} ${formatNumber(p.value)}`).join(", ") });
  const legend = h("ul", { class: "legend" });
  for (const p of parts) {
    bar.append(h("span", { class: `state-${p.key}`, style: { width: `${(100 * p.value) / total}%` }, title: `${p.label}: ${p.value}` }));
    legend.append(h("li", null, h("span", { class: `swatch state-${p.key}` }), `${p.label}: ${formatNumber(p.value)}`));
  }
  return h("div", { class: "state-bar-wrap" }, bar, legend);
}
