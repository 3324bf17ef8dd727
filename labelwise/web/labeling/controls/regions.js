// Region controls on images (and PDF pages): boxes (optionally rotated), polygons, polylines,
// keypoints with a skeleton, and brush masks stored as COCO RLE. Coordinates are original pixels.

import { svg } from "../util.js";
import { RegionControl } from "./base.js";

const r2 = (v) => Math.round(v * 100) / 100;
const rad = (deg) => (deg * Math.PI) / 180;

class ImageRegionControl extends RegionControl {
  viewer() { return this.editor.viewers[this.spec.object]; }
  onPdf() { return this.editor.objectSpec(this.spec.object).type === "pdf"; }
  onVideo() { return this.editor.objectSpec(this.spec.object).type === "video"; }
  onVolume() { return this.editor.objectSpec(this.spec.object).type === "dicom"; }
  // Where a new region lives: its PDF page, its volume's axial slice, or its video frame.
  withPage(region) {
    if (this.onPdf()) return { ...region, page: this.viewer()?.page ?? 0 };
    if (this.onVolume()) return { ...region, slice: this.viewer()?.slice ?? 0 };
    if (this.onVideo()) return { ...region, frame: this.viewer()?.frame ?? 0 };
    return region;
  }

  // On a video, a box belongs to one frame and is drawn on that frame only.
  drawAt(region, frame, opts) { return region.frame === frame && this.draw ? this.draw(region, opts) : null; }

  group(region, selected) {
    return svg("g", { "data-region": region.id, class: "lw-region-shape" + (selected ? " lw-selected" : ""), style: `--lw-color:${this.color(region.label)}` });
  }

  // Dragging a region changes the value without history entries, then commits one step at the end.
  _live(id, patch) { this.update(id, patch, { record: false }); }
  _done() { this.editor.commit(); }

  startMove(id, p, viewer) {
    const original = this.region(id);
    if (!original || !this.translate) return null;
    return {
      move: (q) => this._live(id, this.translate(original, q.x - p.x, q.y - p.y, viewer)),
      end: () => this._done(),
    };
  }
}

// --- boxes -----------------------------------------------------------------------------------------

