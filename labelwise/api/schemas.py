# Over 400 lines: every request and response body of the API, so its OpenAPI models read in one place.
"""Request and response bodies of the HTTP API."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

TIMESTAMP_EXAMPLE = "2026-05-01T12:00:00Z"


def _as_utc(value: datetime) -> datetime:
    """Columns hold naive UTC (see core/platform/clock.py); answers always carry the offset (…Z)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Every time in an answer: RFC 3339 with its offset, always UTC, as OpenAPI's `date-time` format requires.
# (The example marks it in the document: tests/api/test_openapi_contract.py finds answers' times without it.)
Timestamp = Annotated[datetime, AfterValidator(_as_utc),
                      WithJsonSchema({"type": "string", "format": "date-time", "examples": [TIMESTAMP_EXAMPLE]})]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)


class TokenIn(_In):
    name: str = Field(default="api", min_length=1, max_length=200)


class TokenOut(_Out):
    id: int
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class NewTokenOut(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; only its hash is stored.")


class UserIn(_In):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)
    email: str | None = Field(default=None, max_length=320)
    is_admin: bool = False


class UserOut(_Out):
    id: int
    username: str
    email: str | None
    is_admin: bool
    is_active: bool
    created_at: Timestamp


class LogoutOut(_Out):
    logout_url: str | None = Field(
        description="For a single sign-on session: the provider's logout page, where the browser should go next "
                    "to end the provider's session too; null otherwise.")


class SsoOut(_Out):
    enabled: bool = Field(description="Whether single sign-on is configured on this server.")
    provider_name: str | None = Field(description="The name for the button: 'Sign in with <name>'.")
    login_url: str | None = Field(description="Where the browser goes to sign in with the provider.")
    problem: str | None = Field(description="Why single sign-on cannot work now (a missing library), if it cannot.")
    last_error: str | None = Field(
        description="Why this browser's last single sign-on failed, shown once on the login page.")


class ProjectIn(_In):
    name: str = Field(min_length=1, max_length=200)
    label_schema: dict[str, Any] | str = Field(description="The label schema, as an object or YAML/JSON text.")
    description: str = ""
    guidelines: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)


class ProjectOut(_Out):
    id: int
    name: str
    description: str
    guidelines: str
    label_schema: dict[str, Any]
    settings: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp
    schema_version: int = Field(1, description="The current label schema version.")
    guidelines_version: int = Field(1, description="The current guidelines version.")
    role: str | None = None


class MemberIn(_In):
    user_id: int | None = None
    username: str | None = None
    role: str = "annotator"


class MemberOut(BaseModel):
    user_id: int
    username: str
    role: str
    granted_by: str | None = Field(
        None, description="'sso' when the role comes from the person's groups at the OpenID provider, which single "
                          "sign-on keeps in step at each sign-in; null when set by hand (then groups never change it).")


class ImportOut(BaseModel):
    imported: int
    predictions: int
    gold: int
    annotations: int = 0
    annotations_by_importer: int = Field(0, description="Annotations whose user is not a project member, "
                                            "stored as the importing manager's.")
    annotations_as_predictions: int = Field(0, description="Extra annotations by the same person on one task, "
                                               "kept as predictions.")
    unknown_users: list[str] = Field(default_factory=list, description="Users named by annotations who are not "
                                     "project members (first 20).")
    duplicates_skipped: int = Field(0, description="duplicates=skip: rows left out as exact or near duplicates.")
    duplicates_flagged: int = Field(0, description="duplicates=flag: rows imported that are exact or near "
                                    "duplicates (added to a duplicate cluster).")
    near_duplicates: int = Field(0, description="Of the skipped or flagged rows, the near (not exact) duplicates: "
                                 "text Jaccard >= 0.8 (MinHash) or images within 8 pHash bits.")
    duplicate_examples: list[dict] = Field(default_factory=list, description="The first 20 duplicate rows: "
                                           "line, and the task id or earlier line they repeat.")
    out_of_range: int = Field(0, description="Label Studio imports: tasks kept with a flag, for a region past the "
                              "media's bounds (a segment at -0.05 s) or a result item kept as Label Studio wrote it "
                              "(a span ending before it starts); each such task lists them in meta.out_of_range.")


