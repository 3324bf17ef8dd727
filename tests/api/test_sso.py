"""Single sign-on against a real OpenID provider (node-oidc-provider, started by the `oidc_provider` fixture):
the code flow with PKCE end to end, roles from groups, logout at both ends, and each way it can go wrong."""

import shutil
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from labelwise.core.sso import oidc
from tests.conftest import LiveServer
from tests.factories import PASSWORD, add_tasks, make_project, make_user
from tests.oidc.flow import browser, last_error, sign_in, submit, to_callback


@pytest.fixture
def database_url(tmp_path, migrated_sqlite):
    """SQLite only: these tests are about the protocol and take ~2 s each; the rules that touch the database
    run on PostgreSQL too in tests/core/test_sso_provisioning.py."""
    path = tmp_path / "labelwise.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sso_server(app, oidc_provider):
    """labelwise on a live port, registered as a client of the provider."""
    server = LiveServer(app)
    client_id, client_secret = oidc_provider.register_client(server.url)
    app.state.settings = app.state.settings.model_copy(update={
        "oidc_issuer": oidc_provider.issuer, "oidc_client_id": client_id, "oidc_client_secret": client_secret,
        "oidc_provider_name": "Test IdP", "oidc_scopes": "openid email profile groups",
        "oidc_group_roles": {"labelers": {"Reviews": "annotator"}, "leads": {"Reviews": "manager"}},
    })
    server.start()
    yield server
    server.stop()


def test_first_sign_in_makes_the_user_gives_roles_from_groups_and_logout_ends_both_sessions(
        sso_server, oidc_provider, session):
    owner = make_user(session, "owner")
    reviews = make_project(session, owner.user, name="Reviews")
    make_project(session, owner.user, name="Other")
    add_tasks(session, owner.user, reviews, [{"data": {"text": "great"}}])
    oidc_provider.add_account("alice-sso", email="alice@example.com", email_verified=True,
                              preferred_username="alice", groups=["labelers"])
    with browser(sso_server.url) as client:
        landed = sign_in(client, "alice-sso", next_path=f"/app/projects/{reviews.id}/label")
        assert landed.status_code == 200
        assert landed.url.path == "/app/login"
        assert parse_qs(landed.url.query.decode()) == {"sso": ["done"], "next": [f"/app/projects/{reviews.id}/label"]}
        me = client.get("/api/v1/auth/me").json()
        assert (me["username"], me["email"], me["is_admin"]) == ("alice", "alice@example.com", False)
        assert [(p["name"], p["role"]) for p in client.get("/api/v1/projects").json()] == [("Reviews", "annotator")]
        assert client.get(f"/api/v1/projects/{reviews.id}/next").json()["task"]["data"] == {"text": "great"}
        members = httpx.get(f"{sso_server.url}/api/v1/projects/{reviews.id}/members", headers=owner.headers).json()
        assert [(m["username"], m["role"], m["granted_by"]) for m in members] == [
            ("alice", "annotator", "sso"), ("owner", "manager", None)]

        out = client.post("/api/v1/auth/logout")
        assert out.status_code == 200
        logout_url = out.json()["logout_url"]
        assert logout_url.startswith(f"{oidc_provider.issuer}/session/end?")
        assert "id_token_hint" in parse_qs(urlsplit(logout_url).query)
        assert client.get("/api/v1/auth/me").status_code == 401
        confirm = client.get(logout_url)
        back = submit(client, confirm, {"logout": "yes"})
        while back.is_redirect:
            back = client.get(back.headers["location"])
        assert back.url == httpx.URL(f"{sso_server.url}/app/login")
        # The provider's session is gone too: signing in again asks for the password again.
        start = client.get("/api/v1/auth/sso/login", follow_redirects=True)
        assert 'name="login"' in start.text


def test_a_user_without_groups_gets_an_account_but_no_project(sso_server, oidc_provider, session):
    owner = make_user(session, "owner")
    reviews = make_project(session, owner.user, name="Reviews")
    oidc_provider.add_account("nobody", email="nobody@example.com", email_verified=True)
    with browser(sso_server.url) as client:
        client.post("/api/v1/auth/login", json={"username": "owner", "password": PASSWORD})
        owners_session = client.cookies["labelwise_session"]
        sign_in(client, "nobody")
        assert httpx.get(f"{sso_server.url}/api/v1/auth/me",
                         headers={"Authorization": f"Bearer {owners_session}"}).status_code == 401  # ended
        assert client.get("/api/v1/auth/me").json()["username"] == "nobody"
        assert client.get("/api/v1/projects").json() == []
        assert client.get(f"/api/v1/projects/{reviews.id}").status_code == 404


