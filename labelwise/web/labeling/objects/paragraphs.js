// Paragraphs: a list of items (dialogue turns, documents, LLM outputs), each a string or
// {id?, author?, text}; every item is its own text block, so spans carry a paragraph index.

import { el } from "../util.js";
import { TextBlock, TextViewer } from "./text.js";

export function paragraphItems(spec, value) {
  if (!Array.isArray(value)) return null;
  const textKey = spec.text_key || "text";
  const authorKey = spec.author_key || "author";
  return value.map((item, index) => {
    if (typeof item === "string") return { id: String(index), author: null, text: item };
    const obj = item && typeof item === "object" ? item : {};
    const text = obj[textKey];
    return {
      id: obj.id !== undefined ? String(obj.id) : String(index),
      author: obj[authorKey] !== undefined ? String(obj[authorKey]) : null,
      text: typeof text === "string" ? text : String(text ?? ""),
    };
  });
}

export class ParagraphsViewer extends TextViewer {
  constructor(editor, name, spec, value) {
    super(editor, name, spec, "");
    this.el.className = "lw-paragraphs-viewer";
    this.el.replaceChildren();
    this.items = paragraphItems(spec, value);
    this.blocks = [];
    this.block = null;
    if (!this.items) {
      this.el.append(el("p", { class: "lw-error", role: "alert", text: `This task has no list of items under "${spec.field || name}".` }));
      return;
    }
    const list = el("ol", { class: "lw-paragraphs" });
    this.items.forEach((item, index) => {
      const block = new TextBlock({
        text: item.text, paragraph: index,
        onRange: (start, end) => this._range(start, end, index),
        onPick: (id) => this._pick(id),
      });
      this.blocks.push(block);
      list.append(el("li", { class: "lw-paragraph", "data-item": item.id },
        item.author !== null ? el("span", { class: "lw-author", text: item.author }) : null, block.el));
    });
    this.el.append(list);
  }

  textOf(paragraph) { return this.items && this.items[paragraph] ? this.items[paragraph].text : ""; }
  get paragraphCount() { return this.blocks.length; }

  marksIn(paragraph) {
    const selected = this.editor.selected;
    const out = [];
    for (const control of this.spansControls()) {
      for (const r of control.regions()) {
        if (r.paragraph !== paragraph) continue;
        out.push({ id: r.id, start: r.start, end: r.end, label: r.label, color: control.color(r.label), selected: !!selected && selected.id === r.id });
      }
    }
    return out;
  }

  render() {
    const control = this._activeSpans();
    const activeHere = control && this.editor.controls[this.editor.active] === control;
    this.blocks.forEach((block, index) => block.render(this.marksIn(index), activeHere ? control.keyboardSelection(index) : null));
  }
}
