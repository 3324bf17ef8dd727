// Number: an input bounded by the schema's min, max and step.

import { el } from "../util.js";
import { Control } from "./base.js";

export class NumberControl extends Control {
  build() {
    const id = `lw-num-${this.name}`;
    const s = this.spec;
    this.input = el("input", { id, type: "number", min: s.min ?? null, max: s.max ?? null, step: s.step ?? (s.integer ? 1 : "any"), inputmode: s.integer ? "numeric" : "decimal" });
    this.input.addEventListener("input", () => this._read());
    this.error = el("p", { class: "lw-field-error", role: "alert" });
    const bounds = [s.min !== undefined && s.min !== null ? `from ${s.min}` : "", s.max !== undefined && s.max !== null ? `to ${s.max}` : "", s.step ? `step ${s.step}` : ""].filter(Boolean).join(" ");
    this.body.append(el("label", { for: id, text: `${this.name}${bounds ? ` (${bounds})` : ""}` }), this.input, this.error);
  }

  _read() {
    const text = this.input.value.trim();
    if (text === "") { this.error.textContent = ""; this.value = null; return; }
    const n = Number(text);
    this.error.textContent = Number.isFinite(n) ? this.problem(n) || "" : "Not a number.";
    this.value = Number.isFinite(n) ? n : null; // through `value`: per-region and per-message numbers too
  }

  problem(n) {
    const s = this.spec;
    if (s.integer && !Number.isInteger(n)) return "must be a whole number";
    if (s.min !== undefined && s.min !== null && n < s.min) return `${n} is below the minimum ${s.min}`;
    if (s.max !== undefined && s.max !== null && n > s.max) return `${n} is above the maximum ${s.max}`;
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

  keys() { return [{ key: "t", what: `${this.name}: type the number (when active)` }]; }
}
