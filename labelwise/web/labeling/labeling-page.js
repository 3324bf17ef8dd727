// <lw-labeling project-id="N">: the annotator's loop. Loads the project, asks the queue for the next
// task, shows it in <lw-task-editor>, and submits or skips from the keyboard. Work is never dropped:
// a rejected result keeps the editor as it is, a lost connection retries with backoff (and on
// "online"), and a 409 after a retry means the first attempt already landed.

import { api } from "../api.js";
import { renderMarkdown } from "../components/markdown.js";
import { MediaPrefetcher } from "./prefetch.js";
import { el, ensureStyles, isTyping, keyName } from "./util.js";
import "./task-editor.js";

// The keyboard model, as the ? sheet and docs/keyboard.md state it.
const KEY_RULES = [
  "In a text box every key is text. Only Esc (leave the box, back to the page) and Ctrl+Enter (submit) act there.",
  "Every label has its own key, the same on every task and shown on its button. Each task starts on the first control.",
  "A new region takes the label chosen before drawing it. A label key right after drawing chooses the next region's label; to relabel a region, select it first (click or Tab).",
  "Rating and taxonomy take the digits only while they are the active control ([ and ] move between controls).",
  "Enter checks required controls and limits before anything is sent; a control that needs an answer is outlined in red.",
];

const PAGE_KEYS = [
  ["Enter", "submit (Ctrl+Enter inside a text box)"],
  ["s or Ctrl+→", "skip this task"],
  ["Ctrl+←", "go back to the task you submitted before (edit it)"],
  ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo"],
  ["Tab, ← / →", "select the next / previous region"],
  ["Delete", "remove the selected region"],
  ["Esc", "deselect, cancel, leave a text box, close a panel"],
  ["[ / ]", "previous / next control"],
  ["t", "type into the text box (of the selected or newest region)"],
  ["a (Shift+A)", "accept the model's whole suggestion into the editor, then fix or submit"],
  ["g", "show or hide the guidelines"],
  ["?", "show or hide this list"],
];

const MAX_BACKOFF_MS = 30000;

function summarize(result) {
  return Object.entries(result || {}).map(([name, value]) => {
    if (Array.isArray(value) && value.length && typeof value[0] === "object" && !Array.isArray(value[0])) {
      const labels = value.map((r) => r.label).filter(Boolean);
      return `${name}: ${value.length} region${value.length === 1 ? "" : "s"}${labels.length ? ` (${[...new Set(labels)].join(", ")})` : ""}`;
    }
    if (Array.isArray(value)) return `${name}: ${value.map((v) => (Array.isArray(v) ? v.join(" / ") : v)).join(", ")}`;
    if (value && typeof value === "object") return `${name}: ${Object.keys(value).length} entries`;
    return `${name}: ${value}`;
  }).join(" · ");
}

function withoutScores(value) {
  if (Array.isArray(value)) return value.map(withoutScores);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "score").map(([k, v]) => [k, withoutScores(v)]));
  }
  return value;
}

export class LabelingPage extends HTMLElement {
  constructor() {
    super();
    this.project = null;
    this.current = null; // {task, shownAt, annotationId?}
    this.done = [];      // [{taskId, annotationId}] submitted in this session, newest last
    this.stash = new Map(); // unsent work on the leased task while the annotator edits an older one
    this.ahead = null;      // the task after the current one, leased ahead ({task, lease_expires_at}), media warmed
    this.aheadAsked = false;
    this.sending = null;    // the previous answer, still on its way after its next task was shown
    this.phase = "idle";
    this.attempt = 0;
    this.submitted = 0;
    this._onKey = (event) => this.onKey(event);
    this._onOnline = () => { if (this.retry) this.retry(); };
    // Leaving while an answer is still on its way (or waiting to retry) would lose it: ask first.
    this._onLeave = (event) => { if (this.sending || this.phase === "retrying") event.preventDefault(); };
  }

  get projectId() { return Number(this.getAttribute("project-id")); }

