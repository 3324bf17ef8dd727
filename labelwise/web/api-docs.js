// Renders the OpenAPI document as a browsable reference: endpoints by tag, parameters, bodies, responses.
// Everything is built with DOM nodes and textContent; nothing from the document is parsed as HTML.

const root = document.getElementById("api-docs");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function resolve(spec, schema) {
  if (schema && schema.$ref) return resolve(spec, schema.$ref.split("/").slice(1).reduce((o, k) => o[k], spec));
  return schema || {};
}

function typeName(spec, schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.anyOf) return schema.anyOf.map((s) => typeName(spec, s)).join(" | ");
  if (schema.type === "array") return `array of ${typeName(spec, schema.items)}`;
  return schema.type || "any";
}

function schemaTable(spec, schema) {
  const resolved = resolve(spec, schema);
  if (!resolved.properties) return el("p", {}, typeName(spec, schema));
  const required = new Set(resolved.required || []);
  const rows = Object.entries(resolved.properties).map(([name, prop]) =>
    el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, typeName(spec, prop)),
      el("td", {}, required.has(name) ? "required" : ""), el("td", {}, prop.description || "")));
  return el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"),
    el("th", {}, ""), el("th", {}, "description"))), el("tbody", {}, ...rows));
}

function operation(spec, path, method, op) {
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  if (op.parameters && op.parameters.length) {
    body.append(el("h4", {}, "Parameters"), el("table", {}, el("tbody", {}, ...op.parameters.map((p) =>
      el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
        el("td", {}, typeName(spec, p.schema)), el("td", {}, p.required ? "required" : ""),
        el("td", {}, p.description || (p.schema && p.schema.description) || ""))))));
  }
  const request = op.requestBody && op.requestBody.content;
  if (request) {
    for (const [media, content] of Object.entries(request)) {
      body.append(el("h4", {}, `Body (${media})`), schemaTable(spec, content.schema));
    }
  }
  body.append(el("h4", {}, "Responses"), el("table", {}, el("tbody", {}, ...Object.entries(op.responses || {}).map(
    ([code, response]) => el("tr", {}, el("td", {}, code), el("td", {}, response.description || ""),
      el("td", {}, typeName(spec, response.content && response.content["application/json"] &&
        response.content["application/json"].schema)))))));
  return el("details", { id: op.operationId || `${method}-${path}` },
    el("summary", {}, el("span", { class: `method ${method}` }, method.toUpperCase()),
      el("span", { class: "path" }, path), el("span", { class: "summary-text" }, op.summary || "")), body);
}

async function render() {
  const response = await fetch(root.dataset.openapi);
  const spec = await response.json();
  const byTag = new Map();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(spec, path, method, op));
    }
  }
  root.replaceChildren(el("h1", {}, `${spec.info.title} API ${spec.info.version}`),
    el("p", {}, "Authenticate with ", el("code", {}, "Authorization: Bearer <token>"),
      " (create one with ", el("code", {}, "labelwise user token NAME"), ") or the browser session cookie. ",
      "The machine-readable document is at ", el("a", { href: root.dataset.openapi }, root.dataset.openapi), "."));
  for (const [tag, ops] of byTag) root.append(el("section", {}, el("h2", {}, tag), ...ops));
}

render().catch((error) => root.replaceChildren(el("p", { role: "alert" }, `Cannot load the API document: ${error}`)));
