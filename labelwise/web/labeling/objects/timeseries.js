import { el } from "../util.js";
export class TimeseriesViewer { constructor(editor, name) { this.el = el("div", { text: "todo" }); } render() {} }
