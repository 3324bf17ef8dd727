// The base classes of every control: a panel in the side bar, keys, and (for region controls) the
// shared list of regions with labels, hotkeys, selection and removal.

import { dataValues, el, keyName, labelColor, newId } from "../util.js";

export class Control {
  constructor(editor, name, spec) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.isRegion = false;
    this.el = el("section", { class: `lw-control lw-control-${spec.type}`, "data-control": name, "aria-label": name });
    this.el.addEventListener("pointerdown", () => editor.activate(name));
    this.el.addEventListener("focusin", () => editor.activate(name, { quiet: true }));
    this.header = el("h3", { class: "lw-control-title" }, el("span", { text: name }),
      spec.required ? el("span", { class: "lw-required", title: "required", text: " *" }) : null);
    if (spec.description) this.header.append(el("small", { class: "lw-desc", text: spec.description }));
    this.body = el("div", { class: "lw-control-body" });
    // On a chat, an answer may be one per message ("message": per_message, edit) or per turn with
    // alternatives ("turn": pairwise, ranking): the value is then {"<message index>": answer} and
    // `value` reads and writes the entry of the current message or turn.
    this.keyed = keyedBy(editor, spec);
    this.scope = this.keyed ? el("p", { class: "lw-scope", "aria-live": "polite" }) : null;
    this.el.append(this.header, ...(this.scope ? [this.scope] : []), this.body);
  }

  // A keyed control (a chat message or turn, below) or a per-region one (further below) reads and writes
  // one entry of its {key: answer} value; null key: nothing to answer for now.
  entryKey() { return this.keyed ? this.key() : this.perRegion ? this.regionId() ?? null : undefined; }

  get value() {
    const v = this.editor.get(this.name);
    const key = this.entryKey();
    if (key === undefined) return v;
    return key === null || !v || typeof v !== "object" ? undefined : v[key];
  }

  set value(v) {
    const key = this.entryKey();
    if (key === undefined) { this.editor.set(this.name, v); return; }
    if (key === null) { if (this.keyed) this.editor.say(`${this.name}: ${this.scopeText()}`); return; }
    const map = { ...(this.editor.get(this.name) || {}) };
    if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) delete map[key];
    else map[key] = v;
    this.editor.set(this.name, map);
  }

  // A per-region control (per_region: true, other than text, which lists every region itself) reads and
  // writes the answer of the selected region of `regions_of`; its value is {region id: answer}.
  get perRegion() { return !!this.spec.per_region && this.spec.type !== "text"; }
  // regions_of names one region control or lists several.
  regionControls() {
    const of = this.spec.regions_of;
    return (Array.isArray(of) ? of : of ? [of] : []).map((n) => this.editor.controls[n]).filter(Boolean);
  }
  regionId() {
    const selected = this.editor.selected;
    const owner = selected && this.regionControls().find((c) => c.name === selected.control);
    if (!owner) return null;
    const when = this.spec.visible_when;
    if (when && when.control === owner.name && when.values) {
      const region = owner.region(selected.id);
      if (!region || !when.values.includes(region.label)) return null;
    }
    return selected.id;
  }

  get readonly() { return this.editor.readonly; }
  get chat() { return this.keyed && this.keyed !== "page" ? this.editor.viewers[this.spec.object] : null; }

  // The message index (as a string) the control answers for now, or null when it cannot answer here.
  key() {
    if (this.keyed === "page") return String(this.editor.viewers[this.spec.object]?.page ?? 0);
    const chat = this.chat;
    if (!chat || !chat.messages) return null;
    if (this.keyed === "turn") {
      const turn = chat.turn({ exact: this.spec.type === "pairwise" ? 2 : null });
      return turn === null ? null : String(turn);
    }
    const message = chat.message(chat.current);
    const roles = this.spec.roles || (this.spec.type === "edit" ? ["assistant"] : null);
    if (!message || (roles && !roles.includes(message.role))) return null;
    if (this.spec.type === "edit" && typeof message.content !== "string") return null;
    return String(chat.current);
  }

  scopeText() {
    const chat = this.chat;
    const key = this.key();
    if (this.keyed === "page") return `for page ${Number(key) + 1} (PageUp / PageDown)`;
    if (key !== null) return this.keyed === "turn" ? `for the alternatives of message #${key}` : `for message #${key} (${chat.message(Number(key)).role})`;
    if (this.keyed === "turn") return "this chat has no turn with alternatives";
    const roles = this.spec.roles || (this.spec.type === "edit" ? ["assistant"] : null);
    return `pick ${roles ? `an ${roles.join(" or ")}` : "a"} message (Alt+↑/↓)`;
  }

  renderScope() {
    if (!this.scope) return;
    this.scope.textContent = this.scopeText();
    this.el.classList.toggle("lw-out-of-scope", this.key() === null);
  }

  build() {}
  render() {}
  handleKey(_event, _key) { return false; }
  keys() { return []; }
  // What the server would reject in a non-empty answer (limits), in words; null when it is fine.
  problem(_value) { return null; }
  // Called when a region is removed, so dependent answers (relations, per-region answers) follow.
  regionRemoved(id) {
    const map = this.editor.get(this.name);
    if (this.perRegion && map && id in map) {
      const next = { ...map };
      delete next[id];
      this.editor.set(this.name, next);
    }
  }
}