  connectedCallback() {
    ensureStyles();
    this.classList.add("lw-labeling");
    this.build();
    document.addEventListener("keydown", this._onKey);
    window.addEventListener("online", this._onOnline);
    window.addEventListener("beforeunload", this._onLeave);
    this.start();
  }

  disconnectedCallback() {
    document.removeEventListener("keydown", this._onKey);
    window.removeEventListener("online", this._onOnline);
    window.removeEventListener("beforeunload", this._onLeave);
    clearTimeout(this.retryTimer);
  }

  build() {
    this.titleEl = el("h2", { class: "lw-title", text: "Labeling" });
    this.info = el("span", { class: "lw-task-info" });
    this.submitBtn = el("button", { type: "button", class: "lw-primary", onclick: () => this.submit() }, "Submit ", el("kbd", { text: "Enter" }));
    this.skipBtn = el("button", { type: "button", onclick: () => this.skip() }, "Skip ", el("kbd", { text: "s" }));
    this.backBtn = el("button", { type: "button", onclick: () => this.back(), title: "Edit the task you submitted before" }, "Back ", el("kbd", { text: "Ctrl+←" }));
    this.undoBtn = el("button", { type: "button", onclick: () => this.editor.undo(), "aria-label": "Undo" }, "Undo");
    this.redoBtn = el("button", { type: "button", onclick: () => this.editor.redo(), "aria-label": "Redo" }, "Redo");
    this.guideBtn = el("button", { type: "button", onclick: () => this.toggle(this.guidelines) }, "Guidelines ", el("kbd", { text: "g" }));
    this.helpBtn = el("button", { type: "button", onclick: () => this.toggle(this.help) }, "Shortcuts ", el("kbd", { text: "?" }));
    this.message = el("div", { class: "lw-message", role: "alert", "aria-live": "assertive", hidden: true });
    this.suggestion = el("div", { class: "lw-suggestion", hidden: true });
    // An auto-labeled task served to a person is a verification check: say so (without the model's label).
    this.autoNote = el("div", { class: "lw-auto-label", role: "note", hidden: true });
    this.editor = document.createElement("lw-task-editor");
    this.empty = el("div", { class: "lw-empty", hidden: true });
    this.guidelines = el("aside", { class: "lw-panel lw-guidelines", hidden: true, "aria-label": "Guidelines", tabindex: "-1" });
    this.help = el("aside", { class: "lw-panel lw-help", hidden: true, "aria-label": "Keyboard shortcuts", tabindex: "-1" });
    this.toolbar = el("div", { class: "lw-toolbar", role: "toolbar", "aria-label": "Labeling actions" },
      this.submitBtn, this.skipBtn, this.backBtn, this.undoBtn, this.redoBtn, this.guideBtn, this.helpBtn);
    this.replaceChildren(
      el("header", { class: "lw-label-header" }, this.titleEl, this.info, this.toolbar),
      this.message, this.autoNote, this.suggestion, this.editor, this.empty, this.guidelines, this.help,
    );
    this.editor.addEventListener("change", () => this.updateButtons());
  }

  // `early`, when the page's entry set it, holds the project and first task already asked for while this
  // module was still loading ({project, next}: promises of what api() answers); each is used once.
  async start() {
    const early = this.early;
    this.early = null;
    this.say("Loading the project…", "info");
    try {
      this.project = await (early?.project ?? api(`/projects/${this.projectId}`));
    } catch (error) {
      this.say(`Cannot open project ${this.projectId}: ${error.message}`, "error");
      return;
    }
    this.titleEl.textContent = this.project.name;
    this.editor.schema = this.project.label_schema;
    this.prefetcher = new MediaPrefetcher();
    this.fillGuidelines();
    await this.loadNext(early?.next);
  }

  fillGuidelines() {
    const text = this.project && this.project.guidelines && this.project.guidelines.trim();
    this.guidelines.replaceChildren(
      el("h3", { text: "Guidelines" }),
      text ? renderMarkdown(text) : el("p", { text: "This project has no guidelines yet." }),
      el("p", { class: "lw-hint", text: "Press g or Esc to close." }),
    );
  }

