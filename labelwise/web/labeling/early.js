// label.html?project=N loads this small module first: the project and its first task are asked for, and
// the task's media warmed (a point cloud's points fetched), while the page's own modules (three.js among
// them) are still loading. standalone.js hands the answers to <lw-labeling> (its `early`).

import { api } from "../api.js";
import { MediaPrefetcher } from "./prefetch.js";

export const project = new URLSearchParams(window.location.search).get("project") || "";

export const early = project ? { project: api(`/projects/${project}`), next: api(`/projects/${project}/next`) } : null;

if (early) {
  for (const answer of Object.values(early)) answer.catch(() => {}); // the page reports failures, once it runs
  Promise.all([early.project, early.next])
    .then(([info, next]) => { if (next) new MediaPrefetcher().warmTask(info.label_schema, next.task); })
    .catch(() => {});
}