class DuplicateOfOut(BaseModel):
    cluster_id: int
    kind: str
    similarity: float
    size: int = Field(description="Tasks in the cluster, this one included.")
    others: list[int] = Field(default_factory=list, description="Task view only: the other members (first 50).")


class LabelErrorOut(BaseModel):
    given: str = Field(description="The human label when detection ran.")
    suspected: str = Field(description="The most likely other option.")
    score: float = Field(description="Label-quality score in [0, 1]; lower is more likely wrong.")


class AutoLabelOut(BaseModel):
    control: str
    label: str | None = Field(description="The model's label (null for annotators, whose answer checks it blind).")
    confidence: float | None = Field(description="The model's confidence (null for annotators).")
    model_version: str
    verify: bool = Field(description="In the random sample routed to humans to measure the precision achieved.")


class TaskOut(_Out):
    id: int
    project_id: int
    external_id: str | None
    data: dict[str, Any]
    meta: dict[str, Any]
    content_hash: str
    annotation_count: int
    consensus: dict[str, Any] | None
    confidence: float | None
    batch_id: int | None = None
    created_at: Timestamp
    duplicate_of: list[DuplicateOfOut] = Field(
        default_factory=list, description="Stored duplicate clusters holding this task (reviewers and managers).")
    label_error: LabelErrorOut | None = Field(
        None, description="The last label-error detection's flag on this task (reviewers and managers).")
    auto_label: AutoLabelOut | None = Field(
        None, description="The last auto-label run's label of this task: a source of its own, never an annotation.")


class TaskPageOut(BaseModel):
    items: list[TaskOut]
    next: str | None = Field(description="Pass as `after=` for the next page; null on the last page.")


class AnnotationIn(_In):
    result: dict[str, Any]
    lead_time_ms: int | None = Field(default=None, ge=0)


class SkipIn(_In):
    lead_time_ms: int | None = Field(default=None, ge=0)


class ReviewOut(_Out):
    id: int
    annotation_id: int
    reviewer_id: int | None
    verdict: str
    comment: str
    created_at: Timestamp
    schema_version: int = Field(1, description="The label schema version this was made under.")
    guidelines_version: int = Field(1, description="The guidelines version this was made under.")


class ReviewIn(_In):
    verdict: str = Field(description="accept, reject (comment required) or fix (result required)")
    comment: str = Field(default="", max_length=10_000)
    result: dict[str, Any] | None = None


class AnnotationOut(_Out):
    id: int
    task_id: int
    user_id: int
    username: str | None = None
    status: str
    result: dict[str, Any] | None
    lead_time_ms: int | None
    revision: int
    created_at: Timestamp
    updated_at: Timestamp
    schema_version: int = Field(1, description="The label schema version this was made under.")
    guidelines_version: int = Field(1, description="The guidelines version this was made under.")
    review: ReviewOut | None = Field(default=None, description="The latest review verdict, if any.")


class ReviewOutcomeOut(BaseModel):
    review: ReviewOut
    annotation: AnnotationOut


class RevisionOut(_Out):
    revision: int
    status: str
    result: dict[str, Any] | None
    lead_time_ms: int | None
    author_id: int | None
    created_at: Timestamp
    schema_version: int = Field(1, description="The label schema version this was made under.")
    guidelines_version: int = Field(1, description="The guidelines version this was made under.")


class PredictionOut(_Out):
    id: int
    model_version: str
    result: dict[str, Any]
    score: float | None
    scores: dict[str, Any] | None
    created_at: Timestamp
    schema_version: int = Field(1, description="The label schema version this was made under.")
    guidelines_version: int = Field(1, description="The guidelines version this was made under.")
    yours: bool = Field(False, description="The viewer's own draft (`draft:<username>`, imported from Label "
                                           "Studio): the labeling page opens with it.")


class TaskDetailOut(TaskOut):
    annotations: list[AnnotationOut]
    predictions: list[PredictionOut]
    gold: dict[str, Any] | None = None


class NextTaskOut(BaseModel):
    task: TaskDetailOut
    lease_expires_at: Timestamp


AnnotatedNext = Annotated[bool, Query(description=(
    "Also lease the caller's next task in the same project and return it: the response becomes "
    "`{\"annotation\": ..., \"next\": {task, lease_expires_at} or null, \"next_refused\": ...}`. "
    "Nothing is served when the answer is refused."))]
