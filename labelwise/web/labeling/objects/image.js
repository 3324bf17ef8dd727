import { el } from "../util.js";
export class ImageViewer { constructor(editor, name) { this.el = el("div", { text: "todo" }); } render() {} }
