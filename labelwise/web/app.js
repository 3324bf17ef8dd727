// The app shell: a client-side router over /app/... paths (history API), the logged-in user,
// and the jump to the login page whenever the server answers 401.
import { api } from "/static/api.js";
import { UNAUTHORIZED_EVENT, errorBox } from "/static/components/alerts.js";
import { clear, h } from "/static/components/dom.js";

const USER_HINT = "labelwise.user";

const ROUTES = [
  [/^\/app\/login\/?$/, "login", { public: true }],
  [/^\/(app\/?)?$/, "projects"],
  [/^\/app\/projects\/?$/, "projects"],
  [/^\/app\/projects\/new\/?$/, "project-new"],
  [/^\/app\/projects\/(?<id>\d+)\/?$/, "dashboard"],
  [/^\/app\/projects\/(?<id>\d+)\/import\/?$/, "import"],
  [/^\/app\/projects\/(?<id>\d+)\/data\/?$/, "data"],
  [/^\/app\/projects\/(?<id>\d+)\/tasks\/(?<taskId>\d+)\/?$/, "task"],
  [/^\/app\/projects\/(?<id>\d+)\/guidelines\/?$/, "guidelines"],
  [/^\/app\/projects\/(?<id>\d+)\/settings\/?$/, "settings"],
  [/^\/app\/projects\/(?<id>\d+)\/members\/?$/, "members"],
  [/^\/app\/projects\/(?<id>\d+)\/export\/?$/, "export"],
  [/^\/app\/projects\/(?<id>\d+)\/audit\/?$/, "audit"],
  [/^\/app\/projects\/(?<id>\d+)\/jobs\/?$/, "jobs"],
  [/^\/app\/projects\/(?<id>\d+)\/model\/?$/, "model"],
  [/^\/app\/projects\/(?<id>\d+)\/weak\/?$/, "weak"],
  [/^\/app\/projects\/(?<id>\d+)\/ml-backends\/?$/, "ml-backends"],
  [/^\/app\/projects\/(?<id>\d+)\/webhooks\/?$/, "webhooks"],
  [/^\/app\/projects\/(?<id>\d+)\/crowd\/?$/, "crowd"],
  [/^\/app\/projects\/(?<id>\d+)\/review\/?$/, "review"],
  [/^\/app\/projects\/(?<id>\d+)\/quality\/?$/, "quality"],
  [/^\/app\/projects\/(?<id>\d+)\/pilots\/?$/, "pilots"],
  [/^\/app\/projects\/(?<id>\d+)\/adjudication\/?$/, "adjudication"],
  [/^\/app\/projects\/(?<id>\d+)\/label\/?$/, "label"],
  [/^\/app\/notifications\/?$/, "notifications"],
];

const state = { user: null, controller: null, cleanup: null, renderId: 0 };
const root = document.getElementById("app");

function match(pathname) {
  for (const [re, name, options = {}] of ROUTES) {
    const m = re.exec(pathname);
    if (m) return { name, params: { ...(m.groups || {}) }, ...options };
  }
  return null;
}

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, window.location.origin);
  const href = target.pathname + target.search + target.hash;
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  render();
}

function setUser(user) {
  state.user = user;
  if (user) localStorage.setItem(USER_HINT, user.username);
  else localStorage.removeItem(USER_HINT);
  document.getElementById("topnav").hidden = !user;
  document.getElementById("user-box").hidden = !user;
  document.getElementById("user-name").textContent = user ? `Signed in as ${user.username}` : "";
  if (user) refreshAlertCount();
}

// The unread count on the "Notifications" link: pauses for annotators, quality alerts for managers.
export async function refreshAlertCount() {
  const link = document.getElementById("alerts-link");
  try {
    const unread = await api("/notifications?unread=true&limit=100");
    link.textContent = unread.length ? `Notifications (${unread.length}${unread.length === 100 ? "+" : ""})` : "Notifications";
    link.classList.toggle("has-alerts", unread.length > 0);
  } catch {
    link.textContent = "Notifications";
  }
}

function toLogin() {
  const here = window.location.pathname + window.location.search;
  const next = here.startsWith("/app/login") ? "" : `?next=${encodeURIComponent(here)}`;
  navigate(`/app/login${next}`, { replace: true });
}

async function ensureUser() {
  if (state.user) return state.user;
  // Without the hint there is no session to ask about; skipping /auth/me avoids a needless 401.
  if (!localStorage.getItem(USER_HINT)) return null;
  try {
    setUser(await api("/auth/me"));
  } catch (error) {
    if (error.status === 401) { setUser(null); return null; }
    throw error;
  }
  return state.user;
}

async function render() {
  const renderId = ++state.renderId;
  state.controller?.abort();
  if (typeof state.cleanup === "function") { try { state.cleanup(); } catch { /* page already gone */ } }
  state.cleanup = null;
  const controller = new AbortController();
  state.controller = controller;
  const route = match(window.location.pathname);
  clear(root);
  if (!route) {
    root.append(h("h1", { tabindex: "-1" }, "Page not found"),
      h("p", null, "There is no page at this address. ", h("a", { href: "/app/projects" }, "Go to your projects.")));
    document.title = "Not found · labelwise";
    return;
  }
  root.append(h("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const user = await ensureUser();
    if (renderId !== state.renderId) return;
    if (!user && !route.public) { toLogin(); return; }
    const module = await import(`/static/pages/${route.name}.js`);
    if (renderId !== state.renderId) return;
    const ctx = {
      params: route.params,
      query: new URLSearchParams(window.location.search),
      user,
      signal: controller.signal,
      navigate,
      setUser,
      setTitle: (title) => { document.title = title ? `${title} · labelwise` : "labelwise"; },
      isCurrent: () => renderId === state.renderId,
    };
    const view = h("div", { class: `page page-${route.name}` });
    const cleanup = await module.default(view, ctx);
    if (renderId !== state.renderId) { if (typeof cleanup === "function") cleanup(); return; }
    state.cleanup = cleanup;
    clear(root).append(view);
    const heading = root.querySelector("h1");
    // Move focus to the new heading after in-app navigation, not on first load (Tab then starts at the skip link).
    if (heading && renderId > 1 && !root.contains(document.activeElement)) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  } catch (error) {
    if (error.name === "AbortError" || renderId !== state.renderId) return;
    if (error.status === 401) { setUser(null); toLogin(); return; }
    clear(root).append(h("h1", { tabindex: "-1" }, "This page could not be shown"),
      errorBox(error, { retry: () => render(), alwaysRetry: true }));
  }
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, window.location.origin);
  if (url.origin !== window.location.origin || !(url.pathname === "/" || url.pathname.startsWith("/app"))) return;
  // In-page anchors (the skip link) keep their native behaviour.
  if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
  event.preventDefault();
  navigate(url.href);
});

window.addEventListener("popstate", () => render());
window.addEventListener(UNAUTHORIZED_EVENT, () => {
  if (window.location.pathname.startsWith("/app/login")) return;
  setUser(null);
  toLogin();
});

document.getElementById("logout").addEventListener("click", async () => {
  let out = null;
  try {
    out = await api("/auth/logout", { method: "POST" });
  } catch { /* the cookie may already be gone; logging out locally is what matters */ }
  setUser(null);
  // A single sign-on session ends at the provider too, which then sends the browser back to the login page.
  if (out && out.logout_url) { window.location.assign(out.logout_url); return; }
  navigate("/app/login", { replace: true });
});

render();
