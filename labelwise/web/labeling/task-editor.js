// <lw-task-editor>: lays out every object of a label schema with its controls and edits one result.
//
//   editor.load(schema, task, value?)  or set .schema, then .task, then .value (setting .task clears the value)
//   editor.value                        the result keyed by control name (a copy; empty answers left out)
//   readonly attribute                  shows a result without letting anyone change it
//   "change" event                      after every edit (detail: {value})
// Keys are routed by handleKey(event) (the labeling page calls it), so several editors can share a page.

import { History } from "./history.js";
import { assignHotkeys } from "./hotkeys.js";
import { RelationArrows } from "./relation-arrows.js";
import { answerValues, clone, el, ensureStyles, isTyping, keyName } from "./util.js";
import { TextViewer } from "./objects/text.js";
import { ParagraphsViewer } from "./objects/paragraphs.js";
import { TableViewer } from "./objects/table.js";
import { ImageViewer } from "./objects/image.js";
import { AudioViewer } from "./objects/audio.js";
import { VideoViewer } from "./objects/video.js";
import { TimeseriesViewer } from "./objects/timeseries.js";
import { ChatViewer } from "./objects/chat.js";
import { PointcloudViewer } from "./objects/pointcloud.js";
import { DicomViewer } from "./objects/dicom.js";
import { ChoicesControl } from "./controls/choices.js";
import { TaxonomyControl } from "./controls/taxonomy.js";
import { SpansControl } from "./controls/spans.js";
import { RelationsControl } from "./controls/relations.js";
import { BoxesControl, PolygonsControl, PolylinesControl, KeypointsControl, MasksControl } from "./controls/regions.js";
import { SegmentsControl } from "./controls/segments.js";
import { TracksControl } from "./controls/tracks.js";
import { TextInputControl } from "./controls/text-input.js";
import { RatingControl } from "./controls/rating.js";
import { NumberControl } from "./controls/number.js";
import { DatetimeControl } from "./controls/datetime.js";
import { RankingControl } from "./controls/ranking.js";
import { PairwiseControl } from "./controls/pairwise.js";
import { EditControl } from "./controls/edit.js";
import { PdfSpansControl } from "./controls/pdf-spans.js";
import { CuboidsControl } from "./controls/cuboids.js";
import { PointLabelsControl } from "./controls/point-labels.js";

const VIEWERS = {
  text: TextViewer, paragraphs: ParagraphsViewer, table: TableViewer, image: ImageViewer, pdf: ImageViewer,
  audio: AudioViewer, video: VideoViewer, timeseries: TimeseriesViewer, chat: ChatViewer, pointcloud: PointcloudViewer,
  dicom: DicomViewer,
};

const CONTROLS = {
  choices: ChoicesControl, taxonomy: TaxonomyControl, spans: SpansControl, relations: RelationsControl,
  boxes: BoxesControl, polygons: PolygonsControl, polylines: PolylinesControl, keypoints: KeypointsControl,
  masks: MasksControl, segments: SegmentsControl, tracks: TracksControl, text: TextInputControl,
  rating: RatingControl, number: NumberControl, datetime: DatetimeControl, ranking: RankingControl, pairwise: PairwiseControl,
  edit: EditControl, cuboids: CuboidsControl, point_labels: PointLabelsControl,
};

function isEmpty(value) {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0)
    || (typeof value === "string" && value.trim() === "")
    || (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0);
}

export class TaskEditor extends HTMLElement {
  static get observedAttributes() { return ["readonly"]; }

  constructor() {
    super();
    this._schema = null;
    this._task = null;
    this._value = {};
    this.history = new History();
    this.selected = null;
    this.active = null;
    this.viewers = {};
    this.controls = {};
    this.hotkeys = {};
    this._tx = 0;
    this._txChanged = false;
  }

  connectedCallback() { ensureStyles(); this.classList.add("lw-task-editor"); }
  disconnectedCallback() { for (const viewer of Object.values(this.viewers)) viewer.destroy?.(); this.arrows?.destroy(); }
  attributeChangedCallback() { if (this._schema && this._task) this._build(); }

