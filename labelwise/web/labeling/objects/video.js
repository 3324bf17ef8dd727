import { el } from "../util.js";
export class VideoViewer { constructor(editor, name) { this.el = el("div", { text: "todo" }); } render() {} }
