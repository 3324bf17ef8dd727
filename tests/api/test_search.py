"""Full-text search in the task listing: every word must occur, the last as a prefix, in any text field."""

import pytest

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
