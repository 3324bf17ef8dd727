// Small DOM and data helpers shared by the labeling modules. Task content only ever reaches the page
// through textContent and attribute setters, never through HTML parsing.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.setAttribute("class", value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

// Media URLs from tasks: http(s), data: of images/audio/video, blob:, or a same-origin path.
export function safeMediaUrl(value, kind = "image") {
  if (typeof value !== "string") return null;
  const url = value.trim();
  if (!url) return null;
  const lower = url.toLowerCase();
  if (lower.startsWith("data:")) {
    const ok = new RegExp(`^data:${kind === "any" ? "(image|audio|video)" : kind}/[a-z0-9.+-]+[;,]`).test(lower);
    if (!ok) return null;
    // SVG data URLs shown as <img>/<image> cannot run scripts, but they are never needed for labeling.
    if (lower.startsWith("data:image/svg")) return null;
    return url;
  }
  if (lower.startsWith("blob:")) return url;
  let parsed;
  try { parsed = new URL(url, window.location.href); } catch { return null; }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("//")) return parsed.href;
  return parsed.origin === window.location.origin ? parsed.href : null;
}

// The media source of an object value: a URL string, or {src, width, height, ...}.
export function mediaOf(value) {
  if (typeof value === "string") return { src: value };
  if (value && typeof value === "object" && !Array.isArray(value)) return { ...value };
  return { src: null };
}

export function newId(prefix = "r") {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

// --- Unicode code points ------------------------------------------------------------------------
// Offsets in results count code points, the DOM counts UTF-16 units; these convert between them.
export function cpLength(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export function utf16ToCp(text, unitOffset) {
  return cpLength(text.slice(0, unitOffset));
}

export function cpToUtf16(text, cpOffset) {
  let units = 0;
  for (let n = 0; n < cpOffset && units < text.length; n++) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return units;
}

export function cpSlice(text, start, end) {
  return text.slice(cpToUtf16(text, start), cpToUtf16(text, end));
}

// --- colours ------------------------------------------------------------------------------------
const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#469990", "#800000"];
export function labelColor(spec, label) {
  if (spec.colors && spec.colors[label]) return spec.colors[label];
  const labels = spec.labels || spec.options || [];
  const index = Math.max(0, labels.indexOf(label));
  return PALETTE[index % PALETTE.length];
}

// --- keys ---------------------------------------------------------------------------------------
// "ctrl+shift+z", "1", "a", "arrowleft": the form schema hotkeys use.
export function keyName(event) {
  const parts = [];
  if (event.ctrlKey) parts.push("ctrl");
  if (event.altKey) parts.push("alt");
  if (event.metaKey) parts.push("meta");
  let key = event.key.length === 1 ? event.key.toLowerCase() : event.key.toLowerCase();
  if (key === " ") key = "space";
  // Shift is explicit for named keys and letters; for symbols ("?", "!") the character says it.
  if (event.shiftKey && (event.key.length > 1 || /[a-z]/i.test(event.key))) parts.push("shift");
  parts.push(key);
  return parts.join("+");
}

// Put exactly `nodes` into `parent`, in order, moving only what is out of place: a focused text box
// that stays in the list keeps its focus and caret (replaceChildren would detach it and drop both).
export function syncChildren(parent, nodes) {
  const wanted = nodes.filter(Boolean);
  const keep = new Set(wanted);
  for (const child of [...parent.childNodes]) if (!keep.has(child)) child.remove();
  wanted.forEach((node, i) => {
    const at = parent.childNodes[i];
    if (at !== node) parent.insertBefore(node, at || null);
  });
}

// A text field: while one has focus, keys are text (only Esc and Ctrl+Enter reach the page).
export function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !["checkbox", "radio", "button", "range"].includes(target.type))
    || target.isContentEditable;
}

export function round(value, digits = 2) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

let cssLoaded = false;
export function ensureStyles() {
  if (cssLoaded) return;
  cssLoaded = true;
  const href = new URL("./labeling.css", import.meta.url).href;
  if (!document.querySelector(`link[href="${href}"]`)) document.head.append(el("link", { rel: "stylesheet", href }));
}

// , and . step back and forward; with Shift (however the layout reports it: "<", ">" or Shift+",")
// the step is `big` times larger. Returns the signed number of steps, or 0 for other keys.
export function stepOf(event, key, big = 10) {
  const base = key.replace(/^shift\+/, "");
  const table = { ",": -1, ".": 1, "<": -big, ">": big };
  if (!(base in table)) return 0;
  return event.shiftKey && Math.abs(table[base]) === 1 ? table[base] * big : table[base];
}

// Options or labels a task lists in its data (strings or {value}), as labelwise.schema.dynamic reads them.
export function dataValues(data, field) {
  const raw = field && data ? data[field] : null;
  if (!Array.isArray(raw)) return [];
  const out = [];
  for (const item of raw) {
    const value = item && typeof item === "object" ? item.value : item;
    if (typeof value === "string" && value && !out.includes(value)) out.push(value);
  }
  return out;
}

// The option names or region labels an answer holds (for visible_when.values).
export function answerValues(value) {
  const out = new Set();
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "string") out.add(item);
      else if (Array.isArray(item)) item.forEach((step) => out.add(step));
      else if (item && typeof item.label === "string") out.add(item.label);
    }
  } else if (value && typeof value === "object") {
    for (const inner of Object.values(value)) answerValues(inner).forEach((v) => out.add(v));
  }
  return out;
}
