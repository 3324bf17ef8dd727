"""Pull a whole Label Studio instance through its HTTP API: every project's config (converted, with its
warnings), its users (as labelwise users, members of the projects they annotated in) and its tasks with
annotations, predictions and drafts (its full JSON export, read by `formats.labelstudio_json`), and the
files its tasks show from its own storage (`labelstudio_media`, unless no storage is given).

Label Studio answers `/api/projects` and `/api/users` either as a list or as pages
(`{"results", "next"}`); both are followed. Users are created without a usable password (a random one):
an administrator sets one. Media on other hosts stay where Label Studio's tasks point (URLs).
"""

from __future__ import annotations

import io
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.accounts import users
from labelwise.core.dataio.import_files import import_file
from labelwise.core.dataio.importing import ImportSummary
from labelwise.core.dataio.labelstudio_media import MediaCopy, copy_media
from labelwise.core.dataio.media_import import delete_unreferenced
from labelwise.core.media.media import MediaLimits
from labelwise.core.projects.projects import create_project, project_schema, set_member
from labelwise.errors import Invalid, LabelwiseError
from labelwise.formats import labelstudio_config
from labelwise.storage import Storage
from labelwise.store.models import User

__all__ = ["PulledProject", "pull"]


@dataclass
class PulledProject:
    source_id: int
    title: str
    project_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    summary: ImportSummary | None = None
    media: MediaCopy | None = None  # None: media not copied (no storage given)
    error: str | None = None


def pull(session: Session, importer: User, url: str, token: str, *, storage: Storage | None = None,
         limits: MediaLimits | None = None, transport: httpx.BaseTransport | None = None,
         on_project: Callable[[PulledProject], None] | None = None,
         on_media: Callable[[PulledProject, MediaCopy], None] | None = None) -> list[PulledProject]:
    """Copy every project of the Label Studio at `url`; a project that fails is reported and the rest go on.

    With `storage` the files its tasks show from its own storage are copied too (each at most
    `limits.max_file_bytes`); `on_media` is called after each file, for progress."""
    media = None if storage is None else _Media(storage, limits or MediaLimits(), on_media)
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=120, transport=transport) as http:
        people = {person["id"]: person for person in _all(http, "/api/users")}
        pulled = []
        for source in _all(http, "/api/projects"):
            item = PulledProject(source_id=source["id"], title=source.get("title") or f"Label Studio {source['id']}")
            try:
                _pull_project(session, importer, http, source, people, item, media)
            except LabelwiseError as exc:
                session.rollback()
                item.error = str(getattr(exc, "message", exc))
            pulled.append(item)
            if on_project is not None:
                on_project(item)
        return pulled


@dataclass(frozen=True)
class _Media:
    storage: Storage
    limits: MediaLimits
    on_file: Callable[[PulledProject, MediaCopy], None] | None


def _pull_project(session: Session, importer: User, http: httpx.Client, source: dict, people: dict,
                  item: PulledProject, media: _Media | None) -> None:
    schema, item.warnings = labelstudio_config.convert(source.get("label_config") or "")
    project = create_project(session, importer, name=item.title[:200], label_schema=schema,
                             description=source.get("description") or "",
                             guidelines=source.get("expert_instruction") or "")
    item.project_id = project.id
    tasks = _export(http, source["id"])
    if not isinstance(tasks, list):
        raise Invalid(f"Label Studio project {source['id']}: its export is not a list of tasks")
    authors = set()
    for task in tasks:  # annotators (and those with drafts) become users and members
        for entry in task.get("annotations") or ():
            if isinstance(entry, dict):
                entry["completed_by"] = _author(entry.get("completed_by"), people)
                authors.add(entry["completed_by"]["username"])
        for entry in task.get("drafts") or ():
            if isinstance(entry, dict) and (entry.get("user") or entry.get("created_username")):
                entry["completed_by"] = _author(entry.get("user") or entry["created_username"].rsplit(",", 1)[0].strip(),
                                                people)
                entry.pop("created_username", None)
                entry.pop("user", None)
                authors.add(entry["completed_by"]["username"])
    for name in sorted(authors):
        set_member(session, importer, project.id, member=_user(session, name), role="annotator")
    session.commit()
    if media is not None:
        progress = None if media.on_file is None else (lambda copy: media.on_file(item, copy))
        item.media = copy_media(http, tasks, project_id=project.id, schema=project_schema(project),
                                storage=media.storage, limits=media.limits, on_file=progress)
    try:
        item.summary = import_file(session, importer, project.id, io.BytesIO(json.dumps(tasks).encode()),
                                   "labelstudio")
    except BaseException:
        session.rollback()
        if item.media is not None:  # the import's own error is the one to report; a left blob only costs space
            with suppress(Exception):
                delete_unreferenced(session, media.storage, project.id, item.media.added)
        raise


