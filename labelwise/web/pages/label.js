// The labeling page belongs to the labeling module; this route only loads it and mounts <lw-labeling>.
import { errorBox } from "/static/components/alerts.js";
import { h } from "/static/components/dom.js";
import { projectHeader } from "/static/components/project-nav.js";
import { askEarly } from "/static/labeling/early.js";

export default async function labelPage(view, ctx) {
  // The first task and its media are asked for now, while the labeling module (and three.js) load.
  const early = askEarly(ctx.params.id, { signal: ctx.signal });
  const project = await early.project;
  ctx.setTitle(`Label · ${project.name}`);
  view.append(projectHeader(project, "label", { title: `Label · ${project.name}` }));
  try {
    await import("/static/labeling/labeling-page.js");
  } catch (error) {
    view.append(errorBox(new Error(`The labeling page could not be loaded (${error.message}). Reload to try again; if it persists, the server may be missing its labeling module.`),
      { retry: () => ctx.navigate(window.location.href, { replace: true }), alwaysRetry: true }));
    return;
  }
  const element = document.createElement("lw-labeling");
  element.setAttribute("project-id", String(project.id));
  element.early = early;
  view.append(element);
}