  fillHelp() {
    const rows = [...PAGE_KEYS.map(([key, what]) => ({ key, what })), ...this.editor.shortcuts()];
    this.help.replaceChildren(
      el("h3", { text: "Keyboard shortcuts" }),
      el("ul", { class: "lw-key-rules" }, KEY_RULES.map((rule) => el("li", { text: rule }))),
      el("table", { class: "lw-keys" }, el("tbody", {}, rows.map((row) =>
        el("tr", {}, el("th", { scope: "row" }, el("kbd", { text: row.key })), el("td", { text: row.what }))))),
      el("p", { class: "lw-hint", text: "Press ? or Esc to close. Guidelines: g." }),
    );
  }

  toggle(panel, force) {
    const show = force ?? panel.hidden;
    for (const p of [this.guidelines, this.help]) p.hidden = true;
    if (panel === this.help && show) this.fillHelp();
    panel.hidden = !show;
    if (show) panel.focus();
  }

  say(text, kind = "error") {
    this.message.hidden = !text;
    this.message.className = `lw-message lw-${kind}`;
    this.message.replaceChildren(...(Array.isArray(text) ? text : [text || ""]));
  }

  // --- the queue ---------------------------------------------------------------------------------
  async loadNext(asked = null) {
    this.phase = "loading";
    clearTimeout(this.retryTimer);
    this.retry = null;
    let payload;
    try {
      payload = await (asked ?? api(`/projects/${this.projectId}/next`));
    } catch (error) {
      this.phase = "idle";
      if (error.isNetwork || error.status >= 500) {
        this.scheduleRetry(() => this.loadNext(), "Cannot load the next task: the connection was lost.");
      } else {
        this.say(`Cannot load the next task: ${error.message}`, "error");
      }
      return;
    }
    this.attempt = 0;
    this.showLeased(payload);
    this.leaseAhead();
  }

  // Lease the task after the current one now (GET /next?holding=current), so Enter shows it at once
  // while the answer travels. Best effort: without it, Enter waits for the server's next task as before.
  async leaseAhead() {
    const current = this.current;
    if (this.ahead || this.aheadAsked || !current || current.annotationId) return;
    this.aheadAsked = true;
    let payload = null;
    try {
      payload = await api(`/projects/${this.projectId}/next?holding=${current.task.id}`);
    } catch {
      return;
    } finally {
      this.aheadAsked = false;
    }
    if (!payload || (this.current && payload.task.id === this.current.task.id)) return;
    this.setAhead(payload);
  }

  setAhead(payload) {
    this.ahead = payload;
    if (payload) this.prefetcher.warmTask(this.project.label_schema, payload.task);
  }

  // A leased task as `GET /next` and `?next=true` answers give it (null: the queue is empty for us).
  showLeased(payload) {
    if (!payload) { this.showEmpty(); return; }
    if (this.ahead && this.ahead.task.id === payload.task.id) this.ahead = null;
    const stashed = this.stash.get(payload.task.id);
    this.stash.delete(payload.task.id);
    this.show(payload.task, { value: stashed });
  }

  // After `?next=true` the answer is stored and the next task came back in the same response.
  showAnswered(answer) {
    this.showLeased(answer.next);
    if (answer.next_refused) this.say(`Saved. ${answer.next_refused}`, "warning");
    else this.leaseAhead();
  }

  show(task, { value, annotationId = null } = {}) {
    this.empty.hidden = true;
    this.editor.hidden = false;
    this.current = { task, annotationId, shownAt: performance.now() };
    this.editor.task = task;
    if (value) this.editor.value = value;
    this.dataset.taskId = String(task.id);
    this.describe();
    this.showSuggestion(task);
    this.phase = "labeling";
    this.say(annotationId ? "You are editing an answer you already submitted; Enter saves it as a new revision." : "", "info");
    this.updateButtons();
    this.dispatchEvent(new CustomEvent("lw-task-shown", { detail: { taskId: task.id, at: performance.now() } }));
  }

