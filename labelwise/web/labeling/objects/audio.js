import { el } from "../util.js";
export class AudioViewer { constructor(editor, name) { this.el = el("div", { text: "todo" }); } render() {} }
