// Cuboids in a point cloud, and 3D tracks (a `tracks` control on a pointcloud): drawn in the viewer's top
// view or placed with n, then nudged, turned and resized by keyboard while selected:
//   arrows          move 0.1 m (↑/↓ along x, ←/→ along y; Ctrl: 1 m)     Shift+↑/↓  move up/down
//   q / e           turn 1° left / right (Shift: 10°)
//   Alt+↑/↓         longer / shorter 0.1 m     Alt+←/→  narrower / wider     Alt+Shift+↑/↓  taller / lower
//   Shift+N         (a sequence) copy the previous frame's cuboids to this frame
// Tracks keep one keyframe per frame they were edited on, interpolated between (centre and size linearly,
// angles the short way); k adds a keyframe here, h hides the object from here on (or shows it), x removes
// this frame's keyframe. Values are metres and radians, as the server stores them.

import { RegionControl } from "./base.js";

const GEOMETRY = ["x", "y", "z", "length", "width", "height", "yaw"];
const TILT = ["pitch", "roll"];
const TAU = 2 * Math.PI;
const DEG = Math.PI / 180;
// Sizes a new cuboid starts with when its label names a common road user (metres: length, width, height).
const SIZES = {
  car: [4.2, 1.8, 1.5], van: [5.5, 2.1, 2.2], truck: [8, 2.5, 3.2], bus: [11, 2.6, 3.2], pedestrian: [0.6, 0.6, 1.8],
  person: [0.6, 0.6, 1.8], cyclist: [1.8, 0.6, 1.7], bicycle: [1.8, 0.6, 1.2], motorcycle: [2.1, 0.8, 1.4],
};

const mm = (v) => Math.round(v * 1000) / 1000;
// The same angle in (-pi, pi], rounded to 1e-6 rad.
export function normalAngle(angle) {
  let a = angle % TAU;
  if (a > Math.PI) a -= TAU;
  if (a <= -Math.PI) a += TAU;
  return Math.round(a * 1e6) / 1e6;
}

function tidy(box) {
  const out = {};
  for (const key of GEOMETRY) out[key] = key === "yaw" ? normalAngle(box.yaw) : mm(box[key]);
  for (const key of TILT) if (box[key] !== undefined) out[key] = normalAngle(box[key]);
  for (const key of ["length", "width", "height"]) out[key] = Math.max(0.05, out[key]);
  return out;
}

// The cuboid of a track at a frame (null before its first keyframe or while hidden), as the server's cuboid_at.
export function cuboidOfTrack(track, frame) {
  const keys = track.keyframes || [];
  if (!keys.length || frame < keys[0].frame) return null;
  let i = keys.length - 1;
  while (i > 0 && keys[i].frame > frame) i--;
  const a = keys[i];
  if (a.visible === false) return null;
  const b = keys[i + 1];
  const geometry = [...GEOMETRY, ...TILT.filter((k) => a[k] !== undefined)];
  if (a.frame === frame || !b) return { ...Object.fromEntries(geometry.map((k) => [k, a[k]])), keyframe: a.frame === frame };
  const t = (frame - a.frame) / (b.frame - a.frame);
  const out = { keyframe: false };
  for (const key of geometry) {
    if (key === "yaw" || TILT.includes(key)) {
      let d = ((b[key] ?? 0) - a[key]) % TAU;
      if (d > Math.PI) d -= TAU;
      if (d < -Math.PI) d += TAU;
      out[key] = normalAngle(a[key] + d * t);
    } else out[key] = a[key] + (b[key] - a[key]) * t;
  }
  return out;
}

export class CuboidsControl extends RegionControl {
  get tracking() { return this.spec.type === "tracks"; }
  viewer() { return this.editor.viewers[this.spec.object]; }
  get sequence() { return (this.viewer()?.frames.length || 1) > 1; }

  // The cuboid of a region at a frame, or null when it is not in that frame.
  cuboidAt(region, frame) {
    if (this.tracking) return cuboidOfTrack(region, frame);
    if ((region.frame ?? 0) !== frame) return null;
    return region;
  }

  describe(region) {
    if (this.tracking) {
      const k = region.keyframes || [];
      return `${region.label} (${k.length} keyframe${k.length === 1 ? "" : "s"}, frames ${k[0]?.frame + 1}–${k[k.length - 1]?.frame + 1})`;
    }
    const at = this.sequence ? ` @${(region.frame ?? 0) + 1}` : "";
    return `${region.label} ${region.length.toFixed(1)}×${region.width.toFixed(1)}×${region.height.toFixed(1)} m${at}`;
  }

  create(box, frame) {
    const geometry = tidy(box);
    if (this.tracking) return this.add({ keyframes: [{ frame, ...geometry, visible: true }] });
    return this.add(this.sequence ? { ...geometry, frame } : geometry);
  }

  setCuboid(id, frame, box, { record = true } = {}) {
    const geometry = tidy(box);
    if (!this.tracking) { this.update(id, geometry, { record }); return; }
    this.update(id, (track) => {
      const previous = track.keyframes.find((k) => k.frame === frame);
      const rest = track.keyframes.filter((k) => k.frame !== frame);
      return { keyframes: [...rest, { frame, ...geometry, visible: previous?.visible ?? true }].sort((a, b) => a.frame - b.frame) };
    }, { record });
  }

  _selected() {
    const sel = this.editor.selected;
    return sel && sel.control === this.name ? this.region(sel.id) : null;
  }