export class BoxesControl extends ImageRegionControl {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.drawing = null;
  }

  describe(b) {
    const rot = b.rotation ? `, ${r2(b.rotation)}°` : "";
    const at = typeof b.frame === "number" ? ` at frame ${b.frame}` : "";
    return `${b.label} (${Math.round(b.x)}, ${Math.round(b.y)}) ${Math.round(b.width)}×${Math.round(b.height)}${rot}${at}`;
  }

  pointerDown(p, event, viewer, targetId) {
    if (targetId || event.button !== 0) return null;
    const start = viewer.clamp(p);
    this.drawing = { a: start, b: start };
    return {
      move: (q) => { this.drawing.b = viewer.clamp(q); viewer.renderPreview(); },
      end: (q) => {
        const b = viewer.clamp(q);
        const a = this.drawing.a;
        this.drawing = null;
        const box = { x: r2(Math.min(a.x, b.x)), y: r2(Math.min(a.y, b.y)), width: r2(Math.abs(b.x - a.x)), height: r2(Math.abs(b.y - a.y)), rotation: 0 };
        if (box.width / viewer.unit() < 3 || box.height / viewer.unit() < 3) { viewer.renderPreview(); return; }
        this.add(this.withPage(box));
      },
    };
  }

  drawPreview() {
    if (!this.drawing) return [];
    const { a, b } = this.drawing;
    return [svg("rect", { class: "lw-shape", style: `--lw-color:${this.color(this.currentLabel)}`, x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) })];
  }

  corner(b, lx, ly) {
    const t = rad(b.rotation || 0);
    return { x: b.x + lx * Math.cos(t) - ly * Math.sin(t), y: b.y + lx * Math.sin(t) + ly * Math.cos(t) };
  }

  draw(b, { selected, unit }) {
    const g = this.group(b, selected);
    g.append(svg("rect", { class: "lw-shape" + (selected ? " lw-selected" : ""), x: b.x, y: b.y, width: b.width, height: b.height, transform: `rotate(${b.rotation || 0} ${b.x} ${b.y})` },
      svg("title", { text: this.describe(b) })));
    if (selected && !this.readonly) {
      const c = this.corner(b, b.width, b.height);
      const s = 8 * unit;
      g.append(svg("rect", { class: "lw-handle", "data-handle": "resize", x: c.x - s / 2, y: c.y - s / 2, width: s, height: s }));
      if (this.spec.rotatable) {
        const h = this.corner(b, b.width / 2, -24 * unit);
        g.append(svg("circle", { class: "lw-handle", "data-handle": "rotate", cx: h.x, cy: h.y, r: 5 * unit }));
      }
    }
    return g;
  }

  translate(b, dx, dy, viewer) {
    const maxX = viewer.width ? viewer.width - (b.rotation ? 0 : b.width) : Infinity;
    const maxY = viewer.height ? viewer.height - (b.rotation ? 0 : b.height) : Infinity;
    return { x: r2(Math.max(0, Math.min(maxX, b.x + dx))), y: r2(Math.max(0, Math.min(maxY, b.y + dy))) };
  }

  startHandle(id, handle, p, viewer) {
    const b = this.region(id);
    if (!b) return null;
    if (handle === "resize") {
      return {
        move: (q0) => {
          const q = viewer.clamp(q0);
          const t = rad(-(b.rotation || 0));
          const dx = q.x - b.x;
          const dy = q.y - b.y;
          const lx = dx * Math.cos(t) - dy * Math.sin(t);
          const ly = dx * Math.sin(t) + dy * Math.cos(t);
          this._live(id, { width: r2(Math.max(1, lx)), height: r2(Math.max(1, ly)) });
        },
        end: () => this._done(),
      };
    }
    const a0 = Math.atan2(-24 * viewer.unit(), b.width / 2);
    return {
      move: (q) => {
        const angle = (Math.atan2(q.y - b.y, q.x - b.x) - a0) * 180 / Math.PI;
        this._live(id, { rotation: r2(((angle % 360) + 360) % 360) });
      },
      end: () => this._done(),
    };
  }

  handleKey(event, key, opts = {}) {
    const sel = this.editor.selected;
    if (!opts.passive && this.spec.rotatable && sel && sel.control === this.name && !this.readonly) {
      const steps = { e: 15, q: -15, "shift+e": 1, "shift+q": -1 };
      if (key in steps) {
        const b = this.region(sel.id);
        this.update(sel.id, { rotation: r2((((b.rotation || 0) + steps[key]) % 360 + 360) % 360) });
        return true;
      }
    }
    return super.handleKey(event, key, opts);
  }

  keys() {
    return [...super.keys(), { key: "drag", what: `${this.name}: draw a box; drag it to move, its corner to resize` },
      ...(this.spec.rotatable ? [{ key: "e / q (Shift: 1°)", what: `${this.name}: rotate the selected box by 15°` }] : [])];
  }
}

// --- polygons and polylines ------------------------------------------------------------------------

class PolyControl extends ImageRegionControl {
  constructor(editor, name, spec, closed) {
    super(editor, name, spec);
    this.closed = closed;
    this.least = closed ? 3 : 2;
    this.drawing = null;
    this.hoverAt = null;
  }

  get busy() { return !!this.drawing; }
  describe(r) { return `${r.label} (${r.points.length} points)`; }
  toolHint() { return this.drawing ? `${this.drawing.length} points: click to add, Enter to finish, Esc to cancel` : "click to start"; }

  pointerDown(p, event, viewer, targetId) {
    if (event.button !== 0) return null;
    const q = viewer.clamp(p);
    if (!this.drawing) {
      if (targetId) return null;
      this.drawing = [[r2(q.x), r2(q.y)]];
      this.editor.select(null);
      viewer.render();
      return null;
    }
    const [fx, fy] = this.drawing[0];
    if (this.closed && this.drawing.length >= this.least && Math.hypot(q.x - fx, q.y - fy) < 8 * viewer.unit()) {
      this.finish();
      return null;
    }
    this.drawing.push([r2(q.x), r2(q.y)]);
    viewer.render();
    return {};
  }

