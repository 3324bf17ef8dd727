// A modal confirmation built on <dialog>; resolves true only when the user confirms.
import { h, uniqueId } from "./dom.js";

export function confirmDialog({ title, message, confirmLabel = "Confirm", danger = false, requireText = null }) {
  return new Promise((resolve) => {
    const titleId = uniqueId("dlg");
    const input = requireText ? h("input", { type: "text", autocomplete: "off", id: uniqueId("confirm") }) : null;
    const confirm = h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary",
      disabled: Boolean(requireText) }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn" }, "Cancel");
    const form = h("form", { method: "dialog" },
      h("h2", { id: titleId }, title),
      h("p", null, message),
      input ? h("div", { class: "field" },
        h("label", { for: input.id }, `Type "${requireText}" to confirm`), input) : null,
      h("div", { class: "actions" }, cancel, confirm));
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId }, form);
    let result = false;
    if (input) input.addEventListener("input", () => { confirm.disabled = input.value !== requireText; });
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", () => { result = true; });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(result); });
    document.body.append(dialog);
    dialog.showModal();
    (input || cancel).focus();
  });
}
