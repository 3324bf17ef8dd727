// Adjudication: the most disputed tasks first. Every annotator's answer is drawn read-only in the labeling
// editor (<lw-task-editor>) side by side, next to an editable decision editor. Keys: 1..9 take annotator N's
// whole answer, Shift+1..9 step through annotator N's regions, T takes the selected region (a click selects
// one too), Ctrl+Enter decides; every other key goes to the decision editor, and so do digits while a region
// of the decision is selected (Tab selects one, Esc lets go): they relabel it. The decision becomes the task's
// final label (POST /tasks/{id}/adjudicate); the server stores which annotator each part came from.
import { api } from "/static/api.js";
import { errorBox, toast, toastError } from "/static/components/alerts.js";
import { h } from "/static/components/dom.js";
import { projectHeader } from "/static/components/project-nav.js";
import { loadTaskEditor } from "/static/components/result-view.js";
import { isTyping } from "/static/labeling/util.js";

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f"];

export default async function adjudicationPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Adjudication · ${project.name}`);
  const hasEditor = await loadTaskEditor();
  const body = h("div", { class: "adjudication" });
  view.append(projectHeader(project, "adjudication", { title: `Adjudication · ${project.name}` }),
    h("p", { class: "small" }, "Tasks whose annotators disagree most come first. Take an answer or single regions, edit, then decide: the decision becomes the final label."),
    hasEditor ? h("p", { class: "shortcuts small", id: "adjudication-keys" }, "Keys: ", h("kbd", null, "1"), "–", h("kbd", null, "9"),
      " take annotator N's answer · ", h("kbd", null, "Shift"), "+", h("kbd", null, "1"), "–", h("kbd", null, "9"),
      " next region of annotator N · ", h("kbd", null, "T"), " take the selected region · ", h("kbd", null, "Ctrl"), "+",
      h("kbd", null, "Enter"), " decide · ", h("kbd", null, "Tab"), " select a region of the decision, then its label key relabels it (", h("kbd", null, "Esc"), " lets go)") : null,
    body);
  let decided = 0;
  let current = null; // {sources: [{answer, editor}], decision, decide(), takeRegion(i)}

  async function load() {
    current = null;
    body.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading disputed tasks…"));
    let page;
    try {
      page = await api(`/projects/${project.id}/adjudication?limit=20`, { signal: ctx.signal });
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: load, title: "Could not load the adjudication queue." }));
      return;
    }
    if (!page.items.length) {
      body.replaceChildren(h("div", { class: "card empty", role: "status" }, h("h2", null, "Nothing to adjudicate"),
        h("p", null, decided ? `You decided ${decided} task${decided === 1 ? "" : "s"}. ` : "",
          "No task with two or more answers is waiting for a decision.")));
      return;
    }
    const list = h("ol", { class: "disputed-list", "aria-label": "Disputed tasks" },
      page.items.map((item) => h("li", null, h("button", { type: "button", class: "link", onclick: () => show(item) },
        `Task ${item.task.id} · disagreement ${(item.disagreement * 100).toFixed(0)}%`))));
    const detail = h("div", { class: "disputed-detail" });
    body.replaceChildren(list, detail);
    const show = (item) => { current = hasEditor ? editorDetail(project, item, detail, onDecided) : jsonDetail(item, detail, onDecided); };
    show(page.items[0]);
  }

  function onDecided(item) {
    decided += 1;
    toast(`Task ${item.task.id} decided.`);
    load();
  }

  const onKey = (event) => {
    if (!current?.sources || event.defaultPrevented || event.altKey || event.metaKey) return;
    if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); current.decide(); return; }
    if (isTyping(event.target)) return;
    const digit = /^Digit([1-9])$/.exec(event.code);
    // With a region of the decision selected (or a span being marked by keyboard), digits are its label keys.
    const editing = current.decision.selected || Object.values(current.decision.controls)
      .some((c) => c.kb && c.kb.anchor !== c.kb.caret);
    if (digit && !event.ctrlKey && !(editing && !event.shiftKey)) {
      const index = Number(digit[1]) - 1;
      if (index >= current.sources.length) return;
      event.preventDefault();
      if (event.shiftKey) current.nextRegion(index);
      else current.takeAnswer(index);
      return;
    }
    if (event.key.toLowerCase() === "t" && !event.ctrlKey && !event.shiftKey) { event.preventDefault(); current.takeRegion(); return; }
    if (current.decision.handleKey(event)) event.preventDefault();
  };
  document.addEventListener("keydown", onKey);
  await load();
  return () => document.removeEventListener("keydown", onKey);
}

function taskHeading(item) {
  return [h("h2", null, `Task ${item.task.id}`, item.task.external_id ? ` · ${item.task.external_id}` : ""),
    h("p", { class: "small" }, "Consensus: ", h("code", null, JSON.stringify(item.task.consensus)), ` · confidence ${item.task.confidence ?? "—"}`)];
}

function editorDetail(project, item, detail, onDecided) {
  const schema = project.label_schema;
  const makeEditor = (value, readonly) => {
    const editor = document.createElement("lw-task-editor");
    editor.schema = schema;
    editor.task = item.task;
    editor.value = structuredClone(value ?? {});
    if (readonly) editor.setAttribute("readonly", "");
    return editor;
  };
  const takes = h("ul", { class: "takes small", "aria-label": "Taken into the decision" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const decision = makeEditor({}, false);
  const state = { sources: [], decision, last: null };
  const note = (text) => { takes.append(h("li", null, text)); error.hidden = true; };

  state.sources = item.answers.map((answer, i) => {
    const editor = makeEditor(answer.result, true);
    const takeButton = h("button", { type: "button", class: "btn take-region", disabled: true, "aria-keyshortcuts": "T",
      onclick: () => { state.last = i; state.takeRegion(); } }, "Take selected region (T)");
    const card = h("article", { class: "card answer", "data-user": answer.username,
      style: { borderTop: `4px solid ${COLOURS[i % COLOURS.length]}` }, "aria-label": `Answer ${i + 1} by ${answer.username}` },
    h("h3", null, h("span", { class: "badge", style: { background: COLOURS[i % COLOURS.length], color: "#fff" } }, String(i + 1)),
      ` ${answer.username}`),
    editor,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn take-answer", "aria-keyshortcuts": String(i + 1), onclick: () => state.takeAnswer(i) },
        `Take ${answer.username}'s answer (${i + 1})`), takeButton));
    // A click on a region in a read-only editor selects it; remember whose it was.
    card.addEventListener("click", () => { if (editor.selected) { state.last = i; sync(); } });
    return { answer, editor, card, takeButton };
  });
  const sync = () => {
    for (const [i, s] of state.sources.entries()) {
      s.takeButton.disabled = !s.editor.selected;
      s.card.classList.toggle("active", i === state.last);
    }
  };

  state.takeAnswer = (i) => {
    const { answer } = state.sources[i];
    decision.apply(answer.result ?? {});
    state.last = i;
    sync();
    note(`Took ${answer.username}'s whole answer.`);
    decision.say?.(`Took ${answer.username}'s answer`);
  };
  state.nextRegion = (i) => {
    const source = state.sources[i];
    if (!source.editor.cycleRegion(1)) { decision.say?.(`${source.answer.username} drew no region`); return; }
    state.last = i;
    sync();
  };
  state.takeRegion = () => {
    const source = state.sources[state.last];
    const selected = source?.editor.selected;
    if (!selected) { error.textContent = "Select a region of an answer first (click it, or Shift+N)."; error.hidden = false; return; }
    const region = (source.editor.get(selected.control) || []).find((r) => r.id === selected.id);
    if (!region) return;
    decision.batch(() => {
      const list = (decision.get(selected.control) || []).filter((r) => r.id !== region.id);
      decision.set(selected.control, [...list, structuredClone(region)]);
      // Answers given per region (a label on each box) travel with their region.
      for (const [name, spec] of Object.entries(schema.controls)) {
        const perRegion = source.editor.get(name);
        if (spec.regions_of !== selected.control || !perRegion || perRegion[region.id] === undefined) continue;
        decision.set(name, { ...(decision.get(name) || {}), [region.id]: structuredClone(perRegion[region.id]) });
      }
    });
    note(`Took ${source.answer.username}'s ${selected.control} region ${region.label ?? ""} ${region.text ? `“${region.text}”` : region.id}.`);
  };

  const decideButton = h("button", { type: "button", class: "btn btn-primary", "aria-keyshortcuts": "Control+Enter" }, "Decide (Ctrl+Enter)");
  state.decide = async () => {
    if (decideButton.disabled) return;
    const result = decision.value;
    const problems = decision.problems();
    if (problems.length) {
      decision.markInvalid(problems.map((p) => p.control));
      error.textContent = problems.map((p) => `${p.control} ${p.message}`).join("; ");
      error.hidden = false;
      return;
    }
    decideButton.disabled = true;
    try {
      await api(`/tasks/${item.task.id}/adjudicate`, { method: "POST", body: { result } });
      onDecided(item);
    } catch (e) {
      error.textContent = e.message; error.hidden = false; decideButton.disabled = false;
      if (e.status >= 500 || e.status === 0) toastError(e);
    }
  };
  decideButton.addEventListener("click", state.decide);

  detail.replaceChildren(...taskHeading(item),
    h("div", { class: "answers-side-by-side", style: { display: "grid", gridTemplateColumns: `repeat(${Math.min(item.answers.length, 3)}, minmax(0, 1fr))`, gap: ".75rem" } },
      state.sources.map((s) => s.card)),
    h("section", { class: "card decision", "aria-label": "Decision" }, h("h3", null, "Decision"), decision, takes, error,
      h("div", { class: "actions" }, decideButton)));
  return state;
}

