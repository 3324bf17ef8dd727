// Medical volumes (a `dicom` object): the server renders windowed slices (`<src>/slices/<view>/<i>.png`),
// this viewer shows one at a time in the axial, sagittal or coronal plane. The wheel and PageUp/PageDown
// (Home/End) scroll slices, Ctrl+wheel zooms, Ctrl+drag (or any drag while no drawing tool is active)
// sets window/level, `w` cycles the CT presets and `v` the views. Regions live on axial slices
// (`slice`), in that slice's pixels, so drawing happens in the axial view; the reconstructed views are
// for looking. Neighbouring slices are fetched ahead so scrolling shows each one at once.

import { decodeRle } from "../controls/regions.js";
import { el, safeMediaUrl, svg } from "../util.js";
import { ImageViewer } from "./image.js";

export const PRESETS = { lung: [-600, 1500], bone: [400, 1800], brain: [40, 80], abdomen: [40, 400] };
const PLANES = ["axial", "sagittal", "coronal"];
const AHEAD = 3;

export class DicomViewer extends ImageViewer {
  constructor(editor, name, spec, value) {
    const volume = value && typeof value === "object" ? value : {};
    super(editor, name, spec, { src: null, width: volume.width, height: volume.height });
    this.volume = volume;
    this.plane = "axial";
    this.slices = { axial: Number(volume.slices) || 1, sagittal: Number(volume.width) || 1, coronal: Number(volume.height) || 1 };
    this.at = { axial: Math.floor(this.slices.axial / 2), sagittal: Math.floor(this.slices.sagittal / 2), coronal: Math.floor(this.slices.coronal / 2) };
    const window = Array.isArray(volume.window) ? volume.window : [40, 400];
    this.window = { center: Number(window[0]), width: Number(window[1]) };
    this.preset = null;
    this.wl = null;
    this.warm = new Map();
    this.windowInfo = el("span", { class: "lw-window" });
    const presets = Object.keys(PRESETS).map((name) => el("button", { type: "button", text: name, "data-preset": name, onclick: () => this.setPreset(name) }));
    const planes = PLANES.map((plane) => el("button", { type: "button", text: plane, "data-plane": plane, onclick: () => this.setPlane(plane) }));
    this.el.append(el("div", { class: "lw-media-bar lw-dicom-bar" },
      el("button", { type: "button", "aria-label": "previous slice", text: "▲", onclick: () => this.step(-1) }),
      el("button", { type: "button", "aria-label": "next slice", text: "▼", onclick: () => this.step(1) }),
      ...planes, ...presets, this.windowInfo));
    this.el.classList.add("lw-dicom-viewer");
    this.problem.hidden = true;
    this.el.classList.remove("lw-media-failed");
    this.load();
  }

  get slice() { return this.at.axial; }

  // The plane's size in pixels and its pixels' size in mm, so reconstructed planes keep their proportions.
  planeSize(plane = this.plane) {
    const v = this.volume;
    const [sx, sy, sz] = Array.isArray(v.spacing) ? v.spacing.map(Number) : [1, 1, 1];
    if (plane === "axial") return { w: Number(v.width), h: Number(v.height), mmX: sx, mmY: sy };
    if (plane === "sagittal") return { w: Number(v.height), h: Number(v.slices), mmX: sy, mmY: sz };
    return { w: Number(v.width), h: Number(v.slices), mmX: sx, mmY: sz };
  }

  sliceUrl(plane, index) {
    if (typeof this.volume.src !== "string") return null;
    const query = this.preset ? `preset=${this.preset}` : `center=${Math.round(this.window.center)}&width=${Math.max(1, Math.round(this.window.width))}`;
    return safeMediaUrl(`${this.volume.src}/slices/${plane}/${index}.png?${query}`, "image");
  }

