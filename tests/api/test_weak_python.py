"""Python labeling functions from a module the administrator names in LABELWISE_LABELING_FUNCTION_MODULES:
listed, validated, previewed and applied in the server; one that raises or votes outside the schema gets
a clear error and stops nothing else; nothing else can be named."""

import pytest
from fastapi.testclient import TestClient

from labelwise.app import create_app
from tests.api.test_weak import SCHEMA, TEXTS, create, url
from tests.factories import add_tasks, make_project, make_user

MODULE = "tests.api.weak_plugin"


@pytest.fixture
def world(settings):
    app = create_app(settings.model_copy(update={"labeling_function_modules": f" {MODULE} ,"}))
    with TestClient(app) as client, app.state.session_factory() as session:
        manager = make_user(session, "manager")
        project = make_project(session, manager.user, schema=SCHEMA)
        add_tasks(session, manager.user, project, [{"text": t} for t in TEXTS])
        yield client, manager, project
    app.state.engine.dispose()


def test_installed_functions_are_listed(world):
    client, manager, _ = world
    listed = client.get("/api/v1/labeling-functions/python", headers=manager.headers).json()
    assert {f["function"] for f in listed} == {f"{MODULE}:{n}" for n in ("mentions_song", "links", "breaks",
                                                                          "off_schema")}
    assert {f["function"]: f["description"] for f in listed}[f"{MODULE}:mentions_song"] == \
        "Votes ham when the text mentions a song."


def test_python_functions_preview_and_apply_and_fail_alone(world):
    client, manager, project = world
    for name in ("mentions_song", "links", "breaks", "off_schema"):
        create(client, manager, project, {"name": name, "kind": "python", "function": f"{MODULE}:{name}"})
    create(client, manager, project, {"name": "subscribe", "kind": "keywords", "label": "spam",
                                      "keywords": ["subscribe"]})
    preview = client.post(url(project, "/preview"), headers=manager.headers,
                          json={"kind": "python", "function": f"{MODULE}:mentions_song"})
    assert preview.status_code == 200 and preview.json()["votes"] == 3
    bad = client.post(url(project, "/preview"), headers=manager.headers,
                      json={"kind": "python", "function": f"{MODULE}:off_schema"})
    assert bad.status_code == 422 and bad.json()["field"] == "label" and "eggs" in bad.text
    report = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert sorted(report["recomputed"]) == ["links", "mentions_song", "subscribe"]
    assert "ValueError" in report["failed"]["breaks"] and "no good" in report["failed"]["breaks"]
    assert "'eggs'" in report["failed"]["off_schema"]
    assert report["votes_written"] == 3 + 2 + 2


@pytest.mark.parametrize("function", ["os:system", f"{MODULE}:not_marked", "tests.api.weak_plugin:nope", None])
def test_only_installed_functions_can_be_named(world, function):
    client, manager, project = world
    response = client.post(url(project), headers=manager.headers,
                           json={"name": "x", "kind": "python", "function": function})
    assert response.status_code == 422 and response.json()["field"] == "function", response.text


def test_nothing_is_installed_by_default(client, session):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, schema=SCHEMA)
    assert client.get("/api/v1/labeling-functions/python", headers=manager.headers).json() == []
    response = client.post(url(project), headers=manager.headers,
                           json={"name": "x", "kind": "python", "function": f"{MODULE}:links"})
    assert response.status_code == 422 and response.json()["field"] == "function"
