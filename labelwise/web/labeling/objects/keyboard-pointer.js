// A pointer driven by the keyboard, so that every drawing tool works without a mouse: Alt+arrows move a
// crosshair over the image or video frame (10 screen pixels a step, 1 with Shift), and Alt+Enter presses
// it where it is. Tools get exactly the calls a mouse click or drag gives them (pointerDown, then the
// gesture's move and end), so each tool keeps one drawing code path: a box or a brush stroke starts at
// the first Alt+Enter and follows the crosshair until the second; polygon and keypoint tools take one
// point per Alt+Enter and finish on Enter as with the mouse.

import { svg } from "../util.js";

const MOVES = { arrowleft: [-1, 0], arrowright: [1, 0], arrowup: [0, -1], arrowdown: [0, 1] };
const MOUSE = { button: 0, buttons: 1, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, preventDefault() {} };

export class KeyboardPointer {
  constructor(viewer, layer) {
    this.viewer = viewer;
    this.at = null;       // where the crosshair is, in image pixels (null: not shown yet)
    this.gesture = null;  // a drag in progress: {move, end}
    this.mark = svg("g", { class: "lw-kbd-pointer", "aria-hidden": "true" });
    layer.append(this.mark);
  }

  handleKey(key) {
    const parts = key.split("+");
    const name = parts[parts.length - 1];
    if (parts[0] === "alt" && name in MOVES && parts.length <= 3 && (parts.length === 2 || parts[1] === "shift")) {
      const [dx, dy] = MOVES[name];
      const step = (parts.length === 3 ? 1 : 10) * this.viewer.unit();
      const from = this.at || this.centre();
      this.moveTo({ x: from.x + dx * step, y: from.y + dy * step });
      return true;
    }
    if (key === "alt+enter") return this.press();
    if (key === "escape" && this.gesture) { this.cancel(); return true; }
    return false;
  }

  centre() {
    const v = this.viewer;
    return v.width && v.height ? { x: v.width / 2, y: v.height / 2 } : { x: 0, y: 0 };
  }

  moveTo(p) {
    const v = this.viewer;
    this.at = v.clamp(p);
    this.at = { x: Math.round(this.at.x * 100) / 100, y: Math.round(this.at.y * 100) / 100 };
    const control = v.activeControl();
    if (control && control.hover) control.hover(this.at, v, MOUSE);
    if (this.gesture && this.gesture.move) this.gesture.move(this.at, MOUSE);
    this.show();
  }

  press() {
    const v = this.viewer;
    if (v.editor.readonly) return false;
    if (!this.at) this.at = this.centre();
    if (this.gesture) {
      const gesture = this.gesture;
      this.gesture = null;
      if (gesture.end) gesture.end(this.at, MOUSE);
      this.show();
      return true;
    }
    const node = this.under();
    const target = node && node.closest("[data-region]");
    const handle = node && node.closest("[data-handle]");
    const gesture = v.press(this.at, MOUSE, target, handle);
    if (gesture && gesture.move) this.gesture = gesture;
    else if (gesture && gesture.end) gesture.end(this.at, MOUSE);
    this.show();
    return true;
  }

  // What a mouse at the crosshair would press: the region or handle drawn there, if any.
  under() {
    const m = this.viewer.content.getScreenCTM();
    if (!m) return null;
    const { x, y } = this.at;
    const node = document.elementFromPoint(m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f);
    return node && this.viewer.svg.contains(node) ? node : null;
  }

  cancel() {
    const control = this.viewer.activeControl();
    this.gesture = null;
    if (control && "drawing" in control) control.drawing = null;
    if (control && "stroke" in control) control.stroke = null;
    this.viewer.render();
    this.show();
  }

  show() {
    if (!this.at) { this.mark.replaceChildren(); return; }
    const s = 12 * this.viewer.unit();
    const { x, y } = this.at;
    this.mark.replaceChildren(
      svg("line", { class: "lw-kbd-cross", x1: x - s, y1: y, x2: x + s, y2: y }),
      svg("line", { class: "lw-kbd-cross", x1: x, y1: y - s, x2: x, y2: y + s }),
      svg("circle", { class: "lw-kbd-cross", cx: x, cy: y, r: s / 3, fill: this.gesture ? "currentColor" : "none" }),
    );
  }

  keys() {
    return [{ key: "Alt+arrows (Shift: 1 px)", what: `${this.viewer.name}: move the keyboard pointer` },
      { key: "Alt+Enter", what: `${this.viewer.name}: press the keyboard pointer (start / end a box or stroke, add a point)` }];
  }
}
