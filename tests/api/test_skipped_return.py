"""Skipped tasks: the project's `skipped_return` decides whether and when a skip comes back to the
annotator who skipped it (never, at the end of their queue, after N minutes); the data browser lists them."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from labelwise.core.platform.clock import utcnow
from labelwise.store.models import Annotation
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


def _project(session, **settings):
    manager = make_user(session, "manager")
    annie = make_user(session, "annie")
    project = make_project(session, manager.user, settings={"overlap": 1, **settings})
    add_tasks(session, manager.user, project, texts(3))
    add_member(session, manager.user, project, annie.user)
    return manager, annie, project


def _skip(client, caller, task_id):
    response = client.post(f"/api/v1/tasks/{task_id}/skip", json={}, headers=caller.headers)
    assert response.status_code == 201, response.text


def _submit(client, caller, task_id):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations", json={"result": {"sentiment": "positive"}},
                           headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _label_all(client, caller, project_id, *, skip_first=True):
    """Work through the queue: skip the first task served, submit the others; the ids served, in order."""
    served = []
    while (task := next_task(client, caller, project_id)) is not None and len(served) < 10:
        served.append(task["id"])
        if skip_first and len(served) == 1:
            _skip(client, caller, task["id"])
        else:
            _submit(client, caller, task["id"])
    return served


def test_by_default_a_skip_never_comes_back(client, session):
    _, annie, project = _project(session)
    served = _label_all(client, annie, project.id)
    assert len(served) == 3 and len(set(served)) == 3


def test_at_the_end_a_skip_comes_back_once_nothing_new_is_left(client, session):
    _, annie, project = _project(session, skipped_return="end")
    served = _label_all(client, annie, project.id)
    assert len(served) == 4 and served[3] == served[0]  # fresh tasks first, then the skipped one
    # answered now: the skipped annotation became a submitted one, and the queue is empty
    detail = client.get(f"/api/v1/tasks/{served[0]}", headers=annie.headers).json()
    assert [a["status"] for a in detail["annotations"]] == ["submitted"]
    assert client.get(f"/api/v1/projects/{project.id}/next", headers=annie.headers).status_code == 204


def test_a_returned_skip_can_be_skipped_again(client, session):
    _, annie, project = _project(session, skipped_return="end")
    first = next_task(client, annie, project.id)["id"]
    _skip(client, annie, first)
    for _ in range(2):
        _submit(client, annie, next_task(client, annie, project.id)["id"])
    assert next_task(client, annie, project.id)["id"] == first
    _skip(client, annie, first)
    assert next_task(client, annie, project.id)["id"] == first  # still at the end of an otherwise empty queue


def test_after_n_minutes_a_skip_comes_back_first(client, session):
    _, annie, project = _project(session, skipped_return="after", skipped_return_minutes=30)
    first = next_task(client, annie, project.id)["id"]
    _skip(client, annie, first)
    second = next_task(client, annie, project.id)["id"]
    assert second != first  # not yet due
    _submit(client, annie, second)
    session.execute(update(Annotation).where(Annotation.task_id == first).values(updated_at=utcnow() - timedelta(minutes=31)))
    session.commit()
    assert next_task(client, annie, project.id)["id"] == first  # due: back before the last fresh task


def test_a_skip_does_not_come_back_if_someone_else_took_the_slot(client, session):
    manager, annie, project = _project(session, skipped_return="end")
    bob = make_user(session, "bob")
    add_member(session, manager.user, project, bob.user)
    first = next_task(client, annie, project.id)["id"]
    _skip(client, annie, first)
    assert next_task(client, bob, project.id)["id"] == first  # the slot the skip gave back
    _submit(client, bob, first)
    served = []
    while (task := next_task(client, annie, project.id)) is not None:
        served.append(task["id"])
        _submit(client, annie, task["id"])
    assert first not in served and len(served) == 2


@pytest.mark.parametrize("value", [{"skipped_return": "sometimes"}, {"skipped_return_minutes": 0}])
def test_bad_settings_are_refused(client, session, value):
    manager, _, project = _project(session)
    response = client.patch(f"/api/v1/projects/{project.id}", json={"settings": {"overlap": 1, **value}}, headers=manager.headers)
    assert response.status_code == 422


def test_the_skipped_filter_lists_skipped_tasks(client, session):
    manager, annie, project = _project(session)
    first = next_task(client, annie, project.id)["id"]
    _skip(client, annie, first)
    _submit(client, annie, next_task(client, annie, project.id)["id"])
    for caller in (manager, annie):
        page = client.get(f"/api/v1/projects/{project.id}/tasks", params={"status": "skipped"}, headers=caller.headers)
        assert page.status_code == 200, page.text
        assert [t["id"] for t in page.json()["items"]] == [first]