  _newCuboid() {
    const viewer = this.viewer();
    if (!viewer || this.readonly) return false;
    const place = viewer.placeForNew();
    const [length, width, height] = SIZES[String(this.currentLabel).toLowerCase()] || [2, 2, 1.5];
    this.create({ x: place.x, y: place.y, z: place.ground + height / 2, length, width, height, yaw: 0 }, viewer.frame);
    this.editor.say(`New ${this.currentLabel}: arrows move it, q/e turn it, Alt+arrows resize it`);
    return true;
  }

  handleKey(event, key, opts = {}) {
    const viewer = this.viewer();
    if (!opts.passive && key === "n" && viewer) return this._newCuboid();
    if (!opts.passive && key === "shift+n" && viewer && !this.tracking) return this._copyPrevious(viewer.frame);
    const region = this._selected();
    if (!opts.passive && region && viewer && !this.readonly) {
      const frame = viewer.frame;
      const box = this.cuboidAt(region, frame) || (this.tracking ? this._nearestKey(region, frame) : null);
      const edit = this._edit(key, box);
      if (edit) {
        this.setCuboid(region.id, frame, { ...box, ...edit });
        const now = this.cuboidAt(this.region(region.id), frame);
        if (now) this.editor.say(`${region.label}: x ${now.x.toFixed(2)} y ${now.y.toFixed(2)} z ${now.z.toFixed(2)}, ` +
          `${now.length.toFixed(2)}×${now.width.toFixed(2)}×${now.height.toFixed(2)} m, yaw ${(now.yaw / DEG).toFixed(0)}°`);
        return true;
      }
      if (this.tracking && this._trackKey(key, region, frame, box)) return true;
    }
    return super.handleKey(event, key, opts);
  }

  // Every cuboid of the previous frame, copied to this one (objects that barely moved keep their boxes).
  _copyPrevious(frame) {
    if (this.readonly || !this.sequence || frame === 0) return false;
    const previous = this.regions().filter((r) => (r.frame ?? 0) === frame - 1);
    if (!previous.length) { this.editor.say(`Frame ${frame} has no cuboids to copy`); return true; }
    this.editor.batch(() => {
      for (const region of previous) {
        const { id: _id, frame: _frame, score: _score, ...rest } = region;
        this.add({ ...rest, frame });
      }
    });
    this.editor.select(null);
    this.editor.say(`${previous.length} cuboid${previous.length === 1 ? "" : "s"} copied from frame ${frame}`);
    return true;
  }

  _nearestKey(track, frame) {
    return [...track.keyframes].reverse().find((k) => k.frame <= frame) || track.keyframes[0];
  }

  // The change a key makes to a cuboid, or null for keys that do not edit it.
  _edit(key, box) {
    if (!box) return null;
    const parts = key.split("+");
    const base = parts[parts.length - 1];
    const ctrl = parts.includes("ctrl"), alt = parts.includes("alt"), shift = parts.includes("shift");
    const step = ctrl ? 1 : 0.1;
    if (base === "q" || base === "e") {
      if (alt || ctrl) return null;
      return { yaw: box.yaw + (base === "q" ? 1 : -1) * (shift ? 10 : 1) * DEG };
    }
    const arrows = { arrowup: 1, arrowdown: -1, arrowleft: 1, arrowright: -1 };
    if (!(base in arrows)) return null;
    const sign = arrows[base];
    const vertical = base === "arrowup" || base === "arrowdown";
    if (alt) {
      if (shift) return vertical ? { height: box.height + sign * step } : null;
      return vertical ? { length: box.length + sign * step } : { width: box.width - sign * step };
    }
    if (shift) return vertical ? { z: box.z + sign * step } : null;
    return vertical ? { x: box.x + sign * step } : { y: box.y + sign * step };
  }

  _trackKey(key, track, frame, box) {
    if (key === "k") {
      this.setCuboid(track.id, frame, box);
      this.editor.say(`Keyframe at frame ${frame + 1}`);
      return true;
    }
    if (key === "h") {
      const visible = this.cuboidAt(track, frame) === null;
      this.update(track.id, (t) => {
        const rest = t.keyframes.filter((k) => k.frame !== frame);
        return { keyframes: [...rest, { frame, ...tidy(box), visible }].sort((a, b) => a.frame - b.frame) };
      });
      this.editor.say(visible ? `In view from frame ${frame + 1}` : `Out of view from frame ${frame + 1}`);
      return true;
    }
    if (key === "x") {
      if (track.keyframes.length > 1 && track.keyframes.some((k) => k.frame === frame)) {
        this.update(track.id, { keyframes: track.keyframes.filter((k) => k.frame !== frame) });
        this.editor.say(`Keyframe at frame ${frame + 1} removed`);
      }
      return true;
    }
    return false;
  }

  keys() {
    return [...super.keys(),
      { key: "n", what: `${this.name}: a new cuboid where the views look` },
      ...(this.tracking ? [] : [{ key: "Shift+N", what: `${this.name}: copy the previous frame's cuboids to this frame` }]),
      { key: "arrows (Ctrl: 1 m), Shift+↑/↓", what: `${this.name}: move the selected cuboid 0.1 m in x/y, up/down` },
      { key: "q / e (Shift: 10°)", what: `${this.name}: turn the selected cuboid 1°` },
      { key: "Alt+arrows, Alt+Shift+↑/↓", what: `${this.name}: length, width, height ±0.1 m` },
      ...(this.tracking ? [{ key: "k / h / x", what: `${this.name}: keyframe here / toggle out of view / remove this keyframe` }] : [])];
  }
}
