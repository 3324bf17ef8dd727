// Text objects: plain text shown with textContent, with span highlights that may overlap. Offsets are
// Unicode code points: a selection's DOM offsets (UTF-16 units) are converted before they leave here.

import { el, utf16ToCp } from "../util.js";

// One block of text with its marks; paragraphs use one block per item.
export class TextBlock {
  constructor({ text, paragraph = null, onRange, onPick }) {
    this.text = text;
    this.cps = Array.from(text);
    this.paragraph = paragraph;
    this.onRange = onRange;
    this.onPick = onPick;
    this.el = el("div", { class: "lw-text", "data-paragraph": paragraph === null ? null : String(paragraph) });
    this.el.addEventListener("mouseup", (event) => this._mouseup(event));
    this._pickCycle = 0;
  }

  get length() { return this.cps.length; }

  // marks: [{id, start, end, color, label, selected}]; kbd: {start, end, caret} or null.
  render(marks, kbd) {
    const cuts = new Set([0, this.length]);
    for (const m of marks) { cuts.add(Math.max(0, Math.min(this.length, m.start))); cuts.add(Math.max(0, Math.min(this.length, m.end))); }
    if (kbd) { cuts.add(kbd.start); cuts.add(kbd.end); cuts.add(kbd.caret); }
    const points = [...cuts].filter((n) => n >= 0 && n <= this.length).sort((a, b) => a - b);
    const parts = [];
    for (let i = 0; i < points.length - 1; i++) {
      const a = points[i];
      const b = points[i + 1];
      const seg = el("span", { class: "lw-seg", "data-s": String(a), "data-e": String(b) });
      seg.textContent = this.cps.slice(a, b).join("");
      const covering = marks.filter((m) => m.start <= a && m.end >= b);
      if (covering.length) {
        covering.sort((x, y) => (y.end - y.start) - (x.end - x.start));
        const inner = covering[covering.length - 1];
        seg.classList.add("lw-mark");
        seg.style.setProperty("--lw-color", inner.color);
        seg.style.boxShadow = covering.map((m, k) => `inset 0 -${2 + 3 * k}px 0 0 ${m.color}`).join(", ");
        if (covering.some((m) => m.selected)) seg.classList.add("lw-selected");
        seg.dataset.marks = covering.map((m) => m.id).join(" ");
        const ending = covering.filter((m) => m.end === b).map((m) => m.label);
        if (ending.length) seg.dataset.label = ending.join(" · ");
      }
      if (kbd && kbd.start < kbd.end && a >= kbd.start && b <= kbd.end) seg.classList.add("lw-kbdsel");
      if (kbd && a === kbd.caret) seg.classList.add("lw-caret");
      parts.push(seg);
    }
    if (kbd && kbd.caret === this.length) parts.push(el("span", { class: "lw-seg-end lw-caret", "aria-hidden": "true" }));
    this.el.replaceChildren(...parts);
  }

  _point(node, offset) {
    if (!this.el.contains(node)) {
      const pos = this.el.compareDocumentPosition(node);
      return pos & Node.DOCUMENT_POSITION_PRECEDING ? 0 : this.length;
    }
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest("[data-s]");
      return seg ? Number(seg.dataset.s) + utf16ToCp(node.data, offset) : 0;
    }
    const child = node.childNodes[offset];
    if (child) {
      const seg = child.nodeType === Node.ELEMENT_NODE
        ? (child.matches("[data-s]") ? child : child.querySelector("[data-s]"))
        : child.parentElement.closest("[data-s]");
      if (seg) return Number(seg.dataset.s);
    }
    const seg = node.nodeType === Node.ELEMENT_NODE && node.closest("[data-s]");
    return seg ? Number(seg.dataset.e) : this.length;
  }

  _mouseup(event) {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed && selection.rangeCount) {
      const range = selection.getRangeAt(0);
      if (!range.intersectsNode(this.el)) return;
      const start = this._point(range.startContainer, range.startOffset);
      const end = this._point(range.endContainer, range.endOffset);
      selection.removeAllRanges();
      if (end > start) this.onRange && this.onRange(start, end, this.paragraph);
      return;
    }
    const seg = event.target.closest && event.target.closest("[data-marks]");
    if (seg && this.onPick) {
      const ids = seg.dataset.marks.split(" ");
      this._pickCycle = (this._pickCycle + 1) % ids.length;
      this.onPick(ids[ids.length - 1 - this._pickCycle]);
    }
  }
}

