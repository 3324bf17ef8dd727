// The audit log of a project: who changed what and when, filterable, paged by id, exportable.
import { api } from "/static/api.js";
import { errorBox, infoBox } from "/static/components/alerts.js";
import { field, formatDate, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const PAGE = 100;
const FILTERS = [
  ["action", "Action", "e.g. annotation.submitted, or review.* for every review"],
  ["actor", "Actor", "username"],
  ["object_type", "Object type", "project, task, annotation, member, snapshot…"],
  ["object_id", "Object id", ""],
  ["since", "Since", "date or time, e.g. 2024-05-01"],
  ["until", "Until", "date or time (exclusive)"],
];

export default async function auditPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Audit log · ${project.name}`);
  view.append(projectHeader(project, "audit", { title: `Audit log · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can read its audit log; your role is ${project.role}.`));
    return;
  }
  const query = new URLSearchParams(window.location.search);
  const inputs = {};
  const row = h("div", { class: "row" });
  for (const [name, label, hint] of FILTERS) {
    const input = h("input", { name, autocomplete: "off", value: query.get(name) || "", placeholder: hint });
    inputs[name] = input;
    row.append(field(label, input).wrap);
  }
  const apply = h("button", { type: "submit", class: "btn btn-primary" }, "Filter");
  const reset = h("button", { type: "button", class: "btn" }, "Clear");
  const jsonl = h("a", { class: "btn", download: "" }, "Export JSONL");
  const csv = h("a", { class: "btn", download: "" }, "Export CSV");
  const form = h("form", { class: "card audit-filters", role: "search", "aria-label": "Filter the audit log" },
    row, h("div", { class: "row" }, apply, reset, jsonl, csv));
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const tbody = h("tbody");
  const table = h("div", { class: "table-wrap" }, h("table", { class: "table audit-table" },
    h("thead", null, h("tr", null, ["Time", "Actor", "Action", "Object", "Change"].map((t) => h("th", { scope: "col" }, t)))),
    tbody));
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  const errors = h("div");
  view.append(form, errors, status, table, more);

  let after = 0;
  let shown = 0;

  const filters = () => {
    const params = new URLSearchParams();
    for (const [name] of FILTERS) if (inputs[name].value.trim()) params.set(name, inputs[name].value.trim());
    return params;
  };

  const updateLinks = (params) => {
    const base = `/api/v1/projects/${project.id}/events/export`;
    jsonl.href = `${base}?${new URLSearchParams([...params, ["format", "jsonl"]])}`;
    csv.href = `${base}?${new URLSearchParams([...params, ["format", "csv"]])}`;
  };

  const load = async (first) => {
    const params = filters();
    updateLinks(params);
    if (first) { after = 0; shown = 0; tbody.replaceChildren(); }
    params.set("limit", String(PAGE));
    params.set("after", String(after));
    errors.replaceChildren();
    try {
      const events = await api(`/projects/${project.id}/events?${params}`, { signal: ctx.signal });
      for (const event of events) tbody.append(eventRow(event));
      shown += events.length;
      if (events.length) after = events[events.length - 1].id;
      more.hidden = events.length < PAGE;
      status.textContent = shown ? `${shown} event${shown === 1 ? "" : "s"} shown` : "No events match these filters.";
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error.field && inputs[error.field]) inputs[error.field].setAttribute("aria-invalid", "true");
      errors.replaceChildren(errorBox(error, { title: "The audit log could not be loaded." }));
      status.textContent = "";
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
    const params = filters();
    history.replaceState(null, "", `${window.location.pathname}${params.size ? `?${params}` : ""}`);
    load(true);
  });
  reset.addEventListener("click", () => {
    for (const input of Object.values(inputs)) { input.value = ""; input.removeAttribute("aria-invalid"); }
    history.replaceState(null, "", window.location.pathname);
    load(true);
  });
  more.addEventListener("click", () => load(false));
  await load(true);
}

function eventRow(event) {
  const object = event.object_id ? `${event.object_type} ${event.object_id}` : event.object_type;
  return h("tr", { "data-event-id": String(event.id) },
    h("td", null, h("time", { datetime: event.created_at }, formatDate(event.created_at))),
    h("td", null, event.actor || (event.actor_id ? `user ${event.actor_id}` : "system")),
    h("td", null, h("code", null, event.action)),
    h("td", null, object),
    h("td", { class: "audit-change" }, change(event)));
}

function change(event) {
  const parts = [];
  if (event.before) parts.push(h("details", null, h("summary", null, "before"), h("pre", null, JSON.stringify(event.before, null, 2))));
  if (event.after) parts.push(h("details", null, h("summary", null, "after"), h("pre", null, JSON.stringify(event.after, null, 2))));
  return parts.length ? parts : "—";
}
