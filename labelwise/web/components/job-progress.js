// Follow a background job in a page: a line with its kind, status badge, progress bar and a Cancel button,
// polled until the job ends. `followJob` resolves with the final job (succeeded, failed or cancelled).
import { api } from "/static/api.js";
import { toastError } from "/static/components/alerts.js";
import { formatNumber, h } from "/static/components/dom.js";

const ACTIVE = new Set(["queued", "running"]);

export function jobLine(job, { title = job.kind, unit = "", onCancel } = {}) {
  const bar = h("progress", { max: 1, "aria-label": `Job ${job.id} progress` });
  if (job.progress !== null && job.progress !== undefined) bar.value = job.progress;
  const figures = job.total ? `${formatNumber(job.done)} / ${formatNumber(job.total)}${unit ? ` ${unit}` : ""}` : "";
  const parts = [h("strong", null, `${title} (job #${job.id}): `),
    h("span", { class: `badge job-${job.status}` }, job.status), " ", bar, " ", h("span", { class: "small muted" }, figures)];
  if (ACTIVE.has(job.status) && onCancel) {
    const button = h("button", { type: "button", class: "btn btn-small", disabled: job.cancel_requested || null,
      "data-action": "cancel" }, job.cancel_requested ? "Cancelling…" : "Cancel");
    button.addEventListener("click", () => { button.disabled = true; onCancel(job); });
    parts.push(" ", button);
  } else if (job.error) {
    parts.push(" ", h("span", { class: "job-error" }, job.error.message || "failed"));
  }
  return h("p", { class: "job-line", "data-job-id": String(job.id), "data-status": job.status }, ...parts);
}

export async function followJob(job, box, { title, unit, signal, every = 400 } = {}) {
  const cancel = async (current) => {
    try {
      await api(`/jobs/${current.id}/cancel`, { method: "POST", signal });
    } catch (error) {
      if (error.name !== "AbortError") toastError(error, `Job ${current.id}: `);
    }
  };
  for (;;) {
    box.replaceChildren(jobLine(job, { title, unit, onCancel: cancel }));
    if (!ACTIVE.has(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, every));
    if (signal && signal.aborted) return job;
    job = await api(`/jobs/${job.id}`, { signal });
  }
}
