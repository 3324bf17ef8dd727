// Spans on text, paragraphs or chat messages: by mouse selection, or from the keyboard (Shift+arrows extend a
// selection from a caret, Alt+arrows move the caret, then a label key). Offsets are code points.

import { cpLength } from "../util.js";
import { RegionControl } from "./base.js";

const WORD = /[\p{L}\p{N}_]/u;

export class SpansControl extends RegionControl {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.kb = null; // {paragraph, anchor, caret}
  }

  viewer() { return this.editor.viewers[this.spec.object]; }
  isChat() { return this.editor.objectSpec(this.spec.object).type === "chat"; }
  // Paragraphs and chats hold several text blocks; `paragraph` below is the block's number.
  isParagraphs() { return this.isChat() || this.editor.objectSpec(this.spec.object).type === "paragraphs"; }
  blockOf(region) {
    if (this.isChat()) return this.viewer()?.blockIndex(region) ?? 0;
    return region.paragraph ?? (this.isParagraphs() ? 0 : null);
  }

  describe(region) {
    const text = region.text ?? this._slice(region);
    const where = region.message !== undefined
      ? `msg ${region.message}${region.alternative !== undefined ? ` ${"ABCDEFGHIJ"[region.alternative] || region.alternative}` : ""} `
      : region.paragraph !== undefined ? `#${region.paragraph + 1} ` : "";
    return `${region.label}: ${where}"${text}" [${region.start}, ${region.end})`;
  }

  _slice(region) {
    const text = this.viewer()?.textOf(this.blockOf(region)) ?? "";
    return Array.from(text).slice(region.start, region.end).join("");
  }

  createFromText(start, end, paragraph, text, label = this.currentLabel) {
    const cps = Array.from(text);
    while (start < end && /\s/u.test(cps[start])) start++;
    while (end > start && /\s/u.test(cps[end - 1])) end--;
    if (end <= start) return null;
    const region = { start, end, label, text: cps.slice(start, end).join("") };
    if (this.isChat()) Object.assign(region, this.viewer().blockFields(paragraph ?? 0));
    else if (this.isParagraphs()) region.paragraph = paragraph ?? 0;
    const block = this.blockOf(region);
    if (this.spec.allow_overlap === false) {
      const clash = this.regions().find((r) => this.blockOf(r) === block && r.start < end && start < r.end);
      if (clash) { this.editor.say(`This span overlaps "${clash.text ?? clash.label}"; ${this.name} does not allow overlapping spans.`); return null; }
    }
    const duplicate = this.regions().find((r) => r.start === start && r.end === end && r.label === label && this.blockOf(r) === block);
    if (duplicate) { this.editor.select(this.name, duplicate.id); return duplicate; }
    this.kb = null;
    return this.add(region);
  }

  keyboardSelection(paragraph) {
    if (!this.kb || (this.isParagraphs() && this.kb.paragraph !== paragraph)) return null;
    const { anchor, caret } = this.kb;
    return { start: Math.min(anchor, caret), end: Math.max(anchor, caret), caret };
  }

  _text(paragraph) { return this.viewer()?.textOf(paragraph) ?? ""; }

  _startCaret() {
    const paragraph = this.isChat() ? this.viewer().currentBlock() : this.isParagraphs() ? 0 : null;
    const last = this.regions().filter((r) => this.blockOf(r) === paragraph).reduce((m, r) => Math.max(m, r.end), 0);
    return { paragraph, anchor: last, caret: last };
  }

  _moveWord(cps, at, dir) {
    let i = at;
    if (dir > 0) {
      while (i < cps.length && !WORD.test(cps[i])) i++;
      while (i < cps.length && WORD.test(cps[i])) i++;
    } else {
      while (i > 0 && !WORD.test(cps[i - 1])) i--;
      while (i > 0 && WORD.test(cps[i - 1])) i--;
    }
    return i;
  }

  handleKey(event, key, { passive = false } = {}) {
    const moves = {
      "shift+arrowright": [1, false, true], "shift+arrowleft": [-1, false, true],
      "ctrl+shift+arrowright": [1, true, true], "ctrl+shift+arrowleft": [-1, true, true],
      "alt+arrowright": [1, false, false], "alt+arrowleft": [-1, false, false],
      "alt+ctrl+arrowright": [1, true, false], "alt+ctrl+arrowleft": [-1, true, false],
    };
    if (!passive && moves[key] && !this.readonly) {
      const [dir, word, extend] = moves[key];
      if (!this.kb) this.kb = this._startCaret();
      const cps = Array.from(this._text(this.kb.paragraph));
      const caret = word ? this._moveWord(cps, this.kb.caret, dir) : Math.max(0, Math.min(cps.length, this.kb.caret + dir));
      this.kb = { ...this.kb, caret, anchor: extend ? this.kb.anchor : caret };
      this.viewer()?.render();
      const sel = this.keyboardSelection(this.kb.paragraph);
      this.editor.say(sel.end > sel.start ? `Selected "${cps.slice(sel.start, sel.end).join("")}": press a label key` : `Caret at ${caret}`);
      return true;
    }
    if (!passive && (key === "alt+arrowdown" || key === "alt+arrowup") && this.isParagraphs()) {
      const count = this.viewer()?.paragraphCount || 1;
      const current = this.kb ? this.kb.paragraph : this.isChat() ? this.viewer().currentBlock() : 0;
      const paragraph = Math.max(0, Math.min(count - 1, current + (key === "alt+arrowdown" ? 1 : -1)));
      this.kb = { paragraph, anchor: 0, caret: 0 };
      if (this.isChat()) { // the block's message becomes the current one
        const { message, alternative } = this.viewer().blockFields(paragraph);
        this.viewer().setCurrent(message, { say: false });
        this.editor.say(`Message ${message}${alternative !== undefined ? `, alternative ${"ABCDEFGHIJ"[alternative]}` : ""}`);
      } else {
        this.viewer()?.render();
        this.editor.say(`Paragraph ${paragraph + 1}`);
      }
      return true;
    }
    if (!passive && key === "escape" && this.kb) { this.kb = null; this.viewer()?.render(); return true; }
    const label = this.labelForKey(key);
    if (label !== undefined && this.kb && this.kb.anchor !== this.kb.caret && !this.readonly) {
      const sel = this.keyboardSelection(this.kb.paragraph);
      const created = this.createFromText(sel.start, sel.end, this.kb.paragraph, this._text(this.kb.paragraph), label);
      if (created) { this.currentLabel = label; this.kb = { ...this.kb, anchor: sel.end, caret: sel.end }; this.viewer()?.render(); }
      return true;
    }
    return super.handleKey(event, key);
  }

  keys() {
    return [
      ...super.keys(),
      { key: "Shift+←/→ (Ctrl for words)", what: `${this.name}: extend a keyboard selection, then a label key` },
      { key: "Alt+←/→", what: `${this.name}: move the caret` },
      ...(this.isParagraphs() ? [{ key: "Alt+↑/↓", what: `${this.name}: previous/next ${this.isChat() ? "message (or alternative)" : "paragraph"}` }] : []),
    ];
  }
}

export { cpLength };
