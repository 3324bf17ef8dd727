// Time-series objects: an SVG line chart, one lane per channel (each scaled to its own range), with the
// shared time axis on top for segments. , and . move the cursor by 1% of the range (Shift: 10%).

import { el, stepOf, svg } from "../util.js";
import { TimeAxis } from "../controls/segments.js";

const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"];

export class TimeseriesViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.cursor = null;
    this.problem = el("p", { class: "lw-error", role: "alert", hidden: true });
    this.chart = el("div", { class: "lw-chart-wrap", style: { position: "relative" } });
    this.info = el("span", { class: "lw-time" });
    this.el = el("div", { class: "lw-timeseries-viewer" }, this.problem, this.chart, el("div", { class: "lw-media-bar" }, this.info));
    const timeKey = spec.time_key || "time";
    if (typeof value === "string") {
      this._fail("This time series is a CSV address; this page shows series given inline as {time: [...], channel: [...]}.");
      this.times = [];
      return;
    }
    const data = value && typeof value === "object" ? value : {};
    this.times = Array.isArray(data[timeKey]) ? data[timeKey].map(Number) : [];
    if (!this.times.length) { this._fail(`This task has no "${timeKey}" values for the series.`); return; }
    const channels = spec.channels || Object.keys(data).filter((k) => k !== timeKey && Array.isArray(data[k]));
    this.t0 = Math.min(...this.times);
    this.t1 = Math.max(...this.times);
    this.cursor = this.t0;
    const W = 1000;
    const laneH = 80;
    const H = laneH * Math.max(1, channels.length);
    const plot = svg("svg", { class: "lw-chart", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img", "aria-label": `${name}: ${channels.join(", ")}` });
    plot.style.height = `${Math.max(140, 70 * channels.length)}px`;
    channels.forEach((channel, lane) => {
      const values = (Array.isArray(data[channel]) ? data[channel] : []).map(Number);
      const finite = values.filter(Number.isFinite);
      const lo = finite.length ? Math.min(...finite) : 0;
      const hi = finite.length ? Math.max(...finite) : 1;
      const y = (v) => lane * laneH + 6 + (1 - (hi > lo ? (v - lo) / (hi - lo) : 0.5)) * (laneH - 12);
      const points = this.times.map((t, i) => (Number.isFinite(values[i]) ? `${this._x(t)},${y(values[i])}` : null)).filter(Boolean).join(" ");
      plot.append(svg("line", { class: "lw-axis", x1: 0, x2: W, y1: (lane + 1) * laneH, y2: (lane + 1) * laneH }),
        svg("polyline", { class: "lw-line", points, stroke: COLORS[lane % COLORS.length] }, svg("title", { text: `${channel}: ${lo} to ${hi}` })));
    });
    this.legend = el("div", { class: "lw-media-bar" }, channels.map((c, i) => el("span", { style: { color: COLORS[i % COLORS.length] }, text: `■ ${c}` })));
    this.chart.append(plot);
    this.overlay = el("div", { class: "lw-chart-overlay", style: { position: "absolute", inset: "0" } });
    this.chart.append(this.overlay);
    this.axis = new TimeAxis(editor, this, this.overlay);
    this.axis.svg.style.width = "100%";
    this.axis.svg.style.height = "100%";
    this.el.insertBefore(this.legend, this.chart.nextSibling);
  }

  _x(t) { return this.t1 > this.t0 ? ((t - this.t0) / (this.t1 - this.t0)) * 1000 : 0; }
  _fail(message) { this.problem.textContent = message; this.problem.hidden = false; }

  timeRange() { return [this.t0 ?? 0, this.t1 ?? 1]; }
  cursorTime() { return this.cursor; }
  seek(t) { this.cursor = Math.max(this.t0, Math.min(this.t1, t)); this.render(); }

  render() {
    if (!this.axis) return;
    this.axis.render();
    this.info.textContent = `cursor ${Math.round(this.cursor * 1000) / 1000} · range ${this.t0}–${this.t1}`;
  }

  handleKey(event, key) {
    if (!this.axis) return false;
    const span = this.t1 - this.t0;
    const step = stepOf(event, key, 10);
    if (step) { this.seek(this.cursor + step * 0.01 * span); return true; }
    return false;
  }

  keys() { return [{ key: ", / . (Shift: 10%)", what: `${this.name}: move the cursor by 1% of the range` }]; }
}
