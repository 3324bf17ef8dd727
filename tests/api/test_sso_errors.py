"""Single sign-on when it cannot work: not configured, its libraries missing, the provider down or not an
OpenID provider. The login page gets a message every time, never a 500. No provider process needed."""

import socket
import sys

import pytest

from labelwise.core.sso import oidc


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _configure(app, **update) -> None:
    app.state.settings = app.state.settings.model_copy(update={"oidc_client_id": "labelwise", **update})


def _start(client):
    return client.get("/api/v1/auth/sso/login", params={"next": "/app/projects/1/label"}, follow_redirects=False)


def test_without_configuration_the_login_page_offers_no_single_sign_on(client):
    assert client.get("/api/v1/auth/sso").json() == {
        "enabled": False, "provider_name": None, "login_url": None, "problem": None, "last_error": None}
    started = _start(client)
    assert (started.status_code, started.headers["location"]) == (303, "/app/login")
    assert "not configured" in client.get("/api/v1/auth/sso").json()["last_error"]


def test_a_provider_that_is_down_sends_the_browser_back_with_the_reason(app, client):
    port = _closed_port()
    _configure(app, oidc_issuer=f"http://127.0.0.1:{port}", oidc_provider_name="Acme", oidc_timeout_seconds=2)
    info = client.get("/api/v1/auth/sso").json()
    assert (info["enabled"], info["provider_name"], info["login_url"]) == (True, "Acme", "/api/v1/auth/sso/login")
    started = _start(client)
    assert (started.status_code, started.headers["location"]) == (303, "/app/login")
    error = client.get("/api/v1/auth/sso").json()["last_error"]
    assert error.startswith(f"cannot reach the sign-in provider at http://127.0.0.1:{port} (ConnectError)")
    assert client.get("/api/v1/auth/sso").json()["last_error"] is None  # said once
    # The provider's way back, with nothing under way here, is refused in words too.
    back = client.get("/api/v1/auth/sso/callback", params={"code": "x", "state": "y"}, follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, "/app/login")
    assert "no sign-in under way" in client.get("/api/v1/auth/sso").json()["last_error"]


def test_a_server_that_is_no_openid_provider_is_named(app, client, live_server):
    oidc._cache.clear()
    _configure(app, oidc_issuer=live_server.url)  # labelwise itself: no /.well-known/openid-configuration
    _start(client)
    assert f"answered {live_server.url}/.well-known/openid-configuration with HTTP 404" in \
        client.get("/api/v1/auth/sso").json()["last_error"]


def test_without_the_sso_extra_the_page_says_what_to_install(app, client, monkeypatch):
    monkeypatch.setitem(sys.modules, "authlib", None)  # import authlib now fails as on a default install
    _configure(app, oidc_issuer="http://127.0.0.1:9")
    assert "pip install 'labelwise[sso]'" in client.get("/api/v1/auth/sso").json()["problem"]
    assert _start(client).headers["location"] == "/app/login"
    assert "pip install 'labelwise[sso]'" in client.get("/api/v1/auth/sso").json()["last_error"]


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/app/", "/app/login?next=x", "/\\evil"])
def test_the_page_after_sign_in_is_always_one_of_ours(next_path):
    from labelwise.api.sso import _safe_next

    assert _safe_next(next_path) == "/app/projects"
    assert _safe_next("/app/projects/3/label?x=1") == "/app/projects/3/label?x=1"
