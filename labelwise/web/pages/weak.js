// Weak supervision: write a rule with a live coverage preview, keep a project's labeling functions,
// apply them, read their analysis against human labels, and run the label model whose labels
// become predictions (suggestions on the labeling page).
import { api } from "/static/api.js";
import { describeError, errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { barChart } from "/static/components/charts.js";
import { debounce, field, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const PREVIEW_MS = 250;
const pct = (x) => `${(100 * x).toFixed(1)}%`;

export default async function weakPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Weak supervision · ${project.name}`);
  view.append(projectHeader(project, "weak", { title: `Weak supervision · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can edit labeling functions; your role is ${project.role}.`));
    return;
  }
  const controls = Object.entries(project.label_schema.controls || {})
    .filter(([, c]) => c.type === "choices" && !c.multiple);
  if (!controls.length) {
    view.append(infoBox("Weak supervision needs a single-choice control, and this project's schema has none."));
    return;
  }
  const base = `/projects/${project.id}`;
  const listBox = h("div");
  const analysisBox = h("div");
  const runBox = h("div", { "aria-live": "polite" });

  const editor = ruleEditor(controls, base, ctx, async () => { await loadList(); });
  const applyBtn = h("button", { type: "button", class: "btn", id: "weak-apply" }, "Apply rules");
  const model = h("select", { id: "weak-model", "aria-label": "Label model" },
    ["dawid_skene", "matrix_completion", "majority_vote"].map((m) => h("option", { value: m }, m.replace("_", " "))));
  const runBtn = h("button", { type: "button", class: "btn btn-primary", id: "weak-run" }, "Run label model");
  applyBtn.addEventListener("click", async () => {
    applyBtn.disabled = true;
    try {
      const report = await api(`${base}/labeling-functions/apply`, { method: "POST", signal: ctx.signal });
      const failed = Object.entries(report.failed);
      toast(`${formatNumber(report.votes_written)} votes written; ${report.recomputed.length} recomputed, ` +
        `${report.extended.length} extended, ${report.unchanged.length} unchanged`);
      for (const [name, message] of failed) toastError(new Error(message), `${name}: `);
      await loadList();
    } catch (error) {
      if (error.name !== "AbortError") toastError(error, "Apply: ");
    } finally {
      applyBtn.disabled = false;
    }
  });
  runBtn.addEventListener("click", async () => {
    runBtn.disabled = true;
    try {
      const summary = await api(`${base}/label-model`, { method: "POST", body: { model: model.value },
        signal: ctx.signal });
      runBox.replaceChildren(h("p", { class: "weak-run-summary" },
        `${formatNumber(summary.predictions)} of ${formatNumber(summary.tasks)} tasks got a suggestion from `,
        h("code", null, summary.model_version), ". Class balance: ",
        Object.entries(summary.class_balance).map(([c, p]) => `${c} ${pct(p)}`).join(", "), "."));
    } catch (error) {
      if (error.name !== "AbortError") runBox.replaceChildren(errorBox(error, { title: "The label model did not run." }));
    } finally {
      runBtn.disabled = false;
    }
  });

  view.append(
    h("section", { class: "card" }, h("h2", null, "New rule"), editor),
    h("section", { class: "card" }, h("h2", null, "Labeling functions"), listBox,
      h("div", { class: "actions" }, applyBtn, " ", model, " ", runBtn), runBox),
    h("section", { class: "card" }, h("h2", null, "Analysis"), analysisBox),
  );

  async function loadList() {
    try {
      const rows = await api(`${base}/labeling-functions`, { signal: ctx.signal });
      listBox.replaceChildren(rows.length ? functionTable(rows, base, ctx, loadList)
        : h("p", { class: "muted" }, "No labeling functions yet: write a rule above, or upload votes of Python " +
          "functions with the SDK (client.apply_labeling_functions)."));
      await loadAnalysis();
    } catch (error) {
      if (error.name !== "AbortError") listBox.replaceChildren(errorBox(error, { retry: loadList }));
    }
  }

  async function loadAnalysis() {
    try {
      const a = await api(`${base}/labeling-functions/analysis`, { signal: ctx.signal });
      analysisBox.replaceChildren(analysisView(a, project));
    } catch (error) {
      if (error.name !== "AbortError") analysisBox.replaceChildren(errorBox(error, { retry: loadAnalysis }));
    }
  }

  await loadList();
}

function ruleEditor(controls, base, ctx, onSaved) {
  const control = h("select", { name: "control" }, controls.map(([name]) => h("option", { value: name }, name)));
  const kind = h("select", { name: "kind" },
    [["keywords", "Keywords"], ["regex", "Regular expression"], ["condition", "Field condition"]]
      .map(([v, t]) => h("option", { value: v }, t)));
  const name = h("input", { name: "name", maxlength: 200, placeholder: "mentions_link" });
  const label = h("select", { name: "label" });
  const fillLabels = () => {
    const options = (controls.find(([n]) => n === control.value) || controls[0])[1].options;
    label.replaceChildren(...options.map((o) => h("option", { value: o }, o)));
  };
  fillLabels();
  const keywords = h("input", { name: "keywords", placeholder: "check out, subscribe" });
  const mode = h("select", { name: "mode" }, [["word", "whole words"], ["substring", "anywhere"]]
    .map(([v, t]) => h("option", { value: v }, t)));
  const pattern = h("input", { name: "pattern", placeholder: "check.*out" });
  const path = h("input", { name: "field", value: "text" });
  const op = h("select", { name: "op" },
    ["lt", "le", "gt", "ge", "eq", "ne", "contains", "exists", "missing"].map((o) => h("option", { value: o }, o)));
  const value = h("input", { name: "value", placeholder: "5" });
  const measure = h("select", { name: "measure" }, ["value", "length", "words"].map((m) => h("option", { value: m }, m)));
  const caseSensitive = h("input", { type: "checkbox", name: "case_sensitive" });

  const groups = {
    keywords: [field("Keywords (comma-separated)", keywords).wrap, field("Match", mode).wrap],
    regex: [field("Pattern", pattern).wrap],
    condition: [field("Operator", op).wrap, field("Value", value).wrap, field("Measure", measure).wrap],
  };
  const kindBox = h("div", { class: "weak-kind-fields" });
  const showKind = () => kindBox.replaceChildren(...groups[kind.value]);
  showKind();
  const preview = h("div", { class: "weak-preview", "aria-live": "polite", id: "weak-preview" });
  const save = h("button", { type: "submit", class: "btn btn-primary" }, "Save rule");
  const form = h("form", { class: "weak-rule-form", novalidate: true },
    h("div", { class: "grid-2" }, field("Name", name).wrap, field("Control", control).wrap,
      field("Kind", kind).wrap, field("Votes", label).wrap, field("Field", path, { hint: "Path in the task data, e.g. text or meta.stars" }).wrap,
      h("label", { class: "check" }, caseSensitive, " case sensitive")),
    kindBox, preview, h("div", { class: "actions" }, save));

  const definition = () => {
    const d = { name: name.value.trim() || "preview", kind: kind.value, label: label.value, control: control.value,
      field: path.value.trim() || "text" };
    if (kind.value === "keywords") {
      d.keywords = keywords.value.split(",").map((k) => k.trim()).filter(Boolean);
      d.mode = mode.value;
    }
    if (kind.value === "regex") d.pattern = pattern.value;
    if (kind.value !== "condition") d.case_sensitive = caseSensitive.checked;
    if (kind.value === "condition") {
      d.op = op.value;
      d.measure = measure.value;
      if (!["exists", "missing"].includes(op.value)) {
        const num = Number(value.value);
        d.value = value.value.trim() !== "" && Number.isFinite(num) ? num : value.value;
      }
    }
    return d;
  };

  let seq = 0;
  const runPreview = debounce(async () => {
    const mine = ++seq;
    const d = definition();
    if ((d.kind === "keywords" && !d.keywords.length) || (d.kind === "regex" && !d.pattern)) {
      preview.replaceChildren(h("p", { class: "muted" }, "Type keywords or a pattern to see its coverage."));
      return;
    }
    try {
      const p = await api(`${base}/labeling-functions/preview`, { method: "POST", body: d, signal: ctx.signal });
      if (mine !== seq) return;
      preview.replaceChildren(
        h("p", { class: "weak-coverage" }, `Coverage ${pct(p.coverage)}: votes on ${formatNumber(p.votes)} of `,
          `${formatNumber(p.sample)} sampled tasks.`),
        p.matches.length ? h("ul", { class: "weak-matches" }, p.matches.map((m) =>
          h("li", null, h("a", { href: `/app/projects/${base.split("/")[2]}/tasks/${m.task_id}` }, `#${m.task_id}`), " ",
            String(m.data[d.field] ?? JSON.stringify(m.data)).slice(0, 160)))) : null);
    } catch (error) {
      if (error.name === "AbortError" || mine !== seq) return;
      preview.replaceChildren(h("p", { class: "error", role: "alert" },
        error.field ? `${error.field}: ` : "", describeError(error)));
    }
  }, PREVIEW_MS);
  for (const input of [keywords, pattern, path, value, name]) input.addEventListener("input", runPreview);
  for (const input of [mode, op, measure, label, caseSensitive]) input.addEventListener("change", runPreview);
  kind.addEventListener("change", () => { showKind(); runPreview(); });
  control.addEventListener("change", () => { fillLabels(); runPreview(); });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const made = await api(`${base}/labeling-functions`, { method: "POST", body: definition(), signal: ctx.signal });
      toast(`Rule '${made.name}' saved; apply the rules to compute its votes.`);
      name.value = "";
      await onSaved();
    } catch (error) {
      if (error.name !== "AbortError") toastError(error, error.field ? `${error.field}: ` : "");
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function functionTable(rows, base, ctx, reload) {
  const summary = (d) => d.kind === "keywords" ? `${d.mode || "word"}: ${d.keywords.join(", ")}`
    : d.kind === "regex" ? `/${d.pattern}/` : d.kind === "condition"
      ? `${d.measure && d.measure !== "value" ? `${d.measure}(${d.field})` : d.field} ${d.op} ${d.value ?? ""}`
      : d.kind === "predictions" ? `predictions of ${d.model_version}${d.min_score != null ? ` (score ≥ ${d.min_score})` : ""}`
        : "votes uploaded by the SDK";
  return h("div", { class: "table-wrap" }, h("table", { class: "table weak-functions" },
    h("thead", null, h("tr", null, ["Name", "Kind", "Votes", "Rule", "Votes current", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, rows.map((f) => {
      const remove = h("button", { type: "button", class: "btn btn-small" }, "Delete");
      remove.addEventListener("click", async () => {
        remove.disabled = true;
        try {
          await api(`${base}/labeling-functions/${f.id}`, { method: "DELETE", signal: ctx.signal });
          await reload();
        } catch (error) {
          if (error.name !== "AbortError") toastError(error);
        }
      });
      return h("tr", { "data-function": f.name },
        h("td", null, f.name), h("td", null, f.kind), h("td", null, f.definition.label ?? "—"),
        h("td", null, h("code", null, summary(f.definition))),
        h("td", null, f.votes_current ? "yes" : "no (apply)"), h("td", null, remove));
    }))));
}

function analysisView(a, project) {
  if (!a.functions.length) return h("p", { class: "muted" }, "Apply the rules to see their coverage and accuracy.");
  const acc = (f) => f.accuracy === null ? "—"
    : `${pct(f.accuracy)} [${pct(f.accuracy_interval[0])}, ${pct(f.accuracy_interval[1])}]`;
  const table = h("div", { class: "table-wrap" }, h("table", { class: "table weak-analysis" },
    h("thead", null, h("tr", null, ["Function", "Polarity", "Coverage", "Overlap", "Conflict",
      "Accuracy on human labels (95% CI)", "Correct / votes"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, a.functions.map((f) => h("tr", { "data-function": f.name },
      h("td", null, f.name), h("td", null, f.polarity.join(", ") || "—"), h("td", null, pct(f.coverage)),
      h("td", null, pct(f.overlap)), h("td", null, pct(f.conflict)), h("td", null, acc(f)),
      h("td", null, `${f.n_correct} / ${f.n_votes}`))))));
  const chart = barChart(a.functions.map((f) => ({ label: f.name, short: f.name.slice(0, 10),
    value: Math.round(1000 * f.coverage) / 10 })), { title: "Coverage per function (%)", unit: "%" });
  const conflicts = a.conflicting_tasks.length
    ? h("ul", { class: "weak-conflicts" }, a.conflicting_tasks.slice(0, 10).map((c) =>
      h("li", null, h("a", { href: `/app/projects/${project.id}/tasks/${c.task_id}` }, `Task #${c.task_id}`),
        ` — ${c.minority_votes} vote(s) against the majority`)))
    : h("p", { class: "muted" }, "No task gets conflicting votes.");
  return h("div", null,
    h("p", null, `Control ${a.control}: ${formatNumber(a.tasks)} tasks, ${formatNumber(a.labelled_tasks)} with human ` +
      `labels; total coverage ${pct(a.total_coverage)}, overlap ${pct(a.total_overlap)}, conflict ${pct(a.total_conflict)}.`),
    a.stale.length ? infoBox(`Stale votes (apply again): ${a.stale.join(", ")}.`) : null,
    table, chart, h("h3", null, "Where the functions conflict most"), conflicts);
}