  describe() {
    const { task, annotationId } = this.current;
    this.info.textContent = `${annotationId ? "Editing" : "Task"} #${task.id}${task.external_id ? ` (${task.external_id})` : ""} · ${this.submitted} submitted this session`;
  }

  showEmpty() {
    this.current = null;
    this.phase = "empty";
    this.editor.hidden = true;
    this.suggestion.hidden = true;
    this.autoNote.hidden = true;
    delete this.dataset.taskId;
    this.info.textContent = `${this.submitted} submitted this session`;
    // replaceChildren() would print a null child as the text "null".
    this.empty.replaceChildren(...[el("h3", { text: "No more tasks" }),
      el("p", { text: "The queue has nothing left for you in this project. Thank you!" }),
      this.done.length ? el("p", { class: "lw-hint", text: "Ctrl+← goes back to your last answer." }) : null]
      .filter(Boolean));
    this.empty.hidden = false;
    this.say("", "info");
    this.updateButtons();
    this.dispatchEvent(new CustomEvent("lw-task-shown", { detail: { taskId: null, at: performance.now() } }));
  }

  latestPrediction(task) {
    const list = (task && task.predictions) || [];
    return list.length ? list[0] : null;
  }

  showAutoLabel(task) {
    const auto = task && task.auto_label;
    this.autoNote.hidden = !auto;
    if (!auto) return;
    this.autoNote.replaceChildren(el("span", { class: "badge auto-label-badge", text: "auto-labeled" }),
      el("span", { text: auto.label
        ? ` ${auto.model_version} labeled this “${auto.label}” (confidence ${auto.confidence.toFixed(2)}).`
        : ` A model labeled this task; your answer checks it${auto.verify ? " (verification sample)" : ""}.` }));
  }

  showSuggestion(task) {
    this.showAutoLabel(task);
    const prediction = this.latestPrediction(task);
    this.suggestion.hidden = !prediction || !!this.current.annotationId;
    if (!prediction) return;
    if (prediction.yours && !this.current.annotationId && !this.editor.readonly) {
      // The person's own draft (imported from Label Studio): the editor opens with it, as Label Studio does.
      this.editor.apply(withoutScores(prediction.result));
      this.suggestion.replaceChildren(el("span", { class: "lw-suggestion-what",
        text: "Your draft, saved but not submitted, is loaded: finish it, then press Enter." }));
      return;
    }
    const score = typeof prediction.score === "number" ? ` (score ${prediction.score.toFixed(2)})` : "";
    this.suggestion.replaceChildren(
      el("span", { class: "lw-suggestion-what", text: `Suggestion from ${prediction.model_version}${score}: ` }),
      el("span", { class: "lw-suggestion-result", text: summarize(prediction.result) }),
      " ",
      el("button", { type: "button", onclick: () => this.acceptSuggestion() }, "Accept ", el("kbd", { text: this.acceptKey() })),
    );
  }

  acceptKey() { return this.editor.shortcuts().some((s) => s.key === "a") ? "Shift+A" : "a"; }

  acceptSuggestion() {
    const prediction = this.current && this.latestPrediction(this.current.task);
    if (!prediction || this.editor.readonly) return false;
    this.editor.apply(withoutScores(prediction.result));
    this.current.acceptedPrediction = prediction.id;
    this.editor.say("Suggestion accepted: edit it if needed, then press Enter.");
    return true;
  }

  // What the annotator did with the suggestion (the server decides accepted vs edited); best effort:
  // a failed report never holds up labeling.
  reportSuggestion(annotationId, predictionId, accepted) {
    api(`/annotations/${annotationId}/suggestion`, { method: "POST", body: { prediction_id: predictionId, accepted } })
      .catch(() => {});
  }

  updateButtons() {
    const labeling = this.phase === "labeling";
    this.submitBtn.disabled = !labeling;
    this.skipBtn.disabled = !labeling;
    this.backBtn.disabled = !this.done.length || this.phase === "submitting";
    this.undoBtn.disabled = !labeling || !this.editor.history.canUndo;
    this.redoBtn.disabled = !labeling || !this.editor.history.canRedo;
  }

