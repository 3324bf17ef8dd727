# Over 400 lines: every table in one module, so the database reads in one place and Alembic sees one metadata.
"""The tables. Plain SQLAlchemy 2 mappings with no behaviour: services in `labelwise.core` own the rules.

Counters denormalised on `tasks` (`remaining`, `annotation_count`) are what make the labeling queue
cheap at a million tasks: `remaining` is how many more annotators a task may still be leased to, and
the queue's partial index covers only tasks where it is positive.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from labelwise.store.versions import version_default

JSONType = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONType, Any: JSONType}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A crowd worker who came through a worker link: no password, one project, the link they work through.
    is_external: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    external_link_id: Mapped[int | None] = mapped_column(ForeignKey("worker_links.id", ondelete="SET NULL",
                                                                    use_alter=True))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoginThrottle(Base):
    """Failed logins per account (`user:<name>`) or per address (`addr:<ip>`), shared by every server process."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class Token(Base):
    """A bearer token (`kind='api'`) or a browser login session (`kind='session'`); only its hash is kept."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A session begun by single sign-on keeps the provider's ID token, the hint its logout endpoint asks for.
    id_token: Mapped[str | None] = mapped_column(Text)


class UserIdentity(Base):
    """A user's account at an OpenID provider (issuer + subject): how single sign-on finds them again."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    groups: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime] = mapped_column(DateTime)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    guidelines: Mapped[str] = mapped_column(Text, default="")
    # Plain JSON, not JSONB, on PostgreSQL: JSONB reorders keys, and the order of objects and controls is
    # the order the labeling page lays them out in.
    label_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # The numbers of the current rows in `project_versions`; every answer records them when written.
    schema_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    guidelines_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Whether an active webhook listens (kept by core/webhooks/hooks.py): the project row is loaded anyway,
    # so a project without webhooks costs its events no query (core/platform/webhook_outbox.py).
    has_webhooks: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ProjectVersion(Base):
    """One version of a project's label schema (`kind='schema'`) or guidelines (`kind='guidelines'`): its
    full content, a readable diff against the version before, and the migration that came with it."""

    __tablename__ = "project_versions"
    __table_args__ = (UniqueConstraint("project_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)
    label_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # plain JSON: keeps key order
    guidelines: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[list[str]] = mapped_column(JSON)
    migration: Mapped[dict[str, Any] | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PilotRound(Base):
    """A pilot: every chosen annotator labels the same tasks (leased to each of them when it starts)."""

    __tablename__ = "pilot_rounds"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    task_ids: Mapped[list[int]] = mapped_column(JSON)
    annotator_ids: Mapped[list[int]] = mapped_column(JSON)
    schema_version: Mapped[int] = mapped_column(Integer)
    guidelines_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PilotComment(Base):
    """A pilot annotator's note on one item (what was unclear), shown in the pilot report."""

    __tablename__ = "pilot_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot_rounds.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Member(Base):
    """A user's role in a project, and their standing as an annotator there (`active`, `qualifying`, `paused`)."""

    __tablename__ = "members"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    skill: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # 'sso' when single sign-on gave this role from the user's groups (and may take it back); None: given by hand.
    granted_by: Mapped[str | None] = mapped_column(String(16))


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "external_id"),
        Index("ix_tasks_project_id_content_hash", "project_id", "content_hash"),
        Index("ix_tasks_project_id_id", "project_id", "id"),
        Index("ix_tasks_project_id_annotation_count_id", "project_id", "annotation_count", "id"),
        Index(
            "ix_tasks_queue",
            "project_id",
            text("queue_rank DESC"),
            text("priority DESC"),
            "id",
            sqlite_where=text("remaining > 0"),
            postgresql_where=text("remaining > 0"),
        ),
        Index("ix_tasks_batch_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[dict[str, Any]]
    meta: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(Integer)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    # The batch's place in the queue (its priority, then its deadline), copied onto its tasks so that the
    # queue's index orders by it; a paused batch's tasks sit below the queue's lower bound.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    queue_rank: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    annotation_count: Mapped[int] = mapped_column(Integer, default=0)
    consensus: Mapped[dict[str, Any] | None]
    confidence: Mapped[float | None] = mapped_column(Float)
    adjudicated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    adjudicated_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Batch(Base):
    """A set of a project's tasks worked as one job: served by priority then deadline, with its own
    overlap and pay, and paused by itself once `spent` reaches `budget`."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    deadline: Mapped[datetime | None] = mapped_column(DateTime)
    overlap: Mapped[int | None] = mapped_column(Integer)  # null: the project's overlap
    pay_per_task: Mapped[float] = mapped_column(Float, default=0.0)
    pay_per_second: Mapped[float] = mapped_column(Float, default=0.0)
    budget: Mapped[float | None] = mapped_column(Float)
    spent: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class WorkerLink(Base):
    """A shareable link through which crowd workers without accounts label a project (or one batch).

    `token` is the secret in the URL; `secret` signs completion codes. Quotas, expiry, revocation, the
    block list and the rate limit (a fixed one-minute window: `window_start`, `window_count`) are checked
    on every task served through it.
    """

    __tablename__ = "worker_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    max_tasks_per_worker: Mapped[int | None] = mapped_column(Integer)
    max_tasks_total: Mapped[int | None] = mapped_column(Integer)
    max_workers: Mapped[int | None] = mapped_column(Integer)
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=120)
    tasks_done: Mapped[int] = mapped_column(Integer, default=0)
    workers: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[list[str]] = mapped_column(JSONType, default=list)
    window_start: Mapped[datetime | None] = mapped_column(DateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LinkWorker(Base):
    """One crowd worker (by the id their marketplace gave) on one link, and the tasks they did through it."""

    __tablename__ = "link_workers"

    link_id: Mapped[int] = mapped_column(ForeignKey("worker_links.id", ondelete="CASCADE"), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tasks_done: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class Assignment(Base):
    """A lease of a task to one annotator. `leased` until it expires; then `expired`, `done` or `skipped`."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id"),
        Index("ix_assignments_project_id_status_expires_at", "project_id", "status", "expires_at"),
        Index("ix_assignments_project_id_user_id_status", "project_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AnswerFollowup(Base):
    """A changed answer whose task still needs its consensus, dynamic overlap and gold standing brought up to
    date: written in the answer's own transaction, deleted by the catch-up that did the work (in its own)."""

    __tablename__ = "answer_followups"
    __table_args__ = (Index("ix_answer_followups_project_id_id", "project_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer)  # the answer's author, whose gold standing may change
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Annotation(Base):
    """One person's answer to one task: the latest revision, copied here so reads need no join."""

    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id"),
        Index("ix_annotations_project_id_user_id", "project_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None]
    lead_time_ms: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    schema_version: Mapped[int] = mapped_column(Integer, default=version_default("schema_version", "project"),
                                                server_default="1")
    guidelines_version: Mapped[int] = mapped_column(Integer, default=version_default("guidelines_version", "project"),
                                                    server_default="1")


class AnnotationRevision(Base):
    """Immutable history: every submit and every edit of an annotation adds one row."""

    __tablename__ = "annotation_revisions"
    __table_args__ = (UniqueConstraint("annotation_id", "revision"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None]
    lead_time_ms: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    schema_version: Mapped[int] = mapped_column(Integer, default=version_default("schema_version", "annotation"),
                                                server_default="1")
    guidelines_version: Mapped[int] = mapped_column(Integer, default=version_default("guidelines_version", "annotation"),
                                                    server_default="1")


class Prediction(Base):
    __tablename__ = "predictions"
    __table_args__ = (Index("ix_predictions_task_id_model_version", "task_id", "model_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(200))
    result: Mapped[dict[str, Any]]
    score: Mapped[float | None] = mapped_column(Float)
    scores: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime)
    schema_version: Mapped[int] = mapped_column(Integer, default=version_default("schema_version", "project"),
                                                server_default="1")
    guidelines_version: Mapped[int] = mapped_column(Integer, default=version_default("guidelines_version", "project"),
                                                    server_default="1")


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    schema_version: Mapped[int] = mapped_column(Integer, default=version_default("schema_version", "annotation"),
                                                server_default="1")
    guidelines_version: Mapped[int] = mapped_column(Integer, default=version_default("guidelines_version", "annotation"),
                                                    server_default="1")


class GoldAnswer(Base):
    __tablename__ = "gold_answers"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    result: Mapped[dict[str, Any]]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Event(Base):
    """The audit log: who did what to which object, with the state before and after."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_project_id_id", "project_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    """A message for one user (`user_id`) or for a project's managers (`user_id` null)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_project_id_id", "project_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class Job(Base):
    """A long-running piece of work (import, pre-label, train...), queued here and claimed by a runner.

    `heartbeat_at` is refreshed by the runner while the job runs; a `running` job whose heartbeat is
    older than the lease belongs to a process that died and is marked failed by the next runner.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_project_id_id", "project_id", "id"), Index("ix_jobs_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int | None] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[dict[str, Any] | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class MlBackend(Base):
    """An ML model served over HTTP that pre-labels (and may train on) a project's tasks.

    `kind` says which protocol it speaks: `labelwise` (docs/ml-backends.md) or `labelstudio` (a Label
    Studio ML backend, unchanged). `auth_header` is sent as the Authorization header and never shown back.
    """

    __tablename__ = "ml_backends"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(16))
    auth_header: Mapped[str | None] = mapped_column(String(2000))
    timeout_seconds: Mapped[float] = mapped_column(Float, default=30.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    label_config: Mapped[str | None] = mapped_column(Text)  # Label Studio XML sent to `labelstudio` backends
    model_version: Mapped[str | None] = mapped_column(String(200))
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Snapshot(Base):
    """An immutable dataset version: the frozen final records of a project's tasks, content-hashed."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    label_schema: Mapped[dict[str, Any]]  # as it was, so that exports of the snapshot never change
    content_hash: Mapped[str] = mapped_column(String(64))
    item_count: Mapped[int] = mapped_column(Integer)
    labeled_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SnapshotItem(Base):
    """One task as a snapshot froze it. `task_id` has no foreign key: deleting the task keeps the version."""

    __tablename__ = "snapshot_items"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    label_hash: Mapped[str | None] = mapped_column(String(64))
    record: Mapped[dict[str, Any]]


class DuplicateCluster(Base):
    """A group of tasks found to be duplicates: exact (same content), near_text (MinHash) or near_image (pHash)."""

    __tablename__ = "duplicate_clusters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    similarity: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DuplicateMember(Base):
    __tablename__ = "duplicate_members"
    __table_args__ = (Index("ix_duplicate_members_project_id_task_id", "project_id", "task_id"),)

    cluster_id: Mapped[int] = mapped_column(ForeignKey("duplicate_clusters.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))


class TaskFingerprint(Base):
    """A task's near-duplicate keys: MinHash LSH band keys (uint64 little-endian) and a signed 64-bit pHash."""

    __tablename__ = "task_fingerprints"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    band_keys: Mapped[bytes | None] = mapped_column(LargeBinary)
    phash: Mapped[int | None] = mapped_column(BigInteger)


class LabelingFunction(Base):
    """A project's weak-supervision rule: a JSON definition (keywords, regex, condition) evaluated by the
    server, or kind `client` for votes computed elsewhere (the SDK) and uploaded.

    `definition_hash` changes with the definition; `votes_hash` is the definition the stored votes were
    computed for, and `votes_max_task_id` the last task they cover, so applying again only recomputes what
    changed.
    """

    __tablename__ = "labeling_functions"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    control: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]]
    definition_hash: Mapped[str] = mapped_column(String(64))
    votes_hash: Mapped[str | None] = mapped_column(String(64))
    votes_max_task_id: Mapped[int | None] = mapped_column(BigId)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LabelingFunctionVote(Base):
    """One non-abstain vote of a labeling function on a task (an abstain is the absence of a row)."""

    __tablename__ = "labeling_function_votes"

    function_id: Mapped[int] = mapped_column(ForeignKey("labeling_functions.id", ondelete="CASCADE"),
                                             primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True, index=True)
    label: Mapped[str] = mapped_column(String(200))


class ModelVersion(Base):
    """A built-in model trained on a project's labeled tasks for one control: its bytes (a pickle with a
    version header, written and read only by labelwise) and its cross-validated accuracy and F1."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("project_id", "control", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    control: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    model_class: Mapped[str] = mapped_column(String(200))
    trained_on: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any] | None]
    model: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def name(self) -> str:
        """The `model_version` its predictions carry."""
        return f"builtin-{self.control}-v{self.version}"


class LabelErrorFlag(Base):
    """A task whose human label (its consensus on `control`) confident learning found likely wrong.

    Replaced as a whole by each detection run; `given` is the label as it was then, `suspected` the most
    likely other option, `score` the label-quality score (0..1, lower is more likely wrong).
    """

    __tablename__ = "label_error_flags"
    __table_args__ = (Index("ix_label_error_flags_project_id_score", "project_id", "score"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    control: Mapped[str] = mapped_column(String(200))
    given: Mapped[str] = mapped_column(String(200))
    suspected: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AutoLabel(Base):
    """A task labeled by a model because its confidence cleared a threshold that meets the project's target
    precision on human-labeled tasks. Never an annotation: a source of its own, exported only when asked.

    Replaced as a whole by each auto-label run; `verify` marks the random sample routed to humans first,
    whose answers give the precision actually achieved.
    """

    __tablename__ = "auto_labels"
    __table_args__ = (Index("ix_auto_labels_project_id_verify", "project_id", "verify"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    control: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(200))
    threshold: Mapped[float] = mapped_column(Float)
    verify: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SuggestionOutcome(Base):
    """What an annotator did with the model suggestion shown with a task: accepted it unchanged, accepted
    it and then edited it, or answered without it (rejected). One row per submitted annotation."""

    __tablename__ = "suggestion_outcomes"
    __table_args__ = (Index("ix_suggestion_outcomes_project_id_model_version", "project_id", "model_version"),)

    annotation_id: Mapped[int] = mapped_column(BigId, ForeignKey("annotations.id", ondelete="CASCADE"),
                                               primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    prediction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("predictions.id", ondelete="SET NULL"))
    model_version: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Webhook(Base):
    """A project's subscription: events named in `events` are POSTed to `url`, signed with `secret`."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[Any]  # a JSON list of event names
    description: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class WebhookDelivery(Base):
    """One event for one webhook: the outbox row written in the transaction that caused the event.

    `pending` until a dispatcher gets a 2xx (`delivered`) or runs out of attempts (`failed`). A claimed
    row's `next_attempt_at` moves a lease ahead, so one left by a dead process is claimed again later.
    `body` is the exact JSON sent (and signed) on every attempt; a redelivery is a new row with the same
    `event_id` and body.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    redelivery_of: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
