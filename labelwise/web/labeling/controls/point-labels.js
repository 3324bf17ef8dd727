// Per-point semantic labels on a point cloud: with this control active, a drag in the viewer's top view
// draws a lasso, and every point inside it (at any height) takes the current label. Each lasso is one
// region {label, runs: [[start, length], ...], frame?} of point indices; where regions overlap, the later
// one wins. The points show in their label's colour in every view; Delete removes the selected region.

import { RegionControl } from "./base.js";

// Sorted point indices as [start, length] runs.
export function toRuns(indices) {
  const runs = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}

export class PointLabelsControl extends RegionControl {
  viewer() { return this.editor.viewers[this.spec.object]; }
  get sequence() { return (this.viewer()?.frames.length || 1) > 1; }

  count(region) { return region.runs.reduce((n, run) => n + run[1], 0); }

  describe(region) {
    const at = this.sequence ? ` @${(region.frame ?? 0) + 1}` : "";
    return `${region.label}: ${this.count(region).toLocaleString()} points${at}`;
  }

  // The regions of one frame, in order (later ones win).
  regionsAt(frame) { return this.regions().filter((r) => (r.frame ?? 0) === frame); }

  addPoints(indices, frame) {
    if (!indices.length) { this.editor.say("The lasso holds no points"); return null; }
    const region = this.add({ runs: toRuns(indices), ...(this.sequence ? { frame } : {}) });
    if (region) this.editor.say(`${region.label}: ${indices.length.toLocaleString()} points`);
    return region;
  }

  keys() {
    return [...super.keys(), { key: "drag", what: `${this.name}: lasso points in the top view to give them the current label` }];
  }
}
