// Relations between regions: select a region, press r, select the target (click, Tab or arrows),
// press r again. The label keys (hotkeys.js) pick the label of the next relation.

import { el } from "../util.js";
import { Control, countProblem } from "./base.js";

export class RelationsControl extends Control {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.labels = spec.labels || [];
    this.keymap = editor.hotkeys[name] || {};
    this.currentLabel = this.labels[0];
    this.pending = null; // region id the next relation starts from
  }

  relations() { return Array.isArray(this.value) ? this.value : []; }
  problem(value) { return countProblem(value.length, this.spec.min, this.spec.max, "relations"); }

  connectable(id) {
    const owner = this.editor.regionOwner(id);
    return !!owner && (!this.spec.controls || this.spec.controls.includes(owner.name));
  }

  describeRegion(id) {
    const owner = this.editor.regionOwner(id);
    const region = owner && owner.region(id);
    return region ? owner.describe(region) : id;
  }

  start(id) {
    if (!this.connectable(id)) { this.editor.say(`${this.name} cannot start at that region.`); return; }
    this.pending = id;
    this.editor.say(`Relation from ${this.describeRegion(id)}: select the target and press r (Esc cancels).`);
    this.render();
  }

  finish(to) {
    const from = this.pending;
    if (!to || to === from) { this.editor.say("Select another region as the target, then press r."); return; }
    if (!this.connectable(to)) { this.editor.say(`${this.name} cannot end at that region.`); return; }
    const relation = { from, to };
    if (this.labels.length) relation.label = this.currentLabel;
    if (this.relations().some((r) => r.from === from && r.to === to && r.label === relation.label)) {
      this.editor.say("That relation already exists.");
    } else {
      this.editor.activate(this.name, { quiet: true });
      this.value = [...this.relations(), relation];
      this.editor.say(`Related ${this.describeRegion(from)} → ${this.describeRegion(to)}${relation.label ? ` (${relation.label})` : ""}`);
    }
    this.pending = null;
    this.render();
  }

  regionRemoved(id) {
    const kept = this.relations().filter((r) => r.from !== id && r.to !== id);
    if (kept.length !== this.relations().length) this.editor.set(this.name, kept);
    if (this.pending === id) this.pending = null;
  }

  build() {
    this.labelBar = el("div", { class: "lw-labels", role: "radiogroup", "aria-label": `${this.name} labels` });
    this.hint = el("p", { class: "lw-hint", text: "Select a region, press r, select another, press r." });
    this.list = el("ol", { class: "lw-relation-list", "aria-label": `${this.name}` });
    this.body.append(this.labelBar, this.hint, this.list);
  }

  render() {
    this.labelBar.replaceChildren(...this.labels.map((label) => el("button", {
      type: "button", class: "lw-label", role: "radio", "aria-checked": String(label === this.currentLabel), "data-label": label,
      onclick: () => { this.currentLabel = label; this.render(); },
    }, this.keymap[label] ? el("kbd", { text: this.keymap[label] }) : null, el("span", { text: label }))));
    this.hint.textContent = this.pending ? `From ${this.describeRegion(this.pending)}: select the target, press r.` : "Select a region, press r, select another, press r.";
    this.list.replaceChildren(...this.relations().map((relation, index) => el("li", { class: "lw-relation", "data-from": relation.from, "data-to": relation.to },
      el("span", { text: `${this.describeRegion(relation.from)} → ${this.describeRegion(relation.to)}` }),
      this.labels.length ? this._labelSelect(relation, index) : null,
      this.readonly ? null : el("button", { type: "button", class: "lw-region-del", "aria-label": "delete relation", text: "×",
        onclick: () => { this.value = this.relations().filter((_, i) => i !== index); } }))));
  }

  _labelSelect(relation, index) {
    const select = el("select", { "aria-label": "relation label", disabled: this.readonly },
      this.labels.map((label) => el("option", { value: label, text: label })));
    select.value = relation.label;
    select.addEventListener("change", () => {
      this.value = this.relations().map((r, i) => (i === index ? { ...r, label: select.value } : r));
    });
    return el("span", {}, " ", select);
  }

  handleKey(event, key) {
    if (key === "r" && !this.readonly) {
      const selected = this.editor.selected;
      if (this.pending) { this.finish(selected && selected.id); return true; }
      if (selected) { this.start(selected.id); return true; }
      return false;
    }
    if (key === "escape" && this.pending) { this.pending = null; this.render(); this.editor.say("Relation cancelled"); return true; }
    const label = Object.keys(this.keymap).find((l) => this.keymap[l] === key);
    if (label !== undefined) { this.currentLabel = label; this.render(); this.editor.say(`Relation label: ${label}`); return true; }
    return false;
  }

  keys() {
    return [
      { key: "r", what: `${this.name}: start a relation at the selected region, then end it at another` },
      ...this.labels.filter((l) => this.keymap[l]).map((l) => ({ key: this.keymap[l], what: `${this.name}: label ${l}` })),
    ];
  }
}
