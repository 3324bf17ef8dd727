"""Small builders for rows and API callers used across the tests."""

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.core.accounts import users
from labelwise.core.dataio import importing
from labelwise.core.projects import projects
from labelwise.formats.rows import Row
from labelwise.store.models import Project, User

PASSWORD = "correct horse battery"

TEXT_SCHEMA: dict[str, Any] = {
    "objects": {"text": {"type": "text"}},
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative", "neutral"],
                      "required": True},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG", "LOC"]},
    },
}


@dataclass
class Caller:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_user(session: Session, username: str, *, admin: bool = False) -> Caller:
    user = users.create_user(session, username=username, password=PASSWORD, is_admin=admin)
    _, token = users.issue_token(session, user, name="test")
    return Caller(user, token)


def make_project(
    session: Session,
    owner: User,
    *,
    schema: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    name: str = "Reviews",
) -> Project:
    return projects.create_project(session, owner, name=name, label_schema=schema or TEXT_SCHEMA, settings=settings)


def add_tasks(session: Session, owner: User, project: Project, rows: list[dict[str, Any]]) -> None:
    importing.import_tasks(session, owner, project.id, [Row(i + 1, r) for i, r in enumerate(rows)])


def add_member(session: Session, owner: User, project: Project, member: User, role: str = "annotator") -> None:
    projects.set_member(session, owner, project.id, member=member, role=role)


def texts(n: int, *, prefix: str = "text") -> list[dict[str, Any]]:
    return [{"text": f"{prefix} number {i}"} for i in range(n)]


def next_task(client: TestClient, caller: Caller, project_id: int) -> dict[str, Any] | None:
    response = client.get(f"/api/v1/projects/{project_id}/next", headers=caller.headers)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    return response.json()["task"]
