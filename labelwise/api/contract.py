"""The OpenAPI document as the server behaves: one error model on every error answer, and on every route the
error statuses it can return.

Most statuses follow from what a route is built on (`error_statuses`): credentials give 401, a path id 404,
any parameter or body 422, a write 400 (a malformed body), 403 (the cross-site guard), 413 (the body limit)
and 507 (disk full), the database 503. A route lists the ones only its own code raises (409, a 401 from the
login) with `responses=errors(409)`. The workflow's OpenAPI links are in `LINKS`.
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from labelwise.api.deps import admin_user, current_user, get_session, get_session_factory, project_creator
from labelwise.api.guards import UNSAFE_METHODS
from labelwise.api.schemas import ErrorOut

ERROR_MODEL = "ErrorOut"
DESCRIPTIONS = {
    400: "A malformed request: a body that is not valid JSON, a Content-Length that is not a number",
    401: "Not logged in, or the token or session is unknown, expired or revoked",
    403: "The caller's role does not allow this, or a browser write came from another site's page",
    404: "No such object, or one the caller may not see",
    409: "The request clashes with stored state (a duplicate name, an answered task, a job's state)",
    413: "The request body or upload is over its limit",
    416: "The requested byte range is outside the file",
    422: "Invalid input: `field` names the field at fault and `errors` lists every problem",
    429: "Too many failed attempts: wait `retry_after` seconds",
    503: "The database is unavailable or the data folder cannot be written; nothing was saved, retry later",
    507: "The server's storage is full; nothing was saved",
}
_NO_BODY = {416}  # answered with headers only
_PROJECT = {"project_id": "$response.body#/id"}
_NEXT_TASK = {"task_id": "$response.body#/task/id"}
_ANNOTATION = {"annotation_id": "$response.body#/id"}
_SNAPSHOT = {"snapshot_id": "$response.body#/id"}
# OpenAPI links of the labeling workflow (create a project, import, take a task, annotate, review, snapshot),
# so a client or a stateful test can follow it: (from operation, status) -> link name, to operation, parameters.
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("post", "/projects", "201"): {
        "GetProject": ("get", "/projects/{project_id}", _PROJECT),
        "ImportTasks": ("post", "/projects/{project_id}/import", _PROJECT),
        "NextTask": ("get", "/projects/{project_id}/next", _PROJECT),
        "ListTasks": ("get", "/projects/{project_id}/tasks", _PROJECT),
        "CreateSnapshot": ("post", "/projects/{project_id}/snapshots", _PROJECT),
    },
    ("get", "/projects", "200"): {
        "NextTask": ("get", "/projects/{project_id}/next", {"project_id": "$response.body#/0/id"}),
        "ImportTasks": ("post", "/projects/{project_id}/import", {"project_id": "$response.body#/0/id"}),
    },
    ("post", "/projects/{project_id}/import", "201"): {
        "NextTask": ("get", "/projects/{project_id}/next", {"project_id": "$request.path.project_id"}),
        "ListTasks": ("get", "/projects/{project_id}/tasks", {"project_id": "$request.path.project_id"}),
    },
    ("get", "/projects/{project_id}/tasks", "200"): {
        "GetTask": ("get", "/tasks/{task_id}", {"task_id": "$response.body#/items/0/id"}),
    },
    ("get", "/projects/{project_id}/next", "200"): {
        "GetTask": ("get", "/tasks/{task_id}", _NEXT_TASK),
        "Annotate": ("post", "/tasks/{task_id}/annotations", _NEXT_TASK),
        "Skip": ("post", "/tasks/{task_id}/skip", _NEXT_TASK),
    },
    ("post", "/tasks/{task_id}/annotations", "201"): {
        "GetAnnotation": ("get", "/annotations/{annotation_id}", _ANNOTATION),
        "EditAnnotation": ("patch", "/annotations/{annotation_id}", _ANNOTATION),
        "ReviewAnnotation": ("post", "/annotations/{annotation_id}/reviews", _ANNOTATION),
        "AnnotationRevisions": ("get", "/annotations/{annotation_id}/revisions", _ANNOTATION),
    },
    ("post", "/projects/{project_id}/snapshots", "201"): {
        "GetSnapshot": ("get", "/snapshots/{snapshot_id}", _SNAPSHOT),
        "ExportSnapshot": ("get", "/snapshots/{snapshot_id}/export", _SNAPSHOT),
    },
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for error statuses a route's own code raises (the generic ones are added for it)."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def file_download(media_types: list[str], description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a 200 that is a file (with `response_class=Response`, so it is not documented as JSON)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {media: binary for media in dict.fromkeys(media_types)}}}


def error_statuses(route: APIRoute) -> set[int]:
    """The error statuses `route` can answer: its declared ones plus those of what it is built on."""
    statuses = {int(status) for status in route.responses if str(status).isdigit() and int(status) >= 400}
    calls = set(_calls(route.dependant))
    unsafe = bool(route.methods & UNSAFE_METHODS)
    authenticated = current_user in calls
    path_ids = bool(route.dependant.path_params)
    has_input = path_ids or bool(_params(route.dependant)) or route.body_field is not None
    if authenticated:
        statuses.add(401)
    if unsafe or {admin_user, project_creator} & calls or (authenticated and path_ids):
        statuses.add(403)
    if path_ids:
        statuses.add(404)
    if has_input:
        statuses.add(422)
    if unsafe:
        statuses |= {400, 413, 507}
    if {get_session, get_session_factory} & calls:
        statuses.add(503)
    return statuses


def install(app: FastAPI, prefix: str) -> None:
    """Document each route's error statuses; generate the document with the one error model and the workflow's
    links (`LINKS`, paths under `prefix`)."""
    for route in _api_routes(app.routes):
        if route.include_in_schema:
            for status in sorted(error_statuses(route)):
                route.responses.setdefault(status, {"description": DESCRIPTIONS[status]})
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_error_model(generate(), prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_error_model(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    model = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(model.pop("$defs", {}))
    schemas[ERROR_MODEL] = model
    reference = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_MODEL}"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if str(status).isdigit() and int(status) >= 400 and int(status) not in _NO_BODY:
                    response["content"] = reference
    _add_links(document, prefix)
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's own 422 model, replaced by ours
        schemas.pop(unused, None)
    return document


def _add_links(document: dict[str, Any], prefix: str) -> None:
    paths = document["paths"]
    for (method, path, status), links in LINKS.items():
        response = paths[prefix + path][method]["responses"][status]
        response["links"] = {
            name: {"operationId": paths[prefix + to_path][to_method]["operationId"], "parameters": parameters}
            for name, (to_method, to_path, parameters) in links.items()
        }


def _api_routes(routes) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (which FastAPI may keep as routers rather than copies)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)


def _calls(dependant: Dependant):
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _params(dependant: Dependant) -> list:
    found = [*dependant.query_params, *dependant.header_params, *dependant.cookie_params, *dependant.body_params]
    for dependency in dependant.dependencies:
        found += _params(dependency)
    return found
