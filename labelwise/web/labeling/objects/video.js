// Video objects: the <video> with an SVG overlay in video pixels (for tracks and per-frame boxes) and a
// frame timeline below (the shared time axis, in seconds) showing segments, keyframes and the current
// frame. , and . step one frame (Shift: 10), Space plays or pauses. Frames are 0-based.

import { el, mediaOf, safeMediaUrl, stepOf, svg } from "../util.js";
import { TimeAxis } from "../controls/segments.js";
import { boxAt } from "../controls/tracks.js";
import { KeyboardPointer } from "./keyboard-pointer.js";

export class VideoViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    const media = mediaOf(value);
    this.fps = Number(media.frame_rate) > 0 ? Number(media.frame_rate) : 25;
    this.frames = Number.isInteger(media.frames) && media.frames > 0 ? media.frames : 0;
    this.duration = Number(media.duration) > 0 ? Number(media.duration) : (this.frames ? this.frames / this.fps : 0);
    if (!this.frames && this.duration) this.frames = Math.max(1, Math.round(this.duration * this.fps));
    this.width = Number(media.width) > 0 ? Number(media.width) : 0;
    this.height = Number(media.height) > 0 ? Number(media.height) : 0;
    this.frame = 0;
    this.drag = null;
    this.problem = el("p", { class: "lw-error", role: "alert", hidden: true });
    this.video = el("video", { muted: true, playsinline: true, preload: "auto" });
    this.video.muted = true;
    this.svg = svg("svg", { class: "lw-video-svg", preserveAspectRatio: "xMidYMid meet" });
    this.content = svg("g", { class: "lw-content" });
    this.preview = svg("g", { class: "lw-preview" });
    this.svg.append(this.content, this.preview);
    this.pointer = new KeyboardPointer(this, this.svg);
    this.wrap = el("div", { class: "lw-video-wrap" }, this.video, this.svg);
    this.timeline = el("div", { class: "lw-timeline" });
    this.frameInfo = el("span", { class: "lw-frame" });
    this.playBtn = el("button", { type: "button", text: "Play", onclick: () => this.toggle() });
    this.el = el("div", { class: "lw-video-viewer" }, this.problem, this.wrap, this.timeline,
      el("div", { class: "lw-media-bar" },
        el("button", { type: "button", "aria-label": "previous frame", text: "◀", onclick: () => this.goFrame(this.frame - 1) }),
        this.playBtn,
        el("button", { type: "button", "aria-label": "next frame", text: "▶", onclick: () => this.goFrame(this.frame + 1) }),
        this.frameInfo));
    this.axis = new TimeAxis(editor, this, this.timeline, { height: 64 });
    this.video.addEventListener("loadedmetadata", () => {
      if (!this.width) this.width = this.video.videoWidth;
      if (!this.height) this.height = this.video.videoHeight;
      if (!this.duration && Number.isFinite(this.video.duration)) { this.duration = this.video.duration; this.frames = Math.max(1, Math.round(this.duration * this.fps)); }
      this._size();
      this.render();
      this.el.dispatchEvent(new CustomEvent("lw-media-loaded", { bubbles: true }));
    });
    this.video.addEventListener("timeupdate", () => { if (!this.video.paused) this._fromVideo(); });
    this.video.addEventListener("pause", () => { this.playBtn.textContent = "Play"; });
    this.video.addEventListener("play", () => { this.playBtn.textContent = "Pause"; this._tick(); });
    this.video.addEventListener("error", () => this._fail("The video could not be loaded (the file is missing or in a format this browser cannot play). Its timeline still works when the task gives the frame count."));
    this.svg.addEventListener("pointerdown", (e) => this._down(e));
    this.svg.addEventListener("pointermove", (e) => this.drag && this.drag.move && this.drag.move(this.toVideo(e)));
    this.svg.addEventListener("pointerup", (e) => { const d = this.drag; this.drag = null; if (d && d.end) d.end(this.toVideo(e)); });
    const url = safeMediaUrl(media.src, "video");
    if (!url) this._fail(media.src ? `This video's address is not allowed (${String(media.src).slice(0, 60)}).` : `This task has no video under "${spec.field || name}".`);
    else this.video.src = url;
    this._size();
  }

  destroy() { this.video.pause(); }
  _fail(message) { this.problem.textContent = message; this.problem.hidden = false; this.el.classList.add("lw-media-failed"); }

  _size() {
    if (!this.width || !this.height) return;
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    this.wrap.style.aspectRatio = `${this.width} / ${this.height}`;
  }

  toVideo(event) {
    const pt = this.svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const q = pt.matrixTransform(this.content.getScreenCTM().inverse());
    return { x: q.x, y: q.y };
  }

  clamp(p) {
    return { x: Math.max(0, Math.min(this.width || Infinity, p.x)), y: Math.max(0, Math.min(this.height || Infinity, p.y)) };
  }

  unit() { const m = this.content.getScreenCTM(); return m && m.a ? 1 / m.a : 1; }

  activeControl() {
    const active = this.editor.controls[this.editor.active];
    return active && active.spec.object === this.name && active.isRegion && active.spec.type !== "segments" ? active : null;
  }

  _down(event) {
    if (event.button !== 0) return;
    const target = event.target.closest && event.target.closest("[data-region]");
    const handle = event.target.closest && event.target.closest("[data-handle]");
    this.drag = this.press(this.toVideo(event), event, target, handle);
    if (this.drag) this.svg.setPointerCapture(event.pointerId);
  }

  // A press at frame point p, on `target` (a region's node) and `handle` if any: the mouse's and the
  // keyboard pointer's one way in. Returns the drag it starts, if any.
  press(p, event, target, handle) {
    let control = this.activeControl();
    if (!control) {
      control = this.editor.regionControlsOn(this.name).find((c) => c.spec.type !== "segments");
      if (control) this.editor.activate(control.name);
    }
    if (!control || this.editor.readonly) {
      if (target) { const owner = this.editor.regionOwner(target.dataset.region); if (owner) this.editor.select(owner.name, target.dataset.region); }
      return null;
    }
    // a box of a frame (not a track): select it, then move it or drag its handle, as on images
    const owner = target && this.editor.regionOwner(target.dataset.region);
    if (owner && owner.startMove) {
      const id = target.dataset.region;
      this.editor.select(owner.name, id);
      return handle ? owner.startHandle(id, handle.dataset.handle, p, this) : owner.startMove(id, p, this);
    }
    return control.pointerDown(p, event, this, target ? target.dataset.region : null, handle ? handle.dataset.handle : null);
  }

  // --- time ------------------------------------------------------------------------------------------
  timeRange() { return [0, this.duration || (this.frames ? this.frames / this.fps : 1)]; }
  cursorTime() { return this.frame / this.fps; }
  lastFrame() { return Math.max(0, (this.frames || 1) - 1); }

  goFrame(n) {
    this.frame = Math.max(0, Math.min(this.lastFrame(), Math.round(n)));
    if (this.video.readyState >= 1) {
      try { this.video.currentTime = (this.frame + 0.5) / this.fps; } catch { /* not seekable */ }
    }
    this.render();
  }

  seek(t) { this.goFrame(Math.floor(t * this.fps)); }

  _fromVideo() {
    this.frame = Math.max(0, Math.min(this.lastFrame(), Math.floor(this.video.currentTime * this.fps)));
    this.render();
  }

  _tick() {
    if (this.video.paused) return;
    this._fromVideo();
    requestAnimationFrame(() => this._tick());
  }

  toggle() { if (this.video.paused) this.video.play().catch(() => {}); else this.video.pause(); }

  extraMarks(axis) {
    const out = [];
    for (const control of this.editor.regionControlsOn(this.name)) {
      if (control.spec.type !== "tracks") continue;
      const selected = this.editor.selected;
      for (const track of control.regions()) {
        const isSel = !!selected && selected.id === track.id;
        for (const k of track.keyframes) {
          const x = axis.x(k.frame / this.fps);
          out.push(svg("line", { class: "lw-keyframe", x1: x, x2: x, y1: isSel ? 0 : axis.height * 0.6, y2: axis.height, stroke: control.color(track.label), "stroke-width": isSel ? 3 : 1.5, "vector-effect": "non-scaling-stroke" }));
        }
      }
    }
    return out;
  }

  render() {
    const unit = this.unit();
    const nodes = [];
    for (const control of this.editor.regionControlsOn(this.name)) {
      if (!control.drawAt) continue;
      for (const region of control.regions()) {
        const selected = !!this.editor.selected && this.editor.selected.id === region.id;
        const node = control.drawAt(region, this.frame, { selected, unit, viewer: this });
        if (node) nodes.push(node);
      }
    }
    this.content.replaceChildren(...nodes);
    const active = this.activeControl();
    this.preview.replaceChildren(...(active && active.drawPreview ? active.drawPreview({ unit, viewer: this }) : []));
    this.axis.render();
    this.frameInfo.textContent = `frame ${this.frame} / ${this.lastFrame()} · ${(this.frame / this.fps).toFixed(2)} s · ${this.fps} fps${this._selectedState()}`;
  }

  renderPreview() { this.render(); }

  // The selected track or box as it stands on this frame, for the status line.
  _selectedState() {
    const selected = this.editor.selected;
    const owner = selected && this.editor.controls[selected.control];
    const region = owner && owner.spec.object === this.name ? owner.region(selected.id) : null;
    if (!region) return "";
    if (region.keyframes) {
      const box = boxAt(region, this.frame);
      const state = box ? (box.keyframe ? "keyframe here" : "interpolated") : (this.frame < region.keyframes[0].frame ? "not started" : "out of view");
      return ` · ${owner.describe(region)}: ${state}`;
    }
    return ` · ${owner.describe(region)}${region.frame === this.frame ? "" : ` (on frame ${region.frame})`}`;
  }

  handleKey(event, key) {
    if (this.pointer.handleKey(key)) return true;
    const step = stepOf(event, key, 10);
    if (step) { this.goFrame(this.frame + step); return true; }
    if (key === "space") { this.toggle(); return true; }
    if (key === "home") { this.goFrame(0); return true; }
    if (key === "end") { this.goFrame(this.lastFrame()); return true; }
    return false;
  }

  keys() {
    return [{ key: ", / . (Shift: 10)", what: `${this.name}: previous / next frame` }, { key: "Space", what: `${this.name}: play / pause` },
      { key: "Home / End", what: `${this.name}: first / last frame` }, ...this.pointer.keys()];
  }

  reveal(control, region) {
    if (region && region.keyframes && region.keyframes.length) {
      if (this.frame < region.keyframes[0].frame) this.goFrame(region.keyframes[0].frame);
    } else if (region && typeof region.frame === "number") {
      this.goFrame(region.frame);
    }
  }
}
