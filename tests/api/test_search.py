"""Full-text search in the task listing: every word must occur, the last as a prefix, in any text field."""

import pytest
from sqlalchemy import select

from labelwise.store.models import Task
from tests.factories import add_tasks, make_project, make_user


@pytest.fixture
def indexed(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, [
        {"text": "The battery lasts all day"},
        {"text": "Battery died after a week"},
        {"text": "Screen is bright; Café au lait colours"},
        {"text": "Shipping was slow", "external_id": "battery-not-in-text"},
    ])
    other = make_project(session, owner.user, name="Other")
    add_tasks(session, owner.user, other, [{"text": "battery everywhere"}])
    return owner, project


def search(client, owner, project, q):
    response = client.get(f"/api/v1/projects/{project.id}/tasks", params={"q": q}, headers=owner.headers)
    assert response.status_code == 200, response.text
    return [t["data"]["text"] for t in response.json()["items"]]


def test_words_match_whatever_their_case(client, indexed):
    owner, project = indexed
    assert search(client, owner, project, "battery") == ["The battery lasts all day", "Battery died after a week"]
    assert search(client, owner, project, "BATTERY week") == ["Battery died after a week"]
    assert search(client, owner, project, "CAFÉ") == ["Screen is bright; Café au lait colours"]


def test_the_last_word_is_a_prefix(client, indexed):
    owner, project = indexed
    assert search(client, owner, project, "batt") == ["The battery lasts all day", "Battery died after a week"]
    assert search(client, owner, project, "ship") == ["Shipping was slow"]


def test_search_syntax_in_the_query_is_just_text(client, indexed):
    owner, project = indexed
    assert search(client, owner, project, 'battery" OR "screen') == []
    assert search(client, owner, project, "battery*") == ["The battery lasts all day", "Battery died after a week"]
    response = client.get(f"/api/v1/projects/{project.id}/tasks", params={"q": "!!!"}, headers=owner.headers)
    assert response.status_code == 422 and response.json()["field"] == "q"


def test_search_stays_in_the_project_and_follows_deletes(client, session, indexed):
    owner, project = indexed
    assert "battery everywhere" not in search(client, owner, project, "everywhere")
    client.delete(f"/api/v1/projects/{project.id}", headers=owner.headers)
    again = make_project(session, owner.user, name="Again")
    add_tasks(session, owner.user, again, [{"text": "fresh start"}])
    assert search(client, owner, again, "battery") == []
    assert search(client, owner, again, "fresh") == ["fresh start"]


def test_pages_of_a_search_are_the_projects_matches_in_id_order(client, session):
    """Two projects imported in turns share words (and a project's id appears as a word): each search,
    paged by cursor forwards and backwards, lists exactly its own project's matches, sorted by id."""
    owner = make_user(session, "owner")
    first, second = make_project(session, owner.user), make_project(session, owner.user, name="Second")
    for turn in range(3):
        for project in (first, second):
            add_tasks(session, owner.user, project, [
                {"text": f"refund {project.id} turn{turn} row{i}" if i % 2 else f"kept {second.id} turn{turn}"}
                for i in range(4)])

    def walk(project, q, sort):
        found, after = [], None
        while True:
            params = {"q": q, "limit": 2, "sort": sort, **({"after": after} if after else {})}
            page = client.get(f"/api/v1/projects/{project.id}/tasks", params=params, headers=owner.headers).json()
            found += [(task["id"], task["data"]["text"]) for task in page["items"]]
            after = page["next"]
            if not after:
                return found

    for project in (first, second):
        expected = [(task.id, task.data["text"]) for task in sorted(
            session.scalars(select(Task).where(Task.project_id == project.id)), key=lambda task: task.id)
            if "refund" in task.data["text"]]
        assert len(expected) == 6
        assert walk(project, "refund", "id") == expected
        assert walk(project, "REFUND tur", "-id") == expected[::-1]
        assert [text for _, text in walk(project, "refund", "annotations")] == [text for _, text in expected]
        assert walk(project, "refund turn1", "id") == [item for item in expected if "turn1" in item[1]]
    # the other project's id as a word matches text only, never the project itself
    assert [text for _, text in walk(first, str(second.id), "id")] == [f"kept {second.id} turn{t}"
                                                                        for t in range(3) for _ in range(2)]
