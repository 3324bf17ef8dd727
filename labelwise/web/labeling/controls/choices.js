// Choices: one option (radio) or several (checkboxes), each with its own hotkey (see hotkeys.js).

import { dataValues, el } from "../util.js";
import { Control, countProblem } from "./base.js";

export class ChoicesControl extends Control {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    // The schema's options, then those this task's data lists (options_field).
    this.options = [...(spec.options || [])];
    const data = (editor.task && editor.task.data) || {};
    for (const option of dataValues(data, spec.options_field)) if (!this.options.includes(option)) this.options.push(option);
    this.keymap = editor.hotkeys[name] || {};
  }

  problem() { return this.spec.multiple ? countProblem(this.selectedList().length, this.spec.min, this.spec.max, "choices") : null; }

  selectedList() {
    const v = this.value;
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
  }

  toggle(option) {
    if (this.readonly) return;
    if (this.spec.multiple) {
      const current = this.selectedList();
      this.value = current.includes(option) ? current.filter((o) => o !== option) : [...current, option];
    } else {
      this.value = this.value === option ? null : option;
    }
    this.editor.say(`${this.name}: ${this.selectedList().join(", ") || "none"}`);
  }

  build() {
    this.group = el("div", { class: "lw-choices", role: this.spec.multiple ? "group" : "radiogroup", "aria-label": this.name });
    this.body.append(this.group);
  }

  render() {
    const chosen = this.selectedList();
    this.group.replaceChildren(...this.options.map((option) => {
      const key = this.keymap[option];
      return el("button", {
        type: "button", class: "lw-choice", role: this.spec.multiple ? "checkbox" : "radio",
        "aria-checked": String(chosen.includes(option)), "data-option": option, disabled: this.readonly,
        onclick: () => this.toggle(option),
      }, key ? el("kbd", { text: key }) : null, el("span", { text: option }));
    }));
  }

  handleKey(event, key) {
    const option = Object.keys(this.keymap).find((o) => this.keymap[o] === key);
    if (option === undefined) return false;
    this.toggle(option);
    return true;
  }

  keys() {
    return this.options.filter((o) => this.keymap[o]).map((o) => ({ key: this.keymap[o], what: `${this.name}: ${o}` }));
  }
}