function keyedBy(editor, spec) {
  const object = spec.object && editor.objectSpec(spec.object);
  if (object && object.type === "pdf" && spec.per_page) return "page"; // {"<page index>": answer}
  if (!object || object.type !== "chat") return null;
  if (spec.per_message || spec.type === "edit") return "message";
  if (spec.type === "pairwise" || spec.type === "ranking") return "turn";
  return null;
}

// "needs at least 2 regions" / "allows at most 3 regions", as the server words it; empty is for `required`.
export function countProblem(count, min, max, what) {
  if (min !== undefined && min !== null && count && count < min) return `needs at least ${min} ${what}, got ${count}`;
  if (max !== undefined && max !== null && count > max) return `allows at most ${max} ${what}, got ${count}`;
  return null;
}

export class RegionControl extends Control {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.isRegion = true;
    const data = (editor.task && editor.task.data) || {};
    this.labels = [...(spec.labels || [])];
    for (const label of dataValues(data, spec.labels_field)) if (!this.labels.includes(label)) this.labels.push(label);
    this.keymap = editor.hotkeys[name] || {};
    this.currentLabel = this.labels[0];
  }

  regions() { return Array.isArray(this.value) ? this.value : []; }
  problem(value) { return countProblem(value.length, this.spec.min, this.spec.max, "regions"); }
  region(id) { return this.regions().find((r) => r.id === id); }
  color(label) { return labelColor(this.spec, label); }

  add(region) {
    if (this.readonly) return null;
    const full = { id: newId(this.spec.type[0]), label: this.currentLabel, ...region };
    if (this.spec.max !== undefined && this.spec.max !== null && this.regions().length >= this.spec.max) {
      this.editor.say(`${this.name} allows at most ${this.spec.max} regions.`);
      return null;
    }
    this.editor.set(this.name, [...this.regions(), full]);
    // A new region stays the one that Delete, rotation, keyframes, t or more strokes act on, but it is
    // selected "fresh": a label key does not relabel it, it lets go of it and chooses the label of the
    // next region. Relabelling needs a deliberate selection (click, Tab).
    this.editor.select(this.name, full.id, { fresh: true });
    return full;
  }

  update(id, patch, { record = true } = {}) {
    if (this.readonly) return;
    const next = this.regions().map((r) => (r.id === id ? { ...r, ...(typeof patch === "function" ? patch(r) : patch) } : r));
    this.editor.set(this.name, next, { record });
  }

  remove(id) {
    if (this.readonly) return;
    this.editor.removeRegion(this.name, id);
  }

  labelForKey(key) {
    return Object.keys(this.keymap).find((label) => this.keymap[label] === key);
  }

  // A label key: relabel the selected region of this control, else choose the label for new regions.
  pickLabel(label) {
    const selected = this.editor.selected;
    if (selected && selected.fresh) this.editor.select(null);
    this.currentLabel = label;
    if (selected && selected.control === this.name && !selected.fresh && !this.readonly) this.update(selected.id, { label });
    else this.editor.refresh();
    this.editor.say(`Label: ${label}`);
  }

  handleKey(event, key) {
    const label = this.labelForKey(key);
    if (label !== undefined) { this.pickLabel(label); return true; }
    return false;
  }

  keys() {
    return this.labels.filter((l) => this.keymap[l]).map((l) => ({ key: this.keymap[l], what: `${this.name}: label ${l}` }));
  }

  describe(region) { return region.label; }

  build() {
    this.labelBar = el("div", { class: "lw-labels", role: "radiogroup", "aria-label": `${this.name} labels` });
    this.list = el("ol", { class: "lw-region-list", "aria-label": `${this.name} regions` });
    this.body.append(this.labelBar, this.list);
  }

  render() {
    this.labelBar.replaceChildren(...this.labels.map((label) => {
      const key = this.keymap[label];
      return el("button", {
        type: "button", class: "lw-label", role: "radio", "aria-checked": String(label === this.currentLabel),
        "data-label": label, style: { "--lw-color": this.color(label) },
        onclick: () => this.pickLabel(label),
      }, key ? el("kbd", { text: key }) : null, el("span", { text: label }));
    }));
    const selected = this.editor.selected;
    this.list.replaceChildren(...this.regions().map((region) => el("li", {
      class: "lw-region" + (selected && selected.id === region.id ? " lw-selected" : ""),
      "data-region": region.id, style: { "--lw-color": this.color(region.label) },
    },
    el("button", { type: "button", class: "lw-region-pick", onclick: () => this.editor.select(this.name, region.id) },
      el("span", { class: "lw-swatch" }), el("span", { text: this.describe(region) })),
    this.readonly ? null : el("button", {
      type: "button", class: "lw-region-del", "aria-label": `delete ${region.label}`, text: "×",
      onclick: () => this.remove(region.id),
    }))));
  }

  static key(event) { return keyName(event); }
}