// Without the labeling editor (it failed to load): the answers and the decision as JSON.
function jsonDetail(item, detail, onDecided) {
  const editor = h("textarea", { id: "decision", rows: 6, spellcheck: false, "aria-label": "Decision (result JSON)" });
  editor.value = JSON.stringify(item.task.consensus ?? item.answers[0]?.result ?? {}, null, 2);
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const cards = item.answers.map((answer) => h("article", { class: "card answer", "data-user": answer.username },
    h("h3", null, answer.username),
    h("pre", { class: "json" }, JSON.stringify(answer.result, null, 2)),
    h("button", { type: "button", class: "btn", onclick: () => { editor.value = JSON.stringify(answer.result, null, 2); editor.focus(); } },
      `Use ${answer.username}'s answer`)));
  const decide = h("button", { type: "button", class: "btn btn-primary", onclick: async () => {
    let result;
    try { result = JSON.parse(editor.value); } catch { error.textContent = "The decision is not valid JSON."; error.hidden = false; return; }
    decide.disabled = true;
    try {
      await api(`/tasks/${item.task.id}/adjudicate`, { method: "POST", body: { result } });
      onDecided(item);
    } catch (e) {
      error.textContent = e.message; error.hidden = false; decide.disabled = false;
      if (e.status >= 500 || e.status === 0) toastError(e);
    }
  } }, "Decide");
  detail.replaceChildren(...taskHeading(item),
    h("div", { class: "answers-side-by-side" }, cards), h("label", { for: "decision" }, "Decision"), editor, error, decide);
  return null;
}
