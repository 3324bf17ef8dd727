// Log in with username and password, or with the configured OpenID provider ("Sign in with ...");
// either way the server sets an HttpOnly session cookie.
import { api } from "/static/api.js";
import { h, field } from "/static/components/dom.js";

export default async function login(view, ctx) {
  ctx.setTitle("Log in");
  const next = ctx.query.get("next");
  const safeNext = next && next.startsWith("/app/") && !next.startsWith("/app/login") ? next : "/app/projects";
  if (ctx.user) { ctx.navigate(safeNext, { replace: true }); return; }
  if (ctx.query.get("sso") === "done") {
    // Back from the provider with a session cookie: the app has no user hint yet, so ask who we are.
    try {
      ctx.setUser(await api("/auth/me"));
      ctx.navigate(safeNext, { replace: true });
      return;
    } catch { /* no session after all: show the form, and the reason below if the server kept one */ }
  }
  const sso = await api("/auth/sso").catch(() => null);
  const username = h("input", { name: "username", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Log in");
  const form = h("form", { class: "card login-card", novalidate: true },
    h("h1", { tabindex: "-1" }, "Log in to labelwise"),
    field("Username", username).wrap,
    field("Password", password).wrap,
    message,
    h("div", { class: "actions" }, submit),
    sso && sso.enabled ? ssoBlock(sso, safeNext) : null);
  if (sso && sso.last_error) {
    message.append(h("p", { class: "alert alert-error", role: "alert" }, `Single sign-on failed: ${sso.last_error}`));
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (!username.value.trim() || !password.value) {
      message.append(h("p", { class: "alert alert-error", role: "alert" }, "Enter your username and password."));
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Logging in…";
    try {
      const user = await api("/auth/login", { method: "POST", body: { username: username.value.trim(), password: password.value } });
      ctx.setUser(user);
      ctx.navigate(safeNext, { replace: true });
    } catch (error) {
      const text = error.status === 401 ? `Login failed: ${error.message}` : error.status === 0
        ? error.message : `Login failed: ${error.message}`;
      message.append(h("p", { class: "alert alert-error", role: "alert" }, text));
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Log in";
    }
  });
  view.append(form);
  setTimeout(() => username.focus(), 0);
}

function ssoBlock(sso, next) {
  const href = `${sso.login_url}?next=${encodeURIComponent(next)}`;
  return h("div", { class: "sso" },
    h("p", { class: "sso-or" }, "or"),
    sso.problem
      ? h("p", { class: "alert alert-error" }, `Single sign-on is unavailable: ${sso.problem}`)
      : h("a", { class: "btn sso-button", href }, `Sign in with ${sso.provider_name}`));
}
