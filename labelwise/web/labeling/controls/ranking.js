// Ranking of a paragraphs object's items (or of a chat turn's alternatives), best first: drag to
// reorder, or with the keyboard ↑/↓ pick an item and Shift+↑/↓ move it; Enter on "keep this order"
// confirms the order as shown.
// With buckets (Label Studio's Ranker + Bucket), each item gets a bucket picker instead, and the
// answer is {bucket: [ids]}; items left out stay unsorted (or in default_bucket).

import { el } from "../util.js";
import { paragraphItems } from "../objects/paragraphs.js";
import { alternativesOf } from "../objects/chat.js";
import { Control } from "./base.js";

export class RankingControl extends Control {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this._items = paragraphItems(editor.objectSpec(spec.object), editor.objectValue(spec.object)) || [];
    this.cursor = 0;
  }

  get bucketed() { return Array.isArray(this.spec.buckets) && this.spec.buckets.length > 0; }

  bucketOf(id) {
    const v = this.value && typeof this.value === "object" && !Array.isArray(this.value) ? this.value : {};
    const found = Object.keys(v).find((b) => b !== "_" && Array.isArray(v[b]) && v[b].includes(id));
    return found ?? this.spec.default_bucket ?? "";
  }

  putInBucket(id, bucket) {
    if (this.readonly) return;
    const next = {};
    for (const b of this.spec.buckets) next[b.name] = this.items.map((i) => i.id).filter((x) => (x === id ? bucket : this.bucketOf(x)) === b.name);
    for (const b of Object.keys(next)) if (!next[b].length) delete next[b];
    this.value = next;
    this.editor.say(`${this.name}: ${id} → ${bucket || "not sorted"}`);
  }

  renderBuckets() {
    this.confirm.hidden = true;
    const titles = Object.fromEntries(this.spec.buckets.map((b) => [b.name, b.title || b.name]));
    this.list.replaceChildren(...this.items.map((item) => {
      const picker = el("select", { "aria-label": `${this.name}: bucket of ${item.id}`, disabled: this.readonly, "data-item": item.id },
        this.spec.default_bucket ? null : el("option", { value: "", text: "(not sorted)" }),
        ...this.spec.buckets.map((b) => el("option", { value: b.name, text: titles[b.name] })));
      picker.value = this.bucketOf(item.id);
      picker.addEventListener("change", () => this.putInBucket(item.id, picker.value));
      return el("li", { class: "lw-bucket-item", "data-item": item.id }, picker,
        el("span", { class: "lw-author", text: item.author ?? `item ${item.id}` }),
        el("span", { class: "lw-rank-text", text: item.text.length > 140 ? `${item.text.slice(0, 140)}…` : item.text }));
    }));
  }

  // The items: a paragraphs object's, or the alternatives of the chat turn being ranked.
  get items() {
    if (!this.keyed) return this._items;
    const key = this.key();
    return key === null ? [] : alternativesOf(this.chat.message(Number(key)))
      .map((o) => ({ id: o.id, author: o.model ? `${"ABCDEFGHIJ"[o.index] || o.id} · ${o.model}` : "ABCDEFGHIJ"[o.index] || o.id, text: o.text }));
  }

  order() {
    const v = Array.isArray(this.value) ? this.value : null;
    const ids = this.items.map((i) => i.id);
    if (v && v.length === ids.length && v.every((id) => ids.includes(id))) return v;
    return ids;
  }

  move(from, to) {
    if (this.readonly) return;
    const order = [...this.order()];
    if (to < 0 || to >= order.length || from === to) { this.value = order; return; }
    const [item] = order.splice(from, 1);
    order.splice(to, 0, item);
    this.cursor = to;
    this.value = order;
    this.editor.say(`${this.name}: ${order.join(" > ")}`);
  }

  build() {
    this.list = el("ol", { class: "lw-ranking", "aria-label": `${this.name}, best first` });
    this.confirm = el("button", { type: "button", class: "lw-confirm", text: "Keep this order", onclick: () => { if (!this.readonly) this.value = [...this.order()]; } });
    this.list.addEventListener("dragover", (e) => e.preventDefault());
    this.body.append(this.list, this.confirm);
  }

  render() {
    if (this.bucketed) { this.renderBuckets(); return; }
    const byId = Object.fromEntries(this.items.map((i) => [i.id, i]));
    const answered = Array.isArray(this.value);
    this.confirm.hidden = answered || this.readonly;
    this.list.replaceChildren(...this.order().map((id, index) => {
      const item = byId[id];
      const li = el("li", {
        class: "lw-rank-item" + (index === this.cursor ? " lw-current" : ""), draggable: this.readonly ? null : "true",
        "data-item": id, tabindex: "0",
      }, el("span", { class: "lw-rank-pos", text: `${index + 1}.` }), el("span", { class: "lw-author", text: item.author ?? `item ${id}` }),
      el("span", { class: "lw-rank-text", text: item.text.length > 140 ? `${item.text.slice(0, 140)}…` : item.text }));
      li.addEventListener("dragstart", (e) => { e.dataTransfer.setData("text/plain", id); e.dataTransfer.effectAllowed = "move"; });
      li.addEventListener("drop", (e) => {
        e.preventDefault();
        const dragged = e.dataTransfer.getData("text/plain");
        const order = this.order();
        this.move(order.indexOf(dragged), order.indexOf(id));
      });
      li.addEventListener("focus", () => { this.cursor = index; });
      return li;
    }));
  }

  handleKey(event, key, { passive = false } = {}) {
    if (passive || this.bucketed) return false;
    const n = this.items.length;
    if (key === "arrowdown" || key === "arrowup") {
      this.cursor = Math.max(0, Math.min(n - 1, this.cursor + (key === "arrowdown" ? 1 : -1)));
      this.render();
      return true;
    }
    if (key === "shift+arrowdown" || key === "shift+arrowup" || key === "alt+arrowdown" || key === "alt+arrowup") {
      this.move(this.cursor, this.cursor + (key.endsWith("down") ? 1 : -1));
      return true;
    }
    if (key === "c" && !Array.isArray(this.value)) { this.value = [...this.order()]; return true; }
    return false;
  }

  keys() {
    if (this.bucketed) return [];
    return [
      { key: "↑/↓", what: `${this.name}: pick an item` },
      { key: "Shift+↑/↓", what: `${this.name}: move the item up/down` },
      { key: "c", what: `${this.name}: keep the order as shown` },
    ];
  }
}