  get schema() { return this._schema; }
  set schema(schema) { this._schema = schema; this.hotkeys = assignHotkeys(schema); this.active = null; this._build(); }
  get task() { return this._task; }
  set task(task) {
    this._task = task;
    this._value = {};
    this.history.reset({});
    this.selected = null;
    this.active = null; // every task starts on the first control: a key never depends on the last task
    this._build();
  }
  get value() { return clone(this._value); }
  set value(value) {
    this._value = this._clean(clone(value || {}));
    this.history.reset(this._value);
    this.selected = null;
    this.refresh();
  }
  get readonly() { return this.hasAttribute("readonly"); }

  load(schema, task, value) {
    this._schema = schema;
    this.hotkeys = assignHotkeys(schema);
    this.task = task;
    if (value) this.value = value;
  }

  // --- data -------------------------------------------------------------------------------------
  get(name) { return this._value[name]; }

  set(name, value, { record = true } = {}) {
    const next = { ...this._value };
    if (isEmpty(value)) delete next[name];
    else next[name] = value;
    this._value = next;
    this.controls[name]?.el.classList.remove("lw-invalid");
    this._changed(record);
  }

  // Replace the whole result as one undoable step (accepting a prediction, for example).
  apply(value) {
    this._value = this._clean(clone(value || {}));
    if (this.selected && !this._regionExists(this.selected.control, this.selected.id)) this.selected = null;
    this._changed(true);
  }

  batch(fn) {
    this._tx++;
    try { fn(); } finally {
      this._tx--;
      if (this._tx === 0 && this._txChanged) { this._txChanged = false; this._changed(true); }
    }
  }

  _changed(record) {
    if (this._tx) { this._txChanged = true; return; }
    if (record) this.history.push(this._value);
    this.refresh();
    this.dispatchEvent(new CustomEvent("change", { detail: { value: this.value } }));
  }

  // After a drag that changed the value with {record: false}: one undo step for the whole gesture.
  commit() {
    if (this.history.push(this._value)) this.dispatchEvent(new CustomEvent("change", { detail: { value: this.value } }));
  }

  undo() { const v = this.history.undo(); if (v) this._restore(v, "Undone"); return !!v; }
  redo() { const v = this.history.redo(); if (v) this._restore(v, "Redone"); return !!v; }
  _restore(value, message) {
    this._value = value;
    if (this.selected && !this._regionExists(this.selected.control, this.selected.id)) this.selected = null;
    this.refresh();
    this.say(message);
    this.dispatchEvent(new CustomEvent("change", { detail: { value: this.value } }));
  }

  _clean(value) {
    const out = {};
    for (const [name, v] of Object.entries(value)) if (this._schema?.controls?.[name] && !isEmpty(v)) out[name] = v;
    return out;
  }

  // --- checks before submit -------------------------------------------------------------------
  // What the server would reject about required controls and limits, found before anything is
  // sent: [{control, message}] in control order. The server still checks everything.
  problems() {
    const out = [];
    for (const control of Object.values(this.controls)) {
      const value = this._value[control.name];
      const required = control.spec.required && this.conditionHolds(control.spec);
      // Answers per region or per chat message are checked by the server, entry by entry.
      const message = isEmpty(value) ? (required ? "is required" : null)
        : control.perRegion || control.keyed ? null : control.problem(value);
      if (message) out.push({ control: control.name, message });
    }
    return out;
  }

  // Highlight these controls (none: clear), bring the first into view and make it active.
  markInvalid(names) {
    for (const control of Object.values(this.controls)) control.el.classList.toggle("lw-invalid", names.includes(control.name));
    const first = this.controls[names[0]];
    if (!first) return;
    first.el.scrollIntoView({ block: "nearest" });
    this.activate(first.name);
  }

  objectSpec(name) { return this._schema.objects[name]; }
  objectValue(name) {
    const spec = this._schema.objects[name];
    if (spec && typeof spec.literal === "string") return spec.literal; // fixed text, the same on every task
    const data = (this._task && this._task.data) || {};
    return data[(spec && spec.field) || name];
  }

  // visible_when: the control shows while another is answered (with one of `values`, when given).
  conditionHolds(spec) {
    const when = spec.visible_when;
    if (!when) return true;
    const answer = this._value[when.control];
    if (isEmpty(answer)) return false;
    if (!when.values) return true;
    const held = answerValues(answer);
    return when.values.some((v) => held.has(v));
  }

