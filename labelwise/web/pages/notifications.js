// The caller's notifications: pauses and qualification results for annotators, quality alerts for managers.
import { api } from "/static/api.js";
import { toastError } from "/static/components/alerts.js";
import { formatDate, h } from "/static/components/dom.js";
import { refreshAlertCount } from "/static/app.js";

export default async function notificationsPage(view, ctx) {
  ctx.setTitle("Notifications");
  const items = await api("/notifications?limit=200", { signal: ctx.signal });
  view.append(h("h1", { tabindex: "-1" }, "Notifications"));
  if (!items.length) {
    view.append(h("p", { class: "muted" }, "Nothing here: no alerts and no messages for you."));
    return;
  }
  const list = h("ul", { class: "notifications card" });
  for (const item of items) list.append(row(item));
  view.append(list);
}

function row(item) {
  const mark = h("button", { type: "button", class: "btn btn-small", hidden: item.read_at ? "" : null }, "Mark as read");
  const entry = h("li", { class: item.read_at ? "notification read" : "notification unread" },
    h("p", { class: "notification-message" }, item.message),
    h("p", { class: "muted" }, `${item.kind.replaceAll("_", " ")} · ${formatDate(item.created_at)}`,
      item.project_id ? " · " : "",
      item.project_id ? h("a", { href: `/app/projects/${item.project_id}` }, `project ${item.project_id}`) : ""),
    mark);
  mark.addEventListener("click", async () => {
    mark.disabled = true;
    try {
      await api(`/notifications/${item.id}/read`, { method: "POST" });
      entry.className = "notification read";
      mark.hidden = true;
      refreshAlertCount();
    } catch (error) {
      mark.disabled = false;
      toastError(error, "Could not mark it as read: ");
    }
  });
  return entry;
}