  hover(p, viewer) { if (this.drawing) { this.hoverAt = viewer.clamp(p); viewer.renderPreview(); } }
  doubleClick() { if (this.drawing) this.finish(); }

  finish() {
    const points = this.drawing.filter((pt, i, all) => i === 0 || pt[0] !== all[i - 1][0] || pt[1] !== all[i - 1][1]);
    this.drawing = null;
    this.hoverAt = null;
    if (points.length < this.least) {
      this.editor.say(`A ${this.closed ? "polygon" : "polyline"} needs at least ${this.least} points.`);
      this.viewer()?.render();
      return;
    }
    this.add(this.withPage({ points }));
  }

  drawPreview({ unit }) {
    if (!this.drawing) return [];
    const pts = [...this.drawing, ...(this.hoverAt ? [[this.hoverAt.x, this.hoverAt.y]] : [])];
    const style = `--lw-color:${this.color(this.currentLabel)}`;
    return [svg("polyline", { class: "lw-shape lw-open-line", style, points: pts.map((p) => p.join(",")).join(" ") }),
      ...this.drawing.map(([x, y]) => svg("circle", { class: "lw-handle", cx: x, cy: y, r: 3.5 * unit }))];
  }

  draw(r, { selected, unit }) {
    const g = this.group(r, selected);
    const tag = this.closed ? "polygon" : "polyline";
    g.append(svg(tag, { class: "lw-shape" + (this.closed ? "" : " lw-open-line") + (selected ? " lw-selected" : ""), points: r.points.map((p) => p.join(",")).join(" ") },
      svg("title", { text: this.describe(r) })));
    if (selected && !this.readonly) {
      r.points.forEach(([x, y], i) => g.append(svg("circle", { class: "lw-handle", "data-handle": `v${i}`, cx: x, cy: y, r: 4 * unit })));
    }
    return g;
  }

  translate(r, dx, dy, viewer) {
    const xs = r.points.map((p) => p[0]);
    const ys = r.points.map((p) => p[1]);
    const cdx = Math.max(-Math.min(...xs), Math.min(viewer.width ? viewer.width - Math.max(...xs) : Infinity, dx));
    const cdy = Math.max(-Math.min(...ys), Math.min(viewer.height ? viewer.height - Math.max(...ys) : Infinity, dy));
    return { points: r.points.map(([x, y, ...rest]) => [r2(x + cdx), r2(y + cdy), ...rest]) };
  }

  startHandle(id, handle, p, viewer) {
    const index = Number(handle.slice(1));
    return {
      move: (q0) => {
        const q = viewer.clamp(q0);
        this._live(id, (r) => ({ points: r.points.map((pt, i) => (i === index ? [r2(q.x), r2(q.y), ...pt.slice(2)] : pt)) }));
      },
      end: () => this._done(),
    };
  }

  handleKey(event, key, opts = {}) {
    if (this.drawing && !opts.passive) {
      if (key === "enter") { this.finish(); return true; }
      if (key === "escape") { this.drawing = null; this.viewer()?.render(); this.editor.say("Drawing cancelled"); return true; }
      if (key === "backspace") { this.drawing.pop(); if (!this.drawing.length) this.drawing = null; this.viewer()?.render(); return true; }
    }
    return super.handleKey(event, key, opts);
  }

  keys() {
    return [...super.keys(), { key: "click…, Enter", what: `${this.name}: add points, Enter (or double-click${this.closed ? ", or the first point" : ""}) finishes, Backspace removes the last, Esc cancels` }];
  }
}

export class PolygonsControl extends PolyControl {
  constructor(editor, name, spec) { super(editor, name, spec, true); }
}

export class PolylinesControl extends PolyControl {
  constructor(editor, name, spec) { super(editor, name, spec, false); }

