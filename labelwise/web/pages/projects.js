// The caller's projects with their role in each.
import { api } from "/static/api.js";
import { errorBox } from "/static/components/alerts.js";
import { h, formatDate } from "/static/components/dom.js";

export default async function projects(view, ctx) {
  ctx.setTitle("Projects");
  const header = h("header", { class: "page-header" },
    h("div", { class: "title-row" }, h("h1", { tabindex: "-1" }, "Projects"),
      h("a", { href: "/app/projects/new", class: "btn btn-primary" }, "New project")));
  view.append(header);
  const body = h("div");
  view.append(body);
  const load = async () => {
    body.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading projects…"));
    try {
      const list = await api("/projects", { signal: ctx.signal });
      body.replaceChildren(list.length ? listView(list) : empty());
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: load, title: "Could not load your projects." }));
    }
  };
  await load();
}

function empty() {
  return h("div", { class: "empty card" },
    h("h2", null, "No projects yet"),
    h("p", null, "Create a project, pick a template for its label schema, then import data."),
    h("a", { href: "/app/projects/new", class: "btn btn-primary" }, "Create your first project"));
}

function listView(list) {
  const ul = h("ul", { class: "project-list", "aria-label": "Your projects" });
  for (const p of list) {
    const base = `/app/projects/${p.id}`;
    const main = p.role === "annotator" ? `${base}/label` : base;
    ul.append(h("li", { class: "card project-card" },
      h("div", { class: "project-card-head" },
        h("h2", null, h("a", { href: main }, p.name)),
        h("span", { class: `badge role-${p.role}`, title: "Your role" }, p.role || "admin")),
      p.description ? h("p", { class: "muted clamp" }, p.description) : null,
      h("p", { class: "small muted" }, `Created ${formatDate(p.created_at)} · overlap ${p.settings?.overlap ?? 1}`),
      h("div", { class: "actions" },
        h("a", { href: `${base}/label`, class: "btn btn-primary btn-small" }, "Start labeling"),
        p.role !== "annotator" ? h("a", { href: `${base}/data`, class: "btn btn-small" }, "Browse data") : null,
        p.role === "manager" ? h("a", { href: `${base}/import`, class: "btn btn-small" }, "Import") : null)));
  }
  return ul;
}
