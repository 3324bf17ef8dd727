// A real OpenID Provider for the SSO tests: node-oidc-provider with its own login and consent pages.
// Configured by environment: OIDC_ISSUER (http://localhost:PORT), OIDC_PORT, OIDC_ACCOUNTS (a JSON file of
// {login: {password, claims}} read at every sign-in, so tests can add people while it runs).
// Clients register themselves (dynamic registration), one per test, with that test's redirect URI.
import fs from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const issuer = process.env.OIDC_ISSUER;
const port = Number(process.env.OIDC_PORT);
const accountsFile = process.env.OIDC_ACCOUNTS;

const accounts = () => JSON.parse(fs.readFileSync(accountsFile, "utf8"));

const provider = new Provider(issuer, {
  clients: [],
  features: {
    registration: { enabled: true },
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page("Sign out", `<p>Sign out of the test provider?</p>${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
      },
    },
  },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
    groups: ["groups"],
  },
  scopes: ["openid", "offline_access", "email", "profile", "groups"],
  pkce: { required: () => true },
  cookies: { keys: ["labelwise-tests-only-cookie-key"] },
  ttl: { AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => {
    const account = accounts()[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(title)}</title></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk) => { data += chunk; });
    req.on("end", () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on("error", reject);
  });
}

function send(res, status, html) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(html);
}

function loginForm(uid, error = "") {
  return page("Test provider sign-in", `${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${uid}/login">
  <label>Login <input name="login" autocomplete="username" required></label>
  <label>Secret <input name="password" type="password" required></label>
  <button type="submit">Sign in</button>
</form>`);
}

function consentForm(uid, clientId, scopes) {
  return page("Allow access", `<p>Client ${escape(clientId)} asks for: ${escape(scopes.join(" "))}</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>`);
}

async function grantConsent(details) {
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(" "));
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET") {
    if (details.prompt.name === "login") return send(res, 200, loginForm(uid));
    return send(res, 200, consentForm(uid, details.params.client_id, String(details.params.scope).split(" ")));
  }
  const form = await readForm(req);
  if (action === "login") {
    const account = accounts()[form.login];
    if (!account || account.password !== form.password) {
      return send(res, 200, loginForm(uid, "Unknown login or wrong secret."));
    }
    return provider.interactionFinished(req, res, { login: { accountId: form.login } }, { mergeWithLastSubmission: false });
  }
  if (action === "confirm") {
    const consent = await grantConsent(details);
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  return send(res, 404, page("Not found", ""));
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm))?(?:\?|$)/.exec(req.url);
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((error) => send(res, 400, page("Error", escape(error.message))));
});
server.listen(port, "127.0.0.1", () => console.log(`listening ${issuer}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
