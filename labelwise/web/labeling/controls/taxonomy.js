// Taxonomy: hierarchical choices. Results are paths from the root. Keys: 1-9 open a node with
// children (or toggle a leaf), x toggles the node you are in, 0 or Backspace goes up a level.

import { el } from "../util.js";
import { Control, countProblem } from "./base.js";

// Accept both the friendly tree (names and {name: [children]}) and {value, children} nodes.
export function taxonomyNodes(options) {
  return (options || []).map((node) => {
    if (typeof node === "string") return { value: node, children: [] };
    if (node && typeof node === "object" && "value" in node) return { value: node.value, children: taxonomyNodes(node.children) };
    const [[value, children]] = Object.entries(node);
    return { value, children: taxonomyNodes(children || []) };
  });
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export class TaxonomyControl extends Control {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.tree = taxonomyNodes(spec.options);
    this.cursor = []; // the path of the level the keys act on
  }

  paths() { return Array.isArray(this.value) ? this.value : []; }
  problem(value) { return countProblem(value.length, this.spec.min, this.spec.max, "paths"); }
  has(path) { return this.paths().some((p) => same(p, path)); }

  toggle(path) {
    if (this.readonly) return;
    const node = this._node(path);
    if (this.spec.leaf_only && node && node.children.length) { this.editor.say(`${path.join(" / ")} is not a leaf; only leaves can be chosen.`); return; }
    let next = this.has(path) ? this.paths().filter((p) => !same(p, path)) : [...this.paths(), path];
    if (this.spec.multiple === false && !this.has(path)) next = [path];
    this.value = next;
    this.editor.say(`${this.name}: ${next.map((p) => p.join(" / ")).join("; ") || "none"}`);
  }

  _node(path) {
    let nodes = this.tree;
    let node = null;
    for (const step of path) {
      node = nodes.find((n) => n.value === step);
      if (!node) return null;
      nodes = node.children;
    }
    return node;
  }

  level() { return this.cursor.length ? this._node(this.cursor).children : this.tree; }

  build() {
    this.crumbs = el("p", { class: "lw-taxonomy-level" });
    this.treeEl = el("ul", { class: "lw-taxonomy", role: "tree", "aria-label": this.name });
    this.body.append(this.crumbs, this.treeEl);
  }

  _item(node, path, depth) {
    const inLevel = same(path.slice(0, -1), this.cursor);
    const index = inLevel ? this.level().indexOf(node) : -1;
    const checkbox = el("input", { type: "checkbox", id: `${this.name}-${path.join("-")}`, disabled: this.readonly || (this.spec.leaf_only && node.children.length > 0) });
    checkbox.checked = this.has(path);
    checkbox.addEventListener("change", () => this.toggle(path));
    const li = el("li", { role: "treeitem", "data-path": path.join("/"), class: same(path, this.cursor) ? "lw-current" : null },
      el("label", { for: checkbox.id }, checkbox, index >= 0 && index < 9 ? el("kbd", { text: String(index + 1) }) : null, el("span", { text: node.value })));
    const open = this.cursor.length >= depth + 1 && same(this.cursor.slice(0, depth + 1), path);
    if (node.children.length && (open || this.paths().some((p) => same(p.slice(0, depth + 1), path) && p.length > depth + 1))) {
      li.append(el("ul", { role: "group" }, node.children.map((child) => this._item(child, [...path, child.value], depth + 1))));
    } else if (node.children.length) {
      li.append(el("button", { type: "button", class: "lw-open", "aria-label": `open ${node.value}`, text: "▸", onclick: () => { this.cursor = path; this.render(); } }));
    }
    return li;
  }

  render() {
    this.crumbs.textContent = this.cursor.length ? `In: ${this.cursor.join(" / ")} (0 goes up, x chooses it)` : "Top level";
    this.treeEl.replaceChildren(...this.tree.map((node) => this._item(node, [node.value], 0)));
  }

  handleKey(event, key, { passive = false } = {}) {
    if (passive) return false;
    if (/^[1-9]$/.test(key)) {
      const node = this.level()[Number(key) - 1];
      if (!node) return false;
      const path = [...this.cursor, node.value];
      if (node.children.length) { this.cursor = path; this.render(); this.editor.say(`In ${path.join(" / ")}`); } else this.toggle(path);
      return true;
    }
    if ((key === "0" || key === "backspace") && this.cursor.length) { this.cursor = this.cursor.slice(0, -1); this.render(); return true; }
    if (key === "x" && this.cursor.length) { this.toggle([...this.cursor]); return true; }
    return false;
  }

  keys() {
    return [
      { key: "1–9", what: `${this.name}: open a node or choose a leaf` },
      { key: "x", what: `${this.name}: choose the node you are in` },
      { key: "0 / Backspace", what: `${this.name}: up a level` },
    ];
  }
}
