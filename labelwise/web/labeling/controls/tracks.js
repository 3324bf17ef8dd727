// Video tracks: boxes on keyframes, linearly interpolated between them. Draw a box to start a track at
// the current frame; move or resize a track's box on another frame to add a keyframe there. k adds a
// keyframe (the interpolated box), h toggles "out of view" from this frame, x removes this keyframe.

import { svg } from "../util.js";
import { RegionControl } from "./base.js";

const r2 = (v) => Math.round(v * 100) / 100;

// The box of a track at a frame: null before its first keyframe or while it is out of view.
export function boxAt(track, frame) {
  const keys = track.keyframes;
  if (!keys.length || frame < keys[0].frame) return null;
  let i = keys.length - 1;
  while (i > 0 && keys[i].frame > frame) i--;
  const a = keys[i];
  if (a.visible === false) return null;
  const b = keys[i + 1];
  if (!b || a.frame === frame) return { x: a.x, y: a.y, width: a.width, height: a.height, keyframe: a.frame === frame };
  const f = (frame - a.frame) / (b.frame - a.frame);
  const mix = (k) => r2(a[k] + (b[k] - a[k]) * f);
  return { x: mix("x"), y: mix("y"), width: mix("width"), height: mix("height"), keyframe: false };
}

export class TracksControl extends RegionControl {
  constructor(editor, name, spec) {
    super(editor, name, spec);
    this.drawing = null;
  }

  viewer() { return this.editor.viewers[this.spec.object]; }

  describe(t) {
    const k = t.keyframes;
    return `${t.label} (${k.length} keyframe${k.length === 1 ? "" : "s"}, frames ${k[0].frame}–${k[k.length - 1].frame})`;
  }

  setKeyframe(id, frame, box, { record = true } = {}) {
    this.update(id, (t) => {
      const rest = t.keyframes.filter((k) => k.frame !== frame);
      const previous = t.keyframes.find((k) => k.frame === frame);
      const keyframe = { frame, x: r2(box.x), y: r2(box.y), width: r2(box.width), height: r2(box.height), visible: box.visible ?? previous?.visible ?? true };
      return { keyframes: [...rest, keyframe].sort((a, b) => a.frame - b.frame) };
    }, { record });
    const track = this.region(id);
    if (track) this.editor.say(this.describe(track)); // the keyframe count and range as they are now
  }

  pointerDown(p, event, viewer, targetId, handle) {
    const frame = viewer.frame;
    if (targetId && this.region(targetId)) {
      const track = this.region(targetId);
      this.editor.select(this.name, targetId);
      const box = boxAt(track, frame);
      if (!box || this.readonly) return null;
      if (handle === "resize") {
        return {
          move: (q0) => { const q = viewer.clamp(q0); this.setKeyframe(targetId, frame, { ...box, width: Math.max(1, q.x - box.x), height: Math.max(1, q.y - box.y) }, { record: false }); },
          end: () => this.editor.commit(),
        };
      }
      let moved = false;
      return {
        move: (q) => {
          moved = true;
          const x = Math.max(0, Math.min((viewer.width || Infinity) - box.width, box.x + q.x - p.x));
          const y = Math.max(0, Math.min((viewer.height || Infinity) - box.height, box.y + q.y - p.y));
          this.setKeyframe(targetId, frame, { ...box, x, y }, { record: false });
        },
        end: () => { if (moved) this.editor.commit(); },
      };
    }
    const a = viewer.clamp(p);
    this.drawing = { a, b: a };
    return {
      move: (q) => { this.drawing.b = viewer.clamp(q); viewer.renderPreview(); },
      end: (q) => {
        const b = viewer.clamp(q);
        this.drawing = null;
        const box = { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) };
        if (box.width / viewer.unit() < 3 || box.height / viewer.unit() < 3) { viewer.render(); return; }
        this.add({ keyframes: [{ frame, x: r2(box.x), y: r2(box.y), width: r2(box.width), height: r2(box.height), visible: true }] });
      },
    };
  }

  drawPreview() {
    if (!this.drawing) return [];
    const { a, b } = this.drawing;
    return [svg("rect", { class: "lw-shape", style: `--lw-color:${this.color(this.currentLabel)}`, x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) })];
  }

  drawAt(track, frame, { selected, unit }) {
    const box = boxAt(track, frame);
    if (!box) return null;
    const g = svg("g", { "data-region": track.id, style: `--lw-color:${this.color(track.label)}` });
    g.append(svg("rect", { class: "lw-shape" + (selected ? " lw-selected" : ""), x: box.x, y: box.y, width: box.width, height: box.height, "stroke-dasharray": box.keyframe ? null : "4 3" },
      svg("title", { text: `${track.label}${box.keyframe ? " (keyframe)" : " (interpolated)"}` })));
    if (selected && !this.readonly) {
      const s = 8 * unit;
      g.append(svg("rect", { class: "lw-handle", "data-handle": "resize", x: box.x + box.width - s / 2, y: box.y + box.height - s / 2, width: s, height: s }));
    }
    return g;
  }

  handleKey(event, key, opts = {}) {
    const sel = this.editor.selected;
    const track = sel && sel.control === this.name ? this.region(sel.id) : null;
    const viewer = this.viewer();
    if (!opts.passive && track && viewer && !this.readonly) {
      const frame = viewer.frame;
      if (key === "k") {
        const box = boxAt(track, frame) || (() => { const last = [...track.keyframes].reverse().find((k) => k.frame <= frame) || track.keyframes[0]; return last; })();
        this.setKeyframe(track.id, frame, { ...box, visible: true });
        this.editor.say(`Keyframe at frame ${frame}`);
        return true;
      }
      if (key === "h") {
        const box = boxAt(track, frame);
        const here = track.keyframes.find((k) => k.frame === frame);
        const base = box || here || [...track.keyframes].reverse().find((k) => k.frame <= frame) || track.keyframes[0];
        this.setKeyframe(track.id, frame, { ...base, visible: !(box !== null) ? true : false });
        this.editor.say(box ? `Out of view from frame ${frame}` : `In view from frame ${frame}`);
        return true;
      }
      if (key === "x") {
        if (track.keyframes.length > 1 && track.keyframes.some((k) => k.frame === frame)) {
          this.update(track.id, { keyframes: track.keyframes.filter((k) => k.frame !== frame) });
          this.editor.say(`Keyframe at frame ${frame} removed`);
        }
        return true;
      }
    }
    return super.handleKey(event, key, opts);
  }

  keys() {
    return [...super.keys(),
      { key: "drag", what: `${this.name}: draw a box to start a track at this frame; move/resize it on another frame to add a keyframe` },
      { key: "k / h / x", what: `${this.name}: keyframe here / toggle out of view / remove this keyframe` }];
  }
}
