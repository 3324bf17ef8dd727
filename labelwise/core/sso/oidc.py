"""OpenID Connect relying party: discovery, the authorization request (code + PKCE), the code exchange,
ID token checks and the provider's logout URL.

The checks that make it safe come from Authlib and joserfc (the `sso` extra): the S256 code challenge,
the ID token's signature against the provider's published keys, and its claims (issuer, audience,
expiry, nonce, at_hash). HTTP goes through httpx like the rest of labelwise (Authlib 1.9's own httpx client
prefers the separate `httpx2` package and deprecates plain httpx, so it is not used). A provider that cannot be
reached raises `ProviderUnavailable`; anything refused along the way raises `SignInFailed`, both with a
message for the person at the login page.
"""

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from labelwise.errors import Unauthorized, Unavailable

SSO_EXTRA_MISSING = ("single sign-on is configured but this server lacks its libraries: "
                     "install them with pip install 'labelwise[sso]' and restart")
_METADATA_TTL = 3600.0
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_client: httpx.Client | None = None


class ProviderUnavailable(Unavailable):
    """The OpenID provider could not be reached or answered nonsense: HTTP 503."""


class SignInFailed(Unauthorized):
    """The provider or the returning browser failed a check of the sign-in (state, nonce, code): HTTP 401."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    timeout: float


@dataclass(frozen=True)
class Pending:
    """What the browser carries (signed) from the authorization request to the callback."""

    state: str
    nonce: str
    verifier: str
    next: str


@dataclass(frozen=True)
class SignIn:
    claims: dict[str, Any]
    id_token: str


def available() -> bool:
    """Whether the optional libraries are installed."""
    try:
        import authlib  # noqa: F401
        import joserfc  # noqa: F401
    except ImportError:
        return False
    return True


def authorization_url(provider: Provider, redirect_uri: str, *, next_path: str) -> tuple[str, Pending]:
    """Where to send the browser, and the state to keep for the callback."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    metadata = discover(provider)
    pending = Pending(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                      verifier=secrets.token_urlsafe(48), next=next_path)
    query = urlencode({
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.verifier),
        "code_challenge_method": "S256",
    })
    endpoint = metadata["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", pending


def complete(provider: Provider, redirect_uri: str, pending: Pending, params: dict[str, str]) -> SignIn:
    """Check the provider's answer against `pending`, redeem the code and return the verified claims."""
    if params.get("error"):
        detail = params.get("error_description") or params["error"]
        raise SignInFailed(f"the sign-in provider refused the sign-in: {detail}")
    if not params.get("state") or not hmac.compare_digest(params["state"], pending.state):
        raise SignInFailed("this sign-in did not start here or has expired (state mismatch); start again")
    if params.get("iss") and params["iss"] != provider.issuer:  # RFC 9207: the answer came from another provider
        raise SignInFailed("the sign-in answer came from another provider (issuer mismatch); start again")
    if not params.get("code"):
        raise SignInFailed("the sign-in provider sent no authorization code; start again")
    metadata = discover(provider)
    tokens = _redeem(provider, metadata, redirect_uri, params["code"], pending.verifier)
    claims = _verify_id_token(provider, metadata, tokens, pending.nonce)
    if metadata.get("userinfo_endpoint") and tokens.get("access_token"):
        extra = _get_json(provider, metadata["userinfo_endpoint"],
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
        if extra.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: userinfo of anyone else is ignored
            claims = {**extra, **claims}
    return SignIn(claims=claims, id_token=tokens["id_token"])


def logout_url(provider: Provider, *, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL for RP-initiated logout, or None when it advertises none."""
    try:
        endpoint = discover(provider).get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    params = {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def check(provider: Provider) -> dict[str, Any]:
    """What an administrator needs to know that the provider will work: its endpoints and signing keys."""
    metadata = discover(provider, refresh=True)
    keys = _jwks(provider, metadata, refresh=True).get("keys") or []
    return {
        "issuer": metadata["issuer"],
        "authorization_endpoint": metadata["authorization_endpoint"],
        "token_endpoint": metadata["token_endpoint"],
        "userinfo_endpoint": metadata.get("userinfo_endpoint"),
        "end_session_endpoint": metadata.get("end_session_endpoint"),
        "pkce_s256": "S256" in (metadata.get("code_challenge_methods_supported") or []),
        "signing_keys": len(keys),
        "scopes_supported": metadata.get("scopes_supported") or [],
    }


def discover(provider: Provider, *, refresh: bool = False) -> dict[str, Any]:
    """The provider's metadata (`/.well-known/openid-configuration`), cached for an hour."""
    cached = _cache.get(provider.issuer)
    if cached and not refresh and time.monotonic() - cached[0] < _METADATA_TTL:
        return cached[1]
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    metadata = _get_json(provider, url)
    if metadata.get("issuer") != provider.issuer:
        raise ProviderUnavailable(f"the provider at {url} names another issuer ({metadata.get('issuer')!r}); "
                                  "check LABELWISE_OIDC_ISSUER")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(key)]
    if missing:
        raise ProviderUnavailable(f"the provider's metadata lacks {', '.join(missing)}")
    _cache[provider.issuer] = (time.monotonic(), metadata)
    return metadata


def _redeem(provider: Provider, metadata: dict, redirect_uri: str, code: str, verifier: str) -> dict[str, Any]:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    auth = None
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if provider.client_secret and "client_secret_basic" in methods:
        auth = httpx.BasicAuth(provider.client_id, provider.client_secret)
    else:
        data["client_id"] = provider.client_id
        if provider.client_secret:
            data["client_secret"] = provider.client_secret
    try:
        response = _http().post(metadata["token_endpoint"], data=data, auth=auth, timeout=provider.timeout,
                                headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise _unreachable(provider, error) from None
    body = _json_or_none(response)
    if response.status_code >= 500 or body is None:
        raise ProviderUnavailable(f"the sign-in provider failed to redeem the code (HTTP {response.status_code})")
    if response.status_code != 200 or "error" in body:
        detail = body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
        raise SignInFailed(f"the sign-in provider did not accept the sign-in code ({detail}); it may have "
                           "expired or been used already: start again")
    if not body.get("id_token"):
        raise SignInFailed("the sign-in provider returned no ID token; is 'openid' among LABELWISE_OIDC_SCOPES?")
    return body


def _verify_id_token(provider: Provider, metadata: dict, tokens: dict, nonce: str) -> dict[str, Any]:
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError, JoseError
    from joserfc.jwk import KeySet
    from joserfc.jws import JWSRegistry

    registry = JWSRegistry(algorithms=metadata.get("id_token_signing_alg_values_supported") or ["RS256"])
    try:
        try:
            token = jwt.decode(tokens["id_token"], KeySet.import_key_set(_jwks(provider, metadata)), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys since we cached them
            token = jwt.decode(tokens["id_token"], KeySet.import_key_set(_jwks(provider, metadata, refresh=True)),
                               registry=registry)
        claims = CodeIDToken(
            token.claims, token.header,
            {"iss": {"essential": True, "value": provider.issuer}, "aud": {"essential": True, "value": provider.client_id}},
            {"nonce": nonce, "client_id": provider.client_id, "access_token": tokens.get("access_token")},
        )
        claims.validate(leeway=120)
    except (JoseError, ValueError) as error:
        claim = getattr(error, "claim", None)
        why = ("nonce mismatch: the token belongs to another sign-in" if claim == "nonce"
               else f"claim '{claim}'" if claim else getattr(error, "error", None) or type(error).__name__)
        raise SignInFailed(f"the ID token from the sign-in provider failed its check ({why}); start again") from None
    return dict(claims)


def _jwks(provider: Provider, metadata: dict, *, refresh: bool = False) -> dict:
    if refresh or "_jwks" not in metadata:
        metadata["_jwks"] = _get_json(provider, metadata["jwks_uri"])
    return metadata["_jwks"]


def _get_json(provider: Provider, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    try:
        response = _http().get(url, headers={"Accept": "application/json", **(headers or {})}, timeout=provider.timeout)
    except httpx.HTTPError as error:
        raise _unreachable(provider, error) from None
    body = _json_or_none(response)
    if response.status_code != 200 or body is None:
        raise ProviderUnavailable(f"the sign-in provider answered {url} with HTTP {response.status_code}; "
                                  "try again later or sign in with a password")
    return body


def _http() -> httpx.Client:
    """One pooled client for the process: a new one per call costs ~0.1 s (its TLS context) and a connection."""
    global _client
    if _client is None:
        _client = httpx.Client(follow_redirects=False)
    return _client


def _json_or_none(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _unreachable(provider: Provider, error: Exception) -> ProviderUnavailable:
    return ProviderUnavailable(f"cannot reach the sign-in provider at {provider.issuer} ({type(error).__name__}); "
                               "try again later or sign in with a password")
