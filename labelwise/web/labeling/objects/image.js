// Image (and PDF page) objects: an SVG stage whose viewBox is in original image pixels, so every
// coordinate a tool reads is already in the result's units. Zoom with the wheel or +/-, pan with
// space+drag or the middle button; f fits the image again. Region controls draw into the overlay and
// the active one receives the pointer.

import { el, mediaOf, safeMediaUrl, svg } from "../util.js";
import { KeyboardPointer } from "./keyboard-pointer.js";
import { isPdfReference, pageUrl, pagesOf, renderScale, ThumbStrip } from "./pdf-pages.js";

export class ImageViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    this.isPdf = spec.type === "pdf";
    this.pages = this.isPdf ? pagesOf(value) : [mediaOf(value)];
    this.page = 0;
    this.width = 0;
    this.height = 0;
    this.view = null;
    this.space = false;
    this.drag = null;
    this.svg = svg("svg", { class: "lw-image-svg", role: "img", "aria-label": `${name} image`, preserveAspectRatio: "xMidYMid meet" });
    this.content = svg("g", { class: "lw-content" });
    this.imageNode = svg("image", { x: 0, y: 0, preserveAspectRatio: "none" });
    this.masks = svg("g", { class: "lw-masks" });
    this.overlay = svg("g", { class: "lw-overlay" });
    this.preview = svg("g", { class: "lw-preview" });
    this.content.append(this.imageNode, this.masks, this.overlay, this.preview);
    this.svg.append(this.content);
    this.pointer = new KeyboardPointer(this, this.content);
    this.stage = el("div", { class: "lw-stage", tabindex: "0" }, this.svg);
    this.problem = el("p", { class: "lw-error", role: "alert", hidden: true });
    this.zoomInfo = el("span", { class: "lw-zoom" });
    this.pageInfo = el("span", { class: "lw-page" });
    this.toolInfo = el("span", { class: "lw-tool" });
    const bar = el("div", { class: "lw-media-bar" },
      el("button", { type: "button", "aria-label": "zoom in", text: "+", onclick: () => this.zoomBy(1.25) }),
      el("button", { type: "button", "aria-label": "zoom out", text: "−", onclick: () => this.zoomBy(0.8) }),
      el("button", { type: "button", text: "Fit", onclick: () => this.fit() }),
      this.isPdf ? el("button", { type: "button", text: "◀ page", onclick: () => this.goPage(this.page - 1) }) : null,
      this.isPdf ? el("button", { type: "button", text: "page ▶", onclick: () => this.goPage(this.page + 1) }) : null,
      this.zoomInfo, this.pageInfo, this.toolInfo);
    this.thumbs = this.isPdf && this.pages.length > 1 ? new ThumbStrip(this.pages, (i) => this.goPage(i)) : null;
    this.el = el("div", { class: "lw-image-viewer" }, this.problem, this.stage, bar, this.thumbs?.el);
    this.stage.addEventListener("wheel", (e) => this._wheel(e), { passive: false });
    this.svg.addEventListener("pointerdown", (e) => this._down(e));
    this.svg.addEventListener("pointermove", (e) => this._move(e));
    this.svg.addEventListener("pointerup", (e) => this._up(e));
    this.svg.addEventListener("pointercancel", (e) => this._up(e));
    this.svg.addEventListener("dblclick", (e) => this.activeControl()?.doubleClick?.(this.toImage(e), e, this));
    this.svg.addEventListener("contextmenu", (e) => e.preventDefault());
    this.svg.addEventListener("auxclick", (e) => e.preventDefault());
    this._keyup = (e) => { if (e.key === " ") { this.space = false; this.stage.classList.remove("lw-space"); } };
    document.addEventListener("keyup", this._keyup);
    if (this.isPdf && isPdfReference(value)) this._resolve();
    else this.load();
  }

  // A PDF by URL or s3://: the server fetches and stores it once and answers its stored form.
  _resolve() {
    const task = this.editor.task?.id;
    this.pages = [];
    this.pageInfo.textContent = "opening the document…";
    if (task == null) { this._fail("A PDF given by URL is opened through its task; there is none here."); return; }
    fetch(`/api/v1/tasks/${task}/documents/${encodeURIComponent(this.name)}`, { credentials: "same-origin" })
      .then(async (response) => {
        const body = await response.json().catch(() => null);
        if (!response.ok) throw new Error(body?.message || `HTTP ${response.status}`);
        return body;
      })
      .then((doc) => {
        this.pages = pagesOf(doc);
        this.document = doc;
        if (this.pages.length > 1) {
          this.thumbs = new ThumbStrip(this.pages, (i) => this.goPage(i));
          this.el.append(this.thumbs.el);
        }
        this.load();
        this.render();
      })
      .catch((error) => this._fail(`The PDF could not be opened: ${error.message}`));
  }

  destroy() { document.removeEventListener("keyup", this._keyup); }

  get media() { return this.pages[this.page] || { src: null }; }

  load() {
    const media = this.media;
    const declared = Number(media.width) > 0 && Number(media.height) > 0;
    this.width = declared ? Number(media.width) : 0;
    this.height = declared ? Number(media.height) : 0;
    this.loaded = false;
    this.problem.hidden = true;
    this.thumbs?.show(this.page);
    this._loadText(media);
    this.scale = media.document ? renderScale(this._pixelsPerPoint({ w: this.width, h: this.height })) : null;
    const url = safeMediaUrl(pageUrl(media, this.scale), "image");
    if (!url) {
      this._fail(media.src || media.document ? `This image's address is not allowed (${String(media.src).slice(0, 60)}): only http(s), data:image, blob: and same-site addresses are shown.`
        : `This task has no image under "${this.spec.field || this.name}".`);
      if (declared) this.fit();
      return;
    }
    const probe = new Image();
    probe.onload = () => {
      if (!media.document) {  // a stored PDF's page is measured in points, not in its rendering's pixels
        this.width = probe.naturalWidth || this.width;
        this.height = probe.naturalHeight || this.height;
      }
      this.imageNode.setAttribute("href", url);
      this.loaded = true;
      this.fit();
      this.render();
      this.el.dispatchEvent(new CustomEvent("lw-media-loaded", { bubbles: true }));
    };
    probe.onerror = () => {
      this._fail(`The image could not be loaded (${url.startsWith("data:") ? "data URL" : url}). You can still skip this task or draw on its declared size.`);
      if (declared) this.fit();
    };
    probe.src = url;
    if (declared) this.fit();
  }

  _fail(message) {
    this.problem.textContent = message;
    this.problem.hidden = false;
    this.el.classList.add("lw-media-failed");
  }

  // The text layer of the page shown ({text, boxes}), once fetched; spans controls on a stored PDF ask for it.
  textLayer() { return this.texts?.[this.page] ?? null; }

  _loadText(media) {
    const wanted = media.document && Object.values(this.editor._schema?.controls || {}).some((c) => c.type === "spans" && c.object === this.name);
    if (!wanted) return;
    this.texts ??= {};
    if (this.texts[media.index] !== undefined) return;
    this.texts[media.index] = null;
    fetch(`${media.document}/pages/${media.index + 1}/text`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((layer) => { if (layer) { this.texts[media.index] = { ...layer, chars: Array.from(layer.text) }; this.render(); } });
  }

  goPage(n) {
    if (!this.isPdf || n < 0 || n >= this.pages.length || n === this.page) return;
    this.page = n;
    this.editor.select(null);
    this.load();
    this.render();
  }

  // --- view --------------------------------------------------------------------------------------
  fit() {
    if (!this.width || !this.height) return;
    this.view = { x: 0, y: 0, w: this.width, h: this.height };
    this._applyView();
  }

  _applyView() {
    const v = this.view;
    this.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
    this.imageNode.setAttribute("width", this.width);
    this.imageNode.setAttribute("height", this.height);
    this.zoomInfo.textContent = `${Math.round((this.width / v.w) * 100)}%`;
    this._sharpen();
  }

  _pixelsPerPoint(view) {
    return Math.min(this.stage.clientWidth / (view.w || 1), this.stage.clientHeight / (view.h || 1));
  }

  // A stored PDF page zoomed past its rendering gets a sharper one, swapped in once it has loaded.
  _sharpen() {
    const media = this.media;
    if (!media.document || !this.loaded || !this.view) return;
    const scale = renderScale(this._pixelsPerPoint(this.view));
    if (scale <= this.scale) return;
    this.scale = scale;
    const url = pageUrl(media, scale);
    const page = this.page;
    const probe = new Image();
    probe.onload = () => { if (this.page === page) this.imageNode.setAttribute("href", url); };
    probe.src = url;
  }

  zoomBy(factor, cx, cy) {
    if (!this.view) return;
    const v = this.view;
    const px = cx ?? v.x + v.w / 2;
    const py = cy ?? v.y + v.h / 2;
    const w = Math.max(8, Math.min(this.width * 4, v.w / factor));
    const h = (v.h / v.w) * w;
    this.view = { x: px - (px - v.x) * (w / v.w), y: py - (py - v.y) * (h / v.h), w, h };
    this._applyView();
    this.render();
  }

  _wheel(event) {
    event.preventDefault();
    const p = this.toImage(event);
    this.zoomBy(event.deltaY < 0 ? 1.2 : 1 / 1.2, p.x, p.y);
  }

  toImage(event) {
    const ctm = this.content.getScreenCTM();
    const pt = this.svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const q = pt.matrixTransform(ctm.inverse());
    return { x: q.x, y: q.y };
  }

  clamp(p) {
    if (!this.width || !this.height) return { x: Math.max(0, p.x), y: Math.max(0, p.y) };
    return { x: Math.max(0, Math.min(this.width, p.x)), y: Math.max(0, Math.min(this.height, p.y)) };
  }

  unit() {
    const ctm = this.content.getScreenCTM();
    return ctm && ctm.a ? 1 / ctm.a : 1;
  }

  // --- pointer -------------------------------------------------------------------------------------
  activeControl() {
    const active = this.editor.controls[this.editor.active];
    if (active && active.spec.object === this.name && active.isRegion) return active;
    return null;
  }

  _down(event) {
    if (event.button === 1 || (event.button === 0 && this.space)) {
      event.preventDefault();
      this.drag = { pan: true, x: event.clientX, y: event.clientY, view: { ...this.view } };
      this.svg.setPointerCapture(event.pointerId);
      this.stage.classList.add("lw-panning");
      return;
    }
    if (event.button !== 0 && event.button !== 2) return;
    this.stage.focus({ preventScroll: true });
    const target = event.target.closest && event.target.closest("[data-region]");
    const handle = event.target.closest && event.target.closest("[data-handle]");
    this.drag = this.press(this.toImage(event), event, target, handle);
    if (this.drag) this.svg.setPointerCapture(event.pointerId);
  }

  // A press at image point p, on `target` (a region's node) and `handle` if any: the mouse's and the
  // keyboard pointer's one way in. Returns the drag it starts, if any.
  press(p, event, target, handle) {
    let drag = null;
    let control = this.activeControl();
    if (!control && !target) {
      const first = this.editor.regionControlsOn(this.name)[0];
      if (first) { this.editor.activate(first.name); control = first; }
    }
    if (handle && target && !this.editor.readonly) {
      const owner = this.editor.regionOwner(target.dataset.region);
      drag = owner.startHandle(target.dataset.region, handle.dataset.handle, p, this);
    } else if (control && !this.editor.readonly && control.pointerDown) {
      drag = control.pointerDown(p, event, this, target ? target.dataset.region : null);
    }
    if (!drag && target) {
      const owner = this.editor.regionOwner(target.dataset.region);
      if (owner) {
        this.editor.select(owner.name, target.dataset.region);
        if (!this.editor.readonly && owner.startMove) drag = owner.startMove(target.dataset.region, p, this);
      }
    }
    return drag;
  }

  _move(event) {
    const p = this.toImage(event);
    const control = this.activeControl();
    if (control && control.hover) control.hover(p, this, event);
    if (!this.drag) return;
    if (this.drag.pan) {
      const ctm = this.content.getScreenCTM();
      const dx = (event.clientX - this.drag.x) / ctm.a;
      const dy = (event.clientY - this.drag.y) / ctm.d;
      this.view = { ...this.drag.view, x: this.drag.view.x - dx, y: this.drag.view.y - dy };
      this._applyView();
      return;
    }
    this.drag.move && this.drag.move(p, event);
  }

  _up(event) {
    if (!this.drag) return;
    const drag = this.drag;
    this.drag = null;
    this.stage.classList.remove("lw-panning");
    if (!drag.pan && drag.end) drag.end(this.toImage(event), event);
  }

  // --- keys ------------------------------------------------------------------------------------------
  handleKey(event, key) {
    if (this.pointer.handleKey(key)) return true;
    if (key === "space") {
      this.space = true;
      this.stage.classList.add("lw-space");
      return true;
    }
    if (key === "+" || key === "=" || key === "shift+=") { this.zoomBy(1.25); return true; }
    if (key === "-") { this.zoomBy(0.8); return true; }
    if (key === "f") { this.fit(); return true; }
    if (this.isPdf && (key === "pagedown" || key === "pageup")) { this.goPage(this.page + (key === "pagedown" ? 1 : -1)); return true; }
    return false;
  }

  keys() {
    return [
      { key: "wheel, + / −", what: `${this.name}: zoom` },
      { key: "Space+drag, middle button", what: `${this.name}: pan` },
      { key: "f", what: `${this.name}: fit the image` },
      ...(this.isPdf ? [{ key: "PageUp / PageDown", what: `${this.name}: previous / next page` }] : []),
      ...this.pointer.keys(),
    ];
  }

  reveal(_control, region) {
    if (this.isPdf && region && typeof region.page === "number" && region.page !== this.page) this.goPage(region.page);
  }

  // --- drawing ---------------------------------------------------------------------------------------
  // A region on another PDF page (or, in the volume viewer, another slice) is not drawn.
  hides(region) { return this.isPdf && (region.page ?? 0) !== this.page; }

  renderPreview() {
    const active = this.activeControl();
    this.preview.replaceChildren(...(active && active.drawPreview ? active.drawPreview({ unit: this.unit(), viewer: this }) : []));
  }

  render() {
    const controls = this.editor.regionControlsOn(this.name);
    const active = this.activeControl();
    const unit = this.unit();
    const shapes = [];
    const masks = [];
    for (const control of controls) {
      for (const region of control.regions()) {
        if (this.hides(region)) continue;
        const selected = !!this.editor.selected && this.editor.selected.id === region.id;
        const node = control.draw(region, { selected, unit, viewer: this });
        if (!node) continue;
        (control.spec.type === "masks" ? masks : shapes).push(node);
      }
    }
    this.masks.replaceChildren(...masks);
    this.overlay.replaceChildren(...shapes);
    this.preview.replaceChildren(...(active && active.drawPreview ? active.drawPreview({ unit, viewer: this }) : []));
    this.pageInfo.textContent = this.isPdf ? (this.pages.length ? `page ${this.page + 1} of ${this.pages.length}` : this.pageInfo.textContent) : (this.width ? `${this.width}×${this.height}px` : "");
    this.toolInfo.textContent = active ? `tool: ${active.spec.type}${active.spec.rotatable ? " (rotatable)" : ""} · ${active.currentLabel}${active.toolHint ? ` · ${active.toolHint()}` : ""}` : "";
  }
}
