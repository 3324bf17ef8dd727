// Edit: rewrite the current chat message (by default an assistant reply) into the preferred version.
// The box starts with the message's text; the answer keeps only messages whose text changed, so
// "Reset" (or typing the original back) drops the edit. e enters the box, Esc leaves it.

import { el } from "../util.js";
import { Control } from "./base.js";

export class EditControl extends Control {
  build() {
    const id = `lw-edit-${this.name}`.replace(/[^A-Za-z0-9_-]/g, "_");
    this.area = el("textarea", { id, rows: 5, maxlength: this.spec.max_length || null, class: "lw-edit-area" });
    this.area.addEventListener("input", () => this._input());
    this.reset = el("button", { type: "button", class: "lw-edit-reset", text: "Reset to the original", onclick: () => this._reset() });
    this.state = el("span", { class: "lw-edit-state small" });
    this.body.append(el("label", { for: id, class: "lw-visually-hidden", text: `${this.name}: the preferred text` }),
      this.area, el("div", { class: "lw-edit-actions" }, this.reset, this.state));
    this._shown = null;
  }

  original() {
    const key = this.key();
    const message = key === null ? null : this.chat.message(Number(key));
    return message && typeof message.content === "string" ? message.content : null;
  }

  render() {
    const key = this.key();
    const original = this.original();
    const edited = this.value;
    this.area.disabled = key === null;
    this.area.readOnly = this.readonly;
    if (this._shown !== key || document.activeElement !== this.area) this.area.value = edited ?? original ?? "";
    this._shown = key;
    this.reset.hidden = this.readonly || edited === undefined;
    this.state.textContent = key === null ? "" : edited !== undefined ? "edited" : "unchanged";
  }

  // Typing is one undo step per pause, as in the text control.
  _input() {
    const key = this.key();
    if (key === null || this.readonly) return;
    clearTimeout(this._timer);
    const map = { ...(this.editor.get(this.name) || {}) };
    if (this.area.value === this.original() || !this.area.value.trim()) delete map[key];
    else map[key] = this.area.value;
    this.editor.set(this.name, map, { record: false });
    this._timer = setTimeout(() => this.editor.history.push(this.editor._value), 400);
  }

  _reset() {
    this.value = null;
    this.area.value = this.original() ?? "";
    this.editor.say(`${this.name}: back to the original`);
  }

  problem(value) {
    const max = this.spec.max_length;
    const long = max ? Object.values(value || {}).find((t) => Array.from(t).length > max) : undefined;
    return long === undefined ? null : `text is ${Array.from(long).length} characters, over the limit of ${max}`;
  }

  handleKey(event, key) {
    if (key !== "e" || this.key() === null) return false;
    this.area.focus();
    return true;
  }

  keys() { return [{ key: "e", what: `${this.name}: edit the current message; Esc leaves the box` }]; }
}