  // On a volume a polyline is a measurement: its length in mm from the pixel spacing (the server stores the same).
  describe(r) {
    const spacing = this.onVolume() ? this.editor.objectValue(this.spec.object)?.spacing : null;
    if (!Array.isArray(spacing) || !Array.isArray(r.points)) return super.describe(r);
    let mm = 0;
    for (let i = 1; i < r.points.length; i++) {
      mm += Math.hypot((r.points[i][0] - r.points[i - 1][0]) * spacing[0], (r.points[i][1] - r.points[i - 1][1]) * spacing[1]);
    }
    return `${r.label} ${mm.toFixed(1)} mm on slice ${(r.slice ?? 0) + 1}`;
  }
}

// --- keypoints -------------------------------------------------------------------------------------

export class KeypointsControl extends PolyControl {
  constructor(editor, name, spec) {
    super(editor, name, spec, false);
    this.names = spec.points || [];
    this.skeleton = spec.skeleton || [];
    this.nextVisibility = 2;
  }

  describe(r) { return `${r.label} (${r.points.filter((p) => p[2] !== 0).length}/${this.names.length} points)`; }
  toolHint() {
    if (!this.drawing) return `click to place ${this.names[0]}`;
    const next = this.names[this.drawing.length];
    return `next: ${next}${this.nextVisibility === 1 ? " (hidden)" : ""} · h hidden, n not labeled, Enter finishes`;
  }

  pointerDown(p, event, viewer, targetId) {
    if (event.button !== 0) return null;
    if (!this.drawing && targetId) return null;
    const q = viewer.clamp(p);
    if (!this.drawing) { this.drawing = []; this.editor.select(null); }
    this.drawing.push([r2(q.x), r2(q.y), this.nextVisibility]);
    this.nextVisibility = 2;
    if (this.drawing.length >= this.names.length) this.finish(); else viewer.render();
    return {};
  }

  hover() {}

  skipPoint() {
    if (!this.drawing) this.drawing = [];
    this.drawing.push([0, 0, 0]);
    if (this.drawing.length >= this.names.length) this.finish(); else this.viewer()?.render();
  }

  finish() {
    const points = this.drawing || [];
    this.drawing = null;
    while (points.length < this.names.length) points.push([0, 0, 0]);
    if (!points.some((p) => p[2] > 0)) { this.viewer()?.render(); return; }
    this.add(this.withPage({ points }));
  }

  _bones(points, g) {
    const at = Object.fromEntries(this.names.map((n, i) => [n, points[i]]));
    for (const [a, b] of this.skeleton) {
      const p = at[a];
      const q = at[b];
      if (p && q && p[2] > 0 && q[2] > 0) g.append(svg("line", { class: "lw-bone", x1: p[0], y1: p[1], x2: q[0], y2: q[1] }));
    }
  }

  drawPreview({ unit }) {
    if (!this.drawing) return [];
    const g = svg("g", { style: `--lw-color:${this.color(this.currentLabel)}` });
    this._bones(this.drawing, g);
    this.drawing.forEach((p, i) => p[2] > 0 && g.append(svg("circle", { class: "lw-kp", cx: p[0], cy: p[1], r: 4 * unit, fill: this.color(this.currentLabel) }, svg("title", { text: this.names[i] }))));
    return [g];
  }

  draw(r, { selected, unit }) {
    const g = this.group(r, selected);
    this._bones(r.points, g);
    r.points.forEach((p, i) => {
      if (p[2] === 0) return;
      g.append(svg("circle", {
        class: "lw-kp" + (selected ? " lw-handle" : ""), "data-handle": selected && !this.readonly ? `v${i}` : null, "data-point": this.names[i],
        cx: p[0], cy: p[1], r: (selected ? 5 : 4) * unit, fill: p[2] === 1 ? "#fff" : this.color(r.label), stroke: this.color(r.label),
      }, svg("title", { text: `${this.names[i]}${p[2] === 1 ? " (hidden)" : ""}` })));
    });
    return g;
  }

  translate(r, dx, dy, viewer) {
    const moved = super.translate({ points: r.points.filter((p) => p[2] > 0) }, dx, dy, viewer).points;
    let k = 0;
    return { points: r.points.map((p) => (p[2] > 0 ? moved[k++] : p)) };
  }