  load() {
    if (this.volume === undefined) return; // called by ImageViewer's constructor before this one has run
    if (typeof this.volume.src !== "string") {
      this._fail(`This task has no imported volume under "${this.spec.field || this.name}".`);
      return;
    }
    const size = this.planeSize();
    const stretch = this.plane === "axial" ? 1 : size.mmY / size.mmX;
    const width = size.w;
    const height = size.h * stretch;
    const resized = width !== this.width || height !== this.height;
    this.width = width;
    this.height = height;
    if (resized || !this.view) this.fit();
    this.show();
  }

  // Swap in the current slice once its image has loaded (no blank frame while scrolling), then warm the next ones.
  show() {
    const plane = this.plane;
    const index = this.at[plane];
    const url = this.sliceUrl(plane, index);
    if (!url) return;
    const wanted = `${plane}:${index}:${url}`;
    this.wanted = wanted;
    const probe = this.warm.get(url) || new Image();
    const done = () => {
      if (this.wanted !== wanted) return;
      this.imageNode.setAttribute("href", url);
      this.loaded = true;
      this.el.dataset.shown = `${plane}:${index}`;
      this.el.dispatchEvent(new CustomEvent("lw-slice-shown", { bubbles: true, detail: { plane, index } }));
    };
    if (probe.complete && probe.naturalWidth) done();
    else {
      probe.addEventListener("load", done, { once: true });
      probe.addEventListener("error", () => { if (this.wanted === wanted) this._fail(`Slice ${index} could not be loaded.`); }, { once: true });
      if (!probe.src) probe.src = url;
    }
    this.warm.set(url, probe);
    this._ahead(plane, index);
    this.render();
  }

  _ahead(plane, index) {
    if (this.warm.size > 400) this.warm.clear();
    for (let d = -AHEAD; d <= AHEAD; d++) {
      const i = index + d;
      if (d === 0 || i < 0 || i >= this.slices[plane]) continue;
      const url = this.sliceUrl(plane, i);
      if (!url || this.warm.has(url)) continue;
      const probe = new Image();
      probe.src = url;
      this.warm.set(url, probe);
    }
  }

  goSlice(index) {
    const count = this.slices[this.plane];
    const next = Math.max(0, Math.min(count - 1, index));
    if (next === this.at[this.plane]) return;
    this.at[this.plane] = next;
    if (this.plane === "axial") this.editor.select(null);
    this.show();
  }

  step(delta) { this.goSlice(this.at[this.plane] + delta); }

  setPlane(plane) {
    if (!PLANES.includes(plane) || plane === this.plane) return;
    this.plane = plane;
    this.view = null;
    this.load();
    this.editor.say(`${plane} view`);
  }

  setPreset(name) {
    this.preset = name;
    [this.window.center, this.window.width] = PRESETS[name];
    this.warm.clear();
    this.show();
    this.editor.say(`Window: ${name}`);
  }

  setWindow(center, width) {
    this.preset = null;
    this.window = { center, width: Math.max(1, width) };
    this.show();
  }

  // --- pointer: window/level drag, slices by wheel, drawing only on axial slices ---------------------
  _wheel(event) {
    event.preventDefault();
    if (event.ctrlKey) { const p = this.toImage(event); this.zoomBy(event.deltaY < 0 ? 1.2 : 1 / 1.2, p.x, p.y); return; }
    this.step(event.deltaY > 0 ? 1 : -1);
  }

  press(p, event, target, handle) {
    const drawing = this.activeControl() || this.editor.regionControlsOn(this.name).length;
    if (event.ctrlKey || !drawing || this.plane !== "axial") {
      if (this.plane !== "axial" && drawing && !event.ctrlKey) this.editor.say("Draw on the axial view (v cycles views); dragging here sets window/level.");
      return this._windowDrag(event);
    }
    return super.press(p, event, target, handle);
  }

  _windowDrag(event) {
    if (event.clientX === undefined) return null;
    const start = { x: event.clientX, y: event.clientY, ...this.window };
    return {
      move: (_q, e) => this.setWindow(start.center + (e.clientY - start.y) * 2, start.width + (e.clientX - start.x) * 4),
      end: () => this.editor.say(`Window ${Math.round(this.window.width)}, level ${Math.round(this.window.center)}`),
    };
  }

