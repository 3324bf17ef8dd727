"""`labelwise sso check` against the real test provider, and with the provider down or nothing configured."""

import socket

from tests.test_cli import run


def test_check_prints_the_provider_and_what_to_register(monkeypatch, capsys, tmp_path, oidc_provider):
    monkeypatch.setenv("LABELWISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LABELWISE_OIDC_ISSUER", oidc_provider.issuer)
    monkeypatch.setenv("LABELWISE_OIDC_CLIENT_ID", "labelwise")
    monkeypatch.setenv("LABELWISE_OIDC_SCOPES", "openid email groups")
    monkeypatch.setenv("LABELWISE_OIDC_GROUP_ROLES", '{"labelers": "annotator"}')
    code, out, err = run(monkeypatch, capsys, "sso", "check", "--base-url", "https://labels.example.com/")
    assert code == 0, err
    assert f"end_session_endpoint     {oidc_provider.issuer}/session/end" in out
    assert "PKCE S256 advertised     yes" in out
    assert "redirect URI             https://labels.example.com/api/v1/auth/sso/callback" in out
    assert "client labelwise: public (PKCE only); groups from claim 'groups', 1 group rule(s)" in out


def test_check_says_when_the_provider_is_down_or_nothing_is_configured(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LABELWISE_DATA_DIR", str(tmp_path))
    code, _, err = run(monkeypatch, capsys, "sso", "check")
    assert code == 1 and "single sign-on is not configured" in err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LABELWISE_OIDC_ISSUER", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LABELWISE_OIDC_CLIENT_ID", "labelwise")
    code, _, err = run(monkeypatch, capsys, "sso", "check")
    assert code == 1 and f"cannot reach the sign-in provider at http://127.0.0.1:{port}" in err
