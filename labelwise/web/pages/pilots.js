// Pilot rounds: start one (managers), follow its progress, read its report per control (agreement,
// confusion matrix, most confused pairs with their items, deviations, comments), turn a confused pair
// into a guidelines edit or a merge migration with one click, and compare two rounds.
import { api } from "/static/api.js";
import { describeError, errorBox, infoBox, toast } from "/static/components/alerts.js";
import { field, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x) => (x === null || x === undefined ? "—" : x.toFixed(3));

export default async function pilotsPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Pilots · ${project.name}`);
  view.append(projectHeader(project, "pilots", { title: `Pilots · ${project.name}` }));
  if (!canDo(project, "reviewer")) {
    view.append(infoBox(`Only reviewers and managers see pilot reports; your role is ${project.role}.`));
    return;
  }
  const list = h("div", { class: "pilot-list" });
  const reportBox = h("div", { class: "pilot-report", "aria-live": "polite" });
  const compareBox = h("div", { class: "pilot-compare" });
  if (canDo(project, "manager")) view.append(startForm(project, () => load()));
  view.append(h("section", { class: "card" }, h("h2", null, "Rounds"), list), reportBox, compareBox);

  async function load(open = null) {
    let pilots;
    try { pilots = await api(`/projects/${project.id}/pilots`, { signal: ctx.signal }); } catch (error) {
      list.replaceChildren(errorBox(error)); return;
    }
    if (!pilots.length) { list.replaceChildren(h("p", { class: "muted" }, "No pilot yet.")); return; }
    list.replaceChildren(h("table", { class: "table" },
      h("thead", null, h("tr", null, ...["Round", "Tasks", "Annotators", "Answered", "Guidelines", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, pilots.map((p) => h("tr", { "data-pilot": String(p.id) },
        h("td", null, p.name), h("td", { class: "num" }, formatNumber(p.tasks)),
        h("td", null, p.annotators.map((a) => `${a.annotator} (${a.answered})`).join(", ")),
        h("td", { class: "num" }, `${formatNumber(p.answered)} / ${formatNumber(p.expected)}`),
        h("td", null, `v${p.guidelines_version} · schema v${p.schema_version}`),
        h("td", null, h("button", { type: "button", class: "btn btn-small", onclick: () => showReport(p.id) }, `Report of ${p.name}`)))))));
    if (pilots.length > 1) compareBox.replaceChildren(compareForm(pilots));
    if (open) showReport(open);
  }

  async function showReport(id) {
    reportBox.replaceChildren(h("p", { class: "muted" }, "Loading the report…"));
    try {
      const report = await api(`/pilots/${id}`, { signal: ctx.signal });
      reportBox.replaceChildren(renderReport(project, report));
    } catch (error) { reportBox.replaceChildren(errorBox(error)); }
  }

  function compareForm(pilots) {
    const choose = (name, index) => {
      const el = h("select", { name }, pilots.map((p) => h("option", { value: String(p.id) }, p.name)));
      el.value = String(pilots[index].id);
      return el;
    };
    const before = choose("before", 0);
    const after = choose("after", pilots.length - 1);
    const out = h("div");
    const go = h("button", { type: "button", class: "btn" }, "Compare");
    go.addEventListener("click", async () => {
      try {
        const found = await api(`/pilots/${before.value}/compare/${after.value}`);
        out.replaceChildren(...Object.entries(found.controls).map(([name, c]) => h("div", { class: "pilot-compare-control", "data-control": name },
          h("h3", null, `${name}: ${found.before.name} → ${found.after.name}`),
          h("p", null, `Agreement ${pct(c.percent_agreement.before)} → ${pct(c.percent_agreement.after)}; `
            + `Krippendorff's alpha ${num(c.alpha.before)} → ${num(c.alpha.after)}`),
          c.confused_pairs.length ? h("ul", null, c.confused_pairs.map((p) => h("li", null, `${p.labels.join(" ↔ ")}: ${p.before} → ${p.after}`))) : null)));
      } catch (error) { out.replaceChildren(errorBox(error)); }
    });
    return h("section", { class: "card" }, h("h2", null, "Compare two rounds"),
      h("div", { class: "row" }, field("Before", before).wrap, field("After", after).wrap, go), out);
  }

  await load();
}

