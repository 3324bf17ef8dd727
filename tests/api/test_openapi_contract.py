"""The OpenAPI document matches the server: one error model on every error answer, each route's error
statuses documented, unique operation ids, times with their offset, files documented as files."""

import json
import re
import warnings

import pytest
from pydantic import ValidationError

from labelwise.api.schemas import TIMESTAMP_EXAMPLE, ErrorOut
from labelwise.app import create_app
from tests.factories import add_tasks, make_project, make_user, texts

ERROR_REF = "#/components/schemas/ErrorOut"
UNSAFE = {"post", "put", "patch", "delete"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_generated_without_warnings(settings):
    app = create_app(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI warns of a duplicate operation id
        app.openapi()
    app.state.engine.dispose()


def test_operation_ids_are_unique(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids)) > 80
    head = document["paths"]["/api/v1/media/{key}"]
    assert head["get"]["operationId"] != head["head"]["operationId"]


def test_every_error_answer_is_documented_with_the_one_error_model(document):
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["ErrorOut"]["required"] == ["detail", "message"]
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400 and status != "416":  # 416 answers with a Content-Range header only
                assert response["content"] == {"application/json": {"schema": {"$ref": ERROR_REF}}}, (
                    method, path, status)


def test_each_route_documents_the_errors_it_can_return(document):
    for path, method, operation in operations(document):
        documented = set(operation["responses"])
        where = f"{method.upper()} {path}"
        if path in ("/api/v1/health", "/api/v1/auth/sso", "/api/v1/webhooks/events"):  # answered without the database
            assert documented == {"200"}
            continue
        if path == "/api/v1/auth/sso/login":  # a redirect: to the provider, or to the login page with the reason
            assert documented == {"303", "422"}
            continue
        assert "503" in documented, where  # every other route reads the database
        if path not in ("/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/sso/callback",
                        "/api/v1/links/{token}/join"):  # the public ones
            assert "401" in documented, where
        if "{" in path:
            assert {"403", "404", "422"} <= documented, where
        if method in UNSAFE:
            assert {"403", "413", "507"} <= documented, where
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in documented, where
    conflicts = {(m, p) for p, m, o in operations(document) if "409" in o["responses"]}
    assert ("post", "/api/v1/tasks/{task_id}/annotations") in conflicts
    assert ("post", "/api/v1/projects/{project_id}/snapshots") in conflicts
    assert ("post", "/api/v1/jobs/{job_id}/cancel") in conflicts
    assert {"401", "429"} <= set(document["paths"]["/api/v1/auth/login"]["post"]["responses"])


def answer_schemas(document: dict) -> set[str]:
    """The component schemas that answers (responses) use, directly or nested."""
    schemas = document["components"]["schemas"]
    found: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and (name := ref.rsplit("/", 1)[1]) not in found:
                found.add(name)
                visit(schemas[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for _, _, operation in operations(document):
        visit(operation["responses"])
    return found


def test_times_are_documented_and_answered_with_their_offset(client, session, document):
    for name in answer_schemas(document):
        for field, spec in document["components"]["schemas"][name].get("properties", {}).items():
            variants = [spec, *spec.get("anyOf", [])]
            if field.endswith("_at") or any(v.get("format") == "date-time" for v in variants):
                assert any(v.get("examples") == [TIMESTAMP_EXAMPLE] for v in variants), (
                    f"{name}.{field}: a time in an answer must be labelwise.api.schemas.Timestamp (UTC with offset)")
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin.user)
    add_tasks(session, admin.user, project, texts(1))
    answered = client.get(f"/api/v1/projects/{project.id}", headers=admin.headers).json()
    assert RFC3339.match(answered["created_at"]), answered["created_at"]
    task = client.get(f"/api/v1/projects/{project.id}/next", headers=admin.headers).json()
    assert RFC3339.match(task["lease_expires_at"]) and RFC3339.match(task["task"]["created_at"])
    events = client.get(f"/api/v1/projects/{project.id}/events/export", headers=admin.headers)
    assert RFC3339.match(json.loads(events.text.splitlines()[0])["created_at"])


def test_files_are_documented_as_files(client, session, document):
    audit = document["paths"]["/api/v1/projects/{project_id}/events/export"]["get"]["responses"]["200"]
    assert set(audit["content"]) == {"application/jsonl", "text/csv; charset=utf-8"}
    export = document["paths"]["/api/v1/projects/{project_id}/export"]["get"]["responses"]["200"]
    assert "application/json" not in export["content"] or "application/jsonl" in export["content"]
    assert "application/zip" in export["content"]
    assert "*/*" in document["paths"]["/api/v1/media/{key}"]["get"]["responses"]["200"]["content"]
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin.user)
    for fmt in ("jsonl", "csv"):
        answered = client.get(f"/api/v1/projects/{project.id}/events/export?format={fmt}", headers=admin.headers)
        assert answered.headers["content-type"] in audit["content"]


@pytest.mark.parametrize("request_args", [
    ("get", "/api/v1/projects/1", {}),  # 401
    ("get", "/api/v1/projects/987654", {"auth": True}),  # 404
    ("post", "/api/v1/projects", {"auth": True, "json": {"name": ""}}),  # 422 from validation
    ("get", "/api/v1/projects/1/tasks", {"auth": True, "params": {"after": "%%%"}}),  # 422 from the core
    ("get", "/api/v1/no-such-route", {}),  # 404 from routing
    ("put", "/api/v1/health", {}),  # 405 from routing
    ("post", "/api/v1/auth/login", {"headers": {"Origin": "https://evil.example"}, "json": {}}),  # 403 guard
    ("post", "/api/v1/auth/login", {"json": {"username": "nobody", "password": "x"}}),  # 401
])
def test_error_answers_have_the_one_error_model(client, session, request_args):
    method, path, options = request_args
    admin = make_user(session, "admin", admin=True)
    make_project(session, admin.user)
    headers = dict(options.get("headers", {}))
    if options.get("auth"):
        headers.update(admin.headers)
    answered = client.request(method, path, headers=headers, json=options.get("json"), params=options.get("params"))
    assert answered.status_code >= 400
    try:
        body = ErrorOut.model_validate(answered.json())
    except ValidationError as error:
        pytest.fail(f"{method} {path} answered {answered.status_code} {answered.text}: {error}")
    assert body.detail == body.message and body.message


def test_the_labeling_workflow_is_linked(document):
    paths = document["paths"]
    annotate = paths["/api/v1/tasks/{task_id}/annotations"]["post"]["operationId"]
    links = paths["/api/v1/projects/{project_id}/next"]["get"]["responses"]["200"]["links"]
    assert links["Annotate"] == {"operationId": annotate, "parameters": {"task_id": "$response.body#/task/id"}}
    assert "ImportTasks" in paths["/api/v1/projects"]["post"]["responses"]["201"]["links"]
    assert "GetAnnotation" in paths["/api/v1/tasks/{task_id}/annotations"]["post"]["responses"]["201"]["links"]
