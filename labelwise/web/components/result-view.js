// Shows (and optionally edits) an annotation result with the labeling engineer's <lw-task-editor>;
// when that element cannot be loaded, falls back to formatted JSON so review still works.
import { h } from "./dom.js";

let editorLoad = null;

export function loadTaskEditor() {
  if (!editorLoad) {
    editorLoad = import("/static/labeling/task-editor.js")
      .then(() => Boolean(customElements.get("lw-task-editor")))
      .catch(() => false);
  }
  return editorLoad;
}

/** Returns {el, get value(), set readonly(b)}; `value` throws an Error with a readable message on bad JSON. */
export async function resultView({ schema, task, value, readonly = true, label = "Result" }) {
  const hasEditor = await loadTaskEditor();
  if (hasEditor) {
    const editor = document.createElement("lw-task-editor");
    editor.schema = schema;
    editor.task = task;
    editor.value = structuredClone(value ?? {});
    if (readonly) editor.setAttribute("readonly", "");
    return {
      el: editor,
      get value() { return editor.value; },
      set readonly(flag) { editor.toggleAttribute("readonly", flag); },
      reset(v) { editor.value = structuredClone(v ?? {}); },
    };
  }
  const text = JSON.stringify(value ?? {}, null, 2);
  const pre = h("pre", { class: "json", tabindex: "0", "aria-label": label }, text);
  const area = h("textarea", { class: "json-edit", rows: Math.min(20, text.split("\n").length + 2), spellcheck: false,
    "aria-label": `${label} as JSON` });
  area.value = text;
  const el = h("div", { class: "result-fallback" }, pre, area);
  const setReadonly = (flag) => { pre.hidden = !flag; area.hidden = flag; };
  setReadonly(readonly);
  return {
    el,
    get value() {
      if (!area.hidden) {
        try {
          return JSON.parse(area.value);
        } catch (error) {
          throw new Error(`The result is not valid JSON: ${error.message}`);
        }
      }
      return JSON.parse(pre.textContent);
    },
    set readonly(flag) { setReadonly(flag); if (!flag) area.focus(); },
    reset(v) { const t = JSON.stringify(v ?? {}, null, 2); pre.textContent = t; area.value = t; },
  };
}
