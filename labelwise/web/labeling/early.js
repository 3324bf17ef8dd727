// The first answers the labeling page needs, asked for before its own modules (three.js among them) have
// loaded: the project and its first task, with the task's media warmed (a point cloud's points fetched).
// Both entries use it: label.html?project=N (through standalone.js, which imports this small module first)
// and the app shell's /app/projects/N/label route; <lw-labeling> takes the answers as its `early`.

import { api } from "../api.js";
import { MediaPrefetcher } from "./prefetch.js";

export function askEarly(project, { signal } = {}) {
  const early = { project: api(`/projects/${project}`, { signal }), next: api(`/projects/${project}/next`, { signal }) };
  for (const answer of Object.values(early)) answer.catch(() => {}); // the page reports failures, once it runs
  Promise.all([early.project, early.next])
    .then(([info, next]) => { if (next) new MediaPrefetcher().warmTask(info.label_schema, next.task); })
    .catch(() => {});
  return early;
}

export const project = new URLSearchParams(window.location.search).get("project") || "";

export const early = project ? askEarly(project) : null;