  // --- submit, skip, back ------------------------------------------------------------------------
  async submit() {
    if (this.phase !== "labeling" && this.phase !== "retrying") return;
    const current = this.current;
    if (!current) return;
    clearTimeout(this.retryTimer);
    const problems = this.editor.problems();
    this.editor.markInvalid(problems.map((p) => p.control));
    if (problems.length) {
      this.phase = "labeling";
      this.say([el("strong", { text: "Not sent: " }), problems.map((p) => `${p.control} ${p.message}`).join("; "), ". Fix it and press Enter again."], "error");
      this.updateButtons();
      return;
    }
    this.phase = "submitting";
    this.updateButtons();
    if (this.sending) await this.sending; // the answer before this one is still on its way
    if (this.current !== current) return; // ... and was refused: its task came back to the screen
    const body = { result: this.editor.value, lead_time_ms: Math.max(0, Math.round(performance.now() - current.shownAt)) };
    const ahead = current.annotationId ? null : this.ahead;
    if (ahead) { // show the task leased ahead at once; the answer travels meanwhile
      this.ahead = null;
      this.showLeased(ahead);
    }
    this.sending = this.send(current, body, ahead);
    try { await this.sending; } finally { this.sending = null; }
  }

  async send(current, body, ahead) {
    let saved;
    let answered = null; // a new answer brings the next task back in the same round trip
    try {
      if (current.annotationId) {
        saved = await api(`/annotations/${current.annotationId}`, { method: "PATCH", body });
      } else {
        const holding = ahead ? `&holding=${ahead.task.id}` : "";
        answered = await api(`/tasks/${current.task.id}/annotations?next=true${holding}`, { method: "POST", body });
        saved = answered.annotation;
      }
    } catch (error) {
      if (error.status === 409 && !current.annotationId) {
        saved = null; // an earlier attempt landed before the connection dropped
      } else {
        if (ahead) this.bringBack(current, ahead, body.result);
        if (error.isNetwork || error.status >= 500) {
          this.phase = "retrying";
          this.scheduleRetry(() => this.submit(), "Your answer was not saved yet: the connection was lost. Your work is kept on this page.");
        } else {
          this.phase = "labeling";
          this.rejected(error);
        }
        this.updateButtons();
        return;
      }
    }
    this.attempt = 0;
    this.retry = null;
    if (!current.annotationId) {
      this.submitted++;
      this.done.push({ taskId: current.task.id, annotationId: saved ? saved.id : null });
      const shown = this.latestPrediction(current.task);
      if (saved && shown) this.reportSuggestion(saved.id, shown.id, current.acceptedPrediction === shown.id);
    }
    if (ahead) {
      if (this.current) this.describe();
      if (answered && answered.next) this.setAhead(answered.next);
      if (answered && answered.next_refused) this.say(`Saved. ${answered.next_refused}`, "warning");
      this.updateButtons();
    } else if (answered) {
      this.showAnswered(answered);
    } else {
      await this.loadNext();
    }
  }

  // The answer did not land: its task comes back to the screen with the answer as it was sent, and the
  // task shown meanwhile goes back to being the one ahead, with whatever was already done on it.
  bringBack(current, ahead, result) {
    if (this.current && this.current.task.id === ahead.task.id) this.stash.set(ahead.task.id, this.editor.value);
    this.show(current.task, { value: result });
    Object.assign(this.current, { shownAt: current.shownAt, acceptedPrediction: current.acceptedPrediction });
    this.ahead = ahead;
  }

