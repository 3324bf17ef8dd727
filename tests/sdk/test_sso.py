"""The SDK's view of single sign-on on a live server."""

from labelwise import Client


def test_sso_reports_the_configured_provider(app, live_server):
    with Client(live_server.url) as client:
        assert client.sso()["enabled"] is False
    app.state.settings = app.state.settings.model_copy(update={
        "oidc_issuer": "https://login.example.com", "oidc_client_id": "labelwise", "oidc_provider_name": "Acme"})
    with Client(live_server.url) as client:
        info = client.sso()
    assert (info["enabled"], info["provider_name"], info["login_url"]) == (True, "Acme", "/api/v1/auth/sso/login")