// The text content of HTML (html: true objects), counted as labelwise.schema.html_text and Label Studio's
// HyperText globalOffsets count it: the text between tags in order, entities decoded, script and style
// left out. The HTML is never parsed into elements here: tags are skipped as text, and each run of text is
// decoded in a <textarea>, which holds characters only, so nothing in the value can run or load.
const HIDDEN = /^(script|style|template)$/i;
export function htmlText(html) {
  const decoder = document.createElement("textarea");
  const decode = (chunk) => { if (!chunk.includes("&")) return chunk; decoder.innerHTML = chunk; return decoder.value; };
  let out = "";
  let at = 0;
  while (at < html.length) {
    const lt = html.indexOf("<", at);
    if (lt === -1) { out += decode(html.slice(at)); break; }
    out += decode(html.slice(at, lt));
    if (html.startsWith("<!--", lt)) { const close = html.indexOf("-->", lt + 4); at = close === -1 ? html.length : close + 3; continue; }
    const tag = /^<\/?([A-Za-z][^\s/>]*)/.exec(html.slice(lt));
    if (!tag) { out += "<"; at = lt + 1; continue; }
    let end = lt + tag[0].length;
    for (let quote = null; end < html.length; end++) {  // to the closing >, minding quoted attributes
      const c = html[end];
      if (quote) { if (c === quote) quote = null; } else if (c === '"' || c === "'") quote = c; else if (c === ">") break;
    }
    at = end + 1;
    if (HIDDEN.test(tag[1]) && !tag[0].startsWith("</")) {
      const close = html.toLowerCase().indexOf(`</${tag[1].toLowerCase()}`, at);
      at = close === -1 ? html.length : close;
    }
  }
  return out;
}

export class TextViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.el = el("div", { class: "lw-text-viewer" });
    if (typeof value === "string" && spec.html) value = htmlText(value);
    if (typeof value !== "string") {
      this.block = null;
      this.el.append(el("p", { class: "lw-error", role: "alert", text: `This task has no text under "${spec.field || name}".` }));
      return;
    }
    this.block = new TextBlock({
      text: value,
      onRange: (start, end) => this._range(start, end, null),
      onPick: (id) => this._pick(id),
    });
    this.el.append(this.block.el);
  }

  spansControls() { return this.editor.regionControlsOn(this.name).filter((c) => c.spec.type === "spans"); }
  _activeSpans() {
    const active = this.editor.controls[this.editor.active];
    const mine = this.spansControls();
    return mine.includes(active) ? active : mine[0];
  }

  _range(start, end, paragraph) {
    const control = this._activeSpans();
    if (control && !this.editor.readonly) control.createFromText(start, end, paragraph, this.textOf(paragraph));
  }

  _pick(id) {
    const owner = this.editor.regionOwner(id);
    if (owner) this.editor.select(owner.name, id);
  }

  textOf() { return this.block ? this.block.text : ""; }

  marks(paragraph = null) {
    const selected = this.editor.selected;
    const out = [];
    for (const control of this.spansControls()) {
      for (const r of control.regions()) {
        if ((r.paragraph ?? null) !== paragraph && paragraph !== null) continue;
        out.push({ id: r.id, start: r.start, end: r.end, label: r.label, color: control.color(r.label), selected: !!selected && selected.id === r.id });
      }
    }
    return out;
  }

  render() {
    if (!this.block) return;
    const control = this._activeSpans();
    const kbd = control && this.editor.controls[this.editor.active] === control ? control.keyboardSelection(null) : null;
    this.block.render(this.marks(null), kbd);
  }

  reveal(_control, region) {
    const seg = region && this.el.querySelector(`[data-marks~="${CSS.escape(region.id)}"]`);
    if (seg) seg.scrollIntoView({ block: "nearest" });
  }
}
