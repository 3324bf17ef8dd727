"""Who a single sign-on is: the user behind an OpenID identity (made on first sign-in), and the project
roles their groups give them.

An identity is the provider's (issuer, subject) pair, never the email or the username: a provider's user
called "admin" must not become our "admin". Linking to an existing account by email happens only when the
administrator allows it and the provider vouches for the email (`email_verified`).

Roles from groups are kept in step at every sign-in, but only the memberships single sign-on made
(`Member.granted_by == 'sso'`): a role a manager gave by hand is never changed or taken away here.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role
from labelwise.core.platform import events
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import ProjectSettings
from labelwise.errors import Forbidden
from labelwise.store.models import Member, Project, User, UserIdentity

SSO = "sso"
UNUSABLE_PASSWORD = "!sso"  # not an argon2 hash: no password ever verifies against it


@dataclass(frozen=True)
class Policy:
    """What the administrator configured (LABELWISE_OIDC_*)."""

    groups_claim: str = "groups"
    group_roles: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)
    admin_groups: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    link_by_email: bool = False


def sign_in(session: Session, *, issuer: str, claims: Mapping[str, Any], policy: Policy) -> User:
    """The user for these verified claims, created or linked on first sign-in, with roles from their groups."""
    subject = str(claims["sub"])
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    verified = email is not None and claims.get("email_verified") is True
    _check_domain(email, verified, policy)
    groups = groups_of(claims, policy.groups_claim)
    identity = session.scalar(select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject))
    now = utcnow()
    if identity is not None:
        user = session.get(User, identity.user_id)
    else:
        user = _linkable_user(session, email, issuer) if policy.link_by_email and verified else None
        if user is None:
            user = _new_user(session, claims, email)
        identity = UserIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email, groups=groups,
                                created_at=now, last_login_at=now)
        session.add(identity)
        events.record(session, actor=user, action="sso.identity_linked", object_type="user", object_id=user.id,
                      after={"issuer": issuer, "subject": subject, "email": email})
    if not user.is_active:
        session.rollback()
        raise Forbidden(f"the account '{user.username}' is deactivated; ask an administrator")
    identity.email, identity.groups, identity.last_login_at = email, groups, now
    if set(groups) & set(policy.admin_groups) and not user.is_admin:
        user.is_admin = True
        events.record(session, actor=user, action="user.admin_granted", object_type="user", object_id=user.id,
                      after={"by": SSO, "groups": sorted(set(groups) & set(policy.admin_groups))})
    _sync_roles(session, user, roles_for(session, groups, policy.group_roles))
    session.commit()
    return user


def groups_of(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The groups in `claim` (a dotted path into nested claims); a single string counts as one group."""
    value: Any = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def roles_for(session: Session, groups: list[str], group_roles: Mapping[str, str | Mapping[str, str]]) -> dict[int, Role]:
    """The highest role each project gives to any of `groups`."""
    wanted: dict[int, Role] = {}
    projects: list[tuple[int, str]] | None = None
    for group in groups:
        rule = group_roles.get(group)
        if rule is None:
            continue
        if projects is None:
            projects = [(row.id, row.name) for row in session.execute(select(Project.id, Project.name))]
        targets = {"*": rule} if isinstance(rule, str) else dict(rule)
        for key, role_name in targets.items():
            role = Role.parse(role_name)
            for project_id, name in projects:
                if key == "*" or key == str(project_id) or key == name:
                    wanted[project_id] = max(wanted.get(project_id, role), role)
    return wanted


def _sync_roles(session: Session, user: User, wanted: dict[int, Role]) -> None:
    current = {row.project_id: row for row in session.scalars(select(Member).where(Member.user_id == user.id))}
    for project_id, role in wanted.items():
        row = current.get(project_id)
        if row is None:
            qualifying = role == Role.ANNOTATOR and ProjectSettings.model_validate(
                session.get(Project, project_id).settings).qualification_gold > 0
            session.add(Member(project_id=project_id, user_id=user.id, role=role.label, granted_by=SSO,
                               created_at=utcnow(), status="qualifying" if qualifying else "active"))
            _record(session, user, project_id, None, role.label)
        elif row.granted_by == SSO and row.role != role.label and not _last_manager(session, row, role):
            _record(session, user, project_id, row.role, role.label)
            row.role = role.label
    for project_id, row in current.items():
        if row.granted_by == SSO and project_id not in wanted and not _last_manager(session, row, None):
            _record(session, user, project_id, row.role, None)
            session.delete(row)


def _last_manager(session: Session, row: Member, new_role: Role | None) -> bool:
    """Whether this change would leave the project without a manager (then it is not made)."""
    if row.role != Role.MANAGER.label or new_role == Role.MANAGER:
        return False
    managers = session.scalar(select(func.count()).select_from(Member).where(
        Member.project_id == row.project_id, Member.role == Role.MANAGER.label))
    return managers <= 1


def _record(session: Session, user: User, project_id: int, before: str | None, after: str | None) -> None:
    events.record(session, actor=user, action="member.removed" if after is None else "member.set",
                  object_type="member", object_id=user.id, project_id=project_id,
                  before={"role": before} if before else None,
                  after={"user": user.username, "role": after, "by": SSO} if after else None)


def _check_domain(email: str | None, verified: bool, policy: Policy) -> None:
    if not policy.allowed_domains:
        return
    domain = email.rpartition("@")[2].lower() if email else ""
    if not verified or domain not in {d.lower().lstrip("@") for d in policy.allowed_domains}:
        allowed = ", ".join(policy.allowed_domains)
        raise Forbidden(f"this server admits single sign-on only with a verified email at {allowed}")


def _linkable_user(session: Session, email: str, issuer: str) -> User | None:
    """The one account with this email that no one at this provider has claimed yet; none if two share it."""
    found = list(session.scalars(select(User).where(func.lower(User.email) == email.lower(),
                                                    User.is_external.is_(False)).limit(2)))
    if len(found) != 1:
        return None
    claimed = session.scalar(select(UserIdentity.id).where(UserIdentity.user_id == found[0].id,
                                                           UserIdentity.issuer == issuer))
    return None if claimed else found[0]


def _new_user(session: Session, claims: Mapping[str, Any], email: str | None) -> User:
    user = User(username=_free_username(session, claims, email), email=email, password_hash=UNUSABLE_PASSWORD,
                is_admin=False, is_active=True, created_at=utcnow())
    session.add(user)
    session.flush()
    events.record(session, actor=user, action="user.created", object_type="user", object_id=user.id,
                  after={"username": user.username, "is_admin": False, "by": SSO})
    return user


def _free_username(session: Session, claims: Mapping[str, Any], email: str | None) -> str:
    candidates = [claims.get("preferred_username"), email.partition("@")[0] if email else None, claims["sub"]]
    base = next((_clean(c) for c in candidates if isinstance(c, str) and _clean(c)), "user")
    taken = set(session.scalars(select(User.username).where(User.username.like(f"{base}%"))))
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def _clean(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@+-]+", "-", text).strip("-")[:140]
