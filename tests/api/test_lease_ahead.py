"""Working one task ahead: `holding` names leases the caller has loaded, so the queue serves another one.
The labeling page uses it to show the next task the moment an answer is sent."""

from sqlalchemy import select

from labelwise.store.models import Assignment, Task
from tests.factories import make_project, make_user, add_member, add_tasks, texts


def get_next(client, caller, project_id, holding=()):
    response = client.get(f"/api/v1/projects/{project_id}/next", params={"holding": list(holding)}, headers=caller.headers)
    assert response.status_code in (200, 204), response.text
    return response.json()["task"]["id"] if response.status_code == 200 else None


def submit_next(client, caller, task_id, holding=()):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations", params={"next": "true", "holding": list(holding)},
                           json={"result": {"sentiment": "positive"}}, headers=caller.headers)
    assert response.status_code == 201, response.text
    served = response.json()["next"]
    return served["task"]["id"] if served else None


def test_one_task_ahead_through_a_whole_queue(client, session):
    manager, annotator = make_user(session, "manager"), make_user(session, "annie")
    project = make_project(session, manager.user, settings={"overlap": 1})
    add_tasks(session, manager.user, project, texts(5))
    add_member(session, manager.user, project, annotator.user)
    current = get_next(client, annotator, project.id)
    ahead = get_next(client, annotator, project.id, holding=[current])
    assert ahead not in (None, current)
    assert get_next(client, annotator, project.id, holding=[current]) == ahead  # asking again leases nothing more
    assert get_next(client, annotator, project.id) == current  # without `holding`, the oldest lease as before
    session.expire_all()
    leased = session.scalars(select(Assignment.task_id).where(Assignment.status == "leased")).all()
    assert sorted(leased) == sorted([current, ahead])
    assert session.scalar(select(Task.remaining).where(Task.id == ahead)) == 0  # its slot is taken
    order = [current]
    while ahead is not None:
        served = submit_next(client, annotator, current, holding=[ahead])
        assert served not in order and served != ahead
        order.append(ahead)
        current, ahead = ahead, served
    assert submit_next(client, annotator, current) is None
    assert len(order) == 5 and len(set(order)) == 5


def test_holding_is_checked(client, team):
    _, (a, _, _), project = team
    current = get_next(client, a, project.id)
    assert get_next(client, a, project.id, holding=[current + 1000]) == current  # not held: no effect
    response = client.get(f"/api/v1/projects/{project.id}/next", params={"holding": [1, 2, 3, 4, 5]}, headers=a.headers)
    assert response.status_code == 422 and "holding" in response.text
    response = client.get(f"/api/v1/projects/{project.id}/next", params={"holding": "x"}, headers=a.headers)
    assert response.status_code == 422 and "holding" in response.text
