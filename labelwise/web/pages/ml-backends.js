// ML backends of a project: add one (our protocol or a Label Studio ML backend), check it, pre-label
// the unlabeled tasks or train it, or read text with the built-in OCR; the jobs those start are followed on the
// Jobs page.
import { api } from "/static/api.js";
import { errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { field, formatDate, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

export default async function mlBackendsPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`ML backends · ${project.name}`);
  view.append(projectHeader(project, "ml-backends", { title: `ML backends · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can manage its ML backends; your role is ${project.role}.`));
    return;
  }
  const name = h("input", { name: "name", autocomplete: "off", required: true });
  const url = h("input", { name: "url", type: "url", autocomplete: "off", required: true, placeholder: "http://127.0.0.1:9090" });
  const kind = h("select", { name: "kind" },
    h("option", { value: "labelwise" }, "labelwise protocol"),
    h("option", { value: "labelstudio" }, "Label Studio ML backend"));
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const form = h("form", { class: "card backend-form inline-form", novalidate: true },
    h("h2", null, "Add an ML backend"),
    h("div", { class: "row" }, field("Name", name).wrap, field("URL", url).wrap, field("Protocol", kind).wrap,
      h("div", { class: "field" }, h("button", { type: "submit", class: "btn btn-primary" }, "Add backend"))),
    message);
  // OCR: the built-in engine reads images and PDF pages into boxes with their text (predictions to correct).
  const level = h("select", { name: "ocr-level" },
    h("option", { value: "lines" }, "a box per line"), h("option", { value: "words" }, "a box per word"));
  const everyTask = h("input", { type: "checkbox", name: "ocr-all-tasks" });
  const ocrButton = h("button", { type: "submit", class: "btn btn-primary", "data-action": "ocr" }, "Read text (OCR)");
  const ocrForm = h("form", { class: "card ocr-form inline-form", novalidate: true },
    h("h2", null, "Read text (OCR)"),
    h("p", { class: "muted small" }, "Recognises the text of scanned pages and images with the built-in engine (PDF "
      + "pages with a text layer use it): each line or word becomes a box with its text, as a prediction annotators "
      + "correct. Needs a boxes control with a per-region text control."),
    h("div", { class: "row" }, field("Regions", level).wrap,
      h("div", { class: "field" }, h("label", null, everyTask, " also tasks that have annotations")),
      h("div", { class: "field" }, ocrButton)));
  ocrForm.addEventListener("submit", (event) => {
    event.preventDefault();
    startJob(`/projects/${project.id}/ocr`, { level: level.value, all_tasks: everyTask.checked }, "OCR");
  });
  const list = h("section", { class: "card" }, h("h2", null, "ML backends"));
  const body = h("div");
  list.append(body);
  view.append(form, ocrForm, list);

  const load = async () => {
    try {
      const backends = await api(`/projects/${project.id}/ml-backends`, { signal: ctx.signal });
      body.replaceChildren(backends.length ? table(backends)
        : h("p", { class: "muted" }, "No ML backends yet. Add one above to pre-label tasks."));
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: load, title: "The ML backends could not be loaded." }));
    }
  };

  const startJob = async (path, body, what) => {
    try {
      const job = await api(path, { method: "POST", body });
      toast(`${what}: job #${job.id} started`);
      ctx.navigate(`/app/projects/${project.id}/jobs`);
    } catch (error) {
      toastError(error, `${what}: `);
    }
  };

  function table(backends) {
    return h("div", { class: "table-wrap" }, h("table", { class: "table backends-table" },
      h("thead", null, h("tr", null, ["Name", "Protocol", "Model version", "Status", "Checked", ""]
        .map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, backends.map((b) => {
        const check = h("button", { type: "button", class: "btn btn-small" }, "Check");
        check.addEventListener("click", async () => {
          check.disabled = true;
          try {
            const out = await api(`/ml-backends/${b.id}/check`, { method: "POST" });
            if (out.last_status === "ok") toast(`${b.name} answered: model ${out.model_version || "?"}`);
          } catch (error) { toastError(error); }
          load();
        });
        const prelabel = h("button", { type: "button", class: "btn btn-small btn-primary", disabled: !b.enabled }, "Pre-label");
        prelabel.addEventListener("click", () => startJob(`/projects/${project.id}/prelabel`, { backend_id: b.id }, "Pre-label"));
        const train = h("button", { type: "button", class: "btn btn-small", disabled: !b.enabled }, "Train");
        train.addEventListener("click", () => startJob(`/ml-backends/${b.id}/train`, undefined, "Train"));
        return h("tr", { "data-backend-id": String(b.id) },
          h("td", null, h("strong", null, b.name), h("div", { class: "small muted" }, b.url)),
          h("td", null, b.kind),
          h("td", null, b.model_version || "—"),
          h("td", null, b.last_status
            ? h("span", { class: `badge job-${b.last_status === "ok" ? "succeeded" : "failed"}` }, b.last_status) : "—",
          b.last_error ? h("div", { class: "job-error small" }, b.last_error) : null),
          h("td", null, b.checked_at ? h("time", { datetime: b.checked_at }, formatDate(b.checked_at)) : "—"),
          h("td", null, check, " ", prelabel, " ", train));
      }))));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    try {
      const added = await api(`/projects/${project.id}/ml-backends`, { method: "POST",
        body: { name: name.value.trim(), url: url.value.trim(), kind: kind.value } });
      form.reset();
      await api(`/ml-backends/${added.id}/check`, { method: "POST" });
      toast(`Added ${added.name}`);
    } catch (error) {
      message.replaceChildren(errorBox(error, { title: "The backend could not be added." }));
    }
    load();
  });
  await load();
}