  handleKey(event, key, opts = {}) {
    if (!opts.passive && !this.readonly) {
      if (key === "h") { this.nextVisibility = this.nextVisibility === 1 ? 2 : 1; this.viewer()?.render(); this.editor.say(`Next point ${this.nextVisibility === 1 ? "hidden (visibility 1)" : "visible"}`); return true; }
      if (key === "n") { this.skipPoint(); return true; }
    }
    return super.handleKey(event, key, opts);
  }

  keys() {
    return [...RegionControl.prototype.keys.call(this),
      { key: "click", what: `${this.name}: place the points in order (${this.names.join(", ")})` },
      { key: "h / n", what: `${this.name}: next point hidden / not labeled` },
      { key: "Enter", what: `${this.name}: finish (the rest not labeled)` }];
  }
}

// --- masks -----------------------------------------------------------------------------------------

// COCO RLE: column-major runs starting with background; the string form is pycocotools' rleToString.
export function encodeRle(bits, width, height) {
  const counts = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = bits[y * width + x] ? 1 : 0;
      if (v !== value) { counts.push(run); run = 0; value = v; }
      run++;
    }
  }
  counts.push(run);
  let out = "";
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return { size: [height, width], counts: out };
}

export function decodeRle(rle) {
  const [height, width] = rle.size;
  let counts = rle.counts;
  if (typeof counts === "string") {
    const list = [];
    let p = 0;
    while (p < counts.length) {
      let x = 0;
      let k = 0;
      let more = true;
      while (more) {
        const c = counts.charCodeAt(p) - 48;
        x |= (c & 0x1f) << (5 * k);
        more = !!(c & 0x20);
        p++;
        k++;
        if (!more && c & 0x10) x |= -1 << (5 * k);
      }
      if (list.length > 2) x += list[list.length - 2];
      list.push(x);
    }
    counts = list;
  }
  const bits = new Uint8Array(width * height);
  let i = 0;
  let v = 0;
  for (const run of counts) {
    if (v) for (let j = i; j < i + run; j++) bits[(j % height) * width + Math.floor(j / height)] = 1;
    i += run;
    v = 1 - v;
  }
  return { bits, width, height };
}

