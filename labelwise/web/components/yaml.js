// Writes a label schema as readable YAML (block style, short leaves inline). Strings that YAML
// could read as something else are double-quoted JSON strings, which YAML reads back unchanged.

const RESERVED = /^(y|yes|n|no|on|off|true|false|null|~)$/i;

function scalar(v) {
  if (typeof v === "string") {
    return /^[A-Za-z_][\w ./-]*$/.test(v) && !RESERVED.test(v) && !/\s$/.test(v) ? v : JSON.stringify(v);
  }
  if (v === null || v === undefined) return "null";
  return String(v);
}

function key(k) {
  return /^[A-Za-z_][\w-]*$/.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

function isScalar(v) {
  return v === null || typeof v !== "object";
}

function inline(v) {
  if (isScalar(v)) return scalar(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${key(k)}: ${inline(x)}`).join(", ")}}`;
}

function block(obj, indent) {
  const lines = [];
  for (const [k, v] of Object.entries(obj)) {
    const flat = inline(v);
    if (isScalar(v) || (indent.length + k.length + flat.length <= 76 && !flat.startsWith("{{"))) {
      if (isScalar(v) || Array.isArray(v) || indent.length > 0) { lines.push(`${indent}${key(k)}: ${flat}`); continue; }
    }
    if (Array.isArray(v)) {
      lines.push(`${indent}${key(k)}:`);
      for (const item of v) {
        if (isScalar(item) || Array.isArray(item) || Object.keys(item).length === 0) lines.push(`${indent}  - ${inline(item)}`);
        else {
          const sub = block(item, `${indent}    `).split("\n");
          lines.push(`${indent}  - ${sub[0].trimStart()}`, ...sub.slice(1));
        }
      }
    } else if (Object.keys(v).length === 0) {
      lines.push(`${indent}${key(k)}: {}`);
    } else {
      lines.push(`${indent}${key(k)}:`, block(v, `${indent}  `));
    }
  }
  return lines.join("\n");
}

export function toYaml(value) {
  if (isScalar(value) || Array.isArray(value)) return inline(value);
  return `${block(value, "")}\n`;
}
