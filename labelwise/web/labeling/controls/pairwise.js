// Pairwise comparison of two objects shown side by side, or of the two alternative replies at a chat
// turn: a, b or t (tie).

import { el } from "../util.js";
import { alternativesOf } from "../objects/chat.js";
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

  // The two sides: the objects shown side by side, or (on a chat) the current turn's two alternatives.
  sides() {
    if (!this.keyed) return this.spec.objects;
    const key = this.key();
    const options = key === null ? [] : alternativesOf(this.chat.message(Number(key)));
    return options.length === 2 ? options.map((o) => o.model || `alternative ${o.id}`) : ["first", "second"];
  }

  render() {
    const [a, b] = this.sides();
    const text = { a: `A is better (${a})`, b: `B is better (${b})`, tie: "Tie" };
    const key = { a: "a", b: "b", tie: "t" };
    this.group.replaceChildren(...this.choices().map((choice) => el("button", {
      type: "button", class: "lw-choice", role: "radio", "aria-checked": String(this.value === choice), "data-option": choice,
      disabled: this.readonly, onclick: () => this.pick(choice),
    }, el("kbd", { text: key[choice] }), el("span", { text: text[choice] }))));
  }

  handleKey(event, key, { passive = false } = {}) {
    const map = { a: "a", b: "b", t: "tie" };
    if (!(key in map) || !this.choices().includes(map[key])) return false;
    // t also enters a text box: with one on the page, t means tie only while this control is active.
    if (key === "t" && passive && Object.values(this.editor.controls).some((c) => ["text", "edit"].includes(c.spec.type))) return false;
    this.pick(map[key]);
    return true;
  }

  keys() { return this.choices().map((c) => ({ key: c === "tie" ? "t" : c, what: `${this.name}: ${c}` })); }
}
