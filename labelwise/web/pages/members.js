// Project members: who may annotate, review or manage; add by username, change role, remove.
import { api } from "/static/api.js";
import { describeError, errorBox, infoBox, toast, toastError } from "/static/components/alerts.js";
import { confirmDialog } from "/static/components/dialog.js";
import { field, h } from "/static/components/dom.js";
import { canDo, projectHeader } from "/static/components/project-nav.js";

const ROLES = ["annotator", "reviewer", "manager"];

export default async function membersPage(view, ctx) {
  const project = await api(`/projects/${ctx.params.id}`, { signal: ctx.signal });
  ctx.setTitle(`Members · ${project.name}`);
  if (!canDo(project, "manager")) {
    view.append(projectHeader(project, "members", { title: `Members · ${project.name}` }),
      infoBox(`Only managers of this project can manage its members; your role is ${project.role}.`));
    return;
  }
  const username = h("input", { name: "username", autocomplete: "off", required: true });
  const role = h("select", { name: "role" }, ROLES.map((r) => h("option", { value: r }, r)));
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const add = h("button", { type: "submit", class: "btn btn-primary" }, "Add member");
  const form = h("form", { class: "card member-form inline-form", novalidate: true },
    h("h2", null, "Add a member"),
    h("div", { class: "row" }, field("Username", username).wrap, field("Role", role).wrap, h("div", { class: "field" }, add)),
    message);
  const list = h("section", { class: "card" }, h("h2", null, "Members"));
  const body = h("div");
  list.append(body);

  const load = async () => {
    try {
      const members = await api(`/projects/${project.id}/members`, { signal: ctx.signal });
      body.replaceChildren(table(members));
    } catch (error) {
      if (error.name === "AbortError") return;
      body.replaceChildren(errorBox(error, { retry: load, title: "Members could not be loaded." }));
    }
  };

  function table(members) {
    if (!members.length) return h("p", { class: "muted" }, "No members yet.");
    return h("div", { class: "table-wrap" }, h("table", { class: "table members-table" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "User"), h("th", { scope: "col" }, "Role"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", null, members.map((m) => {
        const roleSelect = h("select", { "aria-label": `Role of ${m.username}` }, ROLES.map((r) => h("option", { value: r }, r)));
        const sso = m.granted_by === "sso"
          ? h("span", { class: "badge", title: "Given by the person's groups at the sign-in provider and kept in step at each sign-in; changing it here makes it yours." }, "from SSO groups")
          : h("span");
        roleSelect.value = m.role;
        roleSelect.addEventListener("change", async () => {
          try {
            await api(`/projects/${project.id}/members`, { method: "POST", body: { user_id: m.user_id, role: roleSelect.value } });
            toast(`${m.username} is now ${roleSelect.value}.`);
            m.role = roleSelect.value;
            sso.remove();  // set by hand now: single sign-on no longer changes it
          } catch (error) {
            roleSelect.value = m.role;
            toastError(error, `Could not change ${m.username}'s role: `);
          }
        });
        const remove = h("button", { type: "button", class: "btn btn-small btn-danger" }, "Remove");
        remove.setAttribute("aria-label", `Remove ${m.username}`);
        remove.addEventListener("click", async () => {
          const ok = await confirmDialog({ title: `Remove ${m.username}?`,
            message: `${m.username} will no longer see this project. Their annotations are kept.`, confirmLabel: "Remove", danger: true });
          if (!ok) { remove.focus(); return; }
          try {
            await api(`/projects/${project.id}/members/${m.user_id}`, { method: "DELETE" });
            toast(`Removed ${m.username}.`);
            await load();
            username.focus();
          } catch (error) {
            toastError(error, `Could not remove ${m.username}: `);
          }
        });
        return h("tr", { dataset: { username: m.username } }, h("th", { scope: "row" }, m.username, " ", sso), h("td", null, roleSelect), h("td", { class: "num" }, remove));
      }))));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const name = username.value.trim();
    if (!name) {
      message.append(h("p", { class: "alert alert-error", role: "alert" }, "Enter the username of the person to add."));
      username.focus();
      return;
    }
    add.disabled = true;
    try {
      const member = await api(`/projects/${project.id}/members`, { method: "POST", body: { username: name, role: role.value } });
      toast(`Added ${member.username} as ${member.role}.`);
      username.value = "";
      await load();
      username.focus();
    } catch (error) {
      message.append(h("p", { class: "alert alert-error", role: "alert" }, `Could not add ${name}: ${describeError(error)}`));
      username.focus();
    } finally {
      add.disabled = false;
    }
  });
  view.append(projectHeader(project, "members", { title: `Members · ${project.name}` }), form, list);
  await load();
}
