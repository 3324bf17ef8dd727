"""Request-scoped dependencies: settings, a database session, and the authenticated caller."""

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from labelwise.core.accounts.users import resolve_token
from labelwise.errors import Forbidden, TooLarge, Unauthorized
from labelwise.settings import Settings
from labelwise.store.models import User

SESSION_COOKIE = "labelwise_session"
log = logging.getLogger("labelwise")


def set_session_cookie(response: Response, secret: str, settings: Settings) -> None:
    """The browser's login session: HttpOnly, SameSite=Strict, for `session_days`."""
    response.set_cookie(
        SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=settings.cookie_secure,
        max_age=settings.session_days * 86400, path="/",
    )


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        try:
            session.close()
        except OperationalError as exc:
            # The database dropped the connection (restart, pg_terminate_backend) and the closing rollback cannot
            # reach it. Nothing is left to roll back there; the answer may already be on its way, so an error here
            # would cut it off. Discard the connection; the pool opens a fresh one for the next request.
            log.warning("closing a session whose database connection was lost: %s", exc.orig)
            session.invalidate()


async def bounded_body(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body as it streams in, refused with 413 once it passes `limit` bytes."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise TooLarge(f"the upload is over the {limit} byte limit; split it")
        yield chunk


def credentials(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: Request, session: Annotated[Session, Depends(get_session)]) -> User:
    secret = credentials(request)
    if not secret:
        raise Unauthorized("log in first: send 'Authorization: Bearer <token>' or the session cookie")
    return resolve_token(session, secret)


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("only administrators can do this")
    return user


def project_creator(user: Annotated[User, Depends(current_user)], request: Request) -> User:
    if request.app.state.settings.project_creators == "admins" and not user.is_admin:
        raise Forbidden("only administrators can create projects on this server (LABELWISE_PROJECT_CREATORS=admins)")
    return user


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
UserDep = Annotated[User, Depends(current_user)]
AdminDep = Annotated[User, Depends(admin_user)]
ProjectCreatorDep = Annotated[User, Depends(project_creator)]
