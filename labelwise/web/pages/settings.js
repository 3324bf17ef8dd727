// Project settings: name, description, guidelines and routing settings (PATCH), the label schema (a change
// previewed with its migration before it is applied), the versions, and deletion.
import { api } from "/static/api.js";
import { describeError, infoBox, toast, toastError } from "/static/components/alerts.js";
import { confirmDialog } from "/static/components/dialog.js";
import { field, h } from "/static/components/dom.js";
import { guidelinesField, settingsFieldset } from "/static/components/project-form.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";
import { schemaChangeCard, versionsCard } from "/static/components/schema-change.js";

export default async function settingsPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Settings · ${project.name}`);
  if (!canDo(project, "manager")) {
    view.append(projectHeader(project, "settings", { title: `Settings · ${project.name}` }),
      infoBox(`Only managers of this project can change its settings; your role is ${project.role}.`));
    return;
  }
  const name = h("input", { name: "name", required: true, maxlength: 200, value: project.name });
  const description = h("textarea", { name: "description", rows: 2 });
  description.value = project.description;
  const guidelines = guidelinesField(project.guidelines);
  // From a pilot report's "Clarify in guidelines": the note is appended, ready to edit and save.
  const note = ctx.query.get("guideline");
  if (note) guidelines.input.value = `${project.guidelines.trimEnd()}\n\n${note}`.trimStart();
  const settings = settingsFieldset(project.settings);
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const save = h("button", { type: "submit", class: "btn btn-primary" }, "Save changes");
  const form = h("form", { class: "card settings-form", novalidate: true },
    h("h2", null, "Project"),
    field("Name", name).wrap, field("Description", description).wrap, guidelines.el, settings.el,
    message, h("div", { class: "actions" }, save));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const fail = (text, input) => {
      message.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, text));
      input?.focus();
    };
    if (!name.value.trim()) return fail("The name cannot be empty.", name);
    let values;
    try { values = settings.read(); } catch (error) { return fail(error.message, error.input); }
    save.disabled = true;
    try {
      const updated = await api(`/projects/${project.id}`, { method: "PATCH", body: {
        name: name.value.trim(), description: description.value, guidelines: guidelines.value, settings: values } });
      Object.assign(project, updated);
      view.querySelector(".page-header h1").textContent = `Settings · ${updated.name}`;
      view.querySelector(".breadcrumb span").textContent = updated.name;
      message.replaceChildren(h("p", { class: "alert alert-success", role: "status" }, "Saved."));
      toast("Settings saved.");
      versions.reload();
    } catch (error) {
      fail(`Could not save: ${describeError(error)}`, error.field === "name" ? name : settings.inputFor(error.field));
    } finally {
      save.disabled = false;
    }
  });

  const versions = await versionsCard(project, { signal: ctx.signal });
  // From a pilot report's "Merge": the schema without the label, previewed with the merge migration.
  let merge = null;
  try { merge = ctx.query.get("merge") ? JSON.parse(ctx.query.get("merge")) : null; } catch { merge = null; }
  const schemaCard = schemaChangeCard(project, { onApplied: () => versions.reload(), merge });
  const schema = schemaCard.el;

  const del = h("button", { type: "button", class: "btn btn-danger" }, "Delete project…");
  del.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: "Delete this project?",
      message: `This deletes “${project.name}” with all its tasks, annotations and predictions. It cannot be undone.`,
      confirmLabel: "Delete project", danger: true, requireText: project.name,
    });
    if (!ok) { del.focus(); return; }
    try {
      await api(`/projects/${project.id}`, { method: "DELETE" });
      toast(`Deleted “${project.name}”.`);
      ctx.navigate("/app/projects", { replace: true });
    } catch (error) {
      toastError(error, "Could not delete the project: ");
    }
  });
  const danger = h("section", { class: "card danger-zone" }, h("h2", null, "Danger zone"),
    h("p", null, "Deleting a project removes its data for good."), del);

  view.append(projectHeader(project, "settings", { title: `Settings · ${project.name}` }), form, schema, versions.el, danger);
  if (note) guidelines.input.focus();
  if (merge) schema.scrollIntoView();
}