AnnotatedHolding = Annotated[list[int], Query(max_length=4, description=(
    "Ids of leased tasks the caller already holds and has loaded: another task is served instead, so a "
    "client can work one task ahead (the labeling page does)."))]


class AnsweredNextOut(BaseModel):
    """A submit or skip with `next=true`: the stored answer and the caller's next leased task in one round trip."""

    annotation: AnnotationOut
    next: NextTaskOut | None = Field(description="The caller's next leased task (as GET /projects/{id}/next "
                                                 "returns it); null when nothing is left for them.")
    next_refused: str | None = Field(None, description="Why no next task was served although the answer is "
                                                       "stored (e.g. the caller was paused); null otherwise.")


class PredictionsOut(BaseModel):
    created: int


class AnnotatorStatsOut(_Out):
    user_id: int
    username: str
    submitted: int
    skipped: int
    median_lead_time_ms: float | None


class StatsOut(_Out):
    tasks: int
    unlabeled: int
    labeled: int
    complete: int
    annotations_submitted: int
    annotations_skipped: int
    predictions: int
    progress: float
    annotators: list[AnnotatorStatsOut]
    per_day: list[dict[str, Any]] = Field(description="Submitted annotations per day over the last 30 days.")
    remaining_annotations: int
    eta_seconds: float | None = Field(description="At the last week's pace; null before any work.")


class EventOut(_Out):
    id: int
    project_id: int | None
    actor_id: int | None
    actor: str | None = None
    action: str
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: Timestamp


class BatchIn(_In):
    name: str = Field(min_length=1, max_length=200)
    priority: int = Field(default=0, description="Higher is served first; then the earlier deadline.")
    deadline: datetime | None = None
    overlap: int | None = Field(default=None, description="Annotators per task in this batch (null: the project's).")
    pay_per_task: float = Field(default=0.0, ge=0)
    pay_per_second: float = Field(default=0.0, ge=0, description="Pay per second of work (annotations' lead time).")
    budget: float | None = Field(default=None, ge=0, description="The batch pauses itself once this is spent.")


class BatchPatch(_In):
    name: str | None = None
    priority: int | None = None
    deadline: datetime | None = None
    overlap: int | None = None
    pay_per_task: float | None = None
    pay_per_second: float | None = None
    budget: float | None = None
    status: str | None = Field(default=None, description="active or paused")


class BatchProgressOut(BaseModel):
    tasks: int
    complete: int
    submitted: int
    open_slots: int
    leased: int


class BatchOut(_Out):
    id: int
    project_id: int
    name: str
    priority: int
    deadline: Timestamp | None
    overlap: int | None
    pay_per_task: float
    pay_per_second: float
    budget: float | None
    spent: float
    status: str
    status_reason: str | None
    created_at: Timestamp
    updated_at: Timestamp
    progress: BatchProgressOut | None = None


class BatchTasksIn(_In):
    task_ids: list[int] | None = Field(default=None, max_length=100_000)
    filter: dict[str, Any] | None = Field(default=None, description="A task filter as GET /projects/{id}/tasks "
                                          "takes: status, external_id, q, annotator, has_predictions, gold, ...")
    from_import: int | str | None = Field(default=None, description="The id of an import's tasks.imported "
                                          "event, or \"latest\".")


class BatchTasksOut(BaseModel):
    changed: int


class SchemaChangeIn(_In):
    label_schema: dict[str, Any] | str = Field(description="The new schema (an object, or YAML/JSON text).")
    migration: list[dict[str, Any]] | None = Field(
        None, description="Steps that carry stored results over: rename_label, merge_labels, split_label, "
                          "map_values, drop_control, rename_control (docs/schema-versions.md).")


class VersionOut(BaseModel):
    kind: str
    number: int
    created_at: Timestamp
    author: str | None
    diff: list[str]
    migration: dict[str, Any] | None
    current: bool
    label_schema: dict[str, Any] | None = None
    guidelines: str | None = None


class ErrorItemOut(BaseModel):
    message: str
    field: str | None = Field(None, description="The field, or for an import the column, at fault.")
    line: int | None = Field(None, description="The line (row) of an upload at fault.")


