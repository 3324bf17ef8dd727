// Import tasks: a file or pasted text goes to POST /projects/{id}/import?async=true as-is, with the
// Content-Type of its format, and the page follows the import job's progress until it shows the counts
// or every bad row the server reports. Media files (or zips of them) go to POST /projects/{id}/media.
import { api } from "/static/api.js";
import { describeError, errorBox, infoBox } from "/static/components/alerts.js";
import { field, formatNumber, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const FORMATS = {
  jsonl: { label: "JSON Lines (one task per line)", type: "application/jsonl" },
  json: { label: "JSON array", type: "application/json" },
  csv: { label: "CSV (header row, one task per row)", type: "text/csv" },
  tsv: { label: "TSV (tab-separated)", type: "text/tab-separated-values" },
};

export function guessFormat(fileName, text) {
  const lower = (fileName || "").toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".tsv") || lower.endsWith(".tab")) return "tsv";
  const start = (text || "").trimStart();
  if (start.startsWith("[")) return "json";
  if (start.startsWith("{")) return "jsonl";
  const first = start.split("\n", 1)[0];
  return first.includes("\t") ? "tsv" : "csv";
}

// A value of each object type, for the paste example: two tasks that fit the project's schema.
const SAMPLES = {
  text: ["The battery lasts all day.", "Broke after a week."],
  paragraphs: [[{ author: "user", text: "Where is my parcel?" }, { author: "agent", text: "It ships today." }],
    [{ author: "user", text: "Can I pay by card?" }, { author: "agent", text: "Yes." }]],
  image: [{ src: "https://example.com/street.jpg", width: 640, height: 480 }, "https://example.com/park.jpg"],
  pointcloud: [{ src: "https://example.com/sweep-000000.bin" }, { frames: ["https://example.com/000000.pcd", "https://example.com/000001.pcd"] }],
  pdf: [["https://example.com/report-page-1.png", "https://example.com/report-page-2.png"], ["https://example.com/letter.png"]],
  audio: [{ src: "https://example.com/call.mp3", duration: 12.5 }, "https://example.com/voicemail.wav"],
  video: [{ src: "https://example.com/match.mp4", frame_rate: 25 }, "https://example.com/street.mp4"],
  table: [{ age: 41, plan: "pro" }, { age: 29, plan: "free" }],
  chat: [[{ role: "user", content: "Where is my parcel?" }, { role: "assistant", content: "It ships today.", model: "bot-1" }],
    [{ role: "user", content: "Can I pay by card?" },
      { role: "assistant", alternatives: [{ content: "Yes, any card.", model: "bot-1" }, { content: "No.", model: "bot-2" }] }]],
};

function sampleValue(spec, i) {
  if (spec.type === "timeseries") {
    const series = { [spec.time_key || "time"]: [0, 1, 2, 3] };
    for (const [c, channel] of (spec.channels || ["value"]).entries()) series[channel] = [20 + c, 21 + c, 35 + c, 22 + c].map((v) => v + i);
    return series;
  }
  return (SAMPLES[spec.type] || SAMPLES.text)[i];
}

export function pasteExample(schema) {
  const objects = Object.entries((schema && schema.objects) || {});
  if (!objects.length) return '{"text": "The battery lasts all day."}';
  return [0, 1].map((i) => JSON.stringify(Object.fromEntries(objects.map(([name, spec]) => [spec.field || name, sampleValue(spec, i)])))).join("\n");
}

