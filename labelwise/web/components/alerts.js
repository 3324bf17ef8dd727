// Messages in words: toasts for outcomes, inline alerts for failures (with Retry when the network failed).
import { h } from "./dom.js";

export const UNAUTHORIZED_EVENT = "lw:unauthorized";

/** The sentence to show for any error; 401s also ask the app to send the user to the login page. */
export function describeError(error) {
  if (!error) return "Something went wrong.";
  if (error.status === 401) {
    window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    return "Your session has ended. Please log in again.";
  }
  if (error.status === 0) return error.message || "Cannot reach the server. Check your connection and retry.";
  if (error.status === 403) return `Not allowed: ${error.message}`;
  return error.message || String(error);
}

/** An inline alert. `retry` adds a Retry button (always for network loss, on request otherwise). */
export function errorBox(error, { retry = null, title = null, alwaysRetry = false } = {}) {
  const message = describeError(error);
  const box = h("div", { class: "alert alert-error", role: "alert" });
  if (title) box.append(h("strong", null, title), " ");
  box.append(h("span", { class: "alert-message" }, message));
  if (error && error.field) box.append(" ", h("span", { class: "alert-field" }, `(field: ${error.field})`));
  if (retry && (alwaysRetry || !error || error.status === 0 || error.status >= 500)) {
    box.append(" ", h("button", { type: "button", class: "btn btn-small", onclick: retry }, "Retry"));
  }
  return box;
}

export function infoBox(text, kind = "info") {
  return h("div", { class: `alert alert-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

function region() {
  let el = document.getElementById("toasts");
  if (!el) {
    el = h("div", { id: "toasts", class: "toasts", "aria-live": "polite" });
    document.body.append(el);
  }
  return el;
}

/** A short message that goes away by itself; errors stay until dismissed. */
export function toast(message, { kind = "success", timeout = 4000 } = {}) {
  const close = h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss" }, "×");
  const el = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", null, message), close);
  close.addEventListener("click", () => el.remove());
  region().append(el);
  if (kind !== "error") setTimeout(() => el.remove(), timeout);
  return el;
}

export function toastError(error, prefix = "") {
  return toast(`${prefix}${describeError(error)}`, { kind: "error" });
}
