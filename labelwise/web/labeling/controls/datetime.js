// Date and time (Label Studio's DateTime): the browser's own picker for the control's format, whose
// values are the ISO 8601 text the server checks (2024-05-01T13:30, 2024-05-01, 13:30, 2024-05, 2024).

import { el } from "../util.js";
import { Control } from "./base.js";

const INPUT_TYPES = { datetime: "datetime-local", date: "date", time: "time", month: "month", year: "number" };

export class DatetimeControl extends Control {
  get format() { return this.spec.format || "datetime"; }

  build() {
    const id = `lw-dt-${this.name}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const s = this.spec;
    this.input = el("input", { id, type: INPUT_TYPES[this.format], min: s.min ?? null, max: s.max ?? null,
      step: this.format === "year" ? 1 : null });
    this.input.addEventListener("change", () => this._read());
    this.input.addEventListener("input", () => this._read());
    this.body.append(el("label", { for: id, text: `${this.name} (${this.format})` }), this.input);
  }

  _read() {
    let text = this.input.value.trim();
    if (this.format === "year" && text) text = text.padStart(4, "0");
    this.value = text || null;
  }

  problem(value) {
    const s = this.spec;
    if (s.min && value < s.min) return `${value} is before the minimum ${s.min}`;
    if (s.max && value > s.max) return `${value} is after the maximum ${s.max}`;
    return null;
  }

  render() {
    this.input.readOnly = this.readonly;
    const v = this.value;
    if (document.activeElement !== this.input) this.input.value = v === undefined || v === null ? "" : String(v);
  }

  handleKey(event, key, { passive = false } = {}) {
    if (passive) return false;
    if (key === "t" || key === "f2") { this.input.focus(); return true; }
    return false;
  }

  keys() { return [{ key: "t", what: `${this.name}: type the ${this.format} (when active)` }]; }
}
