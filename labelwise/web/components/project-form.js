// Form pieces shared by "new project" and "settings": guidelines with a live preview, the
// project settings fieldset, and the schema editor that validates as you type.
import { api } from "/static/api.js";
import { describeError } from "./alerts.js";
import { debounce, field, h, uniqueId } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

/** Markdown guidelines: a textarea with a Preview toggle. */
export function guidelinesField(initial = "") {
  const area = h("textarea", { name: "guidelines", rows: 8, placeholder: "# What to label\n\n- **Positive**: …" });
  area.value = initial;
  const preview = h("div", { class: "preview card", hidden: true, "aria-live": "polite" });
  const toggle = h("button", { type: "button", class: "btn btn-small", "aria-pressed": "false" }, "Preview");
  toggle.addEventListener("click", () => {
    const show = preview.hidden;
    preview.hidden = !show;
    area.hidden = show;
    toggle.setAttribute("aria-pressed", String(show));
    toggle.textContent = show ? "Edit" : "Preview";
    if (show) preview.replaceChildren(area.value.trim() ? renderMarkdown(area.value) : h("p", { class: "muted" }, "Nothing written yet."));
  });
  const { wrap } = field("Guidelines (Markdown)", area,
    { hint: "Headings, lists, **bold**, *italic*, `code` and http(s) links are shown to annotators." });
  const label = wrap.querySelector("label");
  const head = h("div", { class: "field-head" });
  label.before(head);
  head.append(label, toggle);
  wrap.append(preview);
  return { el: wrap, input: area, get value() { return area.value; } };
}

const ROUTING = [
  ["sequential", "Sequential (import order)"],
  ["random", "Random"],
  ["active_learning", "Active learning (most informative first)"],
  ["uncertainty", "Uncertainty of the consensus"],
];
const REVIEW = [["none", "No review"], ["sample", "Review a sample"], ["all", "Review everything"]];
const SKIPPED = [["never", "Never"], ["end", "At the end of the annotator's queue"], ["after", "After a number of minutes"]];

const STRATEGIES = [["hybrid", "Hybrid (uncertainty, then diversity)"],
  ["typical", "Typical (uncertainty × density, then diversity)"], ["margin", "Margin"],
  ["least_confidence", "Least confidence"], ["entropy", "Entropy"], ["coreset", "Diversity (core-set)"],
  ["kmeans++", "Diversity (k-means++)"], ["random", "Random"]];

function select(name, options, value) {
  const el = h("select", { name }, options.map(([v, text]) => h("option", { value: v }, text)));
  el.value = value;
  return el;
}

/** Overlap, routing, gold ratio and review policy; read() returns the settings object or throws. */
export function settingsFieldset(settings = {}) {
  const overlap = h("input", { name: "overlap", type: "number", min: 1, max: 50, step: 1, value: String(settings.overlap ?? 1) });
  const routing = select("routing", ROUTING, settings.routing ?? "sequential");
  const gold = h("input", { name: "gold_ratio", type: "number", min: 0, max: 1, step: 0.01, value: String(settings.gold_ratio ?? 0) });
  const policy = select("review_policy", REVIEW, settings.review_policy ?? "none");
  const sample = h("input", { name: "review_sample", type: "number", min: 0, max: 1, step: 0.01, value: String(settings.review_sample ?? 0.1) });
  const skipped = select("skipped_return", SKIPPED, settings.skipped_return ?? "never");
  const minutes = h("input", { name: "skipped_return_minutes", type: "number", min: 1, max: 43200, step: 1, value: String(settings.skipped_return_minutes ?? 60) });
  // The model loop: retraining, active-learning sampler, random slice, automated labeling.
  const retrain = h("input", { name: "retrain_every", type: "number", min: 1, max: 1000000, step: 1,
    placeholder: "off", value: settings.retrain_every == null ? "" : String(settings.retrain_every) });
  const strategy = select("al_strategy", STRATEGIES, settings.al_strategy ?? "hybrid");
  const randomShare = h("input", { name: "random_share", type: "number", min: 0, max: 0.5, step: 0.01, value: String(settings.random_share ?? 0.1) });
  const precision = h("input", { name: "auto_label_precision", type: "number", min: 0.5, max: 0.999, step: 0.005, value: String(settings.auto_label_precision ?? 0.95) });
  const verifyShare = h("input", { name: "verification_share", type: "number", min: 0, max: 1, step: 0.01, value: String(settings.verification_share ?? 0.05) });
  const el = h("fieldset", { class: "settings-fields" },
    h("legend", null, "Settings"),
    h("div", { class: "grid-2" },
      field("Overlap (annotators per task)", overlap, { hint: "1–50" }).wrap,
      field("Routing", routing).wrap,
      field("Gold ratio", gold, { hint: "Share of served tasks that are gold, 0–1" }).wrap,
      field("Review policy", policy).wrap,
      field("Review sample", sample, { hint: "Share reviewed when the policy is “sample”, 0–1" }).wrap,
      field("Skipped tasks return to the annotator", skipped).wrap,
      field("Return skipped tasks after (minutes)", minutes, { hint: "When skipped tasks return after a number of minutes" }).wrap),
    h("h3", { class: "settings-subhead" }, "Model in the loop"),
    h("div", { class: "grid-2 model-loop-fields" },
      field("Retrain every N labels", retrain, { hint: "Train a new model version (then pre-label) after this many new labels; empty = off" }).wrap,
      field("Active-learning strategy", strategy, { hint: "With routing “active learning”: what to label before the next retrain" }).wrap,
      field("Random slice share", randomShare, { hint: "Queue positions given to a random draw, 0–0.5, so measured accuracy stays honest" }).wrap,
      field("Auto-label target precision", precision, { hint: "The confidence threshold must meet this precision (95 % lower bound), 0.5–0.999" }).wrap,
      field("Verification sample share", verifyShare, { hint: "Share of auto-labeled tasks sent to humans to check, 0–1" }).wrap));
  const inputs = { overlap, routing, gold_ratio: gold, review_policy: policy, review_sample: sample,
    skipped_return: skipped, skipped_return_minutes: minutes, retrain_every: retrain, al_strategy: strategy,
    random_share: randomShare, auto_label_precision: precision, verification_share: verifyShare };
  const number = (input, label, { integer = false, min, max }) => {
    const v = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
      const err = new Error(`${label} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}.`);
      err.input = input;
      throw err;
    }
    return v;
  };
  return {
    el,
    inputs,
    read() {
      return {
        overlap: number(overlap, "Overlap", { integer: true, min: 1, max: 50 }),
        routing: routing.value,
        gold_ratio: number(gold, "Gold ratio", { min: 0, max: 1 }),
        review_policy: policy.value,
        review_sample: number(sample, "Review sample", { min: 0, max: 1 }),
        skipped_return: skipped.value,
        skipped_return_minutes: number(minutes, "Return skipped tasks after", { integer: true, min: 1, max: 43200 }),
        retrain_every: retrain.value.trim() === "" ? null
          : number(retrain, "Retrain every N labels", { integer: true, min: 1, max: 1000000 }),
        al_strategy: strategy.value,
        random_share: number(randomShare, "Random slice share", { min: 0, max: 0.5 }),
        auto_label_precision: number(precision, "Auto-label target precision", { min: 0.5, max: 0.999 }),
        verification_share: number(verifyShare, "Verification sample share", { min: 0, max: 1 }),
      };
    },
    inputFor(fieldPath) {
      const name = String(fieldPath || "").replace(/^settings\./, "").split(".")[0];
      return inputs[name] || null;
    },
  };
}

