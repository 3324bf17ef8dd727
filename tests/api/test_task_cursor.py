"""Keyset cursors come back from clients: a crafted one is a 422 naming the `after` cursor, never a 500."""

import base64
import json

import pytest

from tests.factories import add_tasks, make_project, make_user, texts


@pytest.fixture
def world(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, texts(5))
    return owner, project


def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("sort", ["annotations", "-annotations", "confidence", "id"])
@pytest.mark.parametrize("crafted", [[{"a": 1}, 1], [None, 1], [[1], 1], ["x", 1], [1, True], [1, 2**70],
                                     [1.5, 1], [True, 1], [1, "1"]])
def test_a_crafted_cursor_is_a_422_naming_it(client, world, sort, crafted):
    owner, project = world
    if "confidence" in sort and crafted == [1.5, 1]:
        pytest.skip("a valid confidence cursor")
    response = client.get(f"/api/v1/projects/{project.id}/tasks", params={"sort": sort, "after": cursor(crafted)},
                          headers=owner.headers)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "after" and "cursor" in response.json()["message"]


@pytest.mark.parametrize("sort", ["annotations", "-annotations", "confidence", "-confidence", "id", "-id"])
def test_server_cursors_page_through_every_task(client, world, sort):
    owner, project = world
    seen, after = [], None
    while True:
        params = {"sort": sort, "limit": 2, **({"after": after} if after else {})}
        page = client.get(f"/api/v1/projects/{project.id}/tasks", params=params, headers=owner.headers).json()
        seen += [item["id"] for item in page["items"]]
        if not (after := page["next"]):
            break
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 5
