"""A project's ML backends: add, list, change, remove, and check one (health, then setup).

Managers attach backends; the URL must be http(s). The Authorization header value is stored but never
shown back (`has_auth` says whether there is one). A check never raises for a misbehaving backend: it
records `last_status` `ok` or `error` with the message, so the settings page can show it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.core.assist.ml_client import KINDS, BackendClient, BackendError
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Conflict, Invalid
from labelwise.formats.labelstudio_xml import to_label_config
from labelwise.store.models import MlBackend, Project, User

MAX_TIMEOUT = 600.0
_FIELDS = ("name", "url", "kind", "auth_header", "timeout_seconds", "enabled", "label_config")


@dataclass(frozen=True)
class BackendView:
    id: int
    project_id: int
    name: str
    url: str
    kind: str
    has_auth: bool
    timeout_seconds: float
    enabled: bool
    label_config: str | None
    model_version: str | None
    last_status: str | None
    last_error: str | None
    checked_at: datetime | None
    created_at: datetime
    updated_at: datetime


def view(backend: MlBackend) -> BackendView:
    return BackendView(backend.id, backend.project_id, backend.name, backend.url, backend.kind,
                       bool(backend.auth_header), backend.timeout_seconds, backend.enabled, backend.label_config,
                       backend.model_version, backend.last_status, backend.last_error, backend.checked_at,
                       backend.created_at, backend.updated_at)


def add_backend(session: Session, user: User, project_id: int, *, name: str, url: str, kind: str = "labelwise",
                auth_header: str | None = None, timeout_seconds: float = 30.0, enabled: bool = True,
                label_config: str | None = None) -> BackendView:
    authorize(session, user, project_id, Role.MANAGER)
    values = _checked({"name": name, "url": url, "kind": kind, "auth_header": auth_header,
                       "timeout_seconds": timeout_seconds, "enabled": enabled, "label_config": label_config})
    now = utcnow()
    backend = MlBackend(project_id=project_id, created_at=now, updated_at=now, **values)
    session.add(backend)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"the project already has an ML backend named '{name}'", field="name") from None
    events.record(session, actor=user, action="ml_backend.added", object_type="ml_backend", object_id=backend.id,
                  project_id=project_id, after={"name": name, "url": url, "kind": kind})
    session.commit()
    return view(backend)


def list_backends(session: Session, user: User, project_id: int) -> list[BackendView]:
    authorize(session, user, project_id, Role.MANAGER)
    rows = session.scalars(select(MlBackend).where(MlBackend.project_id == project_id).order_by(MlBackend.id))
    return [view(b) for b in rows]


def get_backend(session: Session, user: User, backend_id: int) -> MlBackend:
    backend = session.get(MlBackend, backend_id)
    authorize_row(session, user, backend, f"ML backend {backend_id}", Role.MANAGER)
    return backend


def update_backend(session: Session, user: User, backend_id: int, changes: dict[str, Any]) -> BackendView:
    backend = get_backend(session, user, backend_id)
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    current = {name: getattr(backend, name) for name in _FIELDS}
    values = _checked({**current, **changes})
    for name in changes:
        setattr(backend, name, values[name])
    backend.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"the project already has an ML backend named '{changes.get('name')}'", field="name") from None
    events.record(session, actor=user, action="ml_backend.changed", object_type="ml_backend", object_id=backend.id,
                  project_id=backend.project_id, after={k: v for k, v in changes.items() if k != "auth_header"})
    session.commit()
    return view(backend)


def delete_backend(session: Session, user: User, backend_id: int) -> None:
    backend = get_backend(session, user, backend_id)
    events.record(session, actor=user, action="ml_backend.removed", object_type="ml_backend", object_id=backend.id,
                  project_id=backend.project_id, before={"name": backend.name, "url": backend.url})
    session.delete(backend)
    session.commit()


def check_backend(session: Session, user: User, backend_id: int) -> BackendView:
    """Call the backend's health and setup; record the outcome (and model version) on the backend."""
    backend = get_backend(session, user, backend_id)
    project = session.get(Project, backend.project_id)
    try:
        with client_for(backend) as client:
            client.health()
            version = client.setup(project_id=project.id, schema=project_schema(project),
                                   label_config=label_config_for(backend, project))
    except BackendError as exc:
        record_outcome(session, backend, error=exc.message)
    else:
        record_outcome(session, backend, model_version=version)
    return view(backend)


def client_for(backend: MlBackend) -> BackendClient:
    return BackendClient(url=backend.url, kind=backend.kind, name=backend.name, auth_header=backend.auth_header,
                         timeout=backend.timeout_seconds)


def label_config_for(backend: MlBackend, project: Project) -> str:
    """The Label Studio XML a `labelstudio` backend gets: the one set on the backend, else written from the schema."""
    return backend.label_config or to_label_config(project_schema(project))[0]


def record_outcome(session: Session, backend: MlBackend, *, error: str | None = None,
                   model_version: str | None = None) -> None:
    backend.last_status = "error" if error else "ok"
    backend.last_error = error
    if model_version:
        backend.model_version = model_version
    backend.checked_at = utcnow()
    session.commit()


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    name = values["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise Invalid("name must be 1-200 characters", field="name")
    url = values["url"]
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise Invalid("url must be an http:// or https:// address", field="url")
    if values["kind"] not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}", field="kind")
    timeout = values["timeout_seconds"]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
        raise Invalid(f"timeout_seconds must be a number above 0 and at most {MAX_TIMEOUT:g}", field="timeout_seconds")
    if not isinstance(values["enabled"], bool):
        raise Invalid("enabled must be true or false", field="enabled")
    auth = values["auth_header"]
    if auth is not None and (not isinstance(auth, str) or len(auth) > 2000 or "\n" in auth or "\r" in auth):
        raise Invalid("auth_header must be one line of at most 2000 characters", field="auth_header")
    config = values["label_config"]
    if config is not None and not isinstance(config, str):
        raise Invalid("label_config must be Label Studio XML text", field="label_config")
    return {**values, "name": name.strip(), "url": url.rstrip("/"), "timeout_seconds": float(timeout),
            "auth_header": auth or None, "label_config": config or None}
