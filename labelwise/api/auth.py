"""Login for the browser (a session cookie) and API tokens for scripts."""

from fastapi import APIRouter, Request, Response

from labelwise.api.contract import errors
from labelwise.api.deps import SESSION_COOKIE, SessionDep, SettingsDep, UserDep
from labelwise.api.schemas import LoginIn, NewTokenOut, TokenIn, TokenOut, UserOut
from labelwise.core.accounts import users
from labelwise.core.accounts.login_throttle import ThrottlePolicy

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=UserOut, responses=errors(401, 429))
def login(body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep):
    policy = ThrottlePolicy(account_free_failures=settings.login_free_failures,
                            address_free_failures=settings.login_address_free_failures,
                            max_lockout_seconds=settings.login_max_lockout_seconds)
    address = request.client.host if request.client else None
    user = users.authenticate(session, body.username, body.password, address=address, policy=policy)
    _, secret = users.issue_token(session, user, name="browser", kind="session", days=settings.session_days)
    response.set_cookie(
        SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=settings.cookie_secure,
        max_age=settings.session_days * 86400, path="/",
    )
    return user


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, session: SessionDep):
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        users.revoke_secret(session, secret)
    response.delete_cookie(SESSION_COOKIE, path="/")


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

