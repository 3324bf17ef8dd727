// One hotkey per label across every control of a schema, so a key means the same thing whatever
// control is active. A control's `hotkeys` map in the schema is used as given (`{}`: no keys);
// the labels of controls without one take the next free key of DEFAULT_POOL, in schema order.
// labelwise/schema/hotkeys.py computes the same map on the server and rejects conflicts at save.

// Keys the page and the tools use; a label key never takes one of these.
export const RESERVED = new Set([
  "enter", "escape", "tab", "shift+tab", "delete", "backspace", "space", "arrowleft", "arrowright", "arrowup", "arrowdown",
  "home", "end", "pageup", "pagedown", "f2", "?", "[", "]", ",", ".", "<", ">", "+", "-", "=",
  "s", "g", "a", "shift+a", "r", "m", "t", "f", "e", "q", "h", "n", "k", "x", "c", "b",
]);

export const DEFAULT_POOL = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "w", "y", "u", "i", "o", "p", "d", "j", "l", "z", "v"];

const LABEL_TYPES = new Set(["choices", "spans", "boxes", "polygons", "polylines", "keypoints", "masks", "segments", "tracks", "relations"]);

export function labelsOf(spec) {
  if (!LABEL_TYPES.has(spec.type)) return [];
  return (spec.type === "choices" ? spec.options : spec.labels) || [];
}

// {controlName: {label: key}} for every label-bearing control of the schema.
export function assignHotkeys(schema) {
  const controls = Object.entries((schema && schema.controls) || {}).filter(([, spec]) => labelsOf(spec).length);
  const used = new Set();
  const out = {};
  for (const [name, spec] of controls) {
    if (spec.hotkeys && typeof spec.hotkeys === "object") {
      out[name] = Object.fromEntries(Object.entries(spec.hotkeys).map(([label, key]) => [label, String(key).toLowerCase()]));
      for (const key of Object.values(out[name])) used.add(key);
    }
  }
  const free = DEFAULT_POOL.filter((key) => !used.has(key));
  for (const [name, spec] of controls) {
    if (out[name]) continue;
    out[name] = {};
    for (const label of labelsOf(spec)) {
      if (!free.length) break;
      out[name][label] = free.shift();
    }
  }
  return out;
}
