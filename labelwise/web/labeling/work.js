// A crowd worker's page (/w/<link token>?workerId=...): join the link without an account, label in the
// ordinary labeling page, and get the completion code to paste back into the marketplace at the end.
// Marketplaces pass the worker id under different names; the common ones are read here.

import { api, useToken } from "../api.js";
import { el, ensureStyles } from "./util.js";
import "./labeling-page.js";

const WORKER_PARAMS = ["workerId", "worker_id", "workerid", "PROLIFIC_PID", "participant"];
const token = decodeURIComponent(window.location.pathname.split("/").filter(Boolean).pop() || "");
const params = new URLSearchParams(window.location.search);
const status = document.getElementById("lw-worker-status");
const main = document.getElementById("labeling");

function workerIdFromUrl() {
  for (const name of WORKER_PARAMS) if (params.get(name)) return params.get(name);
  return "";
}

function closed(message) {
  main.replaceChildren(el("div", { class: "lw-empty lw-worker-closed" },
    el("h3", { text: "No work here" }), el("p", { class: "lw-worker-reason", text: message })));
}

function askForId() {
  const input = el("input", { id: "lw-worker-id", autocomplete: "off", "aria-label": "Your worker id" });
  const form = el("form", { class: "lw-empty" }, el("h3", { text: "Your worker id" }),
    el("p", { text: "The marketplace usually passes it in the link. Type the id it shows you." }), input,
    el("button", { type: "submit", class: "lw-primary" }, "Start"));
  form.addEventListener("submit", (event) => { event.preventDefault(); if (input.value.trim()) join(input.value.trim()); });
  main.replaceChildren(form);
  input.focus();
}

async function showCompletion(page) {
  let me;
  try { me = await api("/worker/me"); } catch (error) { closed(error.message); return; }
  status.textContent = `Worker ${me.worker_id} · ${me.tasks_done} task${me.tasks_done === 1 ? "" : "s"} done`;
  if (!me.completion_code) return;
  const box = el("div", { class: "lw-empty lw-completion" },
    el("h3", { text: "Thank you: you are done" }),
    el("p", { text: "Paste this completion code into the marketplace to be paid:" }),
    el("p", {}, el("code", { id: "lw-completion-code", text: me.completion_code })));
  page.empty.replaceChildren(box);
  page.empty.hidden = false;
}

async function join(workerId) {
  let joined;
  try {
    joined = await api(`/links/${encodeURIComponent(token)}/join`, { method: "POST", body: { worker_id: workerId } });
  } catch (error) {
    closed(error.message);
    return;
  }
  useToken(joined.token);
  status.textContent = `Worker ${joined.worker_id} · ${joined.tasks_done} done${joined.max_tasks_per_worker ? ` of ${joined.max_tasks_per_worker}` : ""}`;
  const page = document.createElement("lw-labeling");
  page.setAttribute("project-id", String(joined.project_id));
  page.addEventListener("lw-task-shown", (event) => {
    if (event.detail.taskId === null) showCompletion(page);
    else status.textContent = `Worker ${joined.worker_id} · ${page.submitted + joined.tasks_done} done${joined.max_tasks_per_worker ? ` of ${joined.max_tasks_per_worker}` : ""}`;
  });
  main.replaceChildren(page);
}

ensureStyles();
const given = workerIdFromUrl();
if (given) join(given); else askForId();