  rejected(error) {
    const field = error.field ? el("code", { class: "lw-field", text: error.field }) : null;
    this.say([el("strong", { text: "The server did not accept this answer: " }), error.message,
      field ? " (field " : "", field, field ? ")" : "", " Nothing was lost; fix it and press Enter again."], "error");
    const name = error.field && /^result\.([^.[]+)/.exec(error.field);
    this.editor.markInvalid(name ? [name[1]] : []);
  }

  scheduleRetry(fn, what) {
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt);
    this.attempt++;
    this.retry = () => { clearTimeout(this.retryTimer); this.retry = null; fn(); };
    this.retryTimer = setTimeout(() => this.retry && this.retry(), delay);
    const button = el("button", { type: "button", class: "lw-retry", onclick: () => this.retry && this.retry() }, "Retry now");
    this.say([what, ` Retrying in ${Math.round(delay / 1000)} s. `, button], "warning");
  }

  async skip() {
    if (this.phase !== "labeling" || !this.current) return;
    const current = this.current;
    if (current.annotationId) { await this.loadNext(); return; }
    this.phase = "submitting";
    this.updateButtons();
    let answered = null;
    const ahead = this.ahead;
    try {
      const holding = ahead ? `&holding=${ahead.task.id}` : "";
      answered = await api(`/tasks/${current.task.id}/skip?next=true${holding}`, { method: "POST", body: { lead_time_ms: Math.round(performance.now() - current.shownAt) } });
    } catch (error) {
      this.phase = "labeling";
      this.updateButtons();
      if (error.status !== 409) { this.say(`Could not skip: ${error.message}`, error.isNetwork ? "warning" : "error"); return; }
    }
    if (ahead) {
      this.ahead = null;
      this.showLeased(ahead);
      if (answered && answered.next) this.setAhead(answered.next);
      if (answered && answered.next_refused) this.say(`Skipped. ${answered.next_refused}`, "warning");
    } else if (answered) {
      this.showAnswered(answered);
    } else {
      await this.loadNext();
    }
  }

  async back() {
    const last = this.done[this.done.length - 1];
    if (!last || this.phase === "submitting") return;
    if (this.current && !this.current.annotationId) this.stash.set(this.current.task.id, this.editor.value);
    try {
      const task = await api(`/tasks/${last.taskId}`);
      const mine = (task.annotations || []).filter((a) => a.status === "submitted");
      const annotation = mine[mine.length - 1];
      if (!annotation) { this.say("That answer cannot be found any more.", "error"); return; }
      this.done.pop();
      this.show(task, { value: annotation.result || {}, annotationId: annotation.id });
    } catch (error) {
      this.say(`Cannot open your previous answer: ${error.message}`, "error");
    }
  }

  // --- keys ----------------------------------------------------------------------------------------
  onKey(event) {
    if (event.defaultPrevented || event.isComposing) return;
    const key = keyName(event);
    // The keyboard model: in a text field every key is text except Esc (leave the field) and
    // Ctrl+Enter (submit). This check comes first so that no page, panel or label key can fire.
    if (isTyping(event.target)) {
      if (key === "ctrl+enter" || key === "meta+enter") { event.preventDefault(); event.target.blur(); this.submit(); }
      else if (key === "escape") { event.preventDefault(); event.stopPropagation(); event.target.blur(); }
      return;
    }
    const panelOpen = !this.guidelines.hidden || !this.help.hidden;
    if (panelOpen && (key === "escape" || (key === "g" && !this.guidelines.hidden) || (event.key === "?" && !this.help.hidden))) {
      this.toggle(this.guidelines, false);
      event.preventDefault();
      return;
    }
    if ((this.phase === "labeling" || this.phase === "retrying") && this.editor.handleKey(event)) { event.preventDefault(); this.updateButtons(); return; }
    let handled = true;
    if (key === "enter" || key === "ctrl+enter") this.submit();
    else if (key === "s" || key === "ctrl+arrowright") this.skip();
    else if (key === "ctrl+arrowleft") this.back();
    else if (key === "g") this.toggle(this.guidelines);
    else if (event.key === "?") this.toggle(this.help);
    else if (key === "a" || key === "shift+a") handled = this.acceptSuggestion();
    else if (key === "r" && this.retry) this.retry();
    else handled = false;
    if (handled) event.preventDefault();
  }
}

if (!customElements.get("lw-labeling")) customElements.define("lw-labeling", LabelingPage);