def test_a_state_that_does_not_match_is_refused(sso_server, oidc_provider):
    oidc_provider.add_account("mallory", groups=["leads"])
    with browser(sso_server.url) as client:
        callback = to_callback(client, "mallory")
        forged = callback.replace("state=", "state=x")
        assert client.get(forged, follow_redirects=True).url.path == "/app/login"
        assert "state mismatch" in last_error(client)
        assert last_error(client) is None  # shown once
        assert client.get("/api/v1/auth/me").status_code == 401


def test_a_callback_without_the_browser_that_started_it_is_refused(sso_server, oidc_provider):
    oidc_provider.add_account("mallory", groups=["leads"])
    with browser(sso_server.url) as attacker:
        callback = to_callback(attacker, "mallory")
    with browser(sso_server.url) as victim:  # login CSRF: the attacker's code in the victim's browser
        victim.get(callback)
        assert "no sign-in under way" in last_error(victim)
        assert victim.get("/api/v1/auth/me").status_code == 401


def test_an_id_token_with_another_nonce_is_refused(sso_server, oidc_provider, app):
    from labelwise.api.sso import PENDING_COOKIE
    from labelwise.core.sso import config

    oidc_provider.add_account("mallory", groups=["leads"])
    with browser(sso_server.url) as client:
        callback = to_callback(client, "mallory")
        pending = config.unseal(app.state.media_secret, client.cookies[PENDING_COOKIE])
        other = oidc.Pending(state=pending.state, nonce="not-the-nonce-sent", verifier=pending.verifier,
                             next=pending.next)
        client.cookies.set(PENDING_COOKIE, config.seal(app.state.media_secret, other), domain="127.0.0.1",
                           path="/api/v1/auth/sso")
        client.get(callback)
        assert "nonce mismatch" in last_error(client)
        assert client.get("/api/v1/auth/me").status_code == 401


def test_a_made_up_or_used_code_is_refused(sso_server, oidc_provider, app):
    from labelwise.api.sso import PENDING_COOKIE

    oidc_provider.add_account("bob", groups=["labelers"])
    with browser(sso_server.url) as client:
        callback = to_callback(client, "bob")
        cookie = client.cookies[PENDING_COOKIE]
        made_up = callback.replace("code=", "code=made-up-")
        client.get(made_up)
        assert "did not accept the sign-in code (grant request is invalid)" in last_error(client)
        client.cookies.set(PENDING_COOKIE, cookie, domain="127.0.0.1", path="/api/v1/auth/sso")
        assert client.get(callback, follow_redirects=True).url.query.startswith(b"sso=done")
        assert client.get("/api/v1/auth/me").json()["username"] == "bob"
        # The same answer again (the code is spent) is refused, and the session from the first one stands.
        client.cookies.set(PENDING_COOKIE, cookie, domain="127.0.0.1", path="/api/v1/auth/sso")
        client.get(callback)
        assert "it may have expired or been used already" in last_error(client)


def test_the_second_sign_in_finds_the_same_user_and_follows_group_changes(sso_server, oidc_provider, session):
    owner = make_user(session, "owner")
    reviews = make_project(session, owner.user, name="Reviews")
    oidc_provider.add_account("lead", email="lead@example.com", email_verified=True, groups=["leads", "labelers"])
    with browser(sso_server.url) as client:
        sign_in(client, "lead")
        first = client.get("/api/v1/auth/me").json()
        assert [p["role"] for p in client.get("/api/v1/projects").json()] == ["manager"]
    oidc_provider.add_account("lead", email="lead@example.com", email_verified=True, groups=[])
    with browser(sso_server.url) as client:
        sign_in(client, "lead")
        assert client.get("/api/v1/auth/me").json()["id"] == first["id"]
        assert client.get("/api/v1/projects").json() == []
        assert client.get(f"/api/v1/projects/{reviews.id}").status_code == 404


def test_a_public_client_signs_in_with_pkce_alone(app, oidc_provider, session):
    server = LiveServer(app)
    client_id, secret = oidc_provider.register_client(server.url, public=True)
    assert secret is None
    app.state.settings = app.state.settings.model_copy(update={
        "oidc_issuer": oidc_provider.issuer, "oidc_client_id": client_id})
    server.start()
    try:
        oidc_provider.add_account("pat", email="pat@example.com", email_verified=True)
        with browser(server.url) as client:
            sign_in(client, "pat")
            assert client.get("/api/v1/auth/me").json()["username"] == "pat"
    finally:
        server.stop()