/** The schema textarea; validates (debounced) through POST /schema/validate and shows the verdict. */
export function schemaEditor(initial = "", { onStatus = () => {} } = {}) {
  const area = h("textarea", { name: "label_schema", rows: 18, spellcheck: false, class: "code",
    placeholder: "objects:\n  text: {type: text}\ncontrols:\n  label: {type: choices, object: text, options: [a, b]}" });
  area.value = initial;
  const statusId = uniqueId("schema-status");
  const status = h("div", { class: "schema-status", id: statusId, role: "status", "aria-live": "polite" });
  area.setAttribute("aria-describedby", statusId);
  const { wrap } = field("Label schema (YAML or JSON)", area);
  wrap.append(status);
  let seq = 0;
  let controller = null;
  let result = { valid: false, pending: false, error: null, schema: null };

  const show = () => {
    status.className = "schema-status";
    if (result.pending) { status.classList.add("pending"); status.replaceChildren("Checking the schema…"); }
    else if (result.valid) {
      const s = result.schema || {};
      const objects = Object.keys(s.objects || {});
      const controls = Object.entries(s.controls || {}).map(([name, c]) => `${name} (${c.type})`);
      status.classList.add("ok");
      status.replaceChildren(h("strong", null, "✓ Valid schema. "),
        `Objects: ${objects.join(", ") || "none"}. Controls: ${controls.join(", ") || "none"}.`);
    } else if (result.error) {
      status.classList.add("bad");
      status.replaceChildren(h("strong", null, "✗ "), h("span", { class: "schema-error" }, describeError(result.error)));
      if (result.error.field) status.append(" ", h("span", { class: "schema-field" }, `Field: ${result.error.field}`));
      if (result.error.retry) status.append(" ", h("button", { type: "button", class: "btn btn-small", onclick: () => validate() }, "Retry"));
    } else status.replaceChildren("Write a schema or pick a template.");
    area.setAttribute("aria-invalid", String(Boolean(result.error)));
    onStatus(result);
  };

  async function validate() {
    const mySeq = ++seq;
    controller?.abort();
    if (!area.value.trim()) { result = { valid: false, pending: false, error: null, schema: null }; show(); return result; }
    controller = new AbortController();
    result = { ...result, pending: true };
    show();
    try {
      const out = await api("/schema/validate", { method: "POST", body: { source: area.value }, signal: controller.signal });
      if (mySeq !== seq) return result;
      result = { valid: true, pending: false, error: null, schema: out.schema };
    } catch (error) {
      if (error.name === "AbortError" || mySeq !== seq) return result;
      if (error.status === 0) error.retry = true;
      result = { valid: false, pending: false, error, schema: null };
    }
    show();
    return result;
  }
  const later = debounce(validate, 400);
  area.addEventListener("input", () => { result = { ...result, pending: true }; show(); later(); });
  show();
  return {
    el: wrap,
    input: area,
    validate,
    get text() { return area.value; },
    set text(value) { area.value = value; validate(); },
    get result() { return result; },
    dispose() { later.cancel(); controller?.abort(); },
  };
}
