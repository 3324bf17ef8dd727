"""Talk to one ML backend over HTTP, in our protocol or Label Studio's, and turn its answers into ours.

Our protocol (`labelwise`, docs/ml-backends.md) sends tasks and results in labelwise shapes. A Label
Studio ML backend (`labelstudio`) is spoken to exactly as Label Studio does: `/health`, `/setup` with the
labeling config XML, `/predict` with Label Studio tasks, `/webhook` to train; its result items are
converted with the Label Studio result converter. Every way a backend can misbehave (no answer in
time, an HTTP error, something that is not JSON, the wrong shape) raises `BackendError` with a message
that names the backend and what went wrong.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from labelwise.errors import Invalid
from labelwise.schema import LabelSchema
from labelwise.formats._ls_results import from_items
from labelwise.formats.labelstudio_json import to_task

KINDS = ("labelwise", "labelstudio")


class BackendError(Invalid):
    """The ML backend failed or answered something unusable."""


@dataclass(frozen=True)
class TaskIn:
    id: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Labeled(TaskIn):
    result: dict[str, Any]


@dataclass(frozen=True)
class RawPrediction:
    """One task's prediction as the backend answered it, its result already in our shape (not yet validated)."""

    task_id: int
    result: Any
    score: Any
    scores: Any


class BackendClient:
    def __init__(self, *, url: str, kind: str, name: str, auth_header: str | None = None, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if kind not in KINDS:
            raise Invalid(f"kind must be one of {', '.join(KINDS)}, not '{kind}'", field="kind")
        self.url = url.rstrip("/")
        self.kind = kind
        self.name = name
        self.timeout = timeout
        headers = {"Authorization": auth_header} if auth_header else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, transport=transport,
                                  follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "BackendClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def health(self) -> dict[str, Any]:
        answer = self._call("GET", "/health")
        status = str(answer.get("status", "")).lower()
        if status not in ("ok", "up"):
            raise BackendError(f"{self._who()} says it is not healthy: {str(answer)[:300]}")
        return answer

    def setup(self, *, project_id: int, schema: LabelSchema, label_config: str) -> str | None:
        """Tell the backend about the project; returns its model version."""
        if self.kind == "labelstudio":
            body = {"project": _ls_project(project_id), "schema": label_config, "hostname": "", "access_token": ""}
        else:
            body = {"project": {"id": project_id}, "schema": schema.to_dict()}
        return _version(self._call("POST", "/setup", body).get("model_version"))

    def predict(self, tasks: Sequence[TaskIn], *, project_id: int, schema: LabelSchema,
                label_config: str) -> tuple[str | None, list[RawPrediction]]:
        """Predictions for a batch of tasks, one per task, in the order given."""
        if self.kind == "labelstudio":
            body = {"tasks": [to_task({"id": t.id, "data": t.data}, schema=schema) for t in tasks],
                    "project": _ls_project(project_id), "label_config": label_config,
                    "params": {"login": None, "password": None, "context": None}}
            answer = self._call("POST", "/predict", body)
            entries = self._list(answer, "results", "/predict")
        else:
            body = {"project": {"id": project_id}, "schema": schema.to_dict(),
                    "tasks": [{"id": t.id, "data": t.data} for t in tasks]}
            answer = self._call("POST", "/predict", body)
            entries = self._list(answer, "predictions", "/predict")
        if len(entries) != len(tasks):
            raise BackendError(f"{self._who()} answered {len(entries)} predictions for {len(tasks)} tasks")
        out = []
        for task, entry in zip(tasks, entries):
            if not isinstance(entry, dict):
                raise BackendError(f"{self._who()}: the prediction for task {task.id} is not an object")
            result = entry.get("result")
            if self.kind == "labelstudio":
                if not isinstance(result, list):
                    raise BackendError(f"{self._who()}: the prediction for task {task.id} has no 'result' list")
                try:
                    result = from_items(schema, task.data, result, where=f"task {task.id}")
                except Invalid as exc:
                    raise BackendError(f"{self._who()} predicted a result that does not fit the project's "
                                       f"labeling config: {exc.message}") from None
            out.append(RawPrediction(task.id, result, entry.get("score"), entry.get("scores")))
        return _version(answer.get("model_version")), out

    def train(self, tasks: Sequence[Labeled], *, project_id: int, schema: LabelSchema,
              label_config: str) -> dict[str, Any]:
        """Ask the backend to train on labeled tasks; returns what it answered (model version, metrics, job)."""
        if self.kind == "labelstudio":
            # Label Studio starts training with a webhook event and the backend then downloads the
            # annotations from Label Studio's API, which we are not; so the event also carries them, as
            # Label Studio tasks with one annotation each (the body the older /train route took).
            labeled = [to_task({"id": t.id, "data": t.data, "annotations": [{"result": t.result}]}, schema=schema)
                       for t in tasks]
            body = {"action": self._training_event(), "project": {"id": project_id, "label_config": label_config},
                    "tasks": labeled}
            return self._call("POST", "/webhook", body)
        body = {"project": {"id": project_id}, "schema": schema.to_dict(),
                "tasks": [{"id": t.id, "data": t.data, "result": t.result} for t in tasks]}
        return self._call("POST", "/train", body)

    def _training_event(self) -> str:
        """The webhook event that makes this Label Studio ML backend train. Label Studio sends START_TRAINING,
        which backends built with label-studio-ml 2.x train on; label-studio-ml 1.0.x ignores it (its models
        train on annotation and PROJECT_UPDATED events only). A 1.0.x backend says so in /health, which
        carries its `model_dir` (2.x answers `model_class` instead)."""
        try:
            answer = self._call("GET", "/health")
        except BackendError:
            return "START_TRAINING"
        return "PROJECT_UPDATED" if "model_dir" in answer and "model_class" not in answer else "START_TRAINING"

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TimeoutException:
            raise BackendError(f"{self._who()} did not answer {path} within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise BackendError(f"cannot reach {self._who()}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise BackendError(f"{self._who()} answered HTTP {response.status_code} to {path}: "
                               f"{response.text[:300]}")
        try:
            answer = response.json()
        except ValueError:
            raise BackendError(f"{self._who()} answered {path} with something that is not JSON: "
                               f"{response.text[:200]!r}") from None
        if not isinstance(answer, dict):
            raise BackendError(f"{self._who()} answered {path} with JSON that is not an object: {str(answer)[:200]}")
        return answer

    def _list(self, answer: dict, key: str, path: str) -> list:
        value = answer.get(key)
        if not isinstance(value, list):
            raise BackendError(f"{self._who()} answered {path} without a '{key}' list")
        return value

    def _who(self) -> str:
        return f"the ML backend '{self.name}' at {self.url}"


def _ls_project(project_id: int) -> str:
    # Label Studio names a project "<id>.<created timestamp>"; backends only split off the id.
    return f"{project_id}.0"


def _version(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
