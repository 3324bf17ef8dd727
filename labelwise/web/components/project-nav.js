// The header of every project page: breadcrumb, name, the caller's role and the project's tabs.
import { h } from "./dom.js";

const TABS = [
  { key: "dashboard", label: "Dashboard", path: "", min: "reviewer" },
  { key: "data", label: "Data", path: "/data", min: "annotator" },
  { key: "label", label: "Start labeling", path: "/label", min: "annotator" },
  { key: "review", label: "Review", path: "/review", min: "reviewer" },
  { key: "adjudication", label: "Adjudicate", path: "/adjudication", min: "reviewer" },
  { key: "quality", label: "Quality", path: "/quality", min: "reviewer" },
  { key: "pilots", label: "Pilots", path: "/pilots", min: "reviewer" },
  { key: "model", label: "Model", path: "/model", min: "manager" },
  { key: "weak", label: "Rules", path: "/weak", min: "manager" },
  { key: "import", label: "Import", path: "/import", min: "manager" },
  { key: "export", label: "Export", path: "/export", min: "manager" },
  { key: "guidelines", label: "Guidelines", path: "/guidelines", min: "annotator" },
  { key: "members", label: "Members", path: "/members", min: "manager" },
  { key: "settings", label: "Settings", path: "/settings", min: "manager" },
  { key: "ml-backends", label: "ML backends", path: "/ml-backends", min: "manager" },
  { key: "crowd", label: "Crowd", path: "/crowd", min: "manager" },
  { key: "webhooks", label: "Webhooks", path: "/webhooks", min: "manager" },
  { key: "jobs", label: "Jobs", path: "/jobs", min: "manager" },
  { key: "audit", label: "Audit log", path: "/audit", min: "manager" },
];
const RANK = { annotator: 1, reviewer: 2, manager: 3 };

export function canDo(project, minimum) {
  return (RANK[project.role] || 0) >= RANK[minimum];
}

export function projectHeader(project, active, { title = null } = {}) {
  const base = `/app/projects/${project.id}`;
  const nav = h("nav", { class: "tabs", "aria-label": "Project sections" });
  for (const tab of TABS) {
    if (!canDo(project, tab.min)) continue;
    nav.append(h("a", { href: base + tab.path, class: tab.key === "label" ? "tab tab-cta" : "tab",
      "aria-current": tab.key === active ? "page" : null }, tab.label));
  }
  return h("header", { class: "page-header" },
    h("nav", { class: "breadcrumb", "aria-label": "Breadcrumb" },
      h("a", { href: "/app/projects" }, "Projects"), " › ", h("span", null, project.name)),
    h("div", { class: "title-row" },
      h("h1", { tabindex: "-1" }, title || project.name),
      project.role ? h("span", { class: `badge role-${project.role}`, title: "Your role in this project" }, project.role) : null),
    nav);
}
