// Point-cloud objects (LIDAR sweeps, one or a sequence of frames) drawn with three.js (vendored) on one
// WebGL canvas split into four views: a perspective view to look around (drag: orbit, right-drag or
// Shift+drag: pan, wheel: zoom) and three orthographic views for precise edges: top (x up, y left),
// side and front of the selected cuboid, each cut to a slab around it. In the top view a drag on empty
// ground draws a cuboid, a drag on a cuboid moves it; in the side and front views a drag moves it up or
// down. c colours by height or intensity, , and . (or PageUp/PageDown) change frame, + and - zoom the top
// view. Points come from the server decoded (float32 x, y, z, intensity; GET <src>/points). Frames render
// only when something changed. Each frame of a sequence is a layer (its geometry on the GPU and its
// perspective and top views drawn into textures); the frames next to the shown one are fetched and, once
// the page has been idle a moment, drawn ahead, so that , and . only swap textures.

import * as THREE from "../../vendor/three/three.module.js";
import { el, labelColor, stepOf } from "../util.js";
import { framesOf, loadPoints, pointsUrl } from "./point-data.js";

const POINT_SIZE = 2;
const SLAB = 1.0; // metres of points kept on either side of a cuboid in its side and front views
const WHOLE = ["perspective", "top"]; // the views that draw every point (the side and front views draw a slab)
const IDLE_MS = 300; // quiet time after the last frame before the neighbouring frames are drawn ahead

