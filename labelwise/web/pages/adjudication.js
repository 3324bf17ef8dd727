// Adjudication: the most disputed tasks first, every answer side by side; pick one answer or edit it,
// then decide. The decision becomes the task's final label (POST /tasks/{id}/adjudicate).
import { api } from "/static/api.js";
import { errorBox, toast, toastError } from "/static/components/alerts.js";
import { h } from "/static/components/dom.js";
import { projectHeader } from "/static/components/project-nav.js";

export default async function adjudicationPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Adjudication · ${project.name}`);
  const body = h("div", { class: "adjudication" });
  view.append(projectHeader(project, "adjudication", { title: `Adjudication · ${project.name}` }),
    h("p", { class: "small" }, "Tasks whose annotators disagree most come first. Pick an answer or edit one, then decide: the decision becomes the final label."),
    body);
  let decided = 0;

  async function load() {
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
      page.items.map((item, i) => h("li", null, h("button", { type: "button", class: "link", onclick: () => show(item) },
        `Task ${item.task.id} · disagreement ${(item.disagreement * 100).toFixed(0)}%`))));
    const detail = h("div", { class: "disputed-detail" });
    body.replaceChildren(list, detail);

    function show(item) {
      const editor = h("textarea", { id: "decision", rows: 6, spellcheck: false, "aria-label": "Decision (result JSON)" });
      editor.value = JSON.stringify(item.task.consensus ?? item.answers[0]?.result ?? {}, null, 2);
      const error = h("p", { class: "error", role: "alert", hidden: true });
      const cards = item.answers.map((answer) => h("article", { class: "card answer", "data-user": answer.username },
        h("h3", null, answer.username),
        h("dl", null, Object.entries(answer.result || {}).flatMap(([k, v]) => [h("dt", null, k), h("dd", null, typeof v === "string" ? v : JSON.stringify(v))])),
        h("button", { type: "button", class: "btn", onclick: () => { editor.value = JSON.stringify(answer.result, null, 2); editor.focus(); } },
          `Use ${answer.username}'s answer`)));
      const decide = h("button", { type: "button", class: "btn btn-primary", onclick: async () => {
        let result;
        try { result = JSON.parse(editor.value); } catch { error.textContent = "The decision is not valid JSON."; error.hidden = false; return; }
        decide.disabled = true;
        try {
          await api(`/tasks/${item.task.id}/adjudicate`, { method: "POST", body: { result } });
          decided += 1;
          toast(`Task ${item.task.id} decided.`);
          load();
        } catch (e) {
          error.textContent = e.message; error.hidden = false; decide.disabled = false;
          if (e.status >= 500 || e.status === 0) toastError(e);
        }
      } }, "Decide");
      detail.replaceChildren(
        h("h2", null, `Task ${item.task.id}`, item.task.external_id ? ` · ${item.task.external_id}` : ""),
        h("dl", { class: "task-data" }, Object.entries(item.task.data).flatMap(([k, v]) => [h("dt", null, k), h("dd", null, typeof v === "string" ? v : JSON.stringify(v))])),
        h("p", null, "Consensus: ", h("code", null, JSON.stringify(item.task.consensus)), ` · confidence ${item.task.confidence ?? "—"}`),
        h("div", { class: "answers-side-by-side", style: { display: "grid", gridTemplateColumns: `repeat(${Math.min(item.answers.length, 4)}, minmax(0, 1fr))`, gap: ".75rem" } }, cards),
        h("label", { for: "decision" }, "Decision"), editor, error, decide);
    }
    show(page.items[0]);
  }
  await load();
}