  isShown(control) {
    if (!this.conditionHolds(control.spec)) return false;
    return !control.perRegion || control.regionId() !== null;
  }
  controlsOn(objectName) {
    return Object.values(this.controls).filter((c) => c.spec.object === objectName);
  }
  regionControlsOn(objectName) { return this.controlsOn(objectName).filter((c) => c.isRegion); }

  // --- regions and selection -------------------------------------------------------------------
  regionList() {
    const out = [];
    for (const control of Object.values(this.controls)) {
      if (control.isRegion) for (const region of control.regions()) out.push({ control: control.name, id: region.id });
    }
    return out;
  }

  _regionExists(control, id) { return !!this.controls[control]?.region?.(id); }

  regionOwner(id) {
    return Object.values(this.controls).find((c) => c.isRegion && c.region(id));
  }

  select(control, id, { fresh = false } = {}) {
    this.selected = control && id ? { control, id, fresh } : null;
    if (control) this.active = control;
    this.refresh();
    if (this.selected) {
      const owner = this.controls[control];
      const region = owner.region(id);
      owner.currentLabel = region ? region.label : owner.currentLabel;
      this.viewers[owner.spec.object]?.reveal?.(owner, region);
      this.say(`Selected ${owner.describe(region)}`);
      owner.render();
    }
  }

  cycleRegion(delta) {
    const list = this.regionList();
    if (!list.length) return false;
    const at = this.selected ? list.findIndex((r) => r.id === this.selected.id) : -1;
    const next = list[(at + delta + list.length) % list.length] || list[0];
    this.select(next.control, next.id);
    return true;
  }

  removeRegion(controlName, id) {
    const control = this.controls[controlName];
    this.batch(() => {
      this.set(controlName, control.regions().filter((r) => r.id !== id));
      for (const other of Object.values(this.controls)) if (other !== control) other.regionRemoved(id);
    });
    if (this.selected && this.selected.id === id) this.selected = null;
    this.refresh();
  }

  activate(name, { quiet = false } = {}) {
    if (this.active === name || !this.controls[name]) return;
    this.active = name;
    for (const c of Object.values(this.controls)) c.el.classList.toggle("lw-active", c.name === name);
    if (!quiet) for (const viewer of Object.values(this.viewers)) viewer.render();
  }

  cycleControl(delta) {
    const names = Object.keys(this.controls);
    const at = names.indexOf(this.active);
    this.activate(names[(at + delta + names.length) % names.length]);
    this.say(`Active: ${this.active}`);
  }

  say(message) { if (this.status) this.status.textContent = message; }

  // --- keys ----------------------------------------------------------------------------------------
  // Returns true when the key did something here; the page handles the rest (submit, skip, help).
  handleKey(event) {
    const handled = this._handleKey(event);
    if (handled) this.arrows?.schedule(); // zoom, pan and paging move the regions the arrows join
    return handled;
  }

  _handleKey(event) {
    if (!this._schema || !this._task) return false;
    const key = keyName(event);
    if (isTyping(event.target)) return false;
    if (key === "ctrl+z" || key === "meta+z") { this.undo(); return true; }
    if (key === "ctrl+shift+z" || key === "meta+shift+z" || key === "ctrl+y") { this.redo(); return true; }
    const active = this.controls[this.active];
    // A tool in the middle of something (a polygon being drawn) sees keys first: Enter closes it.
    if (active && active.busy && active.handleKey(event, key)) return true;
    if (this.readonly) {
      if (key === "tab" || key === "arrowright") return this.cycleRegion(1);
      if (key === "shift+tab" || key === "arrowleft") return this.cycleRegion(-1);
      return false;
    }
    if (key === "tab" || key === "shift+tab") { if (this.cycleRegion(key === "tab" ? 1 : -1)) return true; }
    if (key === "arrowright" || key === "arrowleft") {
      if (active && active.handleKey(event, key)) return true;
      if (this.cycleRegion(key === "arrowright" ? 1 : -1)) return true;
    }
    if ((key === "delete" || key === "backspace") && this.selected) {
      this.removeRegion(this.selected.control, this.selected.id);
      this.say("Region deleted");
      return true;
    }
    if (key === "escape" && this.selected) { this.select(null); return true; }
    if (key === "[" || key === "]") { this.cycleControl(key === "]" ? 1 : -1); return true; }
    if (active && active.handleKey(event, key)) return true;
    const viewer = active && this.viewers[active.spec.object];
    if (viewer && viewer.handleKey && viewer.handleKey(event, key)) return true;
    for (const control of Object.values(this.controls)) {
      if (control !== active && control.handleKey(event, key, { passive: true })) {
        this.activate(control.name, { quiet: true });
        return true;
      }
    }
    for (const viewer2 of Object.values(this.viewers)) {
      if (viewer2 !== viewer && viewer2.handleKey && viewer2.handleKey(event, key)) return true;
    }
    return false;
  }

