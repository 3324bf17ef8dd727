"""`labelwise sso`: check the single sign-on configuration against the OpenID provider before users try it."""

from typing import Annotated, Optional

import typer

from labelwise.cli._app import out
from labelwise.core.sso import config, oidc
from labelwise.errors import Invalid
from labelwise.settings import Settings

sso_app = typer.Typer(help="Single sign-on with OpenID Connect (LABELWISE_OIDC_* settings, see docs/sso.md).")


@sso_app.command("check")
def sso_check(
    base_url: Annotated[Optional[str], typer.Option(
        help="This server's public URL, to print the addresses to register at the provider; "
             "default: LABELWISE_OIDC_REDIRECT_BASE_URL.")] = None,
) -> None:
    """Fetch the provider's metadata and keys and print what to register there; exit 1 if it cannot work."""
    settings = Settings()
    if not config.enabled(settings):
        raise Invalid("single sign-on is not configured: set LABELWISE_OIDC_ISSUER and LABELWISE_OIDC_CLIENT_ID")
    if not oidc.available():
        raise Invalid(oidc.SSO_EXTRA_MISSING)
    found = oidc.check(config.provider(settings))
    _say(f"provider     {found['issuer']} (button: 'Sign in with {settings.oidc_provider_name}')")
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint"):
        _say(f"  {key:24} {found[key] or '(none)'}")
    _say(f"  signing keys             {found['signing_keys']}")
    _say(f"  PKCE S256 advertised     {'yes' if found['pkce_s256'] else 'no (labelwise sends it anyway)'}")
    if not found["end_session_endpoint"]:
        _say("  logout ends the labelwise session only: the provider advertises no end_session_endpoint")
    missing = [s for s in settings.oidc_scopes.split() if found["scopes_supported"] and s not in found["scopes_supported"]]
    if missing:
        _say(f"  scopes the provider does not list: {', '.join(missing)}")
    base = (base_url or settings.oidc_redirect_base_url or "https://<this server>").rstrip("/")
    _say("register at the provider:")
    _say(f"  redirect URI             {base}/api/v1/auth/sso/callback")
    _say(f"  post-logout redirect URI {base}/app/login")
    client = "confidential (client secret)" if settings.oidc_client_secret else "public (PKCE only)"
    _say(f"client {settings.oidc_client_id}: {client}; groups from claim '{settings.oidc_groups_claim}', "
              f"{len(settings.oidc_group_roles)} group rule(s), {len(settings.oidc_admin_groups)} admin group(s)")


def _say(text: str) -> None:
    out.print(text, soft_wrap=True, highlight=False, markup=False)  # URLs whole, one line each
