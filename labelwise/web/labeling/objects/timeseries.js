// Time-series objects: one lane per channel (each scaled to its own range, with its value axis), a
// time axis with ticks below, and the shared segment timeline laid over the plot. The series comes
// inline ({time: [...], channel: [...]}) or as a CSV address (a header row; the time column and one
// column per channel). , and . move the cursor by 1% of the view (Shift: 10%); + and - zoom around
// the cursor (the mouse wheel around the pointer); the view follows the cursor.

import { el, safeMediaUrl, stepOf, svg } from "../util.js";
import { TimeAxis } from "../controls/segments.js";

const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"];
const LEFT = 64;   // room for each lane's value labels
const BOTTOM = 24; // room for the time ticks
const LANE = 76;

// Round tick positions (1, 2 or 5 times a power of ten) covering [a, b].
export function ticks(a, b, count = 6) {
  if (!(b > a)) return [a];
  const raw = (b - a) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(a / step) * step; t <= b + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

const label = (v) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Math.round(v * 1000) / 1000));

// A CSV with a header row into {column: [numbers]} (quoted fields allowed, no embedded newlines).
export function parseCsv(text) {
  const rows = text.replace(/\r\n?/g, "\n").split("\n").filter((line) => line.trim());
  const split = (line) => (line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) || []).slice(0, -1)
    .map((cell) => cell.replace(/,$/, "").replace(/^"(.*)"$/s, "$1").replace(/""/g, '"').trim());
  const header = split(rows[0] || "");
  const columns = Object.fromEntries(header.map((h) => [h, []]));
  for (const line of rows.slice(1)) split(line).forEach((cell, i) => header[i] !== undefined && columns[header[i]].push(Number(cell)));
  return columns;
}