export class PointcloudViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.frames = framesOf(value);
    this.frame = 0;
    this.colorBy = spec.color_by === "intensity" ? "intensity" : "height";
    this.layers = new Map(); // frame -> {frame, points, geometry, colorKey, version, targets}: the shown one and its neighbours
    this.layer = null; // the shown frame's layer, once its points are here
    this.points = null;
    this.drag = null;
    this.focus = new THREE.Vector3(10, 0, -1);
    this.orbit = { azimuth: Math.PI, elevation: 0.55, distance: 45 };
    this.topSpan = 50;
    // firstPointsAt: performance.now() when the first frame with points was drawn (ms since the page began);
    // frameVisible: {frame, at, drawMs} when a frame's points first reached the screen (the animation frame
    // after the draw; drawMs: the draw's own time on the main thread); set stats.visible to an array to collect when each drawn frame reached the screen (benchmarks).
    this.stats = { points: 0, renders: 0, lastRenderMs: 0, loadMs: 0, firstPointsAt: null, frameVisible: null, visible: null };
    this.canvas = el("canvas", { class: "lw-pc-canvas", tabindex: "0", "aria-label": `${name} point cloud` });
    this.problem = el("p", { class: "lw-error", role: "alert", hidden: true });
    this.frameInfo = el("span", { class: "lw-frame" });
    this.info = el("span", { class: "lw-pc-info" });
    this.colorBtn = el("button", { type: "button", onclick: () => this.toggleColor() });
    const multi = this.frames.length > 1;
    this.el = el("div", { class: "lw-pc-viewer" }, this.problem,
      el("div", { class: "lw-pc-stage" }, this.canvas,
        ...["perspective", "top", "side", "front"].map((v) => el("span", { class: `lw-pc-label lw-pc-label-${v}`, text: v }))),
      el("div", { class: "lw-media-bar" },
        multi ? el("button", { type: "button", "aria-label": "previous frame", text: "◀", onclick: () => this.goFrame(this.frame - 1) }) : null,
        multi ? el("button", { type: "button", "aria-label": "next frame", text: "▶", onclick: () => this.goFrame(this.frame + 1) }) : null,
        this.frameInfo, this.colorBtn, this.info));
    // Nothing is drawn until the first frame's points are here (or could not be): an empty first draw would
    // hold them up (compiling the shaders and making the views' textures takes ~0.1 s on a software GPU).
    this.opening = true;
    this._setup();
    this.canvas.addEventListener("pointerdown", (e) => this._down(e));
    this.canvas.addEventListener("pointermove", (e) => this._move(e));
    this.canvas.addEventListener("pointerup", (e) => this._up(e));
    this.canvas.addEventListener("pointercancel", (e) => this._up(e));
    this.canvas.addEventListener("wheel", (e) => this._wheel(e), { passive: false });
    this.canvas.addEventListener("contextmenu", (e) => e.preventDefault());
    this.goFrame(0);
  }

  _setup() {
    try {
      this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: false, preserveDrawingBuffer: false });
    } catch (error) {
      this._fail(`This browser cannot draw point clouds (WebGL is unavailable: ${error.message}).`);
      return;
    }
    this.renderer.setPixelRatio(1);
    this.renderer.setScissorTest(true);
    this.renderer.autoClear = false;
    // Points are drawn into one texture per view, redrawn only when that view's camera or the points change;
    // each frame puts the textures on screen and draws the cuboids over them. Dragging a cuboid in the top
    // view thus redraws no points there nor in the perspective view (software WebGL pays per point).
    this.pointsScene = new THREE.Scene();
    this.pointsScene.background = new THREE.Color(0x10141c);
    this.versions = 0; // a layer's version changes with its colours: views drawn from an older one are stale
    this.noPoints = new THREE.BufferGeometry();
    this.cloud = new THREE.Points(this.noPoints,
      new THREE.PointsMaterial({ size: POINT_SIZE, sizeAttenuation: false, vertexColors: true }));
    this.cloud.frustumCulled = false;
    this.pointsScene.add(this.cloud);
    // The side and front views show a slab around one cuboid: they draw only the points near it, copied
    // out when the cuboid moves away from the copied patch (keyboard nudges make them follow each step).
    this.nearScene = new THREE.Scene();
    this.nearScene.background = this.pointsScene.background;
    this.nearCloud = new THREE.Points(new THREE.BufferGeometry(), this.cloud.material);
    this.nearCloud.frustumCulled = false;
    this.nearScene.add(this.nearCloud);
    this.near = null;
    this.overlay = new THREE.Scene();
    this.boxes = new THREE.Group();
    this.overlay.add(this.boxes);
    this.preview = new THREE.LineLoop(new THREE.BufferGeometry(), new THREE.LineBasicMaterial({ color: 0xffffff }));
    this.preview.visible = false;
    this.overlay.add(this.preview);
    this.targets = {};
    this.quadScene = new THREE.Scene();
    this.quad = new THREE.Mesh(new THREE.PlaneGeometry(2, 2), new THREE.MeshBasicMaterial({ depthTest: false, depthWrite: false }));
    this.quadScene.add(this.quad);
    this.quadCamera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
    this.perspective = new THREE.PerspectiveCamera(50, 1, 0.1, 1000);
    this.perspective.up.set(0, 0, 1);
    this.top = new THREE.OrthographicCamera(-1, 1, 1, -1, 0.1, 1000);
    this.top.up.set(1, 0, 0);
    this.side = new THREE.OrthographicCamera(-1, 1, 1, -1, 0.1, 100);
    this.side.up.set(0, 0, 1);
    this.front = new THREE.OrthographicCamera(-1, 1, 1, -1, 0.1, 100);
    this.front.up.set(0, 0, 1);
    this.resizer = new ResizeObserver(() => this._resize());
    this.resizer.observe(this.canvas);
    this.meshes = new Map(); // region id -> THREE.Group
  }

  destroy() {
    this.resizer?.disconnect();
    if (this._raf) cancelAnimationFrame(this._raf);
    clearTimeout(this._idle);
    for (const frame of [...(this.layers?.keys() || [])]) this._drop(frame);
    for (const target of Object.values(this.targets || {})) target.rt.dispose();
    this.nearCloud?.geometry.dispose();
    this.renderer?.dispose();
    // Browsers keep a few WebGL contexts at most: give this one back now (review pages build many editors).
    this.renderer?.forceContextLoss();
    this.renderer = null; // a frame still being fetched or drawn ahead finds nothing to draw on
  }

  _fail(message) { this.problem.textContent = message; this.problem.hidden = false; this.el.classList.add("lw-media-failed"); }

  cuboidControls() { return this.editor.regionControlsOn(this.name).filter((c) => c.cuboidAt); }
  activeControl() {
    const active = this.editor.controls[this.editor.active];
    return active && active.cuboidAt && active.spec.object === this.name ? active : this.cuboidControls()[0] || null;
  }

  // --- frames and points ------------------------------------------------------------------------
  async goFrame(frame) {
    const target = Math.max(0, Math.min(this.frames.length - 1, frame));
    this.frame = target;
    this.frameInfo.textContent = this.frames.length > 1 ? `frame ${target + 1} / ${this.frames.length}` : "";
    this.render();
    for (const near of [target + 1, target - 1]) if (near >= 0 && near < this.frames.length) this._load(near);
    const points = await this._load(target);
    if (this.opening) {
      this.opening = false;
      this.requestRender();
    }
    if (this.frame !== target || !points) return;
    this._showPoints(points);
    // Drawn now rather than at the next animation frame: a frame drawn ahead then costs one composite.
    cancelAnimationFrame(this._raf);
    this._raf = null;
    if (this.renderer) this._draw();
    for (const old of [...this.layers.keys()]) if (Math.abs(old - target) > 1) this._drop(old);
    this.el.dispatchEvent(new CustomEvent("lw-media-loaded", { bubbles: true }));
  }

  async _load(frame) {
    const url = pointsUrl(this.frames[frame]?.src);
    if (!url) {
      if (frame === this.frame) this._fail(`Frame ${frame + 1} has no point cloud this page can show (a stored file or a KITTI .bin address).`);
      return null;
    }
    const started = performance.now();
    try {
      const points = await loadPoints(url);
      if (frame === this.frame) this.stats.loadMs = performance.now() - started;
      return points;
    } catch (error) {
      if (frame === this.frame) this._fail(`Frame ${frame + 1} could not be loaded (${error.message}).`);
      return null;
    }
  }

  _showPoints(points) {
    if (!this.renderer) return;
    this.layer = this._layer(this.frame, points);
    this.layer.seen = false; // until a draw shows it (stats.frameVisible)
    this.points = points;
    this.stats.points = points.length / 4;
    if (!this._framed) this._frameScene(points);
    this.info.textContent = `${this.stats.points.toLocaleString()} points`;
    this.requestRender();
  }

  // The layer of a frame with its colours up to date (recoloured when the colouring or its labels changed).
  _layer(frame, points) {
    let layer = this.layers.get(frame);
    if (!layer || layer.points !== points) {
      if (layer) this._drop(frame);
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute("position", new THREE.InterleavedBufferAttribute(new THREE.InterleavedBuffer(points, 4), 3, 0));
      layer = { frame, points, geometry, colorKey: null, version: 0, targets: {} };
      this.layers.set(frame, layer);
    }
    const colorKey = `${this.colorBy}|${this._labelSignature(frame)}`;
    if (layer.colorKey !== colorKey) {
      const colors = this._colors(points, frame);
      const attribute = layer.geometry.getAttribute("color");
      if (attribute && attribute.array.length === colors.length) {
        attribute.array.set(colors);
        attribute.needsUpdate = true;
      } else {
        layer.geometry.setAttribute("color", new THREE.BufferAttribute(colors, 3, true));
      }
      layer.colorKey = colorKey;
      layer.version = ++this.versions;
    }
    return layer;
  }

  _drop(frame) {
    const layer = this.layers.get(frame);
    if (!layer) return;
    this.layers.delete(frame);
    if (layer === this.layer) this.layer = null;
    layer.geometry.dispose();
    for (const target of Object.values(layer.targets)) target.rt.dispose();
  }

  // Height (z from the 2nd to the 98th percentile) or intensity (its own range) through a blue-green-red ramp.
  _colors(points, frame) {
    const n = points.length / 4;
    const channel = this.colorBy === "height" ? 2 : 3;
    const sample = [];
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 2000))) sample.push(points[i * 4 + channel]);
    sample.sort((a, b) => a - b);
    const low = sample[Math.floor(sample.length * 0.02)] ?? 0;
    const high = sample[Math.floor(sample.length * 0.98)] ?? 1;
    const span = high - low || 1;
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const t = Math.min(1, Math.max(0, (points[i * 4 + channel] - low) / span));
      out[i * 3] = 255 * Math.min(1, Math.max(0, 2 * t - 0.6));
      out[i * 3 + 1] = 255 * (0.35 + 0.65 * (1 - Math.abs(2 * t - 1)));
      out[i * 3 + 2] = 255 * Math.min(1, Math.max(0, 1.2 - 2 * t));
    }
    this._paintLabels(out, n, frame);
    return out;
  }

  // Points given a semantic label take its colour (later regions over earlier ones).
  _paintLabels(out, n, frame) {
    for (const control of this.editor.regionControlsOn(this.name).filter((c) => c.regionsAt)) {
      for (const region of control.regionsAt(frame)) {
        const color = new THREE.Color(labelColor(control.spec, region.label));
        const rgb = [color.r * 255, color.g * 255, color.b * 255];
        for (const [start, length] of region.runs) {
          for (let i = start; i < Math.min(n, start + length); i++) out.set(rgb, i * 3);
        }
      }
    }
  }

  _labelSignature(frame) {
    const parts = [];
    for (const control of this.editor.regionControlsOn(this.name).filter((c) => c.regionsAt)) {
      for (const region of control.regionsAt(frame)) parts.push(region.id, region.label, region.runs.length);
    }
    return parts.join("|");
  }

  toggleColor() {
    this.colorBy = this.colorBy === "height" ? "intensity" : "height";
    if (this.layer) this.layer = this._layer(this.layer.frame, this.layer.points);
    this.colorBtn.textContent = `Colour: ${this.colorBy}`;
    this.editor.say(`Colour by ${this.colorBy}`);
    this.requestRender();
  }

  // Look at the sensor; the ground is the 30th percentile of z (most returns of a sweep are ground).
  _frameScene(points) {
    this._framed = true;
    const n = points.length / 4;
    const zs = [];
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 5000))) zs.push(points[i * 4 + 2]);
    zs.sort((a, b) => a - b);
    this.ground = Math.round(zs[Math.floor(zs.length * 0.3)] * 1000) / 1000;
    this.focus.set(0, 0, this.ground);
  }

  // Where a world point shows on the page in one of the views (for tests and the benchmark).
  clientPoint(view, x, y, z) {
    this._cameras();
    const v = new THREE.Vector3(x, y, z).project(this[view]);
    const r = this._layout()[view], rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + r.x + ((v.x + 1) / 2) * r.w, y: rect.top + r.y + ((1 - v.y) / 2) * r.h };
  }

  // --- cuboids --------------------------------------------------------------------------------------
  // The editor calls this after every change: cuboids of this frame are (re)placed, then one render.
  render() {
    if (!this.renderer) return;
    this.colorBtn.textContent = `Colour: ${this.colorBy}`;
    if (this.layer) this.layer = this._layer(this.layer.frame, this.layer.points);
    const seen = new Set();
    const selected = this.editor.selected;
    for (const control of this.cuboidControls()) {
      for (const region of control.regions()) {
        const box = control.cuboidAt(region, this.frame);
        if (!box) continue;
        seen.add(region.id);
        let mesh = this.meshes.get(region.id);
        if (!mesh) { mesh = this._mesh(); this.meshes.set(region.id, mesh); this.boxes.add(mesh); }
        const isSelected = !!selected && selected.id === region.id;
        this._place(mesh, box, labelColor(control.spec, region.label), isSelected, box.keyframe === false);
      }
    }
    for (const [id, mesh] of this.meshes) {
      if (!seen.has(id)) { this.boxes.remove(mesh); mesh.children.forEach((c) => c.geometry.dispose()); this.meshes.delete(id); }
    }
    this.requestRender();
  }

  _mesh() {
    const group = new THREE.Group();
    const edges = new THREE.LineSegments(new THREE.EdgesGeometry(new THREE.BoxGeometry(1, 1, 1)), new THREE.LineBasicMaterial());
    const heading = new THREE.Line(new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(0, 0, 0), new THREE.Vector3(0.5, 0, 0)]),
      new THREE.LineBasicMaterial());
    group.add(edges, heading);
    group.rotation.order = "ZYX"; // R = Rz(yaw) Ry(pitch) Rx(roll), as labelwise.quality.cuboids
    return group;
  }

  _place(mesh, box, color, selected, interpolated) {
    mesh.position.set(box.x, box.y, box.z);
    mesh.rotation.set(box.roll || 0, box.pitch || 0, box.yaw);
    mesh.scale.set(box.length, box.width, box.height);
    const [edges, heading] = mesh.children;
    edges.material.color.set(selected ? "#ffffff" : color);
    heading.material.color.set(color);
    edges.material.transparent = interpolated;
    edges.material.opacity = interpolated ? 0.6 : 1;
  }

  selectedCuboid() {
    const selected = this.editor.selected;
    if (!selected) return null;
    const control = this.editor.controls[selected.control];
    if (!control?.cuboidAt || control.spec.object !== this.name) return null;
    const region = control.region(selected.id);
    const box = region && control.cuboidAt(region, this.frame);
    return box ? { control, region, box } : null;
  }

  // Keep the side and front views where they are (as during a drag), or let them follow again.
  holdViews(on) {
    const chosen = on && this.selectedCuboid();
    this.hold = chosen ? new THREE.Vector3(chosen.box.x, chosen.box.y, chosen.box.z) : null;
    this.requestRender();
  }

  // Selecting a cuboid from the list or with Tab brings the views to it; one picked with the mouse stays
  // where it is under the pointer.
  reveal(control, region) {
    if (this.quietReveal) return;
    const box = control.cuboidAt?.(region, this.frame);
    if (!box) return;
    this.focus.set(box.x, box.y, box.z);
    this.requestRender();
  }

  // --- drawing ---------------------------------------------------------------------------------------
  requestRender() {
    if (this._raf || !this.renderer || this.opening) return;
    this._raf = requestAnimationFrame(() => { this._raf = null; this._draw(); });
  }

  // Wide: the perspective view on the left, top/side/front stacked on the right. Narrow (a review card):
  // the perspective view above, the three others side by side below it.
  _layout() {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (w < 640) {
      const upper = Math.round(h * 0.62), third = Math.floor(w / 3);
      return {
        perspective: { x: 0, y: 0, w, h: upper },
        top: { x: 0, y: upper + 2, w: third - 2, h: h - upper - 2 },
        side: { x: third, y: upper + 2, w: third - 2, h: h - upper - 2 },
        front: { x: 2 * third, y: upper + 2, w: w - 2 * third, h: h - upper - 2 },
      };
    }
    const main = Math.round(w * 0.64), third = Math.floor(h / 3);
    return {
      perspective: { x: 0, y: 0, w: main, h },
      top: { x: main + 2, y: 0, w: w - main - 2, h: third - 2 },
      side: { x: main + 2, y: third, w: w - main - 2, h: third - 2 },
      front: { x: main + 2, y: 2 * third, w: w - main - 2, h: h - 2 * third },
    };
  }

  _resize() {
    const stage = this.canvas.parentElement;
    const narrow = this.canvas.clientWidth && this.canvas.clientWidth < 640;
    stage.style.height = narrow ? `${Math.round(Math.max(360, this.canvas.clientWidth * 1.1))}px` : "";
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (!w || !h) return;
    this.renderer.setSize(w, h, false);
    const layout = this._layout();
    for (const [view, r] of Object.entries(layout)) {
      const label = this.el.querySelector(`.lw-pc-label-${view}`);
      if (label) Object.assign(label.style, { left: `${r.x + 4}px`, top: `${r.y + 2}px` });
    }
    this.requestRender();
  }

  _cameras() {
    const layout = this._layout();
    const o = this.orbit, f = this.focus;
    this.perspective.aspect = layout.perspective.w / Math.max(1, layout.perspective.h);
    this.perspective.position.set(f.x + o.distance * Math.cos(o.elevation) * Math.cos(o.azimuth),
      f.y + o.distance * Math.cos(o.elevation) * Math.sin(o.azimuth), f.z + o.distance * Math.sin(o.elevation));
    this.perspective.lookAt(f);
    this.perspective.updateProjectionMatrix();
    const chosen = this.selectedCuboid();
    // The top view looks down on the focus (which selecting a cuboid moves to it): it stays put while a
    // cuboid is dragged. The side and front views follow the selected cuboid.
    this._ortho(this.top, layout.top, this.topSpan);
    this.top.position.set(f.x, f.y, f.z + 200);
    this.top.near = 1; this.top.far = 400;
    this.top.lookAt(f);
    this.top.updateProjectionMatrix();
    // While a cuboid is dragged they hold still (the cuboid moves in them; their points are not redrawn).
    const centre = this.hold ? this.hold.clone() : chosen ? new THREE.Vector3(chosen.box.x, chosen.box.y, chosen.box.z) : f.clone();
    const box = chosen ? chosen.box : { length: 4, width: 2, height: 2, yaw: 0 };
    const yaw = box.yaw || 0;
    const forward = new THREE.Vector3(Math.cos(yaw), Math.sin(yaw), 0), left = new THREE.Vector3(-Math.sin(yaw), Math.cos(yaw), 0);
    const span = 1.6 * Math.max(box.length, box.width, box.height);
    const back = 50;
    this._nearPoints(centre, Math.max(box.length, box.width, box.height));
    this._ortho(this.side, layout.side, span);
    this.side.position.copy(centre).addScaledVector(left, -back);
    this.side.near = back - box.width / 2 - SLAB; this.side.far = back + box.width / 2 + SLAB;
    this.side.lookAt(centre);
    this.side.updateProjectionMatrix();
    this._ortho(this.front, layout.front, 1.6 * Math.max(box.width, box.height));
    this.front.position.copy(centre).addScaledVector(forward, back);
    this.front.near = back - box.length / 2 - SLAB; this.front.far = back + box.length / 2 + SLAB;
    this.front.lookAt(centre);
    this.front.updateProjectionMatrix();
    return layout;
  }

  _nearPoints(centre, size) {
    if (!this.layer) return;
    const reach = 1.2 * size + SLAB + 1;
    const near = this.near;
    if (near && near.version === this.layer.version && near.reach >= reach
        && Math.abs(near.x - centre.x) <= near.reach - reach && Math.abs(near.y - centre.y) <= near.reach - reach) return;
    const points = this.points, colors = this.layer.geometry.getAttribute("color").array;
    const patch = reach + 3; // copied a little wider, so small moves reuse it
    const keptPoints = [], keptColors = [];
    for (let i = 0, j = 0; i < points.length; i += 4, j += 3) {
      if (Math.abs(points[i] - centre.x) <= patch && Math.abs(points[i + 1] - centre.y) <= patch) {
        keptPoints.push(points[i], points[i + 1], points[i + 2], points[i + 3]);
        keptColors.push(colors[j], colors[j + 1], colors[j + 2]);
      }
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.InterleavedBufferAttribute(new THREE.InterleavedBuffer(new Float32Array(keptPoints), 4), 3, 0));
    geometry.setAttribute("color", new THREE.BufferAttribute(new Uint8Array(keptColors), 3, true));
    this.nearCloud.geometry.dispose();
    this.nearCloud.geometry = geometry;
    this.near = { version: this.layer.version, x: centre.x, y: centre.y, reach: patch, serial: (near?.serial || 0) + 1 };
  }

  _ortho(camera, rect, span) {
    const aspect = rect.w / Math.max(1, rect.h);
    const half = span / 2;
    if (aspect >= 1) { camera.left = -half * aspect; camera.right = half * aspect; camera.top = half; camera.bottom = -half; }
    else { camera.left = -half; camera.right = half; camera.top = half / aspect; camera.bottom = -half / aspect; }
  }

  // Each view's points come from its texture, redrawn when stale; of the views that draw every point at most
  // one is redrawn a frame (the perspective first), so new points show after one view's cost, not two.
  _draw() {
    const started = performance.now();
    const h = this.canvas.clientHeight;
    const layout = this._cameras();
    const r3 = this.renderer;
    const layer = this.layer; // until a new frame's points are here, the last ones stay
    let wholeDrawn = false, stale = false, shown = false;
    for (const [view, camera] of [["perspective", this.perspective], ["top", this.top], ["side", this.side], ["front", this.front]]) {
      const r = layout[view];
      if (r.w < 1 || r.h < 1) continue;
      camera.updateMatrixWorld();
      const slab = !WHOLE.includes(view) && this.near;
      const target = this._target(WHOLE.includes(view) && layer ? layer.targets : this.targets, view, r);
      const key = this._viewKey(WHOLE.includes(view) ? layer : null, slab ? this.near.serial : "", camera);
      if (target.key !== key) {
        if (WHOLE.includes(view) && wholeDrawn) {
          stale = true;
        } else {
          target.key = key;
          wholeDrawn ||= WHOLE.includes(view);
          if (slab) this._drawInto(target, r, this.nearScene, camera);
          else this._drawLayer(layer, target, r, camera);
        }
      }
      if (view === "perspective" && layer && target.key === key) shown = true;
      // WebGL's viewport origin is the bottom-left corner
      r3.setViewport(r.x, h - r.y - r.h, r.w, r.h);
      r3.setScissor(r.x, h - r.y - r.h, r.w, r.h);
      this.quad.material.map = target.rt.texture;
      r3.render(this.quadScene, this.quadCamera);
      r3.clearDepth();
      r3.render(this.overlay, camera);
    }
    this.stats.renders++;
    this.stats.lastRenderMs = performance.now() - started;
    if (shown && this.stats.firstPointsAt === null) this.stats.firstPointsAt = performance.now();
    if (shown && !layer.seen) {
      layer.seen = true;
      const drawMs = performance.now() - started;
      requestAnimationFrame(() => { this.stats.frameVisible = { frame: layer.frame, at: performance.now(), drawMs }; });
    }
    if (this.stats.visible) requestAnimationFrame(() => this.stats.visible?.push(performance.now()));
    if (stale) this.requestRender();
    clearTimeout(this._idle);
    this._idle = setTimeout(() => this._drawAhead(), IDLE_MS);
  }

  _viewKey(layer, serial, camera) {
    return `${layer ? layer.version : 0}|${serial}|${camera.matrixWorld.elements.join()}|${camera.projectionMatrix.elements.join()}`;
  }

  _drawLayer(layer, target, r, camera) {
    this.cloud.geometry = layer ? layer.geometry : this.noPoints;
    this._drawInto(target, r, this.pointsScene, camera);
  }

  _drawInto(target, r, scene, camera) {
    const r3 = this.renderer;
    r3.setRenderTarget(target.rt);
    r3.setViewport(0, 0, r.w, r.h);
    r3.setScissor(0, 0, r.w, r.h);
    r3.clear();
    r3.render(scene, camera);
    r3.setRenderTarget(null);
  }

  // While nothing moves: the next and previous frames get their points and one of their whole views drawn
  // (with the cameras as they are now), one view each time the page is idle again.
  async _drawAhead() {
    if (!this.renderer || !this.layer || this.drag) return;
    const layout = this._layout();
    for (const frame of [this.frame + 1, this.frame - 1]) {
      if (frame < 0 || frame >= this.frames.length) continue;
      const points = await this._load(frame);
      if (!points || !this.renderer || this.drag || Math.abs(frame - this.frame) !== 1) return;
      const layer = this._layer(frame, points);
      for (const view of WHOLE) {
        const r = layout[view], camera = this[view];
        if (r.w < 1 || r.h < 1) continue;
        const target = this._target(layer.targets, view, r);
        const key = this._viewKey(layer, "", camera);
        if (target.key === key) continue;
        target.key = key;
        this._drawLayer(layer, target, r, camera);
        clearTimeout(this._idle);
        this._idle = setTimeout(() => this._drawAhead(), IDLE_MS);
        return;
      }
    }
  }

  _target(targets, view, r) {
    let target = targets[view];
    if (target && target.w === r.w && target.h === r.h) return target;
    target?.rt.dispose();
    const rt = new THREE.WebGLRenderTarget(r.w, r.h, { minFilter: THREE.NearestFilter, magFilter: THREE.NearestFilter, depthBuffer: true });
    target = { rt, w: r.w, h: r.h, key: null };
    targets[view] = target;
    return target;
  }

  // --- pointer ---------------------------------------------------------------------------------------
  _view(event) {
    const rect = this.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left, py = event.clientY - rect.top;
    const layout = this._layout();
    for (const [view, r] of Object.entries(layout)) {
      if (px >= r.x && px < r.x + r.w && py >= r.y && py < r.y + r.h) {
        return { view, ndc: new THREE.Vector2(((px - r.x) / r.w) * 2 - 1, -((py - r.y) / r.h) * 2 + 1) };
      }
    }
    return { view: null };
  }

  // A point of an orthographic view in world coordinates (on the plane through the view's centre).
  _world(view, ndc) {
    const camera = this[view];
    return new THREE.Vector3(ndc.x, ndc.y, 0).unproject(camera);
  }

  _hit(world) {
    for (const control of this.cuboidControls()) {
      for (const region of [...control.regions()].reverse()) {
        const box = control.cuboidAt(region, this.frame);
        if (!box) continue;
        const dx = world.x - box.x, dy = world.y - box.y, c = Math.cos(box.yaw), s = Math.sin(box.yaw);
        if (Math.abs(dx * c + dy * s) <= box.length / 2 && Math.abs(-dx * s + dy * c) <= box.width / 2) return { control, region, box };
      }
    }
    return null;
  }

  _down(event) {
    this.canvas.focus({ preventScroll: true });
    const { view, ndc } = this._view(event);
    if (!view) return;
    try { this.canvas.setPointerCapture(event.pointerId); } catch { /* a synthetic pointer */ }
    const start = { x: event.clientX, y: event.clientY };
    if (view === "perspective") {
      const pan = event.button === 2 || event.shiftKey;
      const o = { ...this.orbit }, f = this.focus.clone();
      this.drag = { move: (e) => {
        const dx = e.clientX - start.x, dy = e.clientY - start.y;
        if (pan) {
          const scale = this.orbit.distance / 500;
          const a = this.orbit.azimuth;
          this.focus.set(f.x + (dx * Math.sin(a) - dy * Math.cos(a)) * scale, f.y + (-dx * Math.cos(a) - dy * Math.sin(a)) * scale, f.z);
        } else {
          this.orbit.azimuth = o.azimuth - dx * 0.008;
          this.orbit.elevation = Math.max(-0.1, Math.min(1.55, o.elevation + dy * 0.008));
        }
        this.requestRender();
      } };
      return;
    }
    const active = this.editor.controls[this.editor.active];
    const lasso = view === "top" && active?.regionsAt && active.spec.object === this.name && !this.editor.readonly;
    const control = lasso ? active : this.activeControl();
    if (!control) return;
    const at = this._world(view, ndc);
    // Orthographic views drag by pixel deltas at the scale the view had when the drag began.
    const perPixel = (this[view].right - this[view].left) / this._layout()[view].w;
    const delta = (e) => ({ right: (e.clientX - start.x) * perPixel, up: -(e.clientY - start.y) * perPixel });
    // top view: screen up is +x, screen right is -y
    const onGround = (e) => { const d = delta(e); return { x: at.x + d.up, y: at.y - d.right }; };
    if (lasso) {
      const path = [{ x: at.x, y: at.y }];
      this.drag = { move: (e) => { path.push(onGround(e)); this._showPath(path); }, end: (e) => {
        path.push(onGround(e));
        this.preview.visible = false;
        this.requestRender();
        if (path.length >= 3) control.addPoints(this._inside(path), this.frame);
      } };
      return;
    }
    if (view === "top") {
      const hit = this._hit(at);
      if (hit) {
        this.quietReveal = true;
        try { this.editor.select(hit.control.name, hit.region.id); } finally { this.quietReveal = false; }
        if (this.editor.readonly) return;
        const base = { ...hit.box };
        this.hold = new THREE.Vector3(base.x, base.y, base.z);
        this.drag = { moved: false, move: (e) => {
          const q = onGround(e);
          this.drag.moved = true;
          hit.control.setCuboid(hit.region.id, this.frame, { ...base, x: base.x + q.x - at.x, y: base.y + q.y - at.y }, { record: false });
        }, end: () => { if (this.drag?.moved) this.editor.commit(); } };
        return;
      }
      if (this.editor.readonly) return;
      this.drag = { move: (e) => this._showPreview(at, onGround(e)), end: (e) => {
        this.preview.visible = false;
        const q = onGround(e);
        const length = Math.abs(q.x - at.x), width = Math.abs(q.y - at.y);
        if (length < 0.2 || width < 0.2) { this.requestRender(); return; }
        const fitted = this._fitHeight((q.x + at.x) / 2, (q.y + at.y) / 2, length, width);
        control.create({ x: (q.x + at.x) / 2, y: (q.y + at.y) / 2, z: fitted.z, length, width, height: fitted.height, yaw: 0 }, this.frame);
      } };
      return;
    }
    const chosen = this.selectedCuboid();
    if (!chosen || this.editor.readonly) return;
    const base = { ...chosen.box };
    this.hold = new THREE.Vector3(base.x, base.y, base.z);
    this.drag = { moved: false, move: (e) => {
      this.drag.moved = true;
      chosen.control.setCuboid(chosen.region.id, this.frame, { ...base, z: base.z + delta(e).up }, { record: false });
    }, end: () => { if (this.drag?.moved) this.editor.commit(); } };
  }

  _move(event) {
    if (!this.drag) return;
    this.drag.move?.(event);
  }

  _up(event) {
    const drag = this.drag;
    this.drag = null;
    this.hold = null;
    drag?.end?.(event);
    this.requestRender();
  }

  _wheel(event) {
    const { view } = this._view(event);
    if (!view) return;
    event.preventDefault();
    const factor = event.deltaY > 0 ? 1.15 : 1 / 1.15;
    if (view === "perspective") this.orbit.distance = Math.max(2, Math.min(300, this.orbit.distance * factor));
    else this.topSpan = Math.max(4, Math.min(200, this.topSpan * factor));
    this.requestRender();
  }

  _showPreview(a, b) {
    const z = this.ground ?? 0;
    this.preview.geometry.dispose();
    this.preview.geometry = new THREE.BufferGeometry().setFromPoints([
      new THREE.Vector3(a.x, a.y, z), new THREE.Vector3(b.x, a.y, z), new THREE.Vector3(b.x, b.y, z), new THREE.Vector3(a.x, b.y, z)]);
    this.preview.visible = true;
    this.requestRender();
  }

  _showPath(path) {
    const z = this.ground ?? 0;
    this.preview.geometry.dispose();
    this.preview.geometry = new THREE.BufferGeometry().setFromPoints(path.map((p) => new THREE.Vector3(p.x, p.y, z)));
    this.preview.visible = true;
    this.requestRender();
  }

  // Indices of the points whose x, y fall inside a polygon (even-odd rule), in order.
  _inside(polygon) {
    const points = this.points, out = [];
    if (!points) return out;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const p of polygon) { minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
    for (let i = 0, k = 0; i < points.length; i += 4, k++) {
      const x = points[i], y = points[i + 1];
      if (x < minX || x > maxX || y < minY || y > maxY) continue;
      let inside = false;
      for (let a = 0, b = polygon.length - 1; a < polygon.length; b = a++) {
        const pa = polygon[a], pb = polygon[b];
        if ((pa.y > y) !== (pb.y > y) && x < ((pb.x - pa.x) * (y - pa.y)) / (pb.y - pa.y) + pa.x) inside = !inside;
      }
      if (inside) out.push(k);
    }
    return out;
  }

  // The z extent of the points standing in a footprint (ground points, within 0.3 m of the ground, left out).
  _fitHeight(x, y, length, width) {
    const points = this.points;
    const ground = this.ground ?? 0;
    let low = Infinity, high = -Infinity;
    if (points) {
      for (let i = 0; i < points.length; i += 4) {
        if (Math.abs(points[i] - x) <= length / 2 && Math.abs(points[i + 1] - y) <= width / 2 && points[i + 2] > ground + 0.3) {
          low = Math.min(low, points[i + 2]); high = Math.max(high, points[i + 2]);
        }
      }
    }
    if (!(high > low)) return { z: ground + 0.75, height: 1.5 };
    low = Math.min(low, ground);
    return { z: (low + high) / 2, height: high - low };
  }

  // A new cuboid by keyboard goes where the views look: the selected cuboid's side, else the focus.
  placeForNew() {
    return { x: this.focus.x, y: this.focus.y, ground: this.ground ?? this.focus.z };
  }

  // --- keys -----------------------------------------------------------------------------------------
  handleKey(event, key) {
    const step = stepOf(event, key, 10);
    if (step && this.frames.length > 1) { this.goFrame(this.frame + step); return true; }
    if (key === "pagedown" || key === "pageup") { this.goFrame(this.frame + (key === "pagedown" ? 1 : -1)); return true; }
    if (key === "c") { this.toggleColor(); return true; }
    if (key === "+" || key === "=" || key === "-") {
      this.topSpan = Math.max(4, Math.min(200, this.topSpan * (key === "-" ? 1.25 : 0.8)));
      this.requestRender();
      return true;
    }
    return false;
  }

  keys() {
    return [
      { key: "drag", what: `${this.name}: perspective view: orbit (right-drag or Shift+drag: pan, wheel: zoom)` },
      { key: "drag", what: `${this.name}: top view: draw a cuboid on empty ground, move one by dragging it; side/front: move it up or down` },
      ...(this.frames.length > 1 ? [{ key: ", / . (PageUp / PageDown)", what: `${this.name}: previous / next frame (Shift: 10)` }] : []),
      { key: "c", what: `${this.name}: colour by height or intensity` },
      { key: "+ / -", what: `${this.name}: zoom the top view` },
    ];
  }
}