  // Every key this editor understands, for the shortcuts panel.
  shortcuts() {
    const out = [];
    for (const control of Object.values(this.controls)) out.push(...control.keys());
    for (const viewer of Object.values(this.viewers)) out.push(...(viewer.keys ? viewer.keys() : []));
    return out;
  }

  // --- layout --------------------------------------------------------------------------------------
  _build() {
    for (const viewer of Object.values(this.viewers)) viewer.destroy?.();
    this.arrows?.destroy();
    this.arrows = null;
    this.viewers = {};
    this.controls = {};
    this.replaceChildren();
    if (!this._schema || !this._task) return;
    ensureStyles();
    const objects = el("div", { class: "lw-objects" });
    const side = el("div", { class: "lw-controls" });
    this.status = el("p", { class: "lw-editor-status", role: "status", "aria-live": "polite" });
    const pairwise = Object.values(this._schema.controls).find((c) => c.type === "pairwise");
    const paired = new Set(pairwise ? pairwise.objects : []);
    let pair = null;
    for (const [name, spec] of Object.entries(this._schema.objects)) {
      const Viewer = VIEWERS[spec.type];
      const figure = el("figure", { class: `lw-object lw-object-${spec.type}`, "data-object": name });
      const caption = el("figcaption", { text: spec.description ? `${name} — ${spec.description}` : name });
      if (paired.has(name)) caption.textContent = `${pairwise.objects.indexOf(name) === 0 ? "A" : "B"}: ${name}`;
      figure.append(caption);
      if (Viewer) {
        const viewer = new Viewer(this, name, spec, this.objectValue(name));
        this.viewers[name] = viewer;
        figure.append(viewer.el);
      } else {
        figure.append(el("p", { class: "lw-error", text: `This page cannot show objects of type ${spec.type}.` }));
      }
      if (paired.has(name)) {
        if (!pair) { pair = el("div", { class: "lw-pair" }); objects.append(pair); }
        pair.append(figure);
      } else {
        objects.append(figure);
      }
    }
    for (const [name, spec] of Object.entries(this._schema.controls)) {
      const onPdf = spec.type === "spans" && this._schema.objects[spec.object]?.type === "pdf";
      const tracks3d = spec.type === "tracks" && this._schema.objects[spec.object]?.type === "pointcloud";
      const Control = onPdf ? PdfSpansControl : tracks3d ? CuboidsControl : CONTROLS[spec.type];
      if (!Control) continue;
      const control = new Control(this, name, spec);
      control.build();
      this.controls[name] = control;
      side.append(control.el);
    }
    if (!this.active || !this.controls[this.active]) this.active = Object.keys(this.controls)[0] || null;
    for (const c of Object.values(this.controls)) c.el.classList.toggle("lw-active", c.name === this.active);
    this.append(el("div", { class: "lw-editor-body" }, objects, side), this.status);
    if (Object.values(this.controls).some((c) => c.spec.type === "relations")) this.arrows = new RelationArrows(this, objects);
    this.classList.toggle("lw-has-relations", !!this.arrows);
    for (const viewer of Object.values(this.viewers)) viewer.mounted?.();
    this.refresh();
  }

  refresh() {
    if (!this._schema || !this._task) return;
    this.toggleAttribute("data-readonly", this.readonly);
    for (const viewer of Object.values(this.viewers)) viewer.render();
    for (const control of Object.values(this.controls)) {
      control.el.hidden = !this.isShown(control);
      control.render();
      control.renderScope();
    }
    this.arrows?.schedule();
  }
}

if (!customElements.get("lw-task-editor")) customElements.define("lw-task-editor", TaskEditor);
