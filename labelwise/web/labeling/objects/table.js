// Table objects: one record shown as a two-column table (column, value), in the schema's column order.

import { el } from "../util.js";

export class TableViewer {
  constructor(editor, name, spec, value) {
    this.editor = editor;
    this.el = el("div", { class: "lw-table-viewer" });
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      this.el.append(el("p", { class: "lw-error", role: "alert", text: `This task has no record under "${spec.field || name}".` }));
      return;
    }
    const columns = spec.columns || Object.keys(value);
    const show = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
    this.el.append(el("table", { class: "lw-table" }, el("tbody", {}, columns.map((column) =>
      el("tr", {}, el("th", { scope: "row", text: column }), el("td", { text: show(value[column]) }))))));
  }

  render() {}
}
