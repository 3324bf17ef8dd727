"""`Client(url, token)`: typed methods for every endpoint, with iterators for listings and exports."""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx

from labelwise.sdk._errors import ApiError

JSON = dict[str, Any]
_MEDIA_TYPES = {".json": "application/json", ".jsonl": "application/jsonl", ".ndjson": "application/jsonl",
                ".csv": "text/csv", ".tsv": "text/tab-separated-values"}


class Client:
    """A labelwise server seen from Python.

    >>> client = Client("http://127.0.0.1:8000", token="lw_...")
    >>> for task in client.iter_tasks(1, status="unlabeled"): ...
    """

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=timeout,
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # auth and users
    def login(self, username: str, password: str) -> JSON:
        """Log in with a password and keep the session cookie for later calls."""
        return self._call("POST", "/auth/login", json={"username": username, "password": password})

    def me(self) -> JSON:
        return self._call("GET", "/auth/me")

    def create_token(self, name: str = "sdk") -> JSON:
        return self._call("POST", "/auth/tokens", json={"name": name})

    def list_tokens(self) -> list[JSON]:
        return self._call("GET", "/auth/tokens")

    def revoke_token(self, token_id: int) -> None:
        self._call("DELETE", f"/auth/tokens/{token_id}")

    def list_users(self) -> list[JSON]:
        return self._call("GET", "/users")

    def create_user(self, username: str, password: str, *, email: str | None = None, is_admin: bool = False) -> JSON:
        return self._call("POST", "/users", json={"username": username, "password": password, "email": email,
                                                  "is_admin": is_admin})

    # projects and members
    def list_projects(self) -> list[JSON]:
        return self._call("GET", "/projects")

    def create_project(self, name: str, label_schema: JSON | str, *, description: str = "", guidelines: str = "",
                       settings: JSON | None = None) -> JSON:
        body = {"name": name, "label_schema": label_schema, "description": description, "guidelines": guidelines,
                "settings": settings or {}}
        return self._call("POST", "/projects", json=body)

    def get_project(self, project_id: int) -> JSON:
        return self._call("GET", f"/projects/{project_id}")

    def update_project(self, project_id: int, **changes: Any) -> JSON:
        return self._call("PATCH", f"/projects/{project_id}", json=changes)

    def delete_project(self, project_id: int) -> None:
        self._call("DELETE", f"/projects/{project_id}")

    def list_members(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/members")

    def add_member(self, project_id: int, username: str, role: str = "annotator") -> JSON:
        return self._call("POST", f"/projects/{project_id}/members", json={"username": username, "role": role})

    def remove_member(self, project_id: int, user_id: int) -> None:
        self._call("DELETE", f"/projects/{project_id}/members/{user_id}")

    def stats(self, project_id: int) -> JSON:
        return self._call("GET", f"/projects/{project_id}/stats")

    def iter_events(self, project_id: int, *, action: str | None = None, page_size: int = 500) -> Iterator[JSON]:
        after = 0
        while True:
            page = self._call("GET", f"/projects/{project_id}/events",
                              params=_params(after=after, limit=page_size, action=action))
            yield from page
            if len(page) < page_size:
                return
            after = page[-1]["id"]

    # tasks
    def import_tasks(self, project_id: int, source: str | Path | Iterable[JSON] | IO[bytes], *,
                     format: str | None = None) -> JSON:
        """Import from a file path, an open binary file, or an iterable of rows (sent as JSON Lines)."""
        if isinstance(source, (str, Path)):
            path = Path(source)
            media = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            with path.open("rb") as fp:
                return self._call("POST", f"/projects/{project_id}/import", content=_chunks(fp),
                                  headers={"content-type": media}, params=_params(format=format))
        if hasattr(source, "read"):
            return self._call("POST", f"/projects/{project_id}/import", content=_chunks(source),
                              headers={"content-type": "application/octet-stream"},
                              params=_params(format=format or "jsonl"))
        lines = (json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in source)
        return self._call("POST", f"/projects/{project_id}/import", content=lines,
                          headers={"content-type": "application/jsonl"})

    def iter_tasks(self, project_id: int, *, page_size: int = 500, **filters: Any) -> Iterator[JSON]:
        """Every task matching the filters (status, q, sort, annotator, has_predictions, gold), page by page."""
        after = None
        while True:
            page = self._call("GET", f"/projects/{project_id}/tasks",
                              params=_params(after=after, limit=page_size, **filters))
            yield from page["items"]
            after = page["next"]
            if after is None:
                return

    def get_task(self, task_id: int) -> JSON:
        return self._call("GET", f"/tasks/{task_id}")

    def next_task(self, project_id: int) -> JSON | None:
        """The caller's next leased task, or None when nothing is left for them."""
        answer = self._call("GET", f"/projects/{project_id}/next")
        return None if answer is None else answer["task"]

    def skip(self, task_id: int, *, lead_time_ms: int | None = None) -> JSON:
        return self._call("POST", f"/tasks/{task_id}/skip", json={"lead_time_ms": lead_time_ms})

    # annotations, reviews, predictions
    def submit(self, task_id: int, result: JSON, *, lead_time_ms: int | None = None) -> JSON:
        return self._call("POST", f"/tasks/{task_id}/annotations",
                          json={"result": result, "lead_time_ms": lead_time_ms})

    def get_annotation(self, annotation_id: int) -> JSON:
        return self._call("GET", f"/annotations/{annotation_id}")

    def update_annotation(self, annotation_id: int, result: JSON, *, lead_time_ms: int | None = None) -> JSON:
        return self._call("PATCH", f"/annotations/{annotation_id}",
                          json={"result": result, "lead_time_ms": lead_time_ms})

    def annotation_history(self, annotation_id: int) -> list[JSON]:
        return self._call("GET", f"/annotations/{annotation_id}/revisions")

    def review(self, annotation_id: int, verdict: str, *, comment: str = "", result: JSON | None = None) -> JSON:
        return self._call("POST", f"/annotations/{annotation_id}/reviews",
                          json={"verdict": verdict, "comment": comment, "result": result})

    def next_review(self, project_id: int) -> JSON | None:
        return self._call("GET", f"/projects/{project_id}/review/next")

    def upload_predictions(self, project_id: int, predictions: list[JSON]) -> int:
        return self._call("POST", f"/projects/{project_id}/predictions", json=predictions)["created"]

    # export
    def export(self, project_id: int, *, include_predictions: bool = False, only_labeled: bool = False) -> Iterator[JSON]:
        """Stream the JSONL export, one task record at a time."""
        params = _params(format="jsonl", include_predictions=include_predictions, only_labeled=only_labeled)
        with self._http.stream("GET", f"/projects/{project_id}/export", params=params) as response:
            _raise_for(response, streamed=True)
            for line in response.iter_lines():
                if line:
                    yield json.loads(line)

    def export_to(self, project_id: int, path: str | Path, *, format: str = "jsonl", **options: Any) -> Path:
        """Write an export straight to a file without holding it in memory."""
        target = Path(path)
        params = _params(format=format, **options)
        with self._http.stream("GET", f"/projects/{project_id}/export", params=params) as response:
            _raise_for(response, streamed=True)
            with target.open("wb") as fp:
                for chunk in response.iter_bytes():
                    fp.write(chunk)
        return target

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        _raise_for(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


def _raise_for(response: httpx.Response, *, streamed: bool = False) -> None:
    if response.is_success:
        return
    if streamed:
        response.read()
    try:
        body = response.json()
    except ValueError:
        body = None
    message = (body or {}).get("message") or (body or {}).get("detail") or response.reason_phrase
    raise ApiError(response.status_code, str(message), field=(body or {}).get("field"), body=body)


def _params(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _chunks(fp: IO[bytes], size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := fp.read(size):
        yield chunk
