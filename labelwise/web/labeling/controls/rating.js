// Rating: 1..max stars; digits set it while the control is active (and with max <= 9).

import { el } from "../util.js";
import { Control } from "./base.js";

export class RatingControl extends Control {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.max = spec.max || 5;
  }

  set_(n) { if (!this.readonly) { this.value = this.value === n ? null : n; this.editor.say(`${this.name}: ${this.value ?? "none"}`); } }

  build() {
    this.stars = el("div", { class: "lw-rating", role: "radiogroup", "aria-label": this.name });
    this.body.append(this.stars);
  }

  render() {
    const v = this.value || 0;
    const buttons = [];
    for (let n = 1; n <= this.max; n++) {
      buttons.push(el("button", {
        type: "button", class: "lw-star" + (n <= v ? " lw-on" : ""), role: "radio", "aria-checked": String(n === v),
        "aria-label": `${n} of ${this.max}`, "data-value": String(n), disabled: this.readonly, text: n <= v ? "★" : "☆",
        onclick: () => this.set_(n),
      }));
    }
    this.stars.replaceChildren(...buttons, el("span", { class: "lw-rating-value", text: v ? ` ${v}/${this.max}` : "" }));
  }

  handleKey(event, key, { passive = false } = {}) {
    if (passive || this.max > 9 || !/^[1-9]$/.test(key) || Number(key) > this.max) return false;
    this.set_(Number(key));
    return true;
  }

  keys() { return [{ key: `1–${Math.min(9, this.max)}`, what: `${this.name}: rating (when active)` }]; }
}
