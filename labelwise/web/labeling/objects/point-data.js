// The points of point-cloud frames, apart from the viewer (and three.js), so the labeling page can start
// fetching them while its modules still load, and the viewer can fetch the frames next to the one shown.
// Each URL is fetched once: a prefetch and the viewer share the same promise of a Float32Array (n x 4).

import { mediaOf, safeMediaUrl } from "../util.js";

const KEPT = 8; // decoded frames kept (about 2 MB each at 120k points): the current one and its neighbours
const loads = new Map(); // url -> Promise<Float32Array>, oldest first

// The sweeps of a value: one {src, points?} or {frames: [...]} / a plain list for a sequence.
export function framesOf(value) {
  if (value && typeof value === "object" && Array.isArray(value.frames)) return value.frames.map(mediaOf);
  if (Array.isArray(value)) return value.map(mediaOf);
  return [mediaOf(value)];
}

// Where the decoded points of a sweep are: stored files through the server's /points route; a KITTI .bin
// elsewhere is already x, y, z, intensity as float32.
export function pointsUrl(src) {
  const url = safeMediaUrl(src, "any");
  if (!url) return null;
  const path = new URL(url).pathname;
  if (path.startsWith("/api/v1/media/")) return url.replace(/(\?|$)/, "/points$1");
  return /\.bin$/i.test(path) ? url : null;
}

// The points at `url` (x, y, z, intensity as float32); a failed fetch is forgotten so a later call retries.
export function loadPoints(url) {
  let load = loads.get(url);
  if (load) {
    loads.delete(url);
    loads.set(url, load);
    return load;
  }
  load = fetch(url, { credentials: "same-origin" }).then(async (response) => {
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return new Float32Array(await response.arrayBuffer());
  });
  load.catch(() => { if (loads.get(url) === load) loads.delete(url); });
  loads.set(url, load);
  while (loads.size > KEPT) loads.delete(loads.keys().next().value);
  return load;
}
