// Relations drawn as arrows: one SVG laid over the objects of the editor, an arc from the source
// region to the target region with the relation's label on it. Regions are found where the viewers
// drew them (text marks, image and PDF shapes), so the arrows follow zoom, pan and scrolling.

import { labelColor, svg } from "./util.js";

const ARROW_ID = "lw-arrowhead";

export class RelationArrows {
  constructor(editor, container) {
    this.editor = editor;
    this.container = container;
    this.svg = svg("svg", { class: "lw-relation-arrows", "aria-hidden": "true" });
    container.append(this.svg);
    this._queued = false;
    this._schedule = () => this.schedule();
    container.addEventListener("scroll", this._schedule, true);
    container.addEventListener("wheel", this._schedule, { passive: true });
    container.addEventListener("pointerup", this._schedule);
    window.addEventListener("resize", this._schedule);
    this._resize = new ResizeObserver(this._schedule);
    this._resize.observe(container);
  }

  destroy() {
    window.removeEventListener("resize", this._schedule);
    this._resize.disconnect();
  }

  // Draw after the viewers have laid out this frame.
  schedule() {
    if (this._queued) return;
    this._queued = true;
    requestAnimationFrame(() => { this._queued = false; this.draw(); });
  }

  relationControls() { return Object.values(this.editor.controls).filter((c) => c.spec.type === "relations"); }

  // The box of a region on screen, relative to the container; null when it is not drawn now.
  box(id) {
    const esc = CSS.escape(id);
    const marks = [...this.container.querySelectorAll(`[data-marks~="${esc}"]`)];
    const shape = marks.length ? null : this.container.querySelector(`svg:not(.lw-relation-arrows) [data-region="${esc}"]`);
    const rects = marks.length ? marks.map((m) => m.getBoundingClientRect()) : shape ? [shape.getBoundingClientRect()] : [];
    const visible = rects.filter((r) => r.width || r.height);
    if (!visible.length) return null;
    const origin = this.container.getBoundingClientRect();
    const first = visible[0];
    return { x: first.left - origin.left + first.width / 2, top: first.top - origin.top, bottom: first.bottom - origin.top,
      left: first.left - origin.left, right: first.right - origin.left };
  }

  draw() {
    const { width, height } = this.container.getBoundingClientRect();
    this.svg.setAttribute("viewBox", `0 0 ${Math.max(1, width)} ${Math.max(1, height)}`);
    this.svg.setAttribute("width", String(width));
    this.svg.setAttribute("height", String(height));
    const nodes = [svg("defs", {}, svg("marker", { id: ARROW_ID, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "context-stroke" })))];
    for (const control of this.relationControls()) {
      control.relations().forEach((relation, index) => {
        const a = this.box(relation.from);
        const b = this.box(relation.to);
        if (!a || !b) return;
        const color = relation.label ? labelColor(control.spec, relation.label) : "#444";
        const [x1, y1, x2, y2] = [a.x, a.top, b.x, b.top];
        const lift = 18 + Math.min(60, Math.abs(x2 - x1) / 6);
        const cy = Math.min(y1, y2) - lift;
        const cx = (x1 + x2) / 2;
        const g = svg("g", { class: "lw-relation-arrow", "data-from": relation.from, "data-to": relation.to, "data-index": String(index), style: `--lw-color:${color}` },
          svg("path", { d: `M${x1},${y1} Q${cx},${cy} ${x2},${y2 - 1}`, fill: "none", stroke: color, "stroke-width": "1.8", "marker-end": `url(#${ARROW_ID})` }));
        if (relation.label) {
          // the curve's highest point, where the label sits
          const my = (y1 + 2 * cy + y2) / 4;
          g.append(svg("text", { class: "lw-relation-label", x: cx, y: my - 3, "text-anchor": "middle", fill: color, text: relation.label }));
        }
        nodes.push(g);
      });
    }
    this.svg.replaceChildren(...nodes);
  }
}
