// Audio objects: the waveform drawn on a canvas from the decoded audio (AudioContext.decodeAudioData),
// an <audio> element to listen, and the shared time axis for segments. Space plays or pauses;
// , and . move the playhead by half a second (Shift: 5 s).

import { el, mediaOf, safeMediaUrl, stepOf } from "../util.js";
import { TimeAxis } from "../controls/segments.js";

function dataUrlBytes(url) {
  const comma = url.indexOf(",");
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  if (meta.endsWith(";base64")) {
    const binary = atob(body);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }
  return new TextEncoder().encode(decodeURIComponent(body)).buffer;
}

// Bytes of a media URL. data: URLs are decoded here because the page's CSP (connect-src 'self') does
// not let fetch() read them; other sites' URLs cannot be read at all, only played.
export async function mediaBytes(url) {
  if (url.startsWith("data:")) return dataUrlBytes(url);
  const parsed = new URL(url, window.location.href);
  if (parsed.origin !== window.location.origin) throw new Error("cross-origin");
  const response = await fetch(parsed.href, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

export class AudioViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.name = name;
    this.spec = spec;
    const media = mediaOf(value);
    this.duration = Number(media.duration) > 0 ? Number(media.duration) : 0;
    this.peaks = null;
    this.problem = el("p", { class: "lw-error", role: "alert", hidden: true });
    this.note = el("p", { class: "lw-hint", hidden: true });
    this.canvas = el("canvas", { "aria-hidden": "true" });
    this.wave = el("div", { class: "lw-wave" }, this.canvas);
    this.audio = el("audio", { controls: true, preload: "auto" });
    this.timeInfo = el("span", { class: "lw-time" });
    this.el = el("div", { class: "lw-audio-viewer" }, this.problem, this.wave, el("div", { class: "lw-media-bar" }, this.audio, this.timeInfo), this.note);
    this.axis = new TimeAxis(editor, this, this.wave);
    this.audio.addEventListener("loadedmetadata", () => {
      if (!this.duration && Number.isFinite(this.audio.duration)) { this.duration = this.audio.duration; this.render(); }
    });
    this.audio.addEventListener("timeupdate", () => this.render());
    this.audio.addEventListener("play", () => this._tick());
    this.audio.addEventListener("error", () => this._fail("The audio could not be played (the file is missing or in a format this browser cannot play)."));
    this._resize = () => this.drawWave();
    window.addEventListener("resize", this._resize);
    const url = safeMediaUrl(media.src, "audio");
    if (!url) {
      this._fail(media.src ? `This audio's address is not allowed (${String(media.src).slice(0, 60)}).` : `This task has no audio under "${spec.field || name}".`);
    } else {
      this.audio.src = url;
      this._decode(url);
    }
  }

  destroy() { window.removeEventListener("resize", this._resize); this.audio.pause(); }
  mounted() { requestAnimationFrame(() => this.drawWave()); }

  _fail(message) { this.problem.textContent = message; this.problem.hidden = false; this.el.classList.add("lw-media-failed"); }

  async _decode(url) {
    let bytes;
    try {
      bytes = await mediaBytes(url);
    } catch (error) {
      this.note.textContent = error.message === "cross-origin"
        ? "The waveform is not drawn for audio on another site; listen and mark segments on the timeline."
        : `The audio file could not be loaded (${error.message}).`;
      this.note.hidden = false;
      return;
    }
    try {
      const Context = window.AudioContext || window.webkitAudioContext;
      const context = new Context();
      const buffer = await context.decodeAudioData(bytes);
      context.close();
      if (!this.duration) this.duration = buffer.duration;
      this.decodedDuration = buffer.duration;
      this.peaks = this._peaks(buffer, 2000);
      this.drawWave();
      this.render();
      this.el.dispatchEvent(new CustomEvent("lw-media-loaded", { bubbles: true }));
    } catch {
      this._fail("The audio could not be decoded: the file is damaged or not audio.");
    }
  }

  _peaks(buffer, count) {
    const data = buffer.getChannelData(0);
    const size = Math.max(1, Math.floor(data.length / count));
    const peaks = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) {
      let lo = 0;
      let hi = 0;
      for (let j = i * size; j < Math.min(data.length, (i + 1) * size); j++) {
        const v = data[j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      peaks[2 * i] = lo;
      peaks[2 * i + 1] = hi;
    }
    return peaks;
  }

  drawWave() {
    const rect = this.wave.getBoundingClientRect();
    if (!rect.width) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(rect.width * ratio);
    this.canvas.height = Math.round(rect.height * ratio);
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.peaks) return;
    const n = this.peaks.length / 2;
    const mid = this.canvas.height / 2;
    ctx.fillStyle = "#4a6fa5";
    const duration = this.duration || this.decodedDuration;
    const span = this.decodedDuration && duration ? this.decodedDuration / duration : 1;
    for (let x = 0; x < this.canvas.width; x++) {
      const i = Math.floor(((x / this.canvas.width) / span) * n);
      if (i >= n) break;
      const lo = this.peaks[2 * i];
      const hi = this.peaks[2 * i + 1];
      ctx.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
    }
  }

  _tick() {
    if (this.audio.paused) return;
    this.axis.render();
    requestAnimationFrame(() => this._tick());
  }

  timeRange() { return [0, this.duration || 1]; }
  cursorTime() { return this.audio.currentTime || 0; }
  seek(t) {
    try { this.audio.currentTime = Math.max(0, Math.min(this.duration || t, t)); } catch { /* not seekable yet */ }
    this.render();
  }

  render() {
    this.axis.render();
    this.timeInfo.textContent = `${this.cursorTime().toFixed(2)} / ${(this.duration || 0).toFixed(2)} s`;
  }

  handleKey(event, key) {
    if (key === "space") { if (this.audio.paused) this.audio.play().catch(() => {}); else this.audio.pause(); return true; }
    const step = stepOf(event, key);
    if (step) { this.seek(this.cursorTime() + step * 0.5); return true; }
    return false;
  }

  keys() {
    return [{ key: "Space", what: `${this.name}: play / pause` }, { key: ", / . (Shift: 5 s)", what: `${this.name}: move the playhead by 0.5 s` }];
  }
}
