# Over 400 lines: one Client class, a typed method per endpoint.
"""`Client(url, token)`: typed methods for every endpoint, with iterators for listings and exports."""

import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx

from labelwise.assist.weak import LabelingFunctionError, PythonFunction
from labelwise.sdk._errors import ApiError

JSON = dict[str, Any]
_VOTE_BATCH = 20_000
_MEDIA_TYPES = {".json": "application/json", ".jsonl": "application/jsonl", ".ndjson": "application/jsonl",
                ".csv": "text/csv", ".tsv": "text/tab-separated-values",
                ".parquet": "application/vnd.apache.parquet", ".conll": "text/plain", ".iob": "text/plain"}


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

    def sso(self) -> JSON:
        """Whether the server offers single sign-on, under which name, and any problem with it. Scripts of
        people who sign in that way use an API token (`labelwise user token NAME`, or `create_token`)."""
        return self._call("GET", "/auth/sso")

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

    # schema and guidelines versions
    def change_schema(self, project_id: int, label_schema: JSON | str, *, migration: list[JSON] | None = None) -> JSON:
        """Set a new label schema. A change that would leave stored results invalid raises `ApiError` 409 whose
        `body["report"]` says what breaks, unless `migration` carries them over (docs/schema-versions.md)."""
        body: JSON = {"label_schema": label_schema}
        if migration is not None:
            body["migration"] = migration
        return self._call("PATCH", f"/projects/{project_id}", json=body)

    def preview_schema_change(self, project_id: int, label_schema: JSON | str, *,
                              migration: list[JSON] | None = None) -> JSON:
        """What `change_schema` would do: diff, results rewritten, sent back, and still broken."""
        return self._call("POST", f"/projects/{project_id}/schema/preview",
                          json={"label_schema": label_schema, "migration": migration})

    def list_versions(self, project_id: int, *, kind: str | None = None) -> list[JSON]:
        """Schema and guidelines versions, newest first, each with its readable diff."""
        return self._call("GET", f"/projects/{project_id}/versions", params=_params(kind=kind))

    def get_version(self, project_id: int, kind: str, number: int) -> JSON:
        return self._call("GET", f"/projects/{project_id}/versions/{kind}/{number}")

    def reannotate(self, project_id: int, *, mode: str = "relabel", dry_run: bool = False, **selection: Any) -> JSON:
        """Send submitted answers back (`relabel`: to their authors; `review`: to the review queue), chosen by
        schema_version, before_schema_version, guidelines_version, before_guidelines_version, task_ids or
        annotator; earlier answers stay in the history. Returns the counts."""
        return self._call("POST", f"/projects/{project_id}/reannotate",
                          json={"mode": mode, "dry_run": dry_run, **selection})

    # pilot rounds
    def create_pilot(self, project_id: int, name: str, annotators: list[str], *, task_ids: list[int] | None = None,
                     sample: int | None = None, lease_days: int = 7) -> JSON:
        """Start a pilot: every annotator (usernames) labels the same tasks (`task_ids`, or a `sample` of fresh ones)."""
        return self._call("POST", f"/projects/{project_id}/pilots", json={
            "name": name, "annotators": annotators, "task_ids": task_ids, "sample": sample, "lease_days": lease_days})

    def list_pilots(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/pilots")

    def pilot_report(self, pilot_id: int) -> JSON:
        """Per control: agreement, confusion matrix, most confused pairs with items, deviations; comments."""
        return self._call("GET", f"/pilots/{pilot_id}")

    def compare_pilots(self, before: int, after: int) -> JSON:
        return self._call("GET", f"/pilots/{before}/compare/{after}")

    def comment_pilot(self, pilot_id: int, task_id: int, text: str) -> JSON:
        return self._call("POST", f"/pilots/{pilot_id}/comments", json={"task_id": task_id, "text": text})

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

    def iter_events(self, project_id: int, *, action: str | None = None, page_size: int = 500,
                    **filters: Any) -> Iterator[JSON]:
        """The audit log, oldest first; filters: action (or 'prefix.*'), actor, object_type, object_id, since, until."""
        after = 0
        while True:
            page = self._call("GET", f"/projects/{project_id}/events",
                              params=_params(after=after, limit=page_size, action=action, **filters))
            yield from page
            if len(page) < page_size:
                return
            after = page[-1]["id"]

    def export_events_to(self, project_id: int, path: str | Path, *, format: str = "jsonl", **filters: Any) -> Path:
        """Stream the (filtered) audit log to a JSONL or CSV file."""
        return self._download(f"/projects/{project_id}/events/export", path, _params(format=format, **filters))

    def create_project_from_labelstudio(self, name: str, label_config_xml: str, **fields: Any) -> JSON:
        """A project from a Label Studio XML config: `{"project": ..., "warnings": [...]}`."""
        return self._call("POST", "/projects/from-labelstudio",
                          json={"name": name, "label_config_xml": label_config_xml, **fields})

    # tasks
    def import_tasks(self, project_id: int, source: str | Path | Iterable[JSON] | IO[bytes], *,
                     format: str | None = None, into: str | None = None, image_root: str | None = None,
                     wait: bool = True, poll_seconds: float = 0.5, duplicates: str | None = None) -> JSON:
        """Import from a file path, an open binary file, or an iterable of rows (sent as JSON Lines).

        With `wait=False` the server imports in the background: the answer is the job
        (see `get_job` / `wait_for_job`). `format` also takes parquet, labelstudio, coco and conll.
        """
        params = _params(format=format, into=into, image_root=image_root, duplicates=duplicates, **({} if wait else {"async": "true"}))
        if isinstance(source, (str, Path)):
            path = Path(source)
            media = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            with path.open("rb") as fp:
                return self._call("POST", f"/projects/{project_id}/import", content=_chunks(fp),
                                  headers={"content-type": media}, params=params)
        if hasattr(source, "read"):
            return self._call("POST", f"/projects/{project_id}/import", content=_chunks(source),
                              headers={"content-type": "application/octet-stream"},
                              params={**params, "format": format or "jsonl"})
        lines = (json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in source)
        return self._call("POST", f"/projects/{project_id}/import", content=lines,
                          headers={"content-type": "application/jsonl"}, params=params)

    def get_job(self, job_id: int) -> JSON:
        """A background job's status and progress (`progress` from 0 to 1)."""
        return self._call("GET", f"/jobs/{job_id}")

    def list_jobs(self, project_id: int, *, status: str | None = None, kind: str | None = None,
                  limit: int = 100) -> list[JSON]:
        """The project's background jobs, newest first."""
        params = {k: v for k, v in {"status": status, "kind": kind, "limit": limit}.items() if v is not None}
        return self._call("GET", f"/projects/{project_id}/jobs", params=params)

    def cancel_job(self, job_id: int) -> JSON:
        """Cancel a queued job, or ask a running one to stop at its next step."""
        return self._call("POST", f"/jobs/{job_id}/cancel")

    def retry_job(self, job_id: int) -> JSON:
        """Queue a failed or cancelled job again, as a new attempt."""
        return self._call("POST", f"/jobs/{job_id}/retry")

    # webhooks
    def add_webhook(self, project_id: int, url: str, *, events: list[str] | None = None, secret: str | None = None,
                    description: str = "", active: bool = True) -> JSON:
        """Add a webhook (all events by default); the answer's `secret` is shown this once."""
        body = {"url": url, "events": events, "secret": secret, "description": description, "active": active}
        return self._call("POST", f"/projects/{project_id}/webhooks", json=body)

    def list_webhooks(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/webhooks")

    def update_webhook(self, webhook_id: int, **changes: Any) -> JSON:
        """Change url, events, description, active, secret; `rotate_secret=True` makes a new secret."""
        return self._call("PATCH", f"/webhooks/{webhook_id}", json=changes)

    def delete_webhook(self, webhook_id: int) -> None:
        self._call("DELETE", f"/webhooks/{webhook_id}")

    def ping_webhook(self, webhook_id: int) -> JSON:
        """Queue a `ping` event to the webhook; returns the delivery."""
        return self._call("POST", f"/webhooks/{webhook_id}/ping")

    def webhook_deliveries(self, webhook_id: int, *, status: str | None = None, event: str | None = None,
                           limit: int = 50) -> list[JSON]:
        """The webhook's delivery log, newest first."""
        return self._call("GET", f"/webhooks/{webhook_id}/deliveries",
                          params=_params(status=status, event=event, limit=limit))

    def get_webhook_delivery(self, delivery_id: int) -> JSON:
        return self._call("GET", f"/webhook-deliveries/{delivery_id}")

    def redeliver_webhook(self, delivery_id: int) -> JSON:
        """Send a delivered or failed delivery again (a new delivery of the same event)."""
        return self._call("POST", f"/webhook-deliveries/{delivery_id}/redeliver")

    # batches, worker links, forecasts
    def create_batch(self, project_id: int, name: str, **fields: Any) -> JSON:
        """A batch: priority, deadline, overlap, pay_per_task, pay_per_second, budget (all optional)."""
        return self._call("POST", f"/projects/{project_id}/batches", json={"name": name, **fields})

    def list_batches(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/batches")

    def get_batch(self, batch_id: int) -> JSON:
        return self._call("GET", f"/batches/{batch_id}")

    def update_batch(self, batch_id: int, **changes: Any) -> JSON:
        """Change any field, or status="paused"/"active"; raising the budget resumes a batch that ran out."""
        return self._call("PATCH", f"/batches/{batch_id}", json=changes)

    def delete_batch(self, batch_id: int) -> None:
        self._call("DELETE", f"/batches/{batch_id}")

    def add_to_batch(self, batch_id: int, *, task_ids: list[int] | None = None, filter: JSON | None = None,
                     from_import: int | str | None = None) -> int:
        """Put tasks into a batch by ids, by a task filter (as iter_tasks takes) or from one import
        ("latest" or the import's event id); returns how many moved."""
        body = {"task_ids": task_ids, "filter": filter, "from_import": from_import}
        return self._call("POST", f"/batches/{batch_id}/tasks",
                          json={k: v for k, v in body.items() if v is not None})["changed"]

    def remove_from_batch(self, batch_id: int, task_ids: list[int]) -> int:
        return self._call("POST", f"/batches/{batch_id}/tasks/remove", json={"task_ids": task_ids})["changed"]

    def create_worker_link(self, project_id: int, *, name: str = "worker link", batch_id: int | None = None,
                           **limits: Any) -> JSON:
        """A shareable link for a crowd without accounts (its `url`; append ?workerId=...). Limits:
        max_tasks_per_worker, max_tasks_total, max_workers, rate_per_minute, expires_at."""
        return self._call("POST", f"/projects/{project_id}/worker-links",
                          json={"name": name, "batch_id": batch_id, **limits})

    def list_worker_links(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/worker-links")

    def update_worker_link(self, link_id: int, **changes: Any) -> JSON:
        return self._call("PATCH", f"/worker-links/{link_id}", json=changes)

    def revoke_worker_link(self, link_id: int) -> JSON:
        return self._call("POST", f"/worker-links/{link_id}/revoke")

    def block_worker(self, link_id: int, worker_id: str, *, blocked: bool = True) -> JSON:
        return self._call("POST", f"/worker-links/{link_id}/{'block' if blocked else 'unblock'}",
                          json={"worker_id": worker_id})

    def link_workers(self, link_id: int) -> list[JSON]:
        """Who worked through the link, how many tasks, and each one's completion code."""
        return self._call("GET", f"/worker-links/{link_id}/workers")

    def verify_completion_code(self, link_id: int, code: str) -> JSON:
        """The worker a completion code belongs to; ApiError 404 when none."""
        return self._call("POST", f"/worker-links/{link_id}/verify", json={"code": code})

    def forecast(self, project_id: int) -> JSON:
        """ETA (with an 80 % interval) and cost to completion for the project and each batch."""
        return self._call("GET", f"/projects/{project_id}/forecast")

    def batch_forecast(self, batch_id: int) -> JSON:
        return self._call("GET", f"/batches/{batch_id}/forecast")

    def add_ml_backend(self, project_id: int, *, name: str, url: str, kind: str = "labelwise",
                       auth_header: str | None = None, timeout_seconds: float = 30.0,
                       label_config: str | None = None) -> JSON:
        """Attach an ML backend (`kind` 'labelwise' or 'labelstudio') to the project."""
        body = {"name": name, "url": url, "kind": kind, "auth_header": auth_header,
                "timeout_seconds": timeout_seconds, "label_config": label_config}
        return self._call("POST", f"/projects/{project_id}/ml-backends", json=body)

    def list_ml_backends(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/ml-backends")

    def check_ml_backend(self, backend_id: int) -> JSON:
        """Call the backend's health and setup now; see `last_status` and `last_error`."""
        return self._call("POST", f"/ml-backends/{backend_id}/check")

    def prelabel(self, project_id: int, backend_id: int, *, batch_size: int = 32, all_tasks: bool = False,
                 wait: bool = True, timeout: float | None = None) -> JSON:
        """Predict the project's unlabeled tasks through a backend; with `wait`, the finished job."""
        job = self._call("POST", f"/projects/{project_id}/prelabel",
                         json={"backend_id": backend_id, "batch_size": batch_size, "all_tasks": all_tasks})
        return self.wait_for_job(job["id"], timeout=timeout) if wait else job

    def train_ml_backend(self, backend_id: int, *, wait: bool = True, timeout: float | None = None) -> JSON:
        """Send the project's labeled tasks to the backend to train on; with `wait`, the finished job."""
        job = self._call("POST", f"/ml-backends/{backend_id}/train")
        return self.wait_for_job(job["id"], timeout=timeout) if wait else job

    def model_versions(self, project_id: int) -> list[JSON]:
        """The project's built-in model versions with their cross-validated `metrics`, newest first."""
        return self._call("GET", f"/projects/{project_id}/model-versions")

    def train_model(self, project_id: int, *, control: str | None = None, prelabel: bool = True,
                    wait: bool = True, timeout: float | None = None) -> JSON:
        """Train a new built-in model version on the labeled tasks (then pre-label the others, unless
        `prelabel` is false); with `wait`, the finished job (`result.version_id`, `result.metrics`)."""
        job = self._call("POST", f"/projects/{project_id}/model-versions", json={"control": control, "prelabel": prelabel})
        return self.wait_for_job(job["id"], timeout=timeout) if wait else job

    def prelabel_model(self, project_id: int, version_id: int, *, wait: bool = True,
                       timeout: float | None = None) -> JSON:
        """Pre-label every task without a submitted answer with a built-in model version; with `wait`,
        the finished job (`result.predictions`)."""
        job = self._call("POST", f"/projects/{project_id}/model-versions/{version_id}/prelabel")
        return self.wait_for_job(job["id"], timeout=timeout) if wait else job

    def auto_label(self, project_id: int, *, control: str | None = None, wait: bool = True,
                   timeout: float | None = None) -> JSON:
        """Run automated labeling with the newest model version (threshold meeting the project's
        `auto_label_precision`); with `wait`, the finished job (`result.auto_labeled`, `result.threshold`)."""
        job = self._call("POST", f"/projects/{project_id}/auto-labels", json={"control": control})
        return self.wait_for_job(job["id"], timeout=timeout) if wait else job

    def auto_labels(self, project_id: int) -> JSON:
        """Auto-labeled tasks, the last run, and the precision achieved on the verification sample so far."""
        return self._call("GET", f"/projects/{project_id}/auto-labels")

    def wait_for_job(self, job_id: int, *, poll_seconds: float = 0.5, timeout: float | None = None) -> JSON:
        """Poll until the job has ended; a failed or cancelled job raises `ApiError` (an import's with its bad
        rows)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            if job["status"] in ("failed", "cancelled"):
                error = job.get("error") or {}
                raise ApiError(422, str(error.get("message", "the job failed")), field=error.get("field"), body=error)
            if job["status"] == "succeeded":
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job['status']}")
            time.sleep(poll_seconds)

    def import_media(self, project_id: int, paths: Iterable[str | Path], *, object: str | None = None,
                     duplicates: str = "allow") -> JSON:
        """Upload media files and/or zips of them; each media file becomes a task (all or nothing)."""
        handles = [Path(p).open("rb") for p in paths]
        try:
            files = [("files", (Path(fp.name).name, fp, "application/octet-stream")) for fp in handles]
            return self._call("POST", f"/projects/{project_id}/media", files=files,
                              params=_params(object=object, duplicates=duplicates))
        finally:
            for fp in handles:
                fp.close()

    def import_yolo(self, project_id: int, path: str | Path, *, into: str = "predictions", object: str | None = None,
                    duplicates: str = "allow") -> JSON:
        """Upload a YOLO dataset zip (images/, labels/, data.yaml or classes.txt): images become stored media
        tasks, labels predictions, annotations or gold (`into`). All or nothing."""
        with Path(path).open("rb") as fp:
            return self._call("POST", f"/projects/{project_id}/media", content=iter(lambda: fp.read(1 << 20), b""),
                              headers={"content-type": "application/zip"},
                              params=_params(format="yolo", into=into, object=object, duplicates=duplicates))

    def media_urls(self, keys: Iterable[str], *, ttl: int | None = None) -> dict[str, str]:
        """Short-lived absolute URLs for media keys (the part after /api/v1/media/), usable without a token."""
        answer = self._call("POST", "/media/sign", json={"keys": list(keys), "ttl": ttl})
        root = str(self._http.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
        return {key: root + path for key, path in answer["urls"].items()}

    def get_media(self, src: str) -> bytes:
        """The bytes of a task's stored media, by its `src` (`/api/v1/media/...`)."""
        response = self._http.get(src.removeprefix("/api/v1"))
        _raise_for(response)
        return response.content

    def duplicates(self, project_id: int, *, kind: str | None = None, scan: bool = False,
                   timeout: float | None = None, **options: Any) -> JSON:
        """Duplicate clusters (exact, near_text, near_image); `scan=True` runs a scan job first and waits for it."""
        if scan:
            job = self._call("POST", f"/projects/{project_id}/duplicates/scan", json=options or None)
            self.wait_for_job(job["id"], timeout=timeout)
        return self._call("GET", f"/projects/{project_id}/duplicates", params=_params(kind=kind))

    def label_errors(self, project_id: int, *, run: bool = False, control: str | None = None, folds: int | None = None,
                     seed: int | None = None, offset: int = 0, limit: int = 100, timeout: float | None = None) -> JSON:
        """Tasks whose human label is likely wrong, with the suspected label and a quality score (lower
        is worse); `run=True` first runs a detection job (cross-validation + confident learning) and
        waits for it."""
        if run:
            body = _params(control=control, folds=folds, seed=seed)
            job = self._call("POST", f"/projects/{project_id}/label-errors", json=body or None)
            self.wait_for_job(job["id"], timeout=timeout)
        return self._call("GET", f"/projects/{project_id}/label-errors", params=_params(offset=offset, limit=limit))

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

    def skip(self, task_id: int, *, lead_time_ms: int | None = None, next: bool = False) -> JSON | None:
        """Skip a task: the skipped annotation, or with `next=True` the caller's next leased task (None when
        nothing is left for them), fetched in the same round trip."""
        answer = self._call("POST", f"/tasks/{task_id}/skip", json={"lead_time_ms": lead_time_ms},
                            params={"next": "true"} if next else None)
        return _next_of(answer) if next else answer

    # annotations, reviews, predictions
    def submit(self, task_id: int, result: JSON, *, lead_time_ms: int | None = None, next: bool = False) -> JSON | None:
        """Answer a task: the stored annotation, or with `next=True` the caller's next leased task (None when
        nothing is left for them), fetched in the same round trip."""
        answer = self._call("POST", f"/tasks/{task_id}/annotations", json={"result": result, "lead_time_ms": lead_time_ms},
                            params={"next": "true"} if next else None)
        return _next_of(answer) if next else answer

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

    # weak supervision
    def list_labeling_functions(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/labeling-functions")

    def create_labeling_function(self, project_id: int, name: str, kind: str, **definition: Any) -> JSON:
        """A rule (`kind` keywords, regex or condition, with `label` and its options) or a `client` function."""
        return self._call("POST", f"/projects/{project_id}/labeling-functions",
                          json={"name": name, "kind": kind, **definition})

    def update_labeling_function(self, project_id: int, function_id: int, name: str, kind: str,
                                 **definition: Any) -> JSON:
        return self._call("PUT", f"/projects/{project_id}/labeling-functions/{function_id}",
                          json={"name": name, "kind": kind, **definition})

    def delete_labeling_function(self, project_id: int, function_id: int) -> None:
        self._call("DELETE", f"/projects/{project_id}/labeling-functions/{function_id}")

    def preview_labeling_function(self, project_id: int, kind: str, *, sample: int | None = None,
                                  **definition: Any) -> JSON:
        """Coverage of an unsaved rule on a sample of tasks and a few tasks it votes on."""
        return self._call("POST", f"/projects/{project_id}/labeling-functions/preview",
                          params=_params(sample=sample), json={"kind": kind, **definition})

    def apply_rules(self, project_id: int) -> JSON:
        """Have the server compute the votes of every rule that changed (or misses new tasks)."""
        return self._call("POST", f"/projects/{project_id}/labeling-functions/apply")

    def apply_labeling_functions(self, project_id: int, functions: Iterable[Callable[[JSON], Any]] | dict[str, Any], *,
                                 control: str | None = None, batch_size: int = _VOTE_BATCH) -> JSON:
        """Run Python labeling functions here, on every task's data, and upload their votes.

        `functions` is a list of callables (named by `__name__`) or a dict name -> callable; each takes a
        task's `data` and returns a label of the control or None to abstain. Each becomes (or updates) a
        `client` labeling function of the project. A function that raises stops before anything of it is
        uploaded, with a LabelingFunctionError naming it and the task. Returns name -> votes stored.
        """
        named = functions.items() if isinstance(functions, dict) else ((f.__name__, f) for f in functions)
        wrapped = [PythonFunction(name, fn) for name, fn in named]
        tasks = list(self.iter_tasks(project_id))
        datas = [task["data"] for task in tasks]
        existing = {f["name"]: f for f in self.list_labeling_functions(project_id)}
        stored: JSON = {}
        for lf in wrapped:
            votes = lf.votes(datas)
            row = existing.get(lf.name)
            if row is None:
                extra = {} if control is None else {"control": control}
                row = self.create_labeling_function(project_id, lf.name, "client", **extra)
            elif row["kind"] != "client":
                raise LabelingFunctionError(f"the project already has a {row['kind']} rule of that name",
                                            function=lf.name, field="name")
            items = [{"task_id": task["id"], "label": vote} for task, vote in zip(tasks, votes)]
            count = 0
            for start in range(0, max(len(items), 1), batch_size):
                try:
                    count += self._call("PUT", f"/projects/{project_id}/labeling-functions/{row['id']}/votes",
                                        params={"replace": str(start == 0).lower()},
                                        json=items[start:start + batch_size])["votes"]
                except ApiError as exc:
                    raise ApiError(exc.status, f"labeling function '{lf.name}': {exc.message}", field=exc.field,
                                   body=exc.body) from None
            stored[lf.name] = count
        return stored

    def analyze_labeling_functions(self, project_id: int, *, control: str | None = None) -> JSON:
        """Coverage, overlap, conflict, polarity, accuracy on human labels (with an interval), confusion."""
        return self._call("GET", f"/projects/{project_id}/labeling-functions/analysis",
                          params=_params(control=control))

    def run_label_model(self, project_id: int, *, model: str | None = None, control: str | None = None,
                        model_version: str | None = None, end_model: bool = False, wait: bool = True,
                        timeout: float | None = None) -> JSON:
        """Fit the label model on the current votes and store its labels as predictions; with `end_model`,
        also train the built-in text classifier on them (a new model version with predictions for every task).

        It runs as a background job (kind `weak.label_model`): with `wait`, this polls it and returns its
        summary (`model_version`, `predictions`, ...); without, it returns the queued job (follow it with
        `wait_for_job`, stop it with `cancel_job`)."""
        body = {k: v for k, v in {"model": model, "control": control, "model_version": model_version}.items()
                if v is not None}
        if end_model:
            body["end_model"] = True
        job = self._call("POST", f"/projects/{project_id}/label-model", params={"async": "true"}, json=body)
        return self.wait_for_job(job["id"], timeout=timeout)["result"] if wait else job

    # export
    def export(self, project_id: int, *, include_predictions: bool = False, only_labeled: bool = False,
               format: str = "jsonl", **options: Any) -> Iterator[JSON]:
        """Stream a JSONL export (`jsonl` or `jsonl-minimal`) one record at a time.

        Options: source (consensus, first, all), status, accepted_only, since, until, annotator, label,
        split (true or ratios such as "80,10,10"), split_seed, schema_version, guidelines_version.
        """
        params = _params(format=format, include_predictions=include_predictions, only_labeled=only_labeled,
                         **options)
        with self._http.stream("GET", f"/projects/{project_id}/export", params=params) as response:
            _raise_for(response, streamed=True)
            for line in response.iter_lines():
                if line:
                    yield json.loads(line)

    def export_to(self, project_id: int, path: str | Path, *, format: str = "jsonl", **options: Any) -> Path:
        """Write an export straight to a file without holding it in memory."""
        return self._download(f"/projects/{project_id}/export", path, _params(format=format, **options))

    def export_in_background(self, project_id: int, path: str | Path, *, format: str = "jsonl",
                             timeout: float | None = None, **options: Any) -> Path:
        """Run an `export` job (progress and cancel on the jobs page; a worker may write it), wait for it and
        download its file to `path`. Options as for `export`."""
        job = self._call("POST", f"/projects/{project_id}/exports", json={"format": format, **options})
        self.wait_for_job(job["id"], timeout=timeout)
        return self._download(f"/jobs/{job['id']}/file", path, {})

    def export_formats(self) -> list[JSON]:
        return self._call("GET", "/export-formats")

    # snapshots
    def create_snapshot(self, project_id: int, name: str, *, source: str = "consensus") -> JSON:
        """Freeze the project's tasks and final labels as an immutable, content-hashed version."""
        return self._call("POST", f"/projects/{project_id}/snapshots", json={"name": name, "source": source})

    def list_snapshots(self, project_id: int) -> list[JSON]:
        return self._call("GET", f"/projects/{project_id}/snapshots")

    def get_snapshot(self, snapshot_id: int) -> JSON:
        return self._call("GET", f"/snapshots/{snapshot_id}")

    def export_snapshot_to(self, snapshot_id: int, path: str | Path, *, format: str = "jsonl", **options: Any) -> Path:
        """Write a snapshot export to a file; the same snapshot and options always give the same bytes."""
        return self._download(f"/snapshots/{snapshot_id}/export", path, _params(format=format, **options))

    def diff_snapshots(self, a: int, b: int, *, limit: int = 100, after: int = 0) -> JSON:
        """Tasks added, removed and relabeled from snapshot a to b (counts, and one page of task ids)."""
        return self._call("GET", f"/snapshots/{a}/diff/{b}", params={"limit": limit, "after": after})

    def _download(self, url: str, path: str | Path, params: dict[str, Any]) -> Path:
        target = Path(path)
        with self._http.stream("GET", url, params=params) as response:
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


def _next_of(answer: JSON) -> JSON | None:
    if answer["next"] is None and answer.get("next_refused"):
        raise ApiError(403, f"the answer is stored, but no next task: {answer['next_refused']}", body=answer)
    return None if answer["next"] is None else answer["next"]["task"]


def _params(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _chunks(fp: IO[bytes], size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := fp.read(size):
        yield chunk
