// Free text: one text area, or one per region of another control (per_region: true), such as a
// transcript per audio segment. Ctrl+Enter inside a text area submits; Esc leaves it.

import { el, syncChildren } from "../util.js";
import { Control } from "./base.js";

export class TextInputControl extends Control {
  build() {
    this.area = el("div", { class: "lw-text-inputs" });
    this.body.append(this.area);
    this._fields = new Map();
  }

  _field(key, labelText, value, onInput) {
    let entry = this._fields.get(key);
    if (!entry) {
      const id = `lw-${this.name}-${key}`.replace(/[^A-Za-z0-9_-]/g, "_");
      const area = el("textarea", { id, rows: this.spec.per_region ? 2 : 3, maxlength: this.spec.max_length || null, "data-region": this.spec.per_region ? key : null });
      const label = el("label", { for: id });
      area.addEventListener("input", () => onInput(area.value, true));
      area.addEventListener("change", () => onInput(area.value, true));
      entry = { wrap: el("div", { class: "lw-text-input" }, label, area), area, label };
      this._fields.set(key, entry);
    }
    entry.label.textContent = labelText;
    entry.area.readOnly = this.readonly;
    if (document.activeElement !== entry.area && entry.area.value !== (value ?? "")) entry.area.value = value ?? "";
    return entry.wrap;
  }

  render() {
    if (!this.spec.per_region) {
      syncChildren(this.area, [this._field("_", this.spec.description || `${this.name}`, this.value, (text) => this._set(text))]);
      if (this.keyed) this._fields.get("_").area.readOnly = this.readonly || this.key() === null;
      return;
    }
    const owners = this.regionControls();
    const regions = owners.flatMap((owner) => owner.regions().map((region) => ({ region, owner })));
    const map = this.value && typeof this.value === "object" ? this.value : {};
    if (!regions.length) {
      this.area.replaceChildren(el("p", { class: "lw-hint", text: `Add ${owners.map((o) => o.name).join(" or ")} regions to write text for each.` }));
      this._fields.clear();
      return;
    }
    const selected = this.editor.selected;
    for (const key of [...this._fields.keys()]) if (!regions.some((r) => r.region.id === key)) this._fields.delete(key);
    syncChildren(this.area, regions.map(({ region, owner }) => {
      const wrap = this._field(region.id, owner.describe(region), map[region.id], (text) => this._setRegion(region.id, text));
      wrap.classList.toggle("lw-selected", !!selected && selected.id === region.id);
      return wrap;
    }));
  }

  problem(value) {
    const max = this.spec.max_length;
    const texts = typeof value === "string" ? [value] : Object.values(value || {});
    const long = max ? texts.find((t) => Array.from(t).length > max) : undefined;
    return long === undefined ? null : `text is ${Array.from(long).length} characters, over the limit of ${max}`;
  }

  // Typing is recorded as one undo step per pause rather than one per keystroke.
  _set(text) {
    clearTimeout(this._timer);
    let value = text;
    if (this.keyed) { // one text per chat message: the current message's entry
      const key = this.key();
      if (key === null) return;
      value = { ...(this.editor.get(this.name) || {}) };
      if (text) value[key] = text; else delete value[key];
    }
    this.editor.set(this.name, value, { record: false });
    this._timer = setTimeout(() => this.editor.history.push(this.editor._value), 400);
  }

  _setRegion(id, text) {
    const map = { ...(this.value || {}) };
    if (text) map[id] = text; else delete map[id];
    this._set(map);
  }

  regionRemoved(id) {
    if (this.spec.per_region && this.value && id in this.value) {
      const map = { ...this.value };
      delete map[id];
      this.editor.set(this.name, map);
    }
  }

  focusRegion(id) {
    const entry = this._fields.get(this.spec.per_region ? id : "_");
    if (entry) entry.area.focus();
  }

  // t (or F2) enters the text box; asked passively too, so t works whatever control is active.
  handleKey(event, key) {
    if (key === "t" || key === "f2") {
      const selected = this.editor.selected;
      const regions = this.regionControls().flatMap((owner) => owner.regions());
      // per region: the selected region's text, else the newest region's (the one just drawn)
      const id = selected && regions.some((r) => r.id === selected.id) ? selected.id : regions.at(-1)?.id;
      this.focusRegion(this.spec.per_region ? id : "_");
      return true;
    }
    return false;
  }

  keys() { return [{ key: "t", what: `${this.name}: type (for the selected region when per region); Esc leaves the text box` }]; }
}
