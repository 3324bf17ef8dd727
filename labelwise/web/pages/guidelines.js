// The project's guidelines, rendered from Markdown with DOM nodes only.
import { api } from "/static/api.js";
import { h } from "/static/components/dom.js";
import { renderMarkdown } from "/static/components/markdown.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

export default async function guidelinesPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Guidelines · ${project.name}`);
  view.append(projectHeader(project, "guidelines", { title: `Guidelines · ${project.name}` }));
  const body = h("article", { class: "card guidelines" });
  if (project.guidelines.trim()) body.append(renderMarkdown(project.guidelines));
  else {
    body.append(h("p", { class: "muted" }, "This project has no guidelines yet."));
    if (canDo(project, "manager")) body.append(h("a", { href: `/app/projects/${project.id}/settings` }, "Write them in the settings."));
  }
  view.append(body, h("p", null, h("a", { href: `/app/projects/${project.id}/label`, class: "btn btn-primary" }, "Start labeling")));
}