  handleKey(event, key) {
    if (key === "pagedown") { this.step(1); return true; }
    if (key === "pageup") { this.step(-1); return true; }
    if (key === "home") { this.goSlice(0); return true; }
    if (key === "end") { this.goSlice(this.slices[this.plane] - 1); return true; }
    if (key === "v") { this.setPlane(PLANES[(PLANES.indexOf(this.plane) + 1) % PLANES.length]); return true; }
    if (key === "w") {
      const names = Object.keys(PRESETS);
      this.setPreset(names[(names.indexOf(this.preset) + 1) % names.length]);
      return true;
    }
    return super.handleKey(event, key);
  }

  keys() {
    return [
      { key: "wheel, PageUp / PageDown", what: `${this.name}: previous / next slice` },
      { key: "Home / End", what: `${this.name}: first / last slice` },
      { key: "v", what: `${this.name}: axial, sagittal, coronal view` },
      { key: "w", what: `${this.name}: window preset (lung, bone, brain, abdomen)` },
      { key: "Ctrl+drag", what: `${this.name}: window (left/right) and level (up/down)` },
      { key: "Ctrl+wheel, + / −", what: `${this.name}: zoom` },
      ...super.keys().filter((k) => !k.key.startsWith("wheel")),
    ];
  }

  reveal(_control, region) {
    if (!region || typeof region.slice !== "number") return;
    if (this.plane !== "axial") this.setPlane("axial");
    if (region.slice !== this.at.axial) { this.at.axial = region.slice; this.show(); }
  }

  hides(region) { return this.plane !== "axial" || (region.slice ?? 0) !== this.at.axial; }

  renderPreview() {
    if (this.plane === "axial") super.renderPreview();
    else this.preview.replaceChildren();
  }

  // The masks cut by a reconstructed plane: each axial mask contributes one row (its slice), superior at the top.
  _planeMasks() {
    const size = this.planeSize();
    const index = this.at[this.plane];
    const top = this.slices.axial - 1;
    const canvas = document.createElement("canvas");
    canvas.width = size.w;
    canvas.height = size.h;
    const ctx = canvas.getContext("2d");
    let painted = false;
    this.decoded ??= new Map();
    for (const control of this.editor.regionControlsOn(this.name)) {
      if (control.spec.type !== "masks") continue;
      for (const r of control.regions()) {
        const key = `${r.id}:${typeof r.rle.counts === "string" ? r.rle.counts : r.rle.counts.join(",")}`;
        if (!this.decoded.has(key)) this.decoded.set(key, decodeRle(r.rle));
        const { bits, width } = this.decoded.get(key);
        ctx.fillStyle = control.color(r.label);
        for (let i = 0; i < size.w; i++) {
          if (bits[this.plane === "sagittal" ? i * width + index : index * width + i]) {
            ctx.fillRect(i, top - r.slice, 1, 1);
            painted = true;
          }
        }
      }
    }
    if (!painted) return [];
    return [svg("image", { class: "lw-mask lw-plane-mask", href: canvas.toDataURL(), x: 0, y: 0, width: this.width, height: this.height,
      preserveAspectRatio: "none", opacity: 0.55, style: "pointer-events:none;image-rendering:pixelated" })];
  }

  render() {
    super.render();
    if (this.plane !== "axial") {
      this.preview.replaceChildren(); // no brush or drawing preview off the axial view
      this.masks.replaceChildren(...this._planeMasks());
    }
    const count = this.slices[this.plane];
    this.pageInfo.textContent = `${this.plane} ${this.at[this.plane] + 1} / ${count}`;
    this.windowInfo.textContent = `${this.preset ? `${this.preset} · ` : ""}W ${Math.round(this.window.width)} L ${Math.round(this.window.center)}`;
    for (const button of this.el.querySelectorAll("[data-plane]")) button.setAttribute("aria-pressed", String(button.dataset.plane === this.plane));
    for (const button of this.el.querySelectorAll("[data-preset]")) button.setAttribute("aria-pressed", String(button.dataset.preset === this.preset));
  }
}
