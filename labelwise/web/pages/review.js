// Review: the next task awaiting review with its annotations; accept, reject (with a comment)
// or fix each one. Keys: A accept, R reject, F fix, J/K move between annotations, Ctrl+Enter save.
import { api } from "/static/api.js";
import { describeError, errorBox, toast } from "/static/components/alerts.js";
import { formatDate, h, safeHttpUrl, uniqueId } from "/static/components/dom.js";
import { projectHeader } from "/static/components/project-nav.js";
import { loadTaskEditor, resultView } from "/static/components/result-view.js";
import { isTyping } from "/static/labeling/util.js";

const DONE = { accept: "Accepted", reject: "Rejected, sent back to the annotator", fix: "Fixed" };

export default async function reviewPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Review · ${project.name}`);
  const body = h("div", { class: "review" });
  const keys = h("p", { class: "shortcuts small", id: "review-keys" },
    "Keys: ", h("kbd", null, "A"), " accept · ", h("kbd", null, "R"), " reject (comment required) · ",
    h("kbd", null, "F"), " fix · ", h("kbd", null, "Ctrl"), "+", h("kbd", null, "Enter"), " save · ",
    h("kbd", null, "J"), "/", h("kbd", null, "K"), " next/previous annotation");
  view.append(projectHeader(project, "review", { title: `Review · ${project.name}` }), keys, body);

  let cards = [];
  let active = 0;
  let reviewed = 0;
  const reviewedIds = new Set();

  const setActive = (i, focus = true) => {
    if (!cards.length) return;
    active = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach((c, j) => c.el.classList.toggle("active", j === active));
    if (focus) cards[active].el.focus();
  };

  async function loadNext() {
    body.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading the next task to review…"));
    cards = [];
    let payload;
    try {
      payload = await api(`/projects/${project.id}/review/next`, { signal: ctx.signal });
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: loadNext, title: "Could not load a task to review.",
        alwaysRetry: error.status !== 404 }));
      return;
    }
    if (!payload) {
      body.replaceChildren(h("div", { class: "card empty", role: "status" },
        h("h2", null, "Nothing to review"),
        h("p", null, reviewed ? `You reviewed ${reviewed} annotation${reviewed === 1 ? "" : "s"}. ` : "", "No submitted annotation is waiting for review right now."),
        h("button", { type: "button", class: "btn", onclick: loadNext }, "Check again")));
      return;
    }
    const task = payload.task ?? payload;
    // Only submitted work by others is reviewable; ids reviewed here are skipped should the server repeat them.
    const annotations = (payload.annotations ?? task.annotations ?? [])
      .filter((a) => a.result && a.status === "submitted" && a.user_id !== ctx.user.id && !reviewedIds.has(a.id));
    const hasEditor = await loadTaskEditor();
    const section = h("section", { class: "review-task", "aria-label": `Task ${task.id}` },
      h("h2", null, `Task ${task.id}`, task.external_id ? ` · ${task.external_id}` : ""));
    if (task.label_error) {
      // Label-error detection routed this task here first: say what the model suspects.
      const flag = task.label_error;
      section.append(h("p", { class: "label-error-note", role: "note" },
        h("span", { class: "badge label-error-badge", style: { textTransform: "none" } }, "likely label error"),
        ` Labeled “${flag.given}”; the model suggests “${flag.suspected}” (label quality ${flag.score.toFixed(2)}).`));
    }
    if (task.auto_label) {
      // A model labeled this task (a source of its own); the human answers here check it.
      const auto = task.auto_label;
      section.append(h("p", { class: "auto-label-note", role: "note" },
        h("span", { class: "badge auto-label-badge", style: { textTransform: "none" } }, "auto-labeled"),
        ` ${auto.model_version} labeled it “${auto.label}” (confidence ${auto.confidence.toFixed(2)})`,
        auto.verify ? "; it is in the verification sample." : "."));
    }
    if (!hasEditor) section.append(dataList(task));
    const list = h("div", { class: "review-cards" });
    section.append(list);
    body.replaceChildren(section);
    for (const [index, annotation] of annotations.entries()) {
      const card = await reviewCard(project, task, annotation, {
        onDone: () => {
          reviewed += 1;
          reviewedIds.add(annotation.id);
          if (cards.every((c) => c.done)) {
            toast(`Task ${task.id} reviewed.`);
            loadNext();
          } else setActive(cards.findIndex((c) => !c.done));
        },
        onFocus: () => setActive(index, false),
      });
      cards.push(card);
      list.append(card.el);
    }
    if (!annotations.length) {
      list.append(h("p", { class: "muted" }, "Every annotation of this task that you may review has been reviewed."),
        h("button", { type: "button", class: "btn", onclick: loadNext }, "Load the next task"));
    }
    setActive(0, false);
  }

  const onKey = (event) => {
    if (event.defaultPrevented || event.altKey || event.metaKey) return;
    const card = cards[active];
    if (!card) return;
    // The labeling page's keyboard model: in a text field only Esc (leave it) and Ctrl+Enter act.
    const typing = isTyping(event.target);
    if (event.key === "Enter" && event.ctrlKey) {
      event.preventDefault();
      if (card.editing) card.saveFix();
      else if (card.commentHasText()) card.reject();
      return;
    }
    if (event.key === "Escape" && typing) { event.preventDefault(); event.target.blur(); card.el.focus(); return; }
    if (event.key === "Escape" && card.editing) { event.preventDefault(); card.cancelFix(); return; }
    if (card.editing) {
      // While fixing, keys belong to the editor (label hotkeys, undo, region keys).
      if (typeof card.editor?.handleKey === "function" && card.editor.handleKey(event)) event.preventDefault();
      return;
    }
    if (typing || event.ctrlKey) return;
    const key = event.key.toLowerCase();
    if (key === "a") { event.preventDefault(); card.accept(); }
    else if (key === "r") { event.preventDefault(); card.reject(); }
    else if (key === "f") { event.preventDefault(); card.startFix(); }
    else if (key === "j") { event.preventDefault(); setActive(active + 1); }
    else if (key === "k") { event.preventDefault(); setActive(active - 1); }
  };
  document.addEventListener("keydown", onKey);
  await loadNext();
  return () => document.removeEventListener("keydown", onKey);
}

function dataList(task) {
  const dl = h("dl", { class: "task-data" });
  for (const [key, value] of Object.entries(task.data || {})) {
    const url = typeof value === "string" ? safeHttpUrl(value) : null;
    dl.append(h("dt", null, key), h("dd", null,
      h("pre", { class: "wrap" }, typeof value === "string" ? value : JSON.stringify(value, null, 2)),
      url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "Open in a new tab") : null));
  }
  return h("div", { class: "card" }, h("h3", null, "Data"), dl);
}

async function reviewCard(project, task, annotation, { onDone, onFocus }) {
  const view = await resultView({ schema: project.label_schema, task, value: annotation.result,
    label: `Result by ${annotation.username || `user ${annotation.user_id}`}` });
  const commentId = uniqueId("comment");
  const comment = h("textarea", { id: commentId, rows: 2, name: "comment" });
  const message = h("div", { class: "card-message", "aria-live": "assertive" });
  const accept = h("button", { type: "button", class: "btn btn-accept", "aria-keyshortcuts": "A" }, "Accept (A)");
  const reject = h("button", { type: "button", class: "btn btn-danger", "aria-keyshortcuts": "R" }, "Reject (R)");
  const fix = h("button", { type: "button", class: "btn", "aria-keyshortcuts": "F" }, "Fix (F)");
  const saveFix = h("button", { type: "button", class: "btn btn-primary", hidden: true }, "Save fix (Ctrl+Enter)");
  const cancelFix = h("button", { type: "button", class: "btn", hidden: true }, "Cancel (Esc)");
  const verdict = h("p", { class: "verdict", role: "status" });
  const el = h("article", { class: "card review-card", tabindex: "-1", dataset: { annotationId: annotation.id },
    "aria-label": `Annotation by ${annotation.username || annotation.user_id}` },
    h("h3", null, annotation.username || `User ${annotation.user_id}`),
    h("p", { class: "small muted" }, `Annotation ${annotation.id} · revision ${annotation.revision} · ${formatDate(annotation.updated_at)}`,
      annotation.lead_time_ms != null ? ` · ${(annotation.lead_time_ms / 1000).toFixed(1)} s` : ""),
    view.el,
    h("div", { class: "field" }, h("label", { for: commentId }, "Comment (required to reject)"), comment),
    message, verdict,
    h("div", { class: "actions" }, accept, reject, fix, saveFix, cancelFix));
  const card = { el, done: false, editing: false, editor: view.el.matches("lw-task-editor") ? view.el : null };
  el.addEventListener("focusin", onFocus);

  const setBusy = (busy) => { for (const b of [accept, reject, fix, saveFix, cancelFix]) b.disabled = busy || card.done; };
  const showError = (text) => message.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, text));

  async function send(kind, extra = {}) {
    if (card.done) return;
    message.replaceChildren();
    setBusy(true);
    try {
      await api(`/annotations/${annotation.id}/reviews`, { method: "POST",
        body: { verdict: kind, comment: comment.value.trim(), ...extra } });
      card.done = true;
      card.editing = false;
      view.readonly = true;
      comment.disabled = true;
      saveFix.hidden = true;
      cancelFix.hidden = true;
      el.classList.add(`done`, `done-${kind}`);
      verdict.textContent = `✓ ${DONE[kind]}.`;
      setBusy(true);
      onDone(kind);
    } catch (error) {
      setBusy(false);
      showError(`${kind === "fix" ? "The fix was not saved" : `Could not ${kind}`}: ${describeError(error)}${error.status === 0 ? " Your comment and edits are kept; retry when you are back online." : ""}`);
    }
  }

  card.commentHasText = () => Boolean(comment.value.trim());
  card.accept = () => send("accept");
  card.reject = () => {
    if (!comment.value.trim()) {
      showError("Write a comment that tells the annotator what to change, then reject.");
      comment.focus();
      return;
    }
    send("reject");
  };
  card.startFix = () => {
    if (card.done) return;
    card.editing = true;
    view.readonly = false;
    saveFix.hidden = false;
    cancelFix.hidden = false;
    fix.hidden = true;
    if (card.editor) saveFix.focus();
  };
  card.cancelFix = () => {
    card.editing = false;
    view.reset(annotation.result);
    view.readonly = true;
    saveFix.hidden = true;
    cancelFix.hidden = true;
    fix.hidden = false;
    fix.focus();
  };
  card.saveFix = () => {
    let result;
    try { result = view.value; } catch (error) { showError(error.message); return; }
    send("fix", { result });
  };
  accept.addEventListener("click", card.accept);
  reject.addEventListener("click", card.reject);
  fix.addEventListener("click", card.startFix);
  saveFix.addEventListener("click", card.saveFix);
  cancelFix.addEventListener("click", card.cancelFix);
  return card;
}
