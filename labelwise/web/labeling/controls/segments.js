// Segments (time ranges) on audio, video and time series, and the time axis those viewers share:
// drag on the axis to make a segment, drag its edges to adjust it, click to select; from the
// keyboard, m marks the start at the cursor (playhead) and m again the end.

import { svg } from "../util.js";
import { RegionControl } from "./base.js";

const r3 = (v) => Math.round(v * 1000) / 1000;
const WIDTH = 1000;

export class TimeAxis {
  // viewer: {name, timeRange() -> [t0, t1], cursorTime(), seek(t), extraMarks?() -> [svg nodes]}
  constructor(editor, viewer, container, { height = 100 } = {}) {
    this.editor = editor;
    this.viewer = viewer;
    this.height = height;
    this.svg = svg("svg", { class: "lw-axis-svg", viewBox: `0 0 ${WIDTH} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": `${viewer.name} timeline` });
    container.append(this.svg);
    this.drag = null;
    this.svg.addEventListener("pointerdown", (e) => this._down(e));
    this.svg.addEventListener("pointermove", (e) => this.drag && this.drag.move(this.timeAt(e)));
    this.svg.addEventListener("pointerup", (e) => { const d = this.drag; this.drag = null; if (d) d.end(this.timeAt(e)); });
  }

  x(t) {
    const [t0, t1] = this.viewer.timeRange();
    return t1 > t0 ? ((t - t0) / (t1 - t0)) * WIDTH : 0;
  }

  timeAt(event) {
    const rect = this.svg.getBoundingClientRect();
    const [t0, t1] = this.viewer.timeRange();
    const f = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width));
    return t0 + f * (t1 - t0);
  }

  pxPerUnit() {
    const [t0, t1] = this.viewer.timeRange();
    return this.svg.getBoundingClientRect().width / Math.max(1e-9, t1 - t0);
  }

  segmentControls() { return this.editor.regionControlsOn(this.viewer.name).filter((c) => c.spec.type === "segments"); }

  activeSegments() {
    const active = this.editor.controls[this.editor.active];
    return this.segmentControls().includes(active) ? active : null;
  }

  _down(event) {
    if (event.button !== 0) return;
    const t = this.timeAt(event);
    const target = event.target.closest && event.target.closest("[data-region]");
    let control = this.activeSegments();
    this.svg.setPointerCapture(event.pointerId);
    if (target) {
      const owner = this.editor.regionOwner(target.dataset.region);
      const region = owner && owner.region(target.dataset.region);
      if (owner && region && owner.spec.type === "segments") {
        this.editor.select(owner.name, region.id);
        const px = this.pxPerUnit();
        const edge = Math.abs(t - region.start) * px < 6 ? "start" : Math.abs(t - region.end) * px < 6 ? "end" : null;
        if (edge && !this.editor.readonly) {
          this.drag = {
            move: (u) => owner.update(region.id, (r) => owner.clampEdge(r, edge, u), { record: false }),
            end: () => this.editor.commit(),
          };
        } else {
          this.drag = { move: () => {}, end: () => {} };
        }
        return;
      }
    }
    if (!control && !this.editor.readonly) {
      const first = this.segmentControls()[0];
      const current = this.editor.controls[this.editor.active];
      const busyHere = current && current.spec.object === this.viewer.name; // e.g. tracks: the axis seeks
      if (first && !busyHere) { this.editor.activate(first.name); control = first; }
    }
    if (!control || this.editor.readonly) {
      this.viewer.seek(t);
      this.drag = { move: (u) => this.viewer.seek(u), end: () => {} };
      return;
    }
    control.pending = { start: t, end: t };
    this.drag = {
      move: (u) => { control.pending.end = u; this.render(); },
      end: (u) => {
        const a = Math.min(control.pending.start, u);
        const b = Math.max(control.pending.start, u);
        control.pending = null;
        if ((b - a) * this.pxPerUnit() < 4) { this.viewer.seek(t); this.render(); return; }
        control.addSegment(a, b);
      },
    };
  }

  render() {
    const nodes = [];
    const selected = this.editor.selected;
    const controls = this.segmentControls();
    const lanes = Math.max(1, controls.length);
    controls.forEach((control, lane) => {
      const y = (lane * this.height) / lanes;
      const h = this.height / lanes;
      for (const r of control.regions()) {
        const isSel = !!selected && selected.id === r.id;
        nodes.push(svg("rect", {
          "data-region": r.id, class: "lw-seg-rect" + (isSel ? " lw-selected" : ""), style: `--lw-color:${control.color(r.label)}`,
          x: this.x(r.start), y: y + 2, width: Math.max(1, this.x(r.end) - this.x(r.start)), height: h - 4, "vector-effect": "non-scaling-stroke",
        }, svg("title", { text: control.describe(r) })));
      }
      const p = control.pending || (control.mark !== null && control.mark !== undefined ? { start: control.mark, end: this.viewer.cursorTime() } : null);
      if (p) {
        nodes.push(svg("rect", { class: "lw-seg-rect lw-pending", style: `--lw-color:${control.color(control.currentLabel)}`, x: this.x(Math.min(p.start, p.end)), y: y + 2, width: Math.max(1, Math.abs(this.x(p.end) - this.x(p.start))), height: h - 4, "vector-effect": "non-scaling-stroke" }));
      }
    });
    if (this.viewer.extraMarks) nodes.push(...this.viewer.extraMarks(this));
    const c = this.viewer.cursorTime();
    if (c !== null && c !== undefined) nodes.push(svg("line", { class: "lw-playhead", x1: this.x(c), x2: this.x(c), y1: 0, y2: this.height, "vector-effect": "non-scaling-stroke" }));
    this.svg.replaceChildren(...nodes);
  }
}

export class SegmentsControl extends RegionControl {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.pending = null;
    this.mark = null;
  }

  viewer() { return this.editor.viewers[this.spec.object]; }
  unit() { return this.editor.objectSpec(this.spec.object).type === "timeseries" ? "" : " s"; }
  describe(r) { return `${r.label} ${r3(r.start)}–${r3(r.end)}${this.unit()}`; }
  get busy() { return this.mark !== null; }

  bounds() { const v = this.viewer(); return v?.fullRange?.() || v?.timeRange() || [0, Infinity]; }

  addSegment(a, b) {
    const [t0, t1] = this.bounds();
    const start = r3(Math.max(t0, Math.min(a, b)));
    const end = r3(Math.min(t1, Math.max(a, b)));
    if (!(end > start)) { this.viewer()?.render(); return null; }
    if (this.spec.allow_overlap === false && this.regions().some((r) => r.start < end && start < r.end)) {
      this.editor.say(`${this.name} does not allow overlapping segments.`);
      this.viewer()?.render();
      return null;
    }
    return this.add({ start, end });
  }

  clampEdge(r, edge, t) {
    const [t0, t1] = this.bounds();
    if (edge === "start") return { start: r3(Math.max(t0, Math.min(t, r.end - 1e-3))) };
    return { end: r3(Math.min(t1, Math.max(t, r.start + 1e-3))) };
  }

  handleKey(event, key, opts = {}) {
    if (!opts.passive && key === "m" && !this.readonly) {
      const t = this.viewer()?.cursorTime() ?? 0;
      if (this.mark === null) { this.mark = t; this.editor.say(`Segment starts at ${r3(t)}${this.unit()}: move the cursor and press m again (Esc cancels).`); }
      else { const a = this.mark; this.mark = null; this.addSegment(a, t); }
      this.viewer()?.render();
      return true;
    }
    if (!opts.passive && key === "escape" && this.mark !== null) { this.mark = null; this.viewer()?.render(); return true; }
    return super.handleKey(event, key, opts);
  }

  keys() {
    return [...super.keys(), { key: "drag", what: `${this.name}: make a segment on the timeline; drag its edges to adjust` },
      { key: "m … m", what: `${this.name}: mark a segment's start and end at the cursor` }];
  }
}
