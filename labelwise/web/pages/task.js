// One task: its data (as text), annotations with their results, predictions and gold.
import { api } from "/static/api.js";
import { errorBox } from "/static/components/alerts.js";
import { formatDate, h, safeHttpUrl } from "/static/components/dom.js";
import { projectHeader } from "/static/components/project-nav.js";
import { resultView } from "/static/components/result-view.js";

export default async function taskPage(view, ctx) {
  const [project, task] = await Promise.all([
    api(`/projects/${ctx.params.id}`, { signal: ctx.signal }),
    api(`/tasks/${ctx.params.taskId}`, { signal: ctx.signal }).catch((error) => ({ error })),
  ]);
  ctx.setTitle(`Task ${ctx.params.taskId} · ${project.name}`);
  view.append(projectHeader(project, "data", { title: `Task ${ctx.params.taskId}` }),
    h("p", null, h("a", { href: `/app/projects/${project.id}/data`, class: "back" }, "‹ Back to the data")));
  if (task.error) {
    view.append(errorBox(task.error, { retry: () => ctx.navigate(window.location.href, { replace: true }) }));
    return;
  }
  view.append(
    h("dl", { class: "facts" },
      h("dt", null, "External id"), h("dd", null, task.external_id ?? "—"),
      h("dt", null, "Annotations"), h("dd", null, String(task.annotation_count)),
      h("dt", null, "Consensus confidence"), h("dd", null, task.confidence == null ? "—" : task.confidence.toFixed(3)),
      h("dt", null, "Created"), h("dd", null, formatDate(task.created_at)),
      h("dt", null, "Content hash"), h("dd", { class: "mono small" }, task.content_hash)),
    dataSection(task));
  if (task.duplicate_of?.length) view.append(duplicatesSection(project, task));
  const annotations = h("section", { class: "card" }, h("h2", null, `Annotations (${task.annotations.length})`));
  if (!task.annotations.length) annotations.append(h("p", { class: "muted" }, "No annotations yet."));
  for (const a of task.annotations) {
    const item = h("article", { class: "annotation" },
      h("h3", null, `${a.username || `User ${a.user_id}`} · ${a.status}`),
      h("p", { class: "small muted" }, `Annotation ${a.id}, revision ${a.revision}, ${formatDate(a.updated_at)}`,
        a.lead_time_ms != null ? `, ${(a.lead_time_ms / 1000).toFixed(1)} s` : ""));
    if (a.result) item.append((await resultView({ schema: project.label_schema, task, value: a.result, label: `Result of annotation ${a.id}` })).el);
    annotations.append(item);
  }
  view.append(annotations);
  if (task.predictions.length) {
    view.append(h("section", { class: "card" }, h("h2", null, `Predictions (${task.predictions.length})`),
      task.predictions.map((p) => h("article", { class: "annotation" },
        h("h3", null, `${p.model_version}${p.score != null ? ` · score ${p.score.toFixed(3)}` : ""}`),
        h("pre", { class: "json", tabindex: "0" }, JSON.stringify(p.result, null, 2))))));
  }
  if (task.gold) view.append(h("section", { class: "card" }, h("h2", null, "Gold answer"), h("pre", { class: "json", tabindex: "0" }, JSON.stringify(task.gold, null, 2))));
  if (task.consensus) view.append(h("section", { class: "card" }, h("h2", null, "Consensus"), h("pre", { class: "json", tabindex: "0" }, JSON.stringify(task.consensus, null, 2))));
}

function duplicatesSection(project, task) {
  const base = `/app/projects/${project.id}`;
  return h("section", { class: "card duplicates" }, h("h2", null, "Duplicates"),
    task.duplicate_of.map((d) => h("article", null,
      h("h3", null, `${d.kind.replace("_", " ")} · similarity ${d.similarity.toFixed(2)} · `,
        h("a", { href: `${base}/data?duplicate_cluster=${d.cluster_id}` }, `all ${d.size} tasks of cluster ${d.cluster_id}`)),
      h("ul", { class: "inline-list" }, d.others.map((id) => h("li", null,
        h("a", { href: `${base}/tasks/${id}` }, `Task ${id}`)))))));
}

function dataSection(task) {
  const list = h("dl", { class: "task-data" });
  for (const [key, value] of Object.entries(task.data)) {
    const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
    const url = typeof value === "string" ? safeHttpUrl(value) : null;
    list.append(h("dt", null, key), h("dd", null, h("pre", { class: "wrap" }, text),
      url ? h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "Open in a new tab") : null));
  }
  const meta = Object.keys(task.meta || {}).length
    ? h("details", null, h("summary", null, "Meta"), h("pre", { class: "json" }, JSON.stringify(task.meta, null, 2))) : null;
  return h("section", { class: "card" }, h("h2", null, "Data"), list, meta);
}
