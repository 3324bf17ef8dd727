// Undo/redo for one task's result: a stack of whole-result snapshots (results are small JSON).

import { clone } from "./util.js";

export class History {
  constructor(limit = 200) {
    this.limit = limit;
    this.reset(undefined);
  }

  reset(value) {
    this.past = [];
    this.future = [];
    this.present = clone(value ?? {});
  }

  // Record a new state; the previous one becomes undoable and the redo stack is dropped.
  push(value) {
    const next = clone(value);
    if (JSON.stringify(next) === JSON.stringify(this.present)) return false;
    this.past.push(this.present);
    if (this.past.length > this.limit) this.past.shift();
    this.present = next;
    this.future = [];
    return true;
  }

  get canUndo() { return this.past.length > 0; }
  get canRedo() { return this.future.length > 0; }

  undo() {
    if (!this.past.length) return null;
    this.future.push(this.present);
    this.present = this.past.pop();
    return clone(this.present);
  }

  redo() {
    if (!this.future.length) return null;
    this.past.push(this.present);
    this.present = this.future.pop();
    return clone(this.present);
  }
}