function startForm(project, done) {
  const name = h("input", { name: "name", required: true, maxlength: 200, placeholder: "round 1" });
  const annotators = h("input", { name: "annotators", placeholder: "ann, bob, cat" });
  const sample = h("input", { name: "sample", type: "number", min: 1, max: 1000, value: "20" });
  const message = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "card pilot-form" }, h("h2", null, "Start a pilot round"),
    h("p", { class: "small muted" }, "Every annotator labels the same tasks; they are served to them first."),
    h("div", { class: "row" }, field("Name", name).wrap, field("Annotators (usernames)", annotators).wrap,
      field("Tasks (fresh ones, in order)", sample).wrap),
    message, h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary" }, "Start pilot")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    try {
      const pilot = await api(`/projects/${project.id}/pilots`, { method: "POST", body: {
        name: name.value.trim(), annotators: annotators.value.split(",").map((s) => s.trim()).filter(Boolean),
        sample: Number(sample.value) } });
      toast(`Pilot “${pilot.name}” started: ${pilot.tasks} tasks for ${pilot.annotators.length} annotators.`);
      done();
    } catch (error) {
      message.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, `Could not start the pilot: ${describeError(error)}`));
    }
  });
  return form;
}

function renderReport(project, report) {
  const base = `/app/projects/${project.id}`;
  const parts = [h("h2", null, `Report of ${report.name}`),
    h("p", null, `${formatNumber(report.answered)} of ${formatNumber(report.expected)} answers in.`)];
  for (const [name, c] of Object.entries(report.controls)) {
    if (!c.answers) continue;
    const matrix = h("table", { class: "table confusion", "aria-label": `Confusion matrix of ${name}` },
      h("thead", null, h("tr", null, h("th", null, ""), ...c.labels.map((l) => h("th", { scope: "col" }, l)))),
      h("tbody", null, c.labels.map((row, i) => h("tr", null, h("th", { scope: "row" }, row),
        ...c.confusion[i].map((n, j) => h("td", { class: ["num", i !== j && n ? "off" : ""] }, String(n)))))));
    const pairs = c.confused_pairs.map((p) => {
      const [a, b] = p.labels;
      const items = p.items.map((t, k) => [k ? ", " : "", h("a", { href: `${base}/tasks/${t}` }, `#${t}`)]);
      const note = `### ${a} or ${b}?\n\nPilot “${report.name}” confused these on tasks ${p.items.map((t) => `#${t}`).join(", ")}. Explain when each applies.\n`;
      const clarify = h("a", { class: "btn btn-small", href: `${base}/settings?guideline=${encodeURIComponent(note)}` }, "Clarify in guidelines");
      const merge = c.compared_as === "label"
        ? h("a", { class: "btn btn-small", href: `${base}/settings?merge=${encodeURIComponent(JSON.stringify({ control: name, from: b, to: a }))}` }, `Merge ${b} into ${a}`)
        : null;
      return h("li", { class: "confused-pair" }, h("strong", null, `${a} ↔ ${b}`), ` ${p.count} pairs on `, items, " ", clarify, " ", merge);
    });
    const people = h("table", { class: "table" },
      h("thead", null, h("tr", null, ...["Annotator", "Items", "Differs from the others", "Labels"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, c.annotators.map((a) => h("tr", null, h("td", null, a.annotator), h("td", { class: "num" }, String(a.items)),
        h("td", { class: "num" }, pct(a.deviation)), h("td", null, Object.entries(a.labels).map(([l, n]) => `${l} ${n}`).join(", "))))));
    parts.push(h("section", { class: "card pilot-control", "data-control": name },
      h("h3", null, `${name} (${c.type}, compared as ${c.compared_as})`),
      h("p", { class: "pilot-agreement" }, `Agreement ${pct(c.percent_agreement)} · Krippendorff's alpha ${num(c.alpha)} · ${c.items} items`),
      h("div", { class: "table-wrap" }, matrix),
      h("h4", null, "Most confused"), pairs.length ? h("ul", null, pairs) : h("p", { class: "muted" }, "No disagreement."),
      h("h4", null, "Annotators"), people));
  }
  if (report.comments.length) {
    parts.push(h("section", { class: "card pilot-comments" }, h("h3", null, "Comments"),
      h("ul", null, report.comments.map((c) => h("li", null, h("a", { href: `${base}/tasks/${c.task_id}` }, `#${c.task_id}`), ` ${c.annotator}: ${c.text}`)))));
  }
  return h("div", null, ...parts);
}
