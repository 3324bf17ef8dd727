// Chat: a conversation of system/user/assistant/tool messages, Markdown rendered and sanitised. One
// message is current (click it, or Alt+↑/↓): per-message controls answer for it, pairwise and ranking
// for its turn's alternatives. While a spans control on the chat is active (or "Plain text" is on)
// every message is a text block with span marks, offsets counted in the raw text.

import { renderMarkdown } from "../../components/markdown.js";
import { el } from "../util.js";
import { TextBlock } from "./text.js";

export function chatMessages(value) {
  const list = value && typeof value === "object" && !Array.isArray(value) ? value.messages : value;
  return Array.isArray(list) ? list.map((m) => (m && typeof m === "object" ? m : { role: "?", content: String(m) })) : null;
}

export function alternativesOf(message) {
  const options = message && Array.isArray(message.alternatives) ? message.alternatives : [];
  return options.map((option, index) => ({
    id: option && option.id !== undefined ? String(option.id) : String(index),
    index, model: option?.model ?? null, text: typeof option?.content === "string" ? option.content : "",
  }));
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export class ChatViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.messages = chatMessages(value);
    this.plain = false;
    this.el = el("div", { class: "lw-chat-viewer" });
    this.blocks = []; // flat text blocks: {message, alternative, text, block: TextBlock, md: markdown node}
    this.items = [];
    if (!this.messages) {
      this.el.append(el("p", { class: "lw-error", role: "alert", text: `This task has no conversation under "${spec.field || name}".` }));
      return;
    }
    this.current = Math.max(0, this.messages.findIndex((m) => m.role === "assistant")); // the first reply
    this.toggle = el("button", { type: "button", class: "lw-chat-toggle", "aria-pressed": "false", text: "Plain text",
      title: "Show the raw text of every message (spans are marked on it)", onclick: () => { this.plain = !this.plain; this.render(); } });
    const header = el("div", { class: "lw-chat-toolbar" },
      el("span", { class: "lw-chat-meta", text: this._conversationMeta(value) }), this.toggle);
    const list = el("ol", { class: "lw-chat", "aria-label": "conversation" });
    this.messages.forEach((message, index) => {
      const item = this._message(message, index);
      this.items.push(item);
      list.append(item.li);
    });
    this.el.append(header, list);
  }

  _conversationMeta(value) {
    const model = value && typeof value === "object" && !Array.isArray(value) ? value.model : null;
    return `${this.messages.length} messages${model ? ` · ${model}` : ""}`;
  }

  _message(message, index) {
    const role = typeof message.role === "string" ? message.role : "?";
    const li = el("li", { class: `lw-msg lw-role-${role.replace(/[^a-z]/g, "")}`, "data-message": String(index), "data-role": role });
    li.addEventListener("click", (event) => {
      if (event.target.closest("a, button") || window.getSelection()?.toString()) return;
      this.setCurrent(index);
    });
    const badges = el("span", { class: "lw-msg-answers" });
    li.append(el("header", { class: "lw-msg-head" },
      el("span", { class: "lw-role", text: role }),
      message.name ? el("span", { class: "lw-msg-name", text: message.name }) : null,
      message.model ? el("span", { class: "lw-model", text: message.model }) : null,
      el("span", { class: "lw-msg-index", text: `#${index}` }), badges));
    const alternatives = alternativesOf(message);
    if (alternatives.length) {
      const grid = el("div", { class: "lw-alts" });
      for (const alt of alternatives) {
        const body = this._body(index, alt.index, alt.text);
        grid.append(el("section", { class: "lw-alt", "data-alternative": String(alt.index), "data-alt-id": alt.id },
          el("header", { class: "lw-alt-head" }, el("strong", { text: LETTERS[alt.index] || alt.id }),
            alt.model ? el("span", { class: "lw-model", text: alt.model }) : null), body));
      }
      li.append(grid);
    } else {
      li.append(this._body(index, null, typeof message.content === "string" ? message.content : ""));
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.length) {
      li.append(el("pre", { class: "lw-tool-calls", text: JSON.stringify(message.tool_calls, null, 2) }));
    }
    if (message.tool_call_id) li.append(el("small", { class: "lw-muted", text: `result of ${message.tool_call_id}` }));
    return { li, badges, message };
  }

  _body(message, alternative, text) {
    const number = this.blocks.length;
    const block = new TextBlock({
      text, paragraph: number,
      onRange: (start, end) => this._range(start, end, number),
      onPick: (id) => { const owner = this.editor.regionOwner(id); if (owner) this.editor.select(owner.name, id); },
    });
    const wrap = el("div", { class: "lw-msg-body" });
    this.blocks.push({ message, alternative, text, block, md: null, wrap });
    return wrap;
  }

  // --- the current message --------------------------------------------------------------------------
  message(index) { return this.messages ? this.messages[index] : undefined; }

  setCurrent(index, { say = true } = {}) {
    if (!this.messages || index < 0 || index >= this.messages.length) return;
    this.current = index;
    this.editor.refresh();
    this.items[index].li.scrollIntoView({ block: "nearest" });
    if (say) this.editor.say(`Message ${index} (${this.messages[index].role})`);
  }

  move(delta) { this.setCurrent(Math.max(0, Math.min(this.messages.length - 1, this.current + delta))); }

  // The turn a pairwise/ranking control answers: the current message if it offers alternatives (exactly
  // `exact` of them for pairwise), else the nearest one before it, else the first.
  turn({ exact = null } = {}) {
    if (!this.messages) return null;
    const fits = (i) => { const n = alternativesOf(this.messages[i]).length; return exact ? n === exact : n >= 2; };
    for (let i = this.current; i >= 0; i--) if (fits(i)) return i;
    const first = this.messages.findIndex((_, i) => fits(i));
    return first >= 0 ? first : null;
  }

  // --- text blocks for spans ----------------------------------------------------------------------
  blockIndex(region) {
    return this.blocks.findIndex((b) => b.message === region.message && b.alternative === (region.alternative ?? null));
  }

  blockFields(number) {
    const b = this.blocks[number];
    return b.alternative === null ? { message: b.message } : { message: b.message, alternative: b.alternative };
  }

  currentBlock() {
    const index = this.blocks.findIndex((b) => b.message === this.current);
    return index >= 0 ? index : 0;
  }

  textOf(number) { return this.blocks[number] ? this.blocks[number].text : ""; }
  get paragraphCount() { return this.blocks.length; }

  spansControls() { return this.editor.regionControlsOn(this.name).filter((c) => c.spec.type === "spans"); }
  _activeSpans() {
    const active = this.editor.controls[this.editor.active];
    const mine = this.spansControls();
    return mine.includes(active) ? active : null;
  }

  _range(start, end, number) {
    const control = this._activeSpans() || this.spansControls()[0];
    if (control && !this.editor.readonly) control.createFromText(start, end, number, this.textOf(number));
  }

  marksIn(number) {
    const selected = this.editor.selected;
    const out = [];
    for (const control of this.spansControls()) {
      for (const r of control.regions()) {
        if (this.blockIndex(r) !== number) continue;
        out.push({ id: r.id, start: r.start, end: r.end, label: r.label, color: control.color(r.label), selected: !!selected && selected.id === r.id });
      }
    }
    return out;
  }

  // --- drawing --------------------------------------------------------------------------------------
  render() {
    if (!this.messages) return;
    const spans = this._activeSpans();
    const plain = this.plain || !!spans;
    this.toggle.setAttribute("aria-pressed", String(plain));
    this.toggle.textContent = plain ? "Markdown" : "Plain text";
    this.toggle.disabled = !!spans && !this.plain;
    this.el.classList.toggle("lw-chat-plain", plain);
    this.blocks.forEach((b, number) => {
      if (plain) {
        b.block.render(this.marksIn(number), spans ? spans.keyboardSelection(number) : null);
        if (b.wrap.firstChild !== b.block.el) b.wrap.replaceChildren(b.block.el);
      } else {
        b.md = b.md || renderMarkdown(b.text);
        if (b.wrap.firstChild !== b.md) b.wrap.replaceChildren(b.md);
      }
    });
    this.items.forEach((item, index) => {
      item.li.classList.toggle("lw-current", index === this.current);
      if (index === this.current) item.li.setAttribute("aria-current", "true"); else item.li.removeAttribute("aria-current");
      item.badges.replaceChildren(...this._answers(index).map((text) => el("span", { class: "lw-badge", text })));
    });
  }

  // Short words for what the answer says about message `index`, shown in its header.
  _answers(index) {
    const out = [];
    const key = String(index);
    for (const control of Object.values(this.editor.controls)) {
      if (control.spec.object !== this.name) continue;
      const value = this.editor.get(control.name);
      if (control.spec.type === "spans") {
        const count = (value || []).filter((r) => r.message === index).length;
        if (count) out.push(`${control.name}: ${count}`);
        continue;
      }
      if (!control.keyed || !value || typeof value !== "object" || !(key in value)) continue;
      const answer = value[key];
      const text = control.spec.type === "edit" ? "edited" : Array.isArray(answer) ? answer.join(", ") : String(answer);
      out.push(`${control.name}: ${text.length > 24 ? `${text.slice(0, 24)}…` : text}`);
    }
    return out;
  }

  reveal(_control, region) {
    if (region && region.message !== undefined && region.message !== this.current) {
      this.current = region.message;
      this.render();
    }
    const seg = region && this.el.querySelector(`[data-marks~="${CSS.escape(region.id)}"]`);
    (seg || this.items[this.current]?.li)?.scrollIntoView({ block: "nearest" });
  }

  handleKey(_event, key) {
    if (!this.messages) return false;
    if (key === "alt+arrowdown" || key === "alt+arrowup") { this.move(key === "alt+arrowdown" ? 1 : -1); return true; }
    return false;
  }

  keys() { return [{ key: "Alt+↑/↓", what: `${this.name}: previous/next message` }]; }
}
