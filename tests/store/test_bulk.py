"""Bulk inserts hand back the new ids in row order, on both databases, even after deletes."""

from sqlalchemy import delete, select

from labelwise.core.accounts import users
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects import projects
from labelwise.store.bulk import insert_with_ids
from labelwise.store.models import Task


def test_ids_come_back_in_row_order(session):
    owner = users.create_user(session, username="owner", password="long enough")
    schema = {"objects": {"text": {"type": "text"}}, "controls": {"c": {"type": "text", "object": "text"}}}
    project = projects.create_project(session, owner, name="P", label_schema=schema)
    now = utcnow()

    def rows(prefix, n):
        return [{"project_id": project.id, "external_id": f"{prefix}{i}", "data": {"text": f"{prefix}{i}"},
                 "meta": {}, "content_hash": f"{prefix}{i}", "remaining": 1, "priority": 0.0,
                 "annotation_count": 0, "created_at": now} for i in range(n)]

    first = insert_with_ids(session, Task.__table__, rows("a", 50))
    session.execute(delete(Task).where(Task.id.in_(first[-10:])))  # the highest ids are free again
    second = insert_with_ids(session, Task.__table__, rows("b", 30))
    session.commit()
    stored = dict(session.execute(select(Task.id, Task.external_id)).all())
    assert [stored[i] for i in first[:40]] == [f"a{i}" for i in range(40)]
    assert [stored[i] for i in second] == [f"b{i}" for i in range(30)]
    assert insert_with_ids(session, Task.__table__, []) == []