export default async function importPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Import · ${project.name}`);
  if (!canDo(project, "manager")) {
    view.append(projectHeader(project, "import", { title: `Import · ${project.name}` }),
      infoBox(`Only managers of this project can import data; your role is ${project.role}.`));
    return;
  }
  const fileInput = h("input", { type: "file", name: "file", accept: ".jsonl,.ndjson,.json,.csv,.tsv,.txt" });
  const paste = h("textarea", { name: "paste", rows: 8, class: "code", spellcheck: false,
    placeholder: pasteExample(project.label_schema) });
  const format = h("select", { name: "format" },
    h("option", { value: "auto" }, "Detect from the file name or content"),
    Object.entries(FORMATS).map(([k, f]) => h("option", { value: k }, f.label)));
  const result = h("div", { class: "import-result", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Import");
  const fileInfo = h("p", { class: "small muted", "aria-live": "polite" });
  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    fileInfo.textContent = file ? `Selected ${file.name} (${formatNumber(file.size)} bytes). Pasted text is ignored while a file is selected.` : "";
  });

  const objects = Object.entries(project.label_schema?.objects || {}).map(([n, o]) => `"${o.field || n}" (${o.type})`);
  const form = h("form", { class: "card import-form", novalidate: true },
    h("p", null, "Each task is one JSON object or one CSV/TSV row. ",
      objects.length ? `This project's schema reads the fields ${objects.join(", ")}. ` : "",
      "Optional keys: external_id, meta, predictions, gold. Everything is imported or nothing is."),
    field("Upload a file", fileInput, { hint: "JSON array, JSON Lines, CSV or TSV." }).wrap,
    fileInfo,
    field("…or paste the data", paste).wrap,
    field("Format", format).wrap,
    h("div", { class: "actions" }, submit));

  async function send() {
    result.replaceChildren();
    const file = fileInput.files[0];
    const text = file ? null : paste.value;
    if (!file && !text.trim()) {
      result.append(h("p", { class: "alert alert-error", role: "alert" }, "Choose a file or paste some data first."));
      paste.focus();
      return;
    }
    let fmt = format.value;
    if (fmt === "auto") fmt = guessFormat(file?.name, file ? await file.slice(0, 4096).text() : text);
    submit.disabled = true;
    submit.textContent = "Importing…";
    result.append(h("p", { class: "loading", role: "status" }, `Importing as ${FORMATS[fmt].label}…`));
    const started = performance.now();
    try {
      const body = file || new Blob([text], { type: FORMATS[fmt].type });
      const job = await api(`/projects/${project.id}/import?async=true`, { method: "POST", body,
        headers: { "content-type": FORMATS[fmt].type } });
      const out = await followJob(job, result, ctx.signal);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      result.replaceChildren(h("div", { class: "alert alert-success", role: "status" },
        h("strong", { class: "import-count" }, `Imported ${formatNumber(out.imported)} task${out.imported === 1 ? "" : "s"}`),
        ` with ${formatNumber(out.predictions)} prediction${out.predictions === 1 ? "" : "s"} and ${formatNumber(out.gold)} gold answer${out.gold === 1 ? "" : "s"} in ${seconds} s. `,
        out.out_of_range ? h("span", { class: "import-flagged" }, `${formatNumber(out.out_of_range)} task${out.out_of_range === 1 ? " was" : "s were"} flagged: values out of range or Label Studio items kept as written, listed in each task's meta (out_of_range). `) : "",
        h("a", { href: `/app/projects/${project.id}/data` }, "Browse the data"), " · ",
        h("a", { href: `/app/projects/${project.id}/label` }, "Start labeling")));
      fileInput.value = "";
      fileInfo.textContent = "";
    } catch (error) {
      result.replaceChildren(importErrors(error, send));
    } finally {
      submit.disabled = false;
      submit.textContent = "Import";
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  view.append(projectHeader(project, "import", { title: `Import data into ${project.name}` }), form, result,
    mediaForm(project));
}

const POLL_MS = 300;

// Poll the import job, drawing a progress bar, until it succeeds (its summary) or fails (thrown like an API error).
async function followJob(job, place, signal) {
  const bar = h("progress", { max: 1, value: 0, "aria-label": "Import progress" });
  const status = h("span", { class: "small muted" });
  place.replaceChildren(h("div", { class: "import-progress", role: "status" }, bar, " ", status));
  for (;;) {
    if (job.total) bar.value = job.done / job.total;
    status.textContent = `${Math.round(100 * (job.progress || 0))}% read, ${formatNumber(job.rows)} tasks checked`;
    if (job.status === "succeeded") return job.result;
    if (job.status === "failed" || job.status === "cancelled") {
      const error = new Error((job.error && (job.error.message || job.error.detail)) || `The import ${job.status}.`);
      error.status = 422;
      error.body = job.error;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await api(`/jobs/${job.id}`, { signal });
  }
}

// Images, audio, video, PDF or point-cloud files (or zips of them): each file becomes a task holding the stored
// media; point clouds may instead become the frames of one sequence task.
function mediaForm(project) {
  if (Object.values(project.label_schema?.objects || {}).some((o) => o.type === "dicom")) return volumeForm(project);
  const input = h("input", { type: "file", name: "media", multiple: true,
    accept: "image/*,audio/*,video/*,.pdf,application/pdf,.bin,.pcd,.ply,.las,.laz,.zip" });
  const sequence = h("input", { type: "checkbox", name: "sequence" });
  const submit = h("button", { type: "submit", class: "btn" }, "Upload media");
  const out = h("div", { class: "import-result", "aria-live": "polite" });
  const form = h("form", { class: "card media-form", novalidate: true },
    h("h2", null, "Media files"),
    h("p", null, "Each image, audio, video, PDF or point-cloud file (or each one inside a zip) becomes a task; the files ",
      "are stored by this server and shown only to members of the project."),
    field("Choose files or zips", input).wrap,
    h("label", { class: "check" }, sequence, " Point clouds are one sequence (frames in file-name order, for tracking)"),
    h("div", { class: "actions" }, submit), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!input.files.length) {
      out.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, "Choose at least one file first."));
      return;
    }
    const body = new FormData();
    for (const file of input.files) body.append("files", file, file.name);
    submit.disabled = true;
    out.replaceChildren(h("p", { class: "loading", role: "status" }, `Uploading ${input.files.length} file(s)…`));
    try {
      const done = await api(`/projects/${project.id}/media${sequence.checked ? "?sequence=true" : ""}`, { method: "POST", body });
      out.replaceChildren(h("div", { class: "alert alert-success", role: "status" },
        h("strong", { class: "media-count" }, `Imported ${formatNumber(done.imported)} media task${done.imported === 1 ? "" : "s"}`),
        done.ignored.length ? ` (passed over, not media: ${done.ignored.join(", ")})` : "", ". ",
        h("a", { href: `/app/projects/${project.id}/label` }, "Start labeling")));
      input.value = "";
    } catch (error) {
      out.replaceChildren(errorBox(error, { title: "No media was imported." }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function importErrors(error, retry) {
  const rows = error.body && Array.isArray(error.body.errors) ? error.body.errors : [];
  if (!rows.length || error.status === 0) return errorBox(error, { retry, title: "Nothing was imported." });
  const table = h("table", { class: "table errors-table" },
    h("caption", null, `${rows.length} bad row${rows.length === 1 ? "" : "s"}`),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Problem"))),
    h("tbody", null, rows.map((row) => h("tr", null,
      h("td", { class: "num" }, row.line ?? "—"), h("td", null, row.field ?? ""), h("td", null, row.message)))));
  return h("div", { class: "alert alert-error", role: "alert" },
    h("p", null, h("strong", null, "Nothing was imported. "), "Fix these rows and import again:"),
    h("div", { class: "table-wrap" }, table),
    h("p", { class: "small" }, describeError(error)));
}

// A project with a dicom object: each zip is one DICOM series, each .nii/.nii.gz one volume, loose .dcm files one
// series; headers are de-identified unless unticked (docs/medical.md).
function volumeForm(project) {
  const input = h("input", { type: "file", name: "volumes", multiple: true, accept: ".zip,application/zip,.nii,.gz,.dcm" });
  const deidentify = h("input", { type: "checkbox", name: "deidentify", checked: true });
  const submit = h("button", { type: "submit", class: "btn" }, "Upload volumes");
  const out = h("div", { class: "import-result", "aria-live": "polite" });
  const form = h("form", { class: "card media-form volume-form", novalidate: true },
    h("h2", null, "Medical volumes"),
    h("p", null, "Each zip of one DICOM series, each NIfTI file (.nii, .nii.gz), and the loose DICOM files together ",
      "become one task. A missing slice, mixed orientations or a file that is not DICOM refuses the upload, naming the file."),
    field("Choose zips, NIfTI or DICOM files", input).wrap,
    h("label", { class: "check" }, deidentify, " De-identify (DICOM basic confidentiality profile)"),
    h("div", { class: "actions" }, submit), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!input.files.length) {
      out.replaceChildren(h("p", { class: "alert alert-error", role: "alert" }, "Choose at least one file first."));
      return;
    }
    const body = new FormData();
    for (const file of input.files) body.append("files", file, file.name);
    submit.disabled = true;
    out.replaceChildren(h("p", { class: "loading", role: "status" }, `Uploading ${input.files.length} file(s)…`));
    try {
      const done = await api(`/projects/${project.id}/media?format=dicom&deidentify=${deidentify.checked}`, { method: "POST", body });
      const reports = Object.values(done.deidentification || {}).filter(Boolean);
      const changed = reports.reduce((n, r) => n + r.attributes.reduce((m, a) => m + a.count, 0) + r.private_tags_removed, 0);
      out.replaceChildren(h("div", { class: "alert alert-success", role: "status" },
        h("strong", { class: "media-count" }, `Imported ${formatNumber(done.imported)} volume${done.imported === 1 ? "" : "s"}`),
        reports.length ? ` (de-identified: ${formatNumber(changed)} header values removed or replaced)` : " (not de-identified)", ". ",
        h("a", { href: `/app/projects/${project.id}/label` }, "Start labeling")));
      input.value = "";
    } catch (error) {
      out.replaceChildren(errorBox(error, { title: "No volume was imported." }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