class ErrorOut(BaseModel):
    """The body of every error answer (4xx and 5xx), whoever raised it. Some errors add a field of their own
    (a refused schema change its `report`)."""

    model_config = ConfigDict(extra="allow")

    detail: str = Field(description="What went wrong, written for the user; the same text as `message`.")
    message: str
    field: str | None = Field(None, description="The request field at fault, dotted (e.g. `settings.overlap`).")
    line: int | None = Field(None, description="The line of an uploaded file at fault.")
    errors: list[ErrorItemOut] | None = Field(
        None, description="Every problem found (a request's invalid fields, an import's bad rows), first first.")
    retry_after: int | None = Field(None, description="With 429: seconds to wait before trying again.")


class WorkerLinkIn(_In):
    name: str = Field(default="worker link", min_length=1, max_length=200)
    batch_id: int | None = Field(default=None, description="Serve only this batch's tasks (null: the project).")
    max_tasks_per_worker: int | None = Field(default=None, description="Tasks one worker may do (null: no limit).")
    max_tasks_total: int | None = Field(default=None, description="Tasks done through the link in all.")
    max_workers: int | None = Field(default=None, description="Distinct worker ids the link takes.")
    rate_per_minute: int = Field(default=120, description="Requests a minute through the link, all workers.")
    expires_at: datetime | None = None


class WorkerLinkPatch(_In):
    name: str | None = None
    max_tasks_per_worker: int | None = None
    max_tasks_total: int | None = None
    max_workers: int | None = None
    rate_per_minute: int | None = None
    expires_at: datetime | None = None


class WorkerLinkOut(_Out):
    id: int
    project_id: int
    batch_id: int | None
    name: str
    token: str
    url: str = Field(default="", description="The path to share; append ?workerId=... as the marketplace does.")
    max_tasks_per_worker: int | None
    max_tasks_total: int | None
    max_workers: int | None
    rate_per_minute: int
    tasks_done: int
    workers: int
    blocked: list[str]
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    created_at: Timestamp


class WorkerIdIn(_In):
    worker_id: str = Field(max_length=100)


class CompletionCodeIn(_In):
    code: str = Field(min_length=1, max_length=64)


class LinkWorkerOut(BaseModel):
    worker_id: str
    user_id: int
    tasks_done: int
    completion_code: str
    created_at: Timestamp
    last_seen_at: Timestamp


class WorkerJoinIn(_In):
    worker_id: str | None = Field(default=None, max_length=1000)


class WorkerStatusOut(BaseModel):
    link: str
    project_id: int
    batch_id: int | None
    worker_id: str
    tasks_done: int
    max_tasks_per_worker: int | None
    completion_code: str | None = Field(description="Shown once the worker has done at least one task.")
    token: str | None = Field(default=None, description="On join only: the worker session's bearer token.")


class ReannotateIn(_In):
    mode: Literal["relabel", "review"] = Field(
        "relabel", description="relabel: each answer goes back to its author; review: back to the review queue.")
    schema_version: int | None = Field(None, description="Answers made under this schema version.")
    before_schema_version: int | None = Field(None, description="Answers made under an older schema version.")
    guidelines_version: int | None = None
    before_guidelines_version: int | None = None
    task_ids: list[int] | None = Field(None, max_length=10_000)
    annotator: str | None = Field(None, description="Only this annotator's answers (username or id).")
    comment: str = Field("", max_length=10_000, description="Shown with a reopened review.")
    dry_run: bool = Field(False, description="Only count what would go back.")


class ReannotateOut(BaseModel):
    mode: str
    annotations: int
    tasks: int
    applied: bool


class PilotIn(_In):
    name: str = Field(min_length=1, max_length=200)
    annotators: list[str] = Field(description="Usernames of the members who all label the pilot's tasks (2-50).")
    task_ids: list[int] | None = Field(None, description="The pilot's tasks; or give `sample`.")
    sample: int | None = Field(None, description="Take the first N tasks nobody has been given yet.")
    lease_days: int = Field(7, description="How long the pilot's tasks stay leased to its annotators (1-90).")


class PilotCommentIn(_In):
    task_id: int
    text: str = Field(max_length=5000)
