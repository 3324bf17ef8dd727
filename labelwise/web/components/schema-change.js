// Changing a project's label schema: edit, preview what the change does to stored results, pick a
// migration for every label or control it would break, preview again, apply. Plus the version history.
import { api } from "/static/api.js";
import { describeError, toast } from "./alerts.js";
import { formatDate, formatNumber, h } from "./dom.js";
import { schemaEditor } from "./project-form.js";
import { toYaml } from "./yaml.js";

const KINDS = ["annotations", "predictions", "gold"];

/** The "Label schema" card of the settings page; `onApplied(project)` after a change is saved. */
export function schemaChangeCard(project, { onApplied = () => {}, merge = null } = {}) {
  const editor = schemaEditor(toYaml(merge ? withoutLabel(project.label_schema, merge) : project.label_schema));
  const previewButton = h("button", { type: "button", class: "btn" }, "Preview change");
  const report = h("div", { class: "schema-report", "aria-live": "polite" });
  const card = h("section", { class: "card schema-change" }, h("h2", null, "Label schema"),
    h("p", { class: "small muted" }, "Changing the schema adds a version. A change that would leave stored answers, "
      + "predictions or gold answers invalid needs a migration, previewed here before it is applied."),
    editor.el, h("div", { class: "actions" }, previewButton), report);
  let choices = new Map(); // "control\u0000label" or "control" -> select element

  const migration = () => {
    const steps = [];
    for (const [key, select] of choices) {
      const [control, label] = key.split("\u0000");
      const value = select.value;
      if (!value) continue;
      if (label === undefined) {
        if (value === "drop") steps.push({ op: "drop_control", control });
        else steps.push({ op: "rename_control", from: control, to: value.slice("rename:".length) });
      } else if (value === "remove") steps.push({ op: "map_values", control, map: { [label]: null } });
      else if (value.startsWith("split:")) steps.push({ op: "split_label", control, from: label, to: JSON.parse(value.slice(6)) });
      else steps.push({ op: "rename_label", control, from: label, to: value.slice("to:".length) });
    }
    return steps;
  };

  async function preview(steps = null) {
    report.replaceChildren(h("p", { class: "muted" }, "Checking stored results…"));
    const checked = await editor.validate();
    if (!checked.valid) { report.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, "Fix the schema first.")); return; }
    try {
      const plan = await api(`/projects/${project.id}/schema/preview`, { method: "POST",
        body: { label_schema: editor.text, migration: steps && steps.length ? steps : null } });
      show(plan, checked.schema, steps);
    } catch (error) {
      report.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, `Could not preview: ${describeError(error)}`));
    }
  }

  function show(plan, newSchema, steps) {
    const parts = [h("h3", null, "What changes")];
    if (!plan.changed) parts.push(h("p", null, "Nothing: this is the current schema."));
    else parts.push(h("ul", { class: "schema-diff" }, plan.diff.map((line) => h("li", { class: `diff-${line[0] === "+" ? "add" : line[0] === "-" ? "del" : "mod"}` }, line))));
    const rewritten = KINDS.filter((k) => plan.rewritten[k]).map((k) => `${formatNumber(plan.rewritten[k])} ${k}`);
    if (rewritten.length) parts.push(h("p", { class: "schema-rewritten" }, `The migration rewrites ${rewritten.join(", ")}.`));
    if (plan.relabel.annotations) parts.push(h("p", null, `${formatNumber(plan.relabel.annotations)} answers on ${formatNumber(plan.relabel.tasks)} tasks go back to their annotators for relabeling.`));
    if (plan.broken.length) {
      parts.push(h("div", { class: "alert alert-error schema-conflict", role: "alert" },
        h("strong", null, "This change would leave stored results invalid. "),
        "Choose what happens to each label or control below, then preview the migration."));
      choices = new Map();
      parts.push(conflictTable(plan.broken, newSchema, steps || []));
      const again = h("button", { type: "button", class: "btn" }, "Preview migration");
      again.addEventListener("click", () => preview(migration()));
      parts.push(h("div", { class: "actions" }, again));
    } else if (plan.changed) {
      const apply = h("button", { type: "button", class: "btn btn-primary" }, steps && steps.length ? "Apply change and migration" : "Apply change");
      apply.addEventListener("click", async () => {
        apply.disabled = true;
        try {
          const body = { label_schema: editor.text };
          if (steps && steps.length) body.migration = steps;
          const updated = await api(`/projects/${project.id}`, { method: "PATCH", body });
          Object.assign(project, updated);
          report.replaceChildren(h("p", { class: "alert alert-success", role: "status" }, `Saved as schema version ${updated.schema_version}.`));
          toast(`Schema version ${updated.schema_version} saved.`);
          onApplied(updated);
        } catch (error) {
          if (error.status === 409 && error.body?.report) show(error.body.report, newSchema, steps);
          else report.append(h("p", { class: "alert alert-error", role: "alert" }, `Could not apply: ${describeError(error)}`));
        } finally { apply.disabled = false; }
      });
      parts.push(h("div", { class: "actions" }, apply));
    }
    report.replaceChildren(...parts);
  }

  function conflictTable(broken, newSchema, steps) {
    const rows = [];
    const controls = newSchema?.controls || {};
    for (const impact of broken) {
      const counts = KINDS.map((k) => h("td", { class: "num" }, formatNumber(impact[k])));
      const target = controls[impact.control];
      const labels = Object.keys(impact.labels);
      if (!target) {
        const select = h("select", { "aria-label": `Migration of control ${impact.control}` },
          h("option", { value: "" }, "Choose…"), h("option", { value: "drop" }, "Drop its answers"),
          ...Object.keys(controls).map((name) => h("option", { value: `rename:${name}` }, `Rename to control ${name}`)));
        preset(select, steps.find((s) => (s.op === "drop_control" && s.control === impact.control) || (s.op === "rename_control" && s.from === impact.control)), (s) => s.op === "drop_control" ? "drop" : `rename:${s.to}`);
        choices.set(impact.control, select);
        rows.push(h("tr", null, h("td", null, impact.control), h("td", null, "(whole control)"), ...counts, h("td", null, select)));
        continue;
      }
      const options = targetLabels(target);
      for (const label of labels.length ? labels : []) {
        const select = h("select", { "aria-label": `Migration of ${impact.control} label ${label}` },
          h("option", { value: "" }, "Choose…"),
          ...options.map((o) => h("option", { value: `to:${o}` }, `Rename / merge into ${o}`)),
          h("option", { value: `split:${JSON.stringify(options)}` }, "Split: send back for relabeling"),
          h("option", { value: "remove" }, "Remove the value"));
        preset(select, steps.find((s) => s.control === impact.control && (s.from === label || s.map?.[label] === null)), (s) =>
          s.op === "rename_label" ? `to:${s.to}` : s.op === "split_label" ? `split:${JSON.stringify(options)}` : "remove");
        choices.set(`${impact.control}\u0000${label}`, select);
        const c = impact.labels[label];
        rows.push(h("tr", null, h("td", null, impact.control), h("td", null, label),
          ...KINDS.map((k) => h("td", { class: "num" }, formatNumber(c[k]))), h("td", null, select)));
      }
      if (!labels.length) rows.push(h("tr", null, h("td", null, impact.control), h("td", null, impact.reason), ...counts, h("td", null, "Loosen the schema, or map the values with the API")));
    }
    return h("table", { class: "table schema-conflicts" },
      h("thead", null, h("tr", null, ...["Control", "Label", "Annotations", "Predictions", "Gold", "Migration"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, rows));
  }

  previewButton.addEventListener("click", () => preview());
  if (merge) preview([{ op: "rename_label", control: merge.control, from: merge.from, to: merge.to }]);
  return { el: card, editor };
}

/** The schema with one label taken out of a control (a pilot's "merge A into B"). */
function withoutLabel(schema, { control, from }) {
  const copy = JSON.parse(JSON.stringify(schema));
  const spec = copy.controls?.[control];
  if (spec?.options) spec.options = spec.options.filter((o) => o !== from);
  if (spec?.labels) spec.labels = spec.labels.filter((l) => l !== from);
  return copy;
}

function preset(select, step, value) {
  if (step) select.value = value(step);
}

function targetLabels(control) {
  if (control.options) return control.options.map((o) => (typeof o === "string" ? o : Object.keys(o)[0]));
  return control.labels || [];
}

/** The list of schema and guidelines versions with their diffs. */
export async function versionsCard(project, { signal } = {}) {
  const list = h("div", { class: "versions-list" });
  const card = h("section", { class: "card versions" }, h("h2", null, "Versions"), list);
  async function load() {
    try {
      const versions = await api(`/projects/${project.id}/versions`, { signal });
      list.replaceChildren(...versions.map((v) => h("details", { class: "version", "data-kind": v.kind, "data-number": String(v.number) },
        h("summary", null, `${v.kind === "schema" ? "Schema" : "Guidelines"} v${v.number}${v.current ? " (current)" : ""} · ${formatDate(v.created_at)} · ${v.author || "unknown"}`),
        h("pre", { class: "code" }, v.diff.join("\n")),
        v.migration?.steps ? h("p", { class: "small" }, `Migration: ${v.migration.steps.map((s) => s.op).join(", ")}; snapshot ${v.migration.snapshot_id} taken first.`) : null)));
    } catch (error) {
      if (error.name !== "AbortError") list.replaceChildren(h("p", { class: "alert alert-error" }, describeError(error)));
    }
  }
  await load();
  card.append(reannotateForm(project));
  return { el: card, reload: load };
}

/** Send answers made under older versions back for relabeling or review: count first, then send. */
function reannotateForm(project) {
  const which = h("select", { name: "which", "aria-label": "Which answers" },
    h("option", { value: "schema" }, "Made under an older schema version"),
    h("option", { value: "guidelines" }, "Made under older guidelines"));
  const mode = h("select", { name: "mode", "aria-label": "Send them to" },
    h("option", { value: "relabel" }, "their annotators, to relabel"),
    h("option", { value: "review" }, "the review queue"));
  const count = h("button", { type: "button", class: "btn" }, "Count");
  const send = h("button", { type: "button", class: "btn", disabled: true }, "Send back");
  const status = h("p", { class: "reannotate-status", role: "status", "aria-live": "polite" });
  const body = (dryRun) => {
    const current = which.value === "schema" ? project.schema_version : project.guidelines_version;
    return { mode: mode.value, dry_run: dryRun, [`before_${which.value}_version`]: current };
  };
  const run = async (dryRun) => {
    try {
      const out = await api(`/projects/${project.id}/reannotate`, { method: "POST", body: body(dryRun) });
      status.textContent = out.applied ? `${out.annotations} answers on ${out.tasks} tasks sent back.`
        : `${out.annotations} answers on ${out.tasks} tasks would go back.`;
      send.disabled = out.applied || out.annotations === 0;
      if (out.applied) toast(status.textContent);
    } catch (error) {
      status.textContent = `Could not send back: ${describeError(error)}`;
    }
  };
  count.addEventListener("click", () => run(true));
  send.addEventListener("click", () => run(false));
  for (const el of [which, mode]) el.addEventListener("change", () => { send.disabled = true; status.textContent = ""; });
  return h("div", { class: "reannotate" }, h("h3", null, "Re-annotate"),
    h("p", { class: "small muted" }, "Earlier answers stay in each annotation's history."),
    h("div", { class: "row" }, which, mode, count, send), status);
}
