// One hotkey per label across every control of a schema, so a key means the same thing whatever
// control is active. A control's `hotkeys` map in the schema is used as given (`{}`: no keys); the
// labels of controls without one take the next free key of the pool, in schema order, skipping the
// keys the page and the schema's tools use. labelwise/schema/hotkeys.py is the same rule on the
// server, which rejects conflicting maps when the schema is saved.

// Page keys (submit, skip, guidelines, help, accept, retry, type, regions, controls): never label keys.
const PAGE_KEYS = ["enter", "escape", "tab", "delete", "backspace", "space", "arrowleft", "arrowright", "arrowup", "arrowdown",
  "?", "[", "]", "s", "g", "a", "r", "t", "f2"];

// Keys a tool uses while it is on the page: by control type and by object type.
const CONTROL_KEYS = {
  segments: ["m"], keypoints: ["h", "n"], tracks: ["k", "h", "x"], masks: ["e", ",", "."], taxonomy: ["x", "0"],
  ranking: ["c"], pairwise: ["b"], edit: ["e"],
};
const ROTATE_KEYS = ["e", "q"];
const OBJECT_KEYS = {
  image: ["f", "+", "-", "=", "pageup", "pagedown"], pdf: ["f", "+", "-", "=", "pageup", "pagedown"],
  audio: [",", ".", "<", ">"], video: [",", ".", "<", ">", "home", "end"], timeseries: [",", ".", "<", ">", "+", "-", "="],
  pointcloud: [",", ".", "pageup", "pagedown", "c", "n", "q", "e", "+", "-", "="],
};

const POOL = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "w", "y", "u", "i", "o", "p", "d", "j", "l", "z", "v",
  "b", "c", "e", "h", "k", "n", "q", "x", "f", "m"];

const LABEL_TYPES = new Set(["choices", "spans", "boxes", "polygons", "polylines", "keypoints", "masks", "segments", "tracks", "relations",
  "cuboids", "point_labels"]);

export function labelsOf(spec) {
  if (!LABEL_TYPES.has(spec.type)) return [];
  return (spec.type === "choices" ? spec.options : spec.labels) || [];
}

// The keys no label may take in this schema.
export function reservedKeys(schema) {
  const out = new Set(PAGE_KEYS);
  for (const spec of Object.values(schema.controls || {})) {
    for (const key of CONTROL_KEYS[spec.type] || []) out.add(key);
    if (spec.type === "boxes" && spec.rotatable) for (const key of ROTATE_KEYS) out.add(key);
  }
  for (const spec of Object.values(schema.objects || {})) for (const key of OBJECT_KEYS[spec.type] || []) out.add(key);
  return out;
}

// {controlName: {label: key}} for every label-bearing control of the schema.
export function assignHotkeys(schema) {
  const controls = Object.entries((schema && schema.controls) || {}).filter(([, spec]) => labelsOf(spec).length);
  const taken = reservedKeys(schema || {});
  const out = {};
  for (const [name, spec] of controls) {
    if (!spec.hotkeys || typeof spec.hotkeys !== "object") continue;
    out[name] = Object.fromEntries(Object.entries(spec.hotkeys).map(([label, key]) => [label, String(key).toLowerCase()]));
    for (const key of Object.values(out[name])) taken.add(key);
  }
  const free = POOL.filter((key) => !taken.has(key));
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
