// Webhooks of a project: add one (URL, events), see its signing secret once, ping, pause, rotate, remove;
// the delivery log of each (status, attempts, response code, latency, last error) with Redeliver.
import { api } from "/static/api.js";
import { errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { confirmDialog } from "/static/components/dialog.js";
import { field, formatDate, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

export default async function webhooksPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Webhooks · ${project.name}`);
  view.append(projectHeader(project, "webhooks", { title: `Webhooks · ${project.name}` }));
  if (!canDo(project, "manager")) {
    view.append(infoBox(`Only managers of this project can manage its webhooks; your role is ${project.role}.`));
    return;
  }
  const eventNames = await api("/webhooks/events", { signal: ctx.signal });
  const url = h("input", { name: "url", type: "url", autocomplete: "off", required: true,
    placeholder: "https://example.com/labelwise-events" });
  const description = h("input", { name: "description", autocomplete: "off" });
  const boxes = eventNames.map((name) => h("input", { type: "checkbox", name: "events", value: name, checked: true }));
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const form = h("form", { class: "card webhook-form", novalidate: true },
    h("h2", null, "Add a webhook"),
    h("p", { class: "small muted" }, "Each event is POSTed as JSON, signed with HMAC-SHA256 in the ",
      h("code", null, "Labelwise-Signature"), " header, and retried with backoff until the receiver answers 2xx."),
    h("div", { class: "row" }, field("URL", url).wrap, field("Description", description).wrap),
    h("fieldset", { class: "webhook-events" }, h("legend", null, "Events"),
      boxes.map((box) => h("label", { class: "checkbox" }, box, " ", box.value))),
    h("button", { type: "submit", class: "btn btn-primary" }, "Add webhook"),
    message);
  const secretBox = h("div", { "aria-live": "polite" });
  const list = h("section", { class: "card" }, h("h2", null, "Webhooks"));
  const body = h("div");
  list.append(body);
  const log = h("section", { class: "card webhook-log", hidden: true });
  view.append(form, secretBox, list, log);
  let shownLog = null;

  const showSecret = (hook) => {
    secretBox.replaceChildren(h("div", { class: "alert alert-info", role: "status" },
      h("strong", null, `Signing secret of webhook #${hook.id}: `), h("code", { class: "webhook-secret" }, hook.secret),
      h("div", { class: "small" }, "Copy it now: it is not shown again. Verify deliveries with it (labelwise.sdk.verify_signature).")));
  };

  const load = async () => {
    try {
      const hooks = await api(`/projects/${project.id}/webhooks`, { signal: ctx.signal });
      body.replaceChildren(hooks.length ? table(hooks)
        : h("p", { class: "muted" }, "No webhooks yet. Add one above to send this project's events to another system."));
      if (shownLog) await loadLog(shownLog);
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: load, title: "The webhooks could not be loaded." }));
    }
  };

  const act = async (what, call) => {
    try {
      const out = await call();
      if (out && out.secret) showSecret(out);
      toast(what);
    } catch (error) { toastError(error, `${what}: `); }
    load();
  };

  function table(hooks) {
    return h("div", { class: "table-wrap" }, h("table", { class: "table webhooks-table" },
      h("thead", null, h("tr", null, ["URL", "Events", "Deliveries", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, hooks.map((hook) => {
        const button = (label, onclick, cls = "btn btn-small") => h("button", { type: "button", class: cls, onclick }, label);
        const counts = hook.deliveries;
        return h("tr", { "data-webhook-id": String(hook.id) },
          h("td", null, h("strong", { class: "webhook-url" }, hook.url),
            hook.description ? h("div", { class: "small muted" }, hook.description) : null,
            h("div", { class: "small muted" }, `secret ${hook.secret_hint}`)),
          h("td", { class: "small" }, hook.events.join(", ")),
          h("td", { class: "small" }, `${counts.delivered} delivered, ${counts.pending} pending, `,
            h("span", { class: counts.failed ? "job-error" : null }, `${counts.failed} failed`)),
          h("td", null, h("span", { class: `badge job-${hook.active ? "succeeded" : "cancelled"}` }, hook.active ? "active" : "paused")),
          h("td", null,
            button("Deliveries", () => loadLog(hook)), " ",
            button("Ping", () => act(`Ping queued to #${hook.id}`, () => api(`/webhooks/${hook.id}/ping`, { method: "POST" }))), " ",
            button(hook.active ? "Pause" : "Resume", () => act(hook.active ? "Paused" : "Resumed",
              () => api(`/webhooks/${hook.id}`, { method: "PATCH", body: { active: !hook.active } }))), " ",
            button("Rotate secret", async () => {
              if (await confirmDialog({ title: "Rotate the signing secret?", confirmLabel: "Rotate",
                message: "Deliveries are signed with the new secret from now on; update the receiver." })) {
                act("Secret rotated", () => api(`/webhooks/${hook.id}`, { method: "PATCH", body: { rotate_secret: true } }));
              }
            }), " ",
            button("Remove", async () => {
              if (await confirmDialog({ title: "Remove this webhook?", danger: true, confirmLabel: "Remove",
                message: `${hook.url} gets no more events, and its delivery log is deleted.` })) {
                if (shownLog && shownLog.id === hook.id) { shownLog = null; log.hidden = true; }
                act("Webhook removed", () => api(`/webhooks/${hook.id}`, { method: "DELETE" }));
              }
            }, "btn btn-small btn-danger")));
      }))));
  }

  async function loadLog(hook) {
    shownLog = hook;
    log.hidden = false;
    const refresh = h("button", { type: "button", class: "btn btn-small", onclick: () => loadLog(hook) }, "Refresh");
    try {
      const rows = await api(`/webhooks/${hook.id}/deliveries?limit=100`, { signal: ctx.signal });
      log.replaceChildren(h("h2", null, `Deliveries to ${hook.url} `, refresh), rows.length ? logTable(rows)
        : h("p", { class: "muted" }, "No deliveries yet. Ping the webhook to send a test event."));
    } catch (error) {
      if (error.name === "AbortError") return;
      log.replaceChildren(errorBox(error, { retry: () => loadLog(hook), title: "The delivery log could not be loaded." }));
    }
  }

  function logTable(rows) {
    const statusClass = { delivered: "succeeded", failed: "failed", pending: "running" };
    return h("div", { class: "table-wrap" }, h("table", { class: "table deliveries-table" },
      h("thead", null, h("tr", null, ["#", "Event", "Status", "Attempts", "Response", "Latency", "Last attempt", ""]
        .map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, rows.map((d) => {
        const redeliver = d.status === "pending" ? null : h("button", { type: "button", class: "btn btn-small",
          onclick: () => act(`Redelivery of #${d.id} queued`, () => api(`/webhook-deliveries/${d.id}/redeliver`, { method: "POST" })) },
        "Redeliver");
        return h("tr", { "data-delivery-id": String(d.id) },
          h("td", null, String(d.id), d.redelivery_of ? h("div", { class: "small muted" }, `again #${d.redelivery_of}`) : null),
          h("td", null, d.event),
          h("td", null, h("span", { class: `badge job-${statusClass[d.status]}` }, d.status),
            d.last_error ? h("div", { class: "job-error small" }, d.last_error) : null,
            d.next_attempt_at ? h("div", { class: "small muted" }, `next try ${formatDate(d.next_attempt_at)}`) : null),
          h("td", null, String(d.attempts)),
          h("td", null, d.last_status_code ? String(d.last_status_code) : "—"),
          h("td", null, d.last_latency_ms !== null ? `${d.last_latency_ms} ms` : "—"),
          h("td", null, d.last_attempt_at ? h("time", { datetime: d.last_attempt_at }, formatDate(d.last_attempt_at)) : "—"),
          h("td", null, redeliver));
      }))));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    try {
      const added = await api(`/projects/${project.id}/webhooks`, { method: "POST", body: {
        url: url.value.trim(), description: description.value.trim(),
        events: boxes.filter((b) => b.checked).map((b) => b.value) } });
      form.reset();
      boxes.forEach((b) => { b.checked = true; });
      showSecret(added);
      toast(`Added webhook #${added.id}`);
    } catch (error) {
      message.replaceChildren(errorBox(error, { title: "The webhook could not be added." }));
    }
    load();
  });
  await load();
}
