// Pairwise comparison of two objects shown side by side: a, b or t (tie).

import { el } from "../util.js";
import { Control } from "./base.js";

export class PairwiseControl extends Control {
  choices() { return this.spec.allow_tie === false ? ["a", "b"] : ["a", "b", "tie"]; }

  pick(choice) {
    if (this.readonly) return;
    this.value = this.value === choice ? null : choice;
    this.editor.say(`${this.name}: ${this.value ?? "none"}`);
  }

  build() {
    this.group = el("div", { class: "lw-pairwise", role: "radiogroup", "aria-label": this.name });
    this.body.append(this.group);
  }

  render() {
    const [a, b] = this.spec.objects;
    const text = { a: `A is better (${a})`, b: `B is better (${b})`, tie: "Tie" };
    const key = { a: "a", b: "b", tie: "t" };
    this.group.replaceChildren(...this.choices().map((choice) => el("button", {
      type: "button", class: "lw-choice", role: "radio", "aria-checked": String(this.value === choice), "data-option": choice,
      disabled: this.readonly, onclick: () => this.pick(choice),
    }, el("kbd", { text: key[choice] }), el("span", { text: text[choice] }))));
  }

  handleKey(event, key) {
    const map = { a: "a", b: "b", t: "tie" };
    if (!(key in map) || !this.choices().includes(map[key])) return false;
    this.pick(map[key]);
    return true;
  }

  keys() { return this.choices().map((c) => ({ key: c === "tie" ? "t" : c, what: `${this.name}: ${c}` })); }
}
