"""Users, API tokens and browser sessions."""

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.core.accounts import login_throttle
from labelwise.core.accounts.security import hash_password, hash_token, new_token, verify_dummy, verify_password
from labelwise.core.platform import events
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from labelwise.store.models import Token, User

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")
MIN_PASSWORD_LENGTH = 8
# Touching last_used_at on every request would turn each read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    email: str | None = None,
    is_admin: bool = False,
    actor: User | None = None,
) -> User:
    if not USERNAME_PATTERN.match(username):
        raise Invalid("username must be 1-150 letters, digits or _ . @ + -", field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists", field="username")
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        is_admin=is_admin,
        is_active=True,
        created_at=utcnow(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"user '{username}' already exists", field="username") from None
    events.record(
        session,
        actor=actor or user,
        action="user.created",
        object_type="user",
        object_id=user.id,
        after={"username": username, "is_admin": is_admin},
    )
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def get_user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user '{username}' not found", field="username")
    return user


def authenticate(session: Session, username: str, password: str, *, address: str | None = None,
                 policy: login_throttle.ThrottlePolicy | None = None) -> User:
    """The user with these credentials, or Unauthorized; throttled per account and per address (429).

    Unknown and inactive users cost one password verification too, so timing does not reveal who exists.
    """
    login_throttle.check(session, username, address)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_dummy(password)
        valid = False
    else:
        valid = verify_password(user.password_hash, password) and user.is_active
    if not valid:
        login_throttle.record_failure(session, username, address, policy or login_throttle.ThrottlePolicy())
        raise Unauthorized("wrong username or password")
    login_throttle.record_success(session, username)
    return user


def issue_token(
    session: Session, user: User, *, name: str, kind: str = "api", days: int | None = None,
    id_token: str | None = None,
) -> tuple[Token, str]:
    """Create a token and return it with its secret, which is shown once and never stored.

    `id_token`: for a session begun by single sign-on, the provider's ID token, kept for logging out there."""
    if user.is_external and kind != "worker":
        raise Forbidden("a crowd worker's session cannot create tokens")
    secret = new_token()
    now = utcnow()
    token = Token(
        user_id=user.id,
        kind=kind,
        name=name,
        token_hash=hash_token(secret),
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
        id_token=id_token,
    )
    session.add(token)
    session.flush()
    if kind == "api":
        events.record(session, actor=user, action="token.created", object_type="token", object_id=token.id,
                      after={"name": name})
    session.commit()
    return token, secret


def list_tokens(session: Session, user: User) -> list[Token]:
    stmt = select(Token).where(Token.user_id == user.id, Token.kind == "api").order_by(Token.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, user: User, token_id: int) -> None:
    token = session.get(Token, token_id)
    if token is None or (token.user_id != user.id and not user.is_admin):
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        events.record(session, actor=user, action="token.revoked", object_type="token", object_id=token.id)
        session.commit()


def revoke_secret(session: Session, secret: str) -> Token | None:
    """End a browser session (logout); the session's token, if there was one."""
    token = session.scalar(select(Token).where(Token.token_hash == hash_token(secret)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
    return token


def resolve_token(session: Session, secret: str) -> User:
    """The active user behind a token secret, or Unauthorized."""
    found = session.execute(
        select(Token, User).join(User, User.id == Token.user_id).where(Token.token_hash == hash_token(secret))
    ).first()
    now = utcnow()
    if found is None:
        raise Unauthorized("invalid or expired token")
    token, user = found
    if token.revoked_at is not None or (token.expires_at and token.expires_at < now) or not user.is_active:
        raise Unauthorized("invalid or expired token")
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.commit()
    return user
