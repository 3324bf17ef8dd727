"""Single sign-on with OpenID Connect: what the login page shows, the redirect to the provider, the way back.

Both browser routes answer with redirects, never with a JSON error page: a failure goes back to the login
page, which shows why (carried in a short-lived cookie, so no link can put words on our login page).
The state between the two trips rides in a signed cookie that is SameSite=Lax, since the way back is a
navigation from the provider's site; the session cookie itself stays SameSite=Strict like a password login's.
"""

import base64
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from labelwise.api.deps import SESSION_COOKIE, SessionDep, SettingsDep, set_session_cookie
from labelwise.api.schemas import SsoOut
from labelwise.core.accounts import users
from labelwise.core.sso import config, oidc, provisioning
from labelwise.errors import LabelwiseError
from labelwise.settings import Settings

router = APIRouter(prefix="/auth/sso", tags=["auth"])
PENDING_COOKIE = "labelwise_sso"
ERROR_COOKIE = "labelwise_sso_error"
COOKIE_PATH = "/api/v1/auth/sso"
LOGIN_PAGE = "/app/login"
DEFAULT_NEXT = "/app/projects"


@router.get("", response_model=SsoOut)
def describe(request: Request, response: Response, settings: SettingsDep):
    """Whether to offer 'Sign in with ...' on the login page, and why this browser's last attempt failed."""
    enabled = config.enabled(settings)
    if ERROR_COOKIE in request.cookies:
        response.delete_cookie(ERROR_COOKIE, path=COOKIE_PATH)
    problem = None if not enabled or oidc.available() else oidc.SSO_EXTRA_MISSING
    return SsoOut(enabled=enabled, provider_name=settings.oidc_provider_name if enabled else None,
                  login_url=request.url_for("sso_login").path if enabled else None, problem=problem,
                  last_error=_read_error(request.cookies.get(ERROR_COOKIE)))


@router.get("/login", name="sso_login", response_class=RedirectResponse, status_code=303)
def begin(request: Request, settings: SettingsDep, next: str = DEFAULT_NEXT):
    """Send the browser to the provider's login page (authorization code flow with PKCE)."""
    try:
        _check_ready(settings)
        url, pending = oidc.authorization_url(config.provider(settings), _callback_url(request, settings),
                                              next_path=_safe_next(next))
    except LabelwiseError as error:
        return _back_to_login(error.message, settings)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(PENDING_COOKIE, config.seal(request.app.state.media_secret, pending), httponly=True,
                        samesite="lax", secure=settings.cookie_secure, max_age=config.PENDING_MAX_AGE,
                        path=COOKIE_PATH)
    return response


@router.get("/callback", name="sso_callback", response_class=RedirectResponse, status_code=303)
def finish(request: Request, session: SessionDep, settings: SettingsDep):
    """The provider sends the browser back here: check everything, find or make the user, start a session."""
    try:
        _check_ready(settings)
        pending = config.unseal(request.app.state.media_secret, request.cookies.get(PENDING_COOKIE))
        result = oidc.complete(config.provider(settings), _callback_url(request, settings), pending,
                               dict(request.query_params))
        user = provisioning.sign_in(session, issuer=settings.oidc_issuer or "", claims=result.claims,
                                    policy=config.policy(settings))
    except LabelwiseError as error:
        return _back_to_login(error.message, settings)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # someone else's session in this browser ends here, not at its expiry
        users.revoke_secret(session, previous)
    _, secret = users.issue_token(session, user, name="single sign-on", kind="session", days=settings.session_days,
                                  id_token=result.id_token)
    response = RedirectResponse(f"{LOGIN_PAGE}?sso=done&next={quote(pending.next, safe='/')}", status_code=303)
    set_session_cookie(response, secret, settings)
    response.delete_cookie(PENDING_COOKIE, path=COOKIE_PATH)
    return response


def _check_ready(settings: Settings) -> None:
    if not config.enabled(settings):
        raise LabelwiseError("single sign-on is not configured on this server (LABELWISE_OIDC_ISSUER, "
                             "LABELWISE_OIDC_CLIENT_ID); sign in with a password")
    if not oidc.available():
        raise LabelwiseError(oidc.SSO_EXTRA_MISSING)


def _callback_url(request: Request, settings: Settings) -> str:
    path = request.url_for("sso_callback").path
    return (settings.oidc_redirect_base_url or str(request.base_url)).rstrip("/") + path


def _safe_next(next_path: str) -> str:
    """Only a page of this app: an open redirect through our login would lend our name to any site."""
    ok = next_path.startswith("/app/") and not next_path.startswith(LOGIN_PAGE) and "\\" not in next_path
    return next_path if ok else DEFAULT_NEXT


def _back_to_login(message: str, settings: Settings) -> RedirectResponse:
    response = RedirectResponse(LOGIN_PAGE, status_code=303)
    response.set_cookie(ERROR_COOKIE, base64.urlsafe_b64encode(message.encode()).decode(), httponly=True,
                        samesite="lax", secure=settings.cookie_secure, max_age=60, path=COOKIE_PATH)
    response.delete_cookie(PENDING_COOKIE, path=COOKIE_PATH)
    return response


def _read_error(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return base64.urlsafe_b64decode(value.encode()).decode()[:500]
    except ValueError:
        return None