export class TimeseriesViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.cursor = null;
    this.times = [];
    this.problem = el("p", { class: "lw-error", role: "alert", hidden: true });
    this.chart = el("div", { class: "lw-chart-wrap", style: { position: "relative" } });
    this.plot = svg("svg", { class: "lw-chart", role: "img", "aria-label": name });
    this.overlay = el("div", { class: "lw-chart-overlay", style: { position: "absolute", left: `${LEFT}px`, right: "0", top: "0", bottom: `${BOTTOM}px` } });
    this.chart.append(this.plot, this.overlay);
    this.info = el("span", { class: "lw-time" });
    this.legend = el("div", { class: "lw-media-bar lw-legend" });
    this.el = el("div", { class: "lw-timeseries-viewer" }, this.problem, this.chart, this.legend, el("div", { class: "lw-media-bar" }, this.info));
    this.chart.addEventListener("wheel", (event) => this._wheel(event), { passive: false });
    this._resize = new ResizeObserver(() => this.render());
    this._resize.observe(this.chart);
    if (typeof value === "string") {
      const url = safeMediaUrl(value, "any");
      if (!url) { this._fail(`This series' address is not allowed (${value.slice(0, 60)}).`); return; }
      this.info.textContent = "Loading the series…";
      fetch(url, { credentials: "same-origin" })
        .then((response) => { if (!response.ok) throw new Error(`HTTP ${response.status}`); return response.text(); })
        .then((text) => { this._load(parseCsv(text)); this.editor.refresh(); })
        .catch((error) => this._fail(`The series at ${value.slice(0, 60)} could not be loaded (${error.message}).`));
      return;
    }
    this._load(value && typeof value === "object" ? value : {});
  }

  destroy() { this._resize.disconnect(); }

  _load(data) {
    const timeKey = this.spec.time_key || "time";
    const times = Array.isArray(data[timeKey]) ? data[timeKey].map(Number) : [];
    if (!times.length) { this._fail(`This task has no "${timeKey}" values for the series.`); return; }
    this.times = times;
    this.channels = (this.spec.channels || Object.keys(data).filter((k) => k !== timeKey && Array.isArray(data[k])))
      .map((channel, lane) => {
        const values = (Array.isArray(data[channel]) ? data[channel] : []).map(Number);
        const finite = values.filter(Number.isFinite);
        return { channel, values, color: COLORS[lane % COLORS.length],
          lo: finite.length ? Math.min(...finite) : 0, hi: finite.length ? Math.max(...finite) : 1 };
      });
    this.t0 = Math.min(...times);
    this.t1 = Math.max(...times);
    this.view = [this.t0, this.t1];
    this.cursor = this.t0;
    this.plot.setAttribute("aria-label", `${this.name}: ${this.channels.map((c) => c.channel).join(", ")}`);
    this.legend.replaceChildren(...this.channels.map((c) => el("span", { style: { color: c.color }, text: `■ ${c.channel}` })));
    this.axis = new TimeAxis(this.editor, this, this.overlay);
    this.axis.svg.style.width = "100%";
    this.axis.svg.style.height = "100%";
  }

  _fail(message) { this.problem.textContent = message; this.problem.hidden = false; this.info.textContent = ""; }

  // The segment timeline works in the view; regions are clamped to the whole series.
  timeRange() { return this.view ? [...this.view] : [0, 1]; }
  fullRange() { return [this.t0 ?? 0, this.t1 ?? 1]; }
  cursorTime() { return this.cursor; }

  seek(t) {
    if (!this.view) return;
    this.cursor = Math.max(this.t0, Math.min(this.t1, t));
    const [a, b] = this.view;
    if (this.cursor < a || this.cursor > b) this._setView(this.cursor - (b - a) / 2, b - a); // follow the cursor
    this.render();
  }

  zoom(factor, around = this.cursor) {
    if (!this.view) return;
    const [a, b] = this.view;
    const span = Math.min(this.t1 - this.t0, Math.max((this.t1 - this.t0) / 1000, (b - a) * factor));
    const f = b > a ? (around - a) / (b - a) : 0.5;
    this._setView(around - f * span, span);
    this.render();
  }

  _setView(start, span) {
    const a = Math.max(this.t0, Math.min(this.t1 - span, start));
    this.view = [a, Math.min(this.t1, a + span)];
  }

  _wheel(event) {
    if (!this.view) return;
    event.preventDefault();
    const rect = this.overlay.getBoundingClientRect();
    const [a, b] = this.view;
    const around = a + Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width)) * (b - a);
    this.zoom(event.deltaY < 0 ? 0.8 : 1.25, around);
  }

  render() {
    if (!this.axis) return;
    const width = Math.max(200, this.chart.clientWidth || 800);
    const plotW = width - LEFT;
    const height = LANE * Math.max(1, this.channels.length) + BOTTOM;
    const [a, b] = this.view;
    const x = (t) => LEFT + (b > a ? ((t - a) / (b - a)) * plotW : 0);
    this.plot.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.plot.style.height = `${height}px`;
    const nodes = [svg("defs", {}, svg("clipPath", { id: `lw-clip-${this.name}` }, svg("rect", { x: LEFT, y: 0, width: plotW, height: height - BOTTOM })))];
    const bottom = height - BOTTOM;
    for (const t of ticks(a, b)) {
      nodes.push(svg("line", { class: "lw-grid", x1: x(t), x2: x(t), y1: 0, y2: bottom }),
        svg("line", { class: "lw-axis", x1: x(t), x2: x(t), y1: bottom, y2: bottom + 4 }),
        svg("text", { class: "lw-tick", x: x(t), y: bottom + 16, "text-anchor": "middle", text: label(t) }));
    }
    nodes.push(svg("line", { class: "lw-axis", x1: LEFT, x2: width, y1: bottom, y2: bottom }));
    // Points in view (and one on each side); long series keep each pixel column's min and max.
    let i0 = this.times.findIndex((t) => t >= a);
    i0 = Math.max(0, i0 < 0 ? this.times.length - 1 : i0 - 1);
    let i1 = this.times.length - 1;
    while (i1 > i0 && this.times[i1 - 1] > b) i1--;
    this.channels.forEach((c, lane) => {
      const top = lane * LANE;
      const y = (v) => top + 6 + (1 - (c.hi > c.lo ? (v - c.lo) / (c.hi - c.lo) : 0.5)) * (LANE - 12);
      const points = [];
      const stride = Math.max(1, Math.floor((i1 - i0 + 1) / (2 * plotW)));
      for (let i = i0; i <= i1; i += stride) {
        let lo = i;
        let hi = i;
        for (let j = i; j < Math.min(i1 + 1, i + stride); j++) {
          if (Number.isFinite(c.values[j]) && (!Number.isFinite(c.values[lo]) || c.values[j] < c.values[lo])) lo = j;
          if (Number.isFinite(c.values[j]) && (!Number.isFinite(c.values[hi]) || c.values[j] > c.values[hi])) hi = j;
        }
        for (const j of lo <= hi ? [lo, hi] : [hi, lo]) if (Number.isFinite(c.values[j])) points.push(`${x(this.times[j]).toFixed(1)},${y(c.values[j]).toFixed(1)}`);
      }
      nodes.push(
        svg("line", { class: "lw-axis", x1: LEFT, x2: LEFT, y1: top + 2, y2: top + LANE - 2 }),
        svg("text", { class: "lw-tick", x: LEFT - 6, y: y(c.hi) + 4, "text-anchor": "end", text: label(c.hi) }),
        svg("text", { class: "lw-tick", x: LEFT - 6, y: y(c.lo), "text-anchor": "end", text: label(c.lo) }),
        svg("text", { class: "lw-channel", x: LEFT + 6, y: top + 14, fill: c.color, text: c.channel }),
        svg("polyline", { class: "lw-line", "data-channel": c.channel, points: points.join(" "), stroke: c.color, "clip-path": `url(#lw-clip-${this.name})` },
          svg("title", { text: `${c.channel}: ${label(c.lo)} to ${label(c.hi)}` })));
      if (lane) nodes.push(svg("line", { class: "lw-grid", x1: LEFT, x2: width, y1: top, y2: top }));
    });
    this.plot.replaceChildren(...nodes);
    this.axis.render();
    const zoomed = a > this.t0 || b < this.t1;
    this.info.textContent = `cursor ${label(this.cursor)} · ${zoomed ? `view ${label(a)}–${label(b)} of ` : "range "}${label(this.t0)}–${label(this.t1)}`;
  }

  handleKey(event, key) {
    if (!this.axis) return false;
    const [a, b] = this.view;
    const step = stepOf(event, key, 10);
    if (step) { this.seek(this.cursor + step * 0.01 * (b - a)); return true; }
    if (key === "+" || key === "=" || key === "shift+=") { this.zoom(0.5); return true; }
    if (key === "-") { this.zoom(2); return true; }
    return false;
  }

  keys() {
    return [{ key: ", / . (Shift: 10%)", what: `${this.name}: move the cursor by 1% of the view` },
      { key: "+ / −, wheel", what: `${this.name}: zoom in / out around the cursor (the view follows the cursor)` }];
  }
}