def _author(raw: Any, people: dict) -> dict:
    """`completed_by` as a username: Label Studio's user id, or its object, become the user's email."""
    person = people.get(raw.get("id") if isinstance(raw, dict) else raw)
    if person is None and isinstance(raw, str):  # a draft names its author by email
        person = next((p for p in people.values() if raw in (p.get("email"), p.get("username"))), {"email": raw})
    if person is None and isinstance(raw, dict):
        person = raw
    name = (person or {}).get("email") or (person or {}).get("username") or str(raw)
    return {"username": name}


def _user(session: Session, name: str) -> User:
    existing = session.scalar(select(User).where(User.username == name))
    if existing is not None:
        return existing
    return users.create_user(session, username=name, password=secrets.token_urlsafe(24), email=name if "@" in name else None)


# Without these Label Studio's snapshot lists predictions and drafts by id only.
SNAPSHOT_OPTIONS = {"task_filter_options": {}, "serialization_options": {
    "drafts": {"only_id": False}, "predictions": {"only_id": False}, "annotations__completed_by": {"only_id": False}}}


def _export(http: httpx.Client, project: int) -> Any:
    """The project's full JSON export: a snapshot (`POST /exports`, predictions and drafts written out in
    full), or the plain export (predictions as ids) from a Label Studio without snapshots."""
    try:
        made = http.post(f"/api/projects/{project}/exports", json=SNAPSHOT_OPTIONS)
    except httpx.HTTPError as exc:
        raise Invalid(f"Label Studio at {http.base_url} cannot be reached ({exc})", field="url") from None
    if made.status_code in (404, 405, 501):
        return _get(http, f"/api/projects/{project}/export", params={"exportType": "JSON", "download_all_tasks": "true"})
    if made.status_code in (401, 403):
        raise Invalid(f"Label Studio refused the token ({made.status_code}) for its exports", field="token")
    if made.status_code not in (200, 201):
        raise Invalid(f"Label Studio answered {made.status_code} when asked for a snapshot of project {project}",
                      field="url")
    snapshot = made.json()
    deadline = time.monotonic() + 3600
    while snapshot.get("status") not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise Invalid(f"Label Studio's snapshot of project {project} did not finish in an hour", field="url")
        time.sleep(0.2)
        snapshot = _get(http, f"/api/projects/{project}/exports/{snapshot['id']}")
    if snapshot["status"] == "failed":
        raise Invalid(f"Label Studio could not export project {project} (its snapshot failed)", field="url")
    return _get(http, f"/api/projects/{project}/exports/{snapshot['id']}/download", params={"exportType": "JSON"})


def _all(http: httpx.Client, path: str) -> Iterator[dict]:
    page: Any = _get(http, path)
    while True:
        if isinstance(page, list):
            yield from page
            return
        yield from page.get("results") or ()
        if not page.get("next"):
            return
        page = _get(http, page["next"])


def _get(http: httpx.Client, path: str, **options: Any) -> Any:
    try:
        response = http.get(path, **options)
    except httpx.HTTPError as exc:
        raise Invalid(f"Label Studio at {http.base_url} cannot be reached ({exc})", field="url") from None
    if response.status_code in (401, 403):
        raise Invalid(f"Label Studio refused the token ({response.status_code}) for {path}", field="token")
    if response.status_code != 200:
        raise Invalid(f"Label Studio answered {response.status_code} for {path}", field="url")
    try:
        return response.json()
    except ValueError:
        raise Invalid(f"Label Studio's answer for {path} is not JSON", field="url") from None
