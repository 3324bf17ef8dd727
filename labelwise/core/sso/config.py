"""Single sign-on as configured: the provider and the policy from `Settings`, and the signed state a browser
carries from the provider's login page back to us (no server-side storage, so any process can finish a
sign-in that another began)."""

import base64
import hashlib
import hmac
import json
import time

from labelwise.core.sso.oidc import Pending, Provider, SignInFailed
from labelwise.core.sso.provisioning import Policy
from labelwise.settings import Settings

PENDING_MAX_AGE = 600  # seconds a person has at the provider's login page


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def provider(settings: Settings) -> Provider:
    return Provider(issuer=settings.oidc_issuer or "", client_id=settings.oidc_client_id or "",
                    client_secret=settings.oidc_client_secret, scopes=settings.oidc_scopes,
                    timeout=settings.oidc_timeout_seconds)


def policy(settings: Settings) -> Policy:
    return Policy(groups_claim=settings.oidc_groups_claim, group_roles=settings.oidc_group_roles,
                  admin_groups=tuple(settings.oidc_admin_groups), allowed_domains=tuple(settings.oidc_allowed_domains),
                  link_by_email=settings.oidc_link_by_email)


def seal(secret: bytes, pending: Pending, *, now: float | None = None) -> str:
    """`pending` as a tamper-proof cookie value (it is not secret from its own browser, only from others)."""
    body = {"s": pending.state, "n": pending.nonce, "v": pending.verifier, "x": pending.next,
            "t": int(time.time() if now is None else now)}
    payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{payload}.{_mac(secret, payload)}"


def unseal(secret: bytes, value: str | None, *, now: float | None = None) -> Pending:
    """The pending sign-in in the cookie, or SignInFailed if it is missing, forged or too old."""
    again = "start the sign-in again from the login page"
    if not value:
        raise SignInFailed(f"this browser has no sign-in under way (it began elsewhere or cookies are blocked); {again}")
    payload, _, mac = value.partition(".")
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        raise SignInFailed(f"the sign-in state was tampered with; {again}")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if (time.time() if now is None else now) - body["t"] > PENDING_MAX_AGE:
        raise SignInFailed(f"the sign-in took over {PENDING_MAX_AGE // 60} minutes; {again}")
    return Pending(state=body["s"], nonce=body["n"], verifier=body["v"], next=body["x"])


def _mac(secret: bytes, payload: str) -> str:
    return hmac.new(secret, b"sso-pending\n" + payload.encode(), hashlib.sha256).hexdigest()
