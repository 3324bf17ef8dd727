"""The next-task queue: overlap, leases, expiry, skips."""

from datetime import timedelta

from sqlalchemy import select, update

from labelwise.core.platform.clock import utcnow
from labelwise.store.models import Assignment, Task
from tests.factories import next_task


def submit(client, caller, task_id, label="positive"):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations", json={"result": {"sentiment": label}},
                           headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_same_lease_comes_back_until_answered(client, team):
    _, (a, _, _), project = team
    first = next_task(client, a, project.id)
    assert next_task(client, a, project.id)["id"] == first["id"]
    submit(client, a, first["id"])
    assert next_task(client, a, project.id)["id"] != first["id"]


def test_overlap_caps_annotators_per_task(client, team):
    _, (a, b, c), project = team
    ta, tb, tc = (next_task(client, p, project.id) for p in (a, b, c))
    assert ta["id"] == tb["id"] and tc["id"] != ta["id"]


def test_an_annotator_never_gets_a_task_twice_and_the_queue_ends(client, team):
    _, (a, _, _), project = team
    seen = []
    while (task := next_task(client, a, project.id)) is not None:
        seen.append(task["id"])
        submit(client, a, task["id"])
    assert len(seen) == 3 and len(set(seen)) == 3
    assert client.get(f"/api/v1/projects/{project.id}/next", headers=a.headers).status_code == 204


def test_expired_leases_go_back_to_the_queue(client, session, team):
    _, (a, b, c), project = team
    held = next_task(client, a, project.id)
    next_task(client, b, project.id)
    assert next_task(client, c, project.id)["id"] != held["id"]
    session.execute(update(Assignment).where(Assignment.user_id == a.user.id)
                    .values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    submit(client, c, next_task(client, c, project.id)["id"])
    assert next_task(client, c, project.id)["id"] == held["id"]
    # The slow annotator's late answer is still accepted, never lost.
    late = submit(client, a, held["id"], "negative")
    assert late["status"] == "submitted"


def test_skip_frees_the_slot_and_is_not_served_again(client, session, team):
    _, (a, b, c), project = team
    task = next_task(client, a, project.id)
    next_task(client, b, project.id)
    response = client.post(f"/api/v1/tasks/{task['id']}/skip", json={"lead_time_ms": 50}, headers=a.headers)
    assert response.status_code == 201 and response.json()["status"] == "skipped"
    assert next_task(client, c, project.id)["id"] == task["id"]
    assert next_task(client, a, project.id)["id"] != task["id"]
    # The skipper can still change their mind and answer it.
    assert submit(client, a, task["id"])["revision"] == 2
    session.expire_all()
    assert session.get(Task, task["id"]).annotation_count == 1


def test_cannot_skip_an_answered_task(client, team):
    _, (a, _, _), project = team
    task = next_task(client, a, project.id)
    submit(client, a, task["id"])
    assert client.post(f"/api/v1/tasks/{task['id']}/skip", headers=a.headers).status_code == 409


def test_overlap_change_reopens_tasks(client, session, team):
    manager, (a, b, c), project = team
    for person in (a, b):
        while (task := next_task(client, person, project.id)) is not None:
            submit(client, person, task["id"])
    assert next_task(client, c, project.id) is None
    response = client.patch(f"/api/v1/projects/{project.id}", json={"settings": {"overlap": 3}},
                            headers=manager.headers)
    assert response.status_code == 200 and response.json()["settings"]["overlap"] == 3
    assert next_task(client, c, project.id) is not None


def test_remaining_never_goes_negative(client, session, team):
    manager, (a, b, c), project = team
    task = next_task(client, a, project.id)
    next_task(client, b, project.id)
    submit(client, manager, task["id"])  # a manager may answer any task, beyond the overlap
    session.expire_all()
    assert session.get(Task, task["id"]).remaining == 0
    statuses = session.scalars(select(Assignment.status).where(Assignment.task_id == task["id"])).all()
    assert sorted(statuses) == ["done", "leased", "leased"]
