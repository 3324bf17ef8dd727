// Spans over the text layer of a stored PDF page: drag across the page's text (or, from the keyboard,
// Shift+←/→ extends a selection from the last span, then a label key). A span keeps its character
// offsets on the page's text (`start`, `end`, `page`) and the boxes of its lines (`boxes`, PDF points),
// so an entity has both. The viewer fetches each page's text layer when it is first shown.

import { svg } from "../util.js";
import { RegionControl } from "./base.js";

const r2 = (v) => Math.round(v * 100) / 100;
const inked = (b) => b && (b[2] > 0 || b[3] > 0);

// The boxes of characters start..end-1, merged into one box per line.
export function lineBoxes(boxes, start, end) {
  const lines = [];
  for (const b of boxes.slice(start, end)) {
    if (!inked(b)) continue;
    const last = lines[lines.length - 1];
    if (last && Math.abs(last[1] - b[1]) < Math.max(last[3], b[3]) / 2 && b[0] >= last[0] - 1) {
      const x1 = Math.max(last[0] + last[2], b[0] + b[2]);
      const y0 = Math.min(last[1], b[1]);
      const y1 = Math.max(last[1] + last[3], b[1] + b[3]);
      last.splice(0, 4, last[0], y0, x1 - last[0], y1 - y0);
    } else lines.push([...b]);
  }
  return lines.map((b) => b.map(r2));
}

export class PdfSpansControl extends RegionControl {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.kb = null; // {page, anchor, caret}
    this.dragging = null;
  }

  viewer() { return this.editor.viewers[this.spec.object]; }
  layer() { return this.viewer()?.textLayer(); }

  describe(region) { return `${region.label}: p${region.page + 1} "${region.text ?? ""}" [${region.start}, ${region.end})`; }

  // The character nearest to page point p (inside its box when one holds it).
  charAt(p) {
    const layer = this.layer();
    if (!layer) return null;
    let best = null;
    let bestDistance = Infinity;
    layer.boxes.forEach((b, i) => {
      if (!inked(b)) return;
      const dx = Math.max(b[0] - p.x, 0, p.x - b[0] - b[2]);
      const dy = Math.max(b[1] - p.y, 0, p.y - b[1] - b[3]);
      const d = dx * dx + dy * dy * 4;
      if (d < bestDistance) { bestDistance = d; best = i; }
    });
    return best;
  }

  pointerDown(p, event, viewer, targetId) {
    if (targetId || event.button !== 0) return null;
    const at = this.charAt(p);
    if (at === null) { this.editor.say("This page has no text layer to mark."); return null; }
    this.dragging = { anchor: at, caret: at };
    viewer.render();
    return {
      move: (q) => { const i = this.charAt(q); if (i !== null) { this.dragging.caret = i; viewer.render(); } },
      end: () => {
        const { anchor, caret } = this.dragging;
        this.dragging = null;
        this.create(Math.min(anchor, caret), Math.max(anchor, caret) + 1);
        viewer.render();
      },
    };
  }

  create(start, end, label = this.currentLabel) {
    const layer = this.layer();
    if (!layer) return null;
    const text = layer.chars; // code points: offsets and boxes count them, as the server does
    while (start < end && /\s/u.test(text[start])) start++;
    while (end > start && /\s/u.test(text[end - 1])) end--;
    if (end <= start) return null;
    const page = this.viewer().page;
    if (this.spec.allow_overlap === false && this.regions().some((r) => r.page === page && r.start < end && start < r.end)) {
      this.editor.say(`This span overlaps another; ${this.name} does not allow overlapping spans.`);
      return null;
    }
    return this.add({ start, end, page, label, text: text.slice(start, end).join(""), boxes: lineBoxes(layer.boxes, start, end) });
  }

  handleKey(event, key) {
    const moves = { "shift+arrowright": [1, true], "shift+arrowleft": [-1, true] };
    if (moves[key] && !this.readonly && this.layer()) {
      const page = this.viewer().page;
      if (!this.kb || this.kb.page !== page) {
        const last = this.regions().filter((r) => r.page === page).reduce((m, r) => Math.max(m, r.end), 0);
        this.kb = { page, anchor: last, caret: last };
      }
      const length = this.layer().chars.length;
      this.kb.caret = Math.max(0, Math.min(length, this.kb.caret + moves[key][0]));
      this.viewer().render();
      const [s, e] = [Math.min(this.kb.anchor, this.kb.caret), Math.max(this.kb.anchor, this.kb.caret)];
      this.editor.say(`Selected "${this.layer().chars.slice(s, e).join("")}": press a label key`);
      return true;
    }
    const label = this.labelForKey(key);
    if (label !== undefined && this.kb && this.kb.anchor !== this.kb.caret && !this.readonly) {
      const [s, e] = [Math.min(this.kb.anchor, this.kb.caret), Math.max(this.kb.anchor, this.kb.caret)];
      if (this.create(s, e, label)) this.currentLabel = label;
      this.kb = { ...this.kb, anchor: e, caret: e };
      this.viewer().render();
      return true;
    }
    return super.handleKey(event, key);
  }

  keys() {
    return [...super.keys(), { key: "drag over text, Shift+←/→", what: `${this.name}: select text on the page, then a label key` }];
  }

  draw(region, { selected }) {
    const g = svg("g", { "data-region": region.id, class: "lw-region-shape lw-pdf-span" + (selected ? " lw-selected" : ""), style: `--lw-color:${this.color(region.label)}` });
    for (const [x, y, w, h] of region.boxes || []) {
      g.append(svg("rect", { class: "lw-shape", x, y, width: w, height: h }, svg("title", { text: this.describe(region) })));
    }
    return g;
  }

  // The selection being made (drag or keyboard), drawn over the page.
  drawPreview() {
    const layer = this.layer();
    const sel = this.dragging ? [Math.min(this.dragging.anchor, this.dragging.caret), Math.max(this.dragging.anchor, this.dragging.caret) + 1]
      : this.kb && this.kb.page === this.viewer()?.page ? [Math.min(this.kb.anchor, this.kb.caret), Math.max(this.kb.anchor, this.kb.caret)] : null;
    if (!layer || !sel || sel[1] <= sel[0]) return [];
    return lineBoxes(layer.boxes, sel[0], sel[1]).map(([x, y, w, h]) => svg("rect", { class: "lw-text-selection", x, y, width: w, height: h }));
  }
}
