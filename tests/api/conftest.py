"""Fixtures shared by the API tests."""

import pytest

from tests.factories import add_member, add_tasks, make_project, make_user, texts


@pytest.fixture
def team(session):
    """A manager and three annotators on a project of three texts with overlap 2."""
    manager = make_user(session, "manager")
    people = [make_user(session, name) for name in ("a", "b", "c")]
    project = make_project(session, manager.user, settings={"overlap": 2})
    add_tasks(session, manager.user, project, texts(3))
    for person in people:
        add_member(session, manager.user, project, person.user)
    return manager, people, project