export class MasksControl extends ImageRegionControl {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.brush = 6;
    this.eraser = false;
    this.cache = new Map(); // region id -> {key, url}
    this.stroke = null;
    this.hoverAt = null;
  }

  describe(r) {
    const { bits } = decodeRle(r.rle);
    let n = 0;
    for (const b of bits) n += b;
    return `${r.label} (${n} px)`;
  }

  toolHint() { return `${this.eraser ? "eraser" : "brush"} ${this.brush}px · , . size · e eraser · Shift/right-drag erases`; }

  _url(bits, width, height, color) {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(width, height);
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = color;
    const hex = probe.fillStyle; // normalised to #rrggbb
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    for (let i = 0; i < bits.length; i++) {
      if (!bits[i]) continue;
      img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2]; img.data[4 * i + 3] = 140;
    }
    ctx.putImageData(img, 0, 0);
    return canvas.toDataURL();
  }

  draw(r, { selected }) {
    if (this.stroke && this.stroke.id === r.id) return null;
    const key = `${r.label}:${typeof r.rle.counts === "string" ? r.rle.counts : r.rle.counts.join(",")}`;
    let entry = this.cache.get(r.id);
    if (!entry || entry.key !== key) {
      const { bits, width, height } = decodeRle(r.rle);
      entry = { key, url: this._url(bits, width, height, this.color(r.label)) };
      this.cache.set(r.id, entry);
    }
    const [h, w] = r.rle.size;
    return svg("image", { "data-region": r.id, class: "lw-mask" + (selected ? " lw-selected" : ""), href: entry.url, x: 0, y: 0, width: w, height: h, preserveAspectRatio: "none", style: `pointer-events:none;${selected ? "filter:drop-shadow(0 0 2px #fff)" : ""}` });
  }

  pointerDown(p, event, viewer) {
    if (!viewer.width || !viewer.height) { this.editor.say("The image size is unknown, so there is nothing to paint on."); return null; }
    const erase = this.eraser || event.button === 2 || event.shiftKey;
    const sel = this.editor.selected;
    let target = sel && sel.control === this.name ? this.region(sel.id) : null;
    if (this.onVolume() && !(target && target.slice === viewer.slice)) {
      // On a volume each label has one mask per slice: paint into (or erase from) this slice's mask of the label.
      target = this.regions().find((r) => r.slice === viewer.slice && r.label === this.currentLabel) || null;
    }
    const usable = target && (!this.onPdf() || (target.page ?? 0) === viewer.page)
      && (!this.onVolume() || target.slice === viewer.slice) && (erase || target.label === this.currentLabel);
    if (erase && !usable) { this.editor.say("Select a mask to erase from."); return null; }
    const width = Math.round(viewer.width);
    const height = Math.round(viewer.height);
    const bits = usable ? decodeRle(target.rle).bits : new Uint8Array(width * height);
    this.stroke = { id: usable ? target.id : null, bits, width, height, erase, last: p, label: usable ? target.label : this.currentLabel };
    this._stamp(p, p);
    this._show(viewer);
    return {
      move: (q) => { this._stamp(this.stroke.last, q); this.stroke.last = q; this._schedule(viewer); },
      end: () => this._finish(),
    };
  }

  _stamp(a, b) {
    const { bits, width, height, erase } = this.stroke;
    const r = this.brush;
    const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / Math.max(1, r / 2)));
    for (let s = 0; s <= steps; s++) {
      const cx = a.x + ((b.x - a.x) * s) / steps;
      const cy = a.y + ((b.y - a.y) * s) / steps;
      for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
        for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
          if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) bits[y * width + x] = erase ? 0 : 1;
        }
      }
    }
  }

  _schedule(viewer) {
    if (this._frame) return;
    this._frame = requestAnimationFrame(() => { this._frame = null; if (this.stroke) this._show(viewer); });
  }

  _show(viewer) {
    const s = this.stroke;
    this.strokeUrl = this._url(s.bits, s.width, s.height, this.color(s.label));
    viewer.render();
  }

  drawPreview({ unit }) {
    const out = [];
    if (this.stroke && this.strokeUrl) {
      out.push(svg("image", { href: this.strokeUrl, x: 0, y: 0, width: this.stroke.width, height: this.stroke.height, preserveAspectRatio: "none", style: "pointer-events:none" }));
    }
    if (this.hoverAt) out.push(svg("circle", { cx: this.hoverAt.x, cy: this.hoverAt.y, r: this.brush, fill: "none", stroke: this.eraser ? "#fff" : this.color(this.currentLabel), "stroke-width": 1.5 * unit, style: "pointer-events:none" }));
    return out;
  }

  hover(p, viewer) { this.hoverAt = p; viewer.renderPreview(); }

  _finish() {
    const s = this.stroke;
    this.stroke = null;
    this.strokeUrl = null;
    if (this._frame) { cancelAnimationFrame(this._frame); this._frame = null; }
    const rle = encodeRle(s.bits, s.width, s.height);
    const empty = !s.bits.some((b) => b);
    if (s.id) {
      if (empty) this.remove(s.id); else this.update(s.id, { rle });
    } else if (!empty) {
      this.add(this.withPage({ rle }));
    } else {
      this.viewer()?.render();
    }
  }

  handleKey(event, key, opts = {}) {
    if (!opts.passive) {
      if (key === ",") { this.brush = Math.max(1, this.brush - 1); this.viewer()?.render(); this.editor.say(`Brush ${this.brush}px`); return true; }
      if (key === ".") { this.brush = Math.min(200, this.brush + 1); this.viewer()?.render(); this.editor.say(`Brush ${this.brush}px`); return true; }
      if (key === "e") { this.eraser = !this.eraser; this.viewer()?.render(); this.editor.say(this.eraser ? "Eraser" : "Brush"); return true; }
    }
    return super.handleKey(event, key, opts);
  }

  keys() {
    return [...super.keys(), { key: "drag", what: `${this.name}: paint (into the selected mask of the same label, else a new one)` },
      { key: ", / .", what: `${this.name}: brush smaller / bigger` }, { key: "e, Shift+drag", what: `${this.name}: eraser` }];
  }
}
