// Create a project: name, description, guidelines, a template or a hand-written schema validated
// live by the server, and settings.
import { api } from "/static/api.js";
import { describeError, errorBox, toast } from "/static/components/alerts.js";
import { field, h } from "/static/components/dom.js";
import { guidelinesField, schemaEditor, settingsFieldset } from "/static/components/project-form.js";
import { toYaml } from "/static/components/yaml.js";

export default async function projectNew(view, ctx) {
  ctx.setTitle("New project");
  const name = h("input", { name: "name", required: true, maxlength: 200, autocomplete: "off" });
  const description = h("textarea", { name: "description", rows: 2 });
  const guidelines = guidelinesField("");
  const settings = settingsFieldset({});
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create project");
  const schema = schemaEditor("", { onStatus: (r) => submit.setAttribute("aria-disabled", String(!r.valid)) });
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const templatesBox = h("fieldset", { class: "templates" }, h("legend", null, "Start from a template"),
    h("p", { class: "loading", role: "status" }, "Loading templates…"));
  let touched = false;
  schema.input.addEventListener("input", () => { touched = true; });

  const loadTemplates = async () => {
    try {
      const templates = await api("/schema/templates", { signal: ctx.signal });
      templatesBox.replaceChildren(h("legend", null, "Start from a template"), templateList(templates, (key, tpl) => {
        if (touched && schema.text.trim() && !window.confirm("Replace the schema you wrote with this template?")) return false;
        touched = false;
        schema.text = toYaml(tpl.schema);
        if (!name.value.trim()) name.placeholder = tpl.title;
        return true;
      }));
    } catch (error) {
      if (error.name === "AbortError") return;
      templatesBox.replaceChildren(h("legend", null, "Start from a template"),
        errorBox(error, { retry: loadTemplates, title: "Templates could not be loaded." }));
    }
  };

  const form = h("form", { class: "project-form", novalidate: true },
    h("div", { class: "columns" },
      h("div", { class: "col" },
        field("Name", name, { hint: "Required, up to 200 characters." }).wrap,
        field("Description", description).wrap,
        guidelines.el,
        settings.el),
      h("div", { class: "col" }, templatesBox, schema.el)),
    message,
    h("div", { class: "actions sticky-actions" }, submit, h("a", { href: "/app/projects", class: "btn" }, "Cancel")));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const fail = (text, input) => {
      message.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, text));
      if (input) input.focus();
    };
    const projectName = name.value.trim() || name.placeholder.trim();
    if (!projectName) return fail("Give the project a name.", name);
    let values;
    try { values = settings.read(); } catch (error) { return fail(error.message, error.input); }
    submit.disabled = true;
    try {
      const check = await schema.validate();
      if (!check.valid) {
        return fail(check.error ? `The schema is not valid: ${describeError(check.error)}` : "Write a label schema or pick a template.", schema.input);
      }
      const project = await api("/projects", { method: "POST", body: {
        name: projectName, description: description.value, guidelines: guidelines.value,
        label_schema: schema.text, settings: values,
      } });
      toast(`Project “${project.name}” created. Now import data.`);
      ctx.navigate(`/app/projects/${project.id}/import`);
    } catch (error) {
      const target = !error.field ? null : error.field === "name" ? name
        : error.field.startsWith("settings") ? settings.inputFor(error.field) : schema.input;
      fail(`Could not create the project: ${describeError(error)}`, target);
    } finally {
      submit.disabled = false;
    }
  });

  view.append(
    h("header", { class: "page-header" },
      h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" }, h("a", { href: "/app/projects" }, "Projects"), " › New"),
      h("h1", { tabindex: "-1" }, "New project")),
    form);
  await loadTemplates();
  return () => schema.dispose();
}

function templateList(templates, onPick) {
  const list = h("div", { class: "template-list", role: "radiogroup", "aria-label": "Templates" });
  for (const [key, tpl] of Object.entries(templates)) {
    const radio = h("input", { type: "radio", name: "template", value: key, id: `tpl-${key}`,
      "aria-labelledby": `tpl-${key}-title`, "aria-describedby": `tpl-${key}-desc` });
    radio.addEventListener("change", () => { if (!onPick(key, tpl)) radio.checked = false; });
    list.append(h("div", { class: "template" }, radio,
      h("label", { for: radio.id }, h("strong", { id: `tpl-${key}-title` }, tpl.title),
        h("span", { class: "small muted", id: `tpl-${key}-desc` }, tpl.description))));
  }
  return list;
}
