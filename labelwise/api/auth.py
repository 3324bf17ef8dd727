"""Login for the browser (a session cookie) and API tokens for scripts."""

from fastapi import APIRouter, Request, Response

from labelwise.api.contract import errors
from labelwise.api.deps import SESSION_COOKIE, SessionDep, SettingsDep, UserDep, set_session_cookie
from labelwise.api.schemas import LoginIn, LogoutOut, NewTokenOut, TokenIn, TokenOut, UserOut
from labelwise.core.accounts import users
from labelwise.core.accounts.login_throttle import ThrottlePolicy
from labelwise.core.sso import config as sso_config
from labelwise.core.sso import oidc

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=UserOut, responses=errors(401, 429))
def login(body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep):
    policy = ThrottlePolicy(account_free_failures=settings.login_free_failures,
                            address_free_failures=settings.login_address_free_failures,
                            max_lockout_seconds=settings.login_max_lockout_seconds)
    address = request.client.host if request.client else None
    user = users.authenticate(session, body.username, body.password, address=address, policy=policy)
    _, secret = users.issue_token(session, user, name="browser", kind="session", days=settings.session_days)
    set_session_cookie(response, secret, settings)
    return user


@router.post("/logout", response_model=LogoutOut)
def logout(request: Request, response: Response, session: SessionDep, settings: SettingsDep):
    """End the browser session here; for a single sign-on session, also say where to end the provider's."""
    secret = request.cookies.get(SESSION_COOKIE)
    token = users.revoke_secret(session, secret) if secret else None
    response.delete_cookie(SESSION_COOKIE, path="/")
    logout_url = None
    if token is not None and token.id_token and sso_config.enabled(settings):
        base = settings.oidc_redirect_base_url or str(request.base_url)
        logout_url = oidc.logout_url(sso_config.provider(settings), id_token=token.id_token,
                                     post_logout_redirect_uri=base.rstrip("/") + "/app/login")
    return LogoutOut(logout_url=logout_url)


@router.get("/me", response_model=UserOut)
def me(user: UserDep):
    return user


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, user: UserDep, session: SessionDep):
    token, secret = users.issue_token(session, user, name=body.name)
    return NewTokenOut(id=token.id, name=token.name, token=secret)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(user: UserDep, session: SessionDep):
    return users.list_tokens(session, user)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, user: UserDep, session: SessionDep):
    users.revoke_token(session, user, token_id)

