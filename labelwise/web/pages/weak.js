// Weak supervision: write a rule with a live coverage preview, keep a project's labeling functions,
// apply them, read their analysis against human labels, and run the label model whose labels
// become predictions (suggestions on the labeling page).
import { api } from "/static/api.js";
import { describeError, errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { barChart } from "/static/components/charts.js";
import { debounce, field, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const PREVIEW_MS = 250;
const POLL_MS = 400;
const ACTIVE = new Set(["queued", "running"]);
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

  const editor = ruleEditor(controls, base, ctx, project, async () => { await loadList(); });
  const applyBtn = h("button", { type: "button", class: "btn", id: "weak-apply" }, "Apply rules");
  const model = h("select", { id: "weak-model", "aria-label": "Label model" },
    ["ensemble", "dawid_skene", "matrix_completion", "majority_vote"]
      .map((m) => h("option", { value: m }, m.replaceAll("_", " "))));
  const endModel = h("input", { type: "checkbox", id: "weak-end-model", name: "end_model" });
  const endModelLabel = h("label", { class: "check", for: "weak-end-model",
    title: "Train the built-in text classifier on the label model's labels and store its predictions for every task" },
  endModel, " also train the end model (text classifier)");
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
  // The run is a background job (kind weak.label_model): follow its progress here, cancel it, or leave the
  // page; it also shows on the project's Jobs page.
  let polling = null;
  const follow = async (job) => {
    clearTimeout(polling);
    runBtn.disabled = ACTIVE.has(job.status);
    runBox.replaceChildren(runJobLine(job, async (button) => {
      button.disabled = true;
      try {
        await api(`/jobs/${job.id}/cancel`, { method: "POST", signal: ctx.signal });
        follow(await api(`/jobs/${job.id}`, { signal: ctx.signal }));
      } catch (error) {
        if (error.name !== "AbortError") toastError(error, `Job ${job.id}: `);
      }
    }));
    if (ACTIVE.has(job.status) && ctx.isCurrent()) {
      polling = setTimeout(async () => {
        try {
          follow(await api(`/jobs/${job.id}`, { signal: ctx.signal }));
        } catch (error) {
          if (error.name !== "AbortError") runBox.replaceChildren(errorBox(error, { title: "The job could not be read." }));
        }
      }, POLL_MS);
    }
  };
  runBtn.addEventListener("click", async () => {
    runBtn.disabled = true;
    try {
      const body = { model: model.value };
      if (endModel.checked) body.end_model = true;
      follow(await api(`${base}/label-model?async=true`, { method: "POST", body, signal: ctx.signal }));
    } catch (error) {
      runBtn.disabled = false;
      if (error.name !== "AbortError") runBox.replaceChildren(errorBox(error, { title: "The label model did not run." }));
    }
  });

  view.append(
    h("section", { class: "card" }, h("h2", null, "New rule"), editor),
    h("section", { class: "card" }, h("h2", null, "Labeling functions"), listBox,
      h("div", { class: "actions" }, applyBtn, " ", model, " ", endModelLabel, " ", runBtn), runBox),
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
  // A run still going (started here before, or by the SDK/CLI) is followed on arrival.
  api(`${base}/jobs?kind=weak.label_model&limit=1`, { signal: ctx.signal }).then((found) => {
    if (found.length && ACTIVE.has(found[0].status) && !polling) follow(found[0]);
  }).catch(() => {});
  return () => clearTimeout(polling);
}

function runJobLine(job, cancel) {
  const bar = h("progress", { max: 1, "aria-label": "Label model progress" });
  if (job.progress !== null && job.progress !== undefined) bar.value = job.progress;
  const figures = job.total ? `${formatNumber(job.done)} / ${formatNumber(job.total)} predictions written` : "";
  const parts = [h("strong", null, `Label model (job #${job.id}): `),
    h("span", { class: `badge job-${job.status}` }, job.status), " ", bar, " ", h("span", { class: "small muted" }, figures)];
  if (ACTIVE.has(job.status)) {
    const button = h("button", { type: "button", class: "btn btn-small", disabled: job.cancel_requested || null },
      job.cancel_requested ? "Cancelling…" : "Cancel");
    button.addEventListener("click", () => cancel(button));
    parts.push(" ", button);
  }
  const line = h("p", { class: "weak-run-job", "data-job-id": String(job.id), "data-status": job.status }, ...parts);
  if (job.status === "succeeded" && job.result) {
    const summary = job.result;
    const end = summary.end_model;
    return h("div", null, line, h("p", { class: "weak-run-summary" },
      `${formatNumber(summary.predictions)} of ${formatNumber(summary.tasks)} tasks got a suggestion from `,
      h("code", null, summary.model_version), ". Class balance: ",
      Object.entries(summary.class_balance).map(([c, p]) => `${c} ${pct(p)}`).join(", "), "."),
    end ? h("p", { class: "weak-end-model-summary" }, `End model `, h("code", null, end.model_version),
      ` trained on ${formatNumber(end.trained_on)} tasks; ${formatNumber(end.predictions)} predictions stored.`) : null);
  }
  if (job.error) return h("div", null, line, h("p", { class: "error", role: "alert" }, job.error.message || job.status));
  return line;
}

const NO_PREVIEW = new Set(["project", "predictions"]);

function ruleEditor(controls, base, ctx, project, onSaved) {
  const control = h("select", { name: "control" }, controls.map(([name]) => h("option", { value: name }, name)));
  const kind = h("select", { name: "kind" },
    [["keywords", "Keywords"], ["regex", "Regular expression"], ["condition", "Field condition"],
      ["python", "Python function"], ["project", "Another project's labels"], ["predictions", "A model's predictions"]]
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
  // Python functions run in the server only from modules the administrator installed; others run on the
  // client through the SDK, whose votes arrive as functions of kind client.
  const pyFunction = h("select", { name: "function" });
  const pyNote = h("p", { class: "small muted weak-python-note" });
  const sourceProject = h("select", { name: "project_id" });
  const sourceControl = h("input", { name: "source_control", placeholder: "same name as here" });
  const match = h("select", { name: "match" }, [["external_id", "external id"], ["content_hash", "same task data"]]
    .map(([v, t]) => h("option", { value: v }, t)));
  const modelVersion = h("input", { name: "model_version", list: "weak-model-versions", placeholder: "builtin-kind-v1" });
  const versionList = h("datalist", { id: "weak-model-versions" });
  const minScore = h("input", { name: "min_score", type: "number", min: 0, max: 1, step: 0.05, placeholder: "0.8" });
  const sdkHint = h("p", { class: "small muted" }, "Or run Python functions on your machine and upload their votes: ",
    h("code", null, "client.apply_labeling_functions(project_id, [fn, ...])"), " (SDK); they show here as kind client.");

  const labelWrap = field("Votes", label).wrap;
  const pathWrap = field("Field", path, { hint: "Path in the task data, e.g. text or meta.stars" }).wrap;
  const caseWrap = h("label", { class: "check" }, caseSensitive, " case sensitive");
  const groups = {
    keywords: [field("Keywords (comma-separated)", keywords).wrap, field("Match", mode).wrap],
    regex: [field("Pattern", pattern).wrap],
    condition: [field("Operator", op).wrap, field("Value", value).wrap, field("Measure", measure).wrap],
    python: [field("Installed function", pyFunction, { hint: "Each returns an option of the control or None" }).wrap,
      pyNote, sdkHint],
    project: [field("Source project", sourceProject).wrap, field("Its control", sourceControl).wrap,
      field("Same task when", match).wrap,
      h("p", { class: "small muted" }, "Votes that project's final label (gold, else consensus or adjudicated) of the " +
        "matching task; you need to be a reviewer or manager there. Its coverage shows after Apply rules.")],
    predictions: [field("Model version", modelVersion).wrap, versionList,
      field("Minimum score", minScore, { hint: "Optional: lower-scored predictions abstain" }).wrap,
      h("p", { class: "small muted" }, "Votes what a model version's stored predictions say (an ML backend, a " +
        "built-in model, another label model). Its coverage shows after Apply rules.")],
  };
  let extrasLoaded = false;
  const loadExtras = async () => {
    if (extrasLoaded) return;
    extrasLoaded = true;
    const [installed, projects, versions] = await Promise.all([
      api("/labeling-functions/python", { signal: ctx.signal }).catch(() => []),
      api("/projects", { signal: ctx.signal }).catch(() => []),
      api(`${base}/model-versions`, { signal: ctx.signal }).catch(() => []),
    ]);
    pyFunction.replaceChildren(...installed.map((f) => h("option", { value: f.function, title: f.description || "" },
      f.function)));
    pyNote.textContent = installed.length ? `${installed.length} installed function(s).`
      : "No Python function is installed on this server: an administrator names modules in " +
        "LABELWISE_LABELING_FUNCTION_MODULES.";
    const others = (Array.isArray(projects) ? projects : projects.items || []).filter((p) => p.id !== project.id);
    sourceProject.replaceChildren(...others.map((p) => h("option", { value: String(p.id) }, `${p.name} (#${p.id})`)));
    versionList.replaceChildren(...versions.map((v) => h("option", { value: v.name })));
  };
  const kindBox = h("div", { class: "weak-kind-fields" });
  const showKind = async () => {
    const rule = ["keywords", "regex", "condition"].includes(kind.value);
    labelWrap.hidden = !rule;
    pathWrap.hidden = !rule;
    caseWrap.hidden = !["keywords", "regex"].includes(kind.value);
    kindBox.replaceChildren(...groups[kind.value]);
    if (!rule) await loadExtras();
  };
  showKind();
  const preview = h("div", { class: "weak-preview", "aria-live": "polite", id: "weak-preview" });
  const save = h("button", { type: "submit", class: "btn btn-primary" }, "Save rule");
  const form = h("form", { class: "weak-rule-form", novalidate: true },
    h("div", { class: "grid-2" }, field("Name", name).wrap, field("Control", control).wrap,
      field("Kind", kind).wrap, labelWrap, pathWrap, caseWrap),
    kindBox, preview, h("div", { class: "actions" }, save));

  const definition = () => {
    const common = { name: name.value.trim() || "preview", kind: kind.value, control: control.value };
    if (kind.value === "python") return { ...common, function: pyFunction.value };
    if (kind.value === "project") {
      const d = { ...common, project_id: Number(sourceProject.value), match: match.value };
      if (sourceControl.value.trim()) d.source_control = sourceControl.value.trim();
      return d;
    }
    if (kind.value === "predictions") {
      const d = { ...common, model_version: modelVersion.value.trim() };
      if (minScore.value.trim() !== "") d.min_score = Number(minScore.value);
      return d;
    }
    const d = { ...common, label: label.value, field: path.value.trim() || "text" };
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
    if (NO_PREVIEW.has(d.kind)) {
      preview.replaceChildren();
      return;
    }
    if (d.kind === "python" && !d.function) {
      preview.replaceChildren(h("p", { class: "muted" }, "Choose an installed function to see its coverage."));
      return;
    }
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
            String(m.data[d.field || "text"] ?? JSON.stringify(m.data)).slice(0, 160)))) : null);
    } catch (error) {
      if (error.name === "AbortError" || mine !== seq) return;
      preview.replaceChildren(h("p", { class: "error", role: "alert" },
        error.field ? `${error.field}: ` : "", describeError(error)));
    }
  }, PREVIEW_MS);
  for (const input of [keywords, pattern, path, value, name]) input.addEventListener("input", runPreview);
  for (const input of [mode, op, measure, label, caseSensitive, pyFunction]) input.addEventListener("change", runPreview);
  kind.addEventListener("change", async () => { await showKind(); runPreview(); });
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
        : d.kind === "python" ? `installed ${d.function}`
          : d.kind === "project" ? `labels of project #${d.project_id}${d.source_control ? ` (${d.source_control})` : ""} by ${(d.match || "external_id").replace("_", " ")}`
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
  // One link per level of disagreement, each opening the data browser filtered to those tasks.
  const levels = (a.conflict_levels || []).slice().reverse();
  const conflicts = levels.length
    ? h("ul", { class: "weak-conflicts" }, levels.map((l) =>
      h("li", null, h("a", { href: `/app/projects/${project.id}/data?lf_conflict=${l.lf_conflict}`,
        "data-lf-conflict": String(l.lf_conflict) },
      `${formatNumber(l.tasks)} task(s) with ${l.lf_conflict}+ vote(s) against the majority`),
      " — open in the data browser")))
    : h("p", { class: "muted" }, "No task gets conflicting votes.");
  return h("div", null,
    h("p", null, `Control ${a.control}: ${formatNumber(a.tasks)} tasks, ${formatNumber(a.labelled_tasks)} with human ` +
      `labels; total coverage ${pct(a.total_coverage)}, overlap ${pct(a.total_overlap)}, conflict ${pct(a.total_conflict)}.`),
    a.stale.length ? infoBox(`Stale votes (apply again): ${a.stale.join(", ")}.`) : null,
    table, chart, h("h3", null, "Where the functions conflict most"), conflicts);
}
