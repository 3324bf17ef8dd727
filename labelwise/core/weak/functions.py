# Over 400 lines: every labeling-function kind's service (edit, preview, apply, upload) over one vote store.
"""Labeling functions of a project: create, edit, delete, preview on a sample, and compute or upload votes.

Rule kinds (keywords, regex, condition) are evaluated here by `labelwise.assist.weak`; kind `python` runs a
function from a module the administrator installed (`plugin_functions`, LABELWISE_LABELING_FUNCTION_MODULES); kind `predictions`
votes what a model version's stored predictions say (an ML backend, a built-in model, another label model);
kind `client` holds votes a client computed (Python functions run by the SDK) and uploaded. User-written Python never runs in
the server. Votes are stored per function under the hash of the definition they were computed for;
`apply` recomputes a function only when its definition changed, and otherwise only for tasks added since.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from labelwise.assist.weak import LabelingFunctionError, PythonFunction, definition_hash, from_definition
from labelwise.core.platform import events, jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import project_schema
from labelwise.core.weak.plugin_functions import Registry, registry
from labelwise.errors import Conflict, Forbidden, Invalid, NotFound
from labelwise.schema import ChoicesControl, LabelSchema
from labelwise.store.models import GoldAnswer, LabelingFunction, LabelingFunctionVote, Prediction, Project, Task, User

RULE_KINDS = ("keywords", "regex", "condition")
SERVER_KINDS = RULE_KINDS + ("predictions", "python", "project")
KINDS = SERVER_KINDS + ("client",)
PREVIEW_SAMPLE = 2000
PREVIEW_MATCHES = 5
PREVIEW_CHUNK = 1000
SAMPLE_MULTIPLIER, SAMPLE_MODULUS = 2_654_435_761, 4_294_967_291  # Knuth's multiplicative hash, a prime
APPLY_BATCH = 5000
MAX_UPLOAD = 50_000
KIND_APPLY = "weak.apply"


def create(session: Session, user: User, project_id: int, body: dict[str, Any], *,
           installed: Registry = {}) -> LabelingFunction:
    """Add a labeling function; 422 naming the field for a bad rule, 409 for a taken name."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    name, kind, control, definition = _checked(project, body, installed)
    _check_source(session, user, kind, definition)
    if session.scalar(select(LabelingFunction.id).where(LabelingFunction.project_id == project_id,
                                                        LabelingFunction.name == name)):
        raise Conflict(f"a labeling function named '{name}' already exists in this project", field="name")
    now = utcnow()
    row = LabelingFunction(project_id=project_id, name=name, kind=kind, control=control, definition=definition,
                           definition_hash=definition_hash(definition), created_by=user.id, created_at=now,
                           updated_at=now)
    session.add(row)
    session.flush()
    events.record(session, actor=user, action="labeling_function.created", object_type="labeling_function",
                  object_id=row.id, project_id=project_id, after=definition)
    session.commit()
    return row


def list_functions(session: Session, user: User, project_id: int) -> list[LabelingFunction]:
    authorize(session, user, project_id, Role.REVIEWER)
    return list(session.scalars(select(LabelingFunction).where(LabelingFunction.project_id == project_id)
                                .order_by(LabelingFunction.id)))


def update(session: Session, user: User, project_id: int, function_id: int, body: dict[str, Any], *,
           installed: Registry = {}) -> LabelingFunction:
    """Replace a function's definition; its stored votes become stale until the next apply."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    row = _get(session, project_id, function_id)
    name, kind, control, definition = _checked(project, body, installed)
    _check_source(session, user, kind, definition)
    if kind != row.kind and "client" in (kind, row.kind):
        raise Invalid("a client function cannot become a rule or the other way round; create a new one",
                      field="kind")
    if name != row.name and session.scalar(select(LabelingFunction.id).where(
            LabelingFunction.project_id == project_id, LabelingFunction.name == name)):
        raise Conflict(f"a labeling function named '{name}' already exists in this project", field="name")
    before = row.definition
    row.name, row.kind, row.control, row.definition = name, kind, control, definition
    row.definition_hash = definition_hash(definition)
    row.updated_at = utcnow()
    events.record(session, actor=user, action="labeling_function.updated", object_type="labeling_function",
                  object_id=row.id, project_id=project_id, before=before, after=definition)
    session.commit()
    return row


def remove(session: Session, user: User, project_id: int, function_id: int) -> None:
    authorize(session, user, project_id, Role.MANAGER)
    row = _get(session, project_id, function_id)
    session.execute(delete(LabelingFunctionVote).where(LabelingFunctionVote.function_id == row.id))
    events.record(session, actor=user, action="labeling_function.deleted", object_type="labeling_function",
                  object_id=row.id, project_id=project_id, before=row.definition)
    session.delete(row)
    session.commit()


def preview(session: Session, user: User, project_id: int, body: dict[str, Any], *,
            sample: int = PREVIEW_SAMPLE, installed: Registry = {}) -> dict[str, Any]:
    """Coverage of an unsaved rule on a random sample of `sample` tasks, and a few tasks it votes on.

    The sample is drawn with a seed fixed per project, so it stays the same while one types a rule (and
    changes only when tasks are added or removed); only the sampled tasks' data is read."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    body = {"name": "preview", **body}
    _, kind, control, definition = _checked(project, body, installed)
    if kind not in RULE_KINDS + ("python",):
        raise Invalid(f"only rules (keywords, regex, condition, python) have a preview, not {kind} functions",
                      field="kind")
    lf = _rule(definition, installed)
    rows = _sample_tasks(session, project_id, sample)
    votes = _votes(lf, [data for _, data in rows], _options(project_schema(project), control))
    hits = [(task_id, data) for (task_id, data), vote in zip(rows, votes) if vote is not None]
    return {"sample": len(rows), "votes": len(hits),
            "coverage": len(hits) / len(rows) if rows else 0.0,
            "matches": [{"task_id": task_id, "data": data} for task_id, data in hits[:PREVIEW_MATCHES]]}


def _sample_tasks(session: Session, project_id: int, sample: int) -> list[Any]:
    """`sample` tasks in a pseudo-random order fixed per project (a multiplicative hash of the id), chosen
    by the database so that only the sampled tasks leave it."""
    key = (Task.id * SAMPLE_MULTIPLIER + project_id) % SAMPLE_MODULUS
    chosen = sorted(session.connection().execute(select(Task.id).where(Task.project_id == project_id)
                                                 .order_by(key).limit(sample)).scalars().all())
    rows: list[Any] = []
    for start in range(0, len(chosen), PREVIEW_CHUNK):
        rows.extend(session.connection().execute(select(Task.id, Task.data).where(
            Task.id.in_(chosen[start:start + PREVIEW_CHUNK])).order_by(Task.id)).all())
    return rows


def apply(session: Session, user: User, project_id: int, *, installed: Registry = {}) -> dict[str, Any]:
    """Compute and store the votes of every rule whose stored votes are stale or miss newer tasks."""
    authorize(session, user, project_id, Role.MANAGER)
    functions = [f for f in list_functions(session, user, project_id) if f.kind in SERVER_KINDS]
    last_task = session.scalar(select(func.max(Task.id)).where(Task.project_id == project_id))
    report: dict[str, Any] = {"recomputed": [], "extended": [], "unchanged": [], "failed": {},
                              "votes_written": 0}
    for row in functions:
        # A model's predictions change without its definition changing: always read them again.
        if row.kind != "predictions" and row.votes_hash == row.definition_hash \
                and row.votes_max_task_id == last_task:
            report["unchanged"].append(row.name)
            continue
        # One savepoint per function: a rule that fails (say, a regex out of its time budget) keeps its
        # old votes and is reported, and every other function is still applied.
        savepoint = session.begin_nested()
        try:
            written = _apply_one(session, user, project_id, row, last_task, installed)
        except (Invalid, NotFound, Forbidden) as exc:
            savepoint.rollback()
            report["failed"][row.name] = exc.message
            continue
        savepoint.commit()
        report["extended" if written[1] else "recomputed"].append(row.name)
        report["votes_written"] += written[0]
    events.record(session, actor=user, action="labeling_functions.applied", object_type="project",
                  object_id=project_id, project_id=project_id, after=report)
    session.commit()
    return report


def queue_apply(session: Session, user: User, project_id: int):
    """Queue `apply` as a background job (kind `weak.apply`); a runner computes the votes."""
    return jobs.enqueue(session, user, project_id, kind=KIND_APPLY)


def run_apply_job(ctx) -> dict[str, Any]:
    """The `weak.apply` job handler."""
    if ctx.user is None:
        raise Invalid("the user who queued these labeling functions no longer exists")
    return apply(ctx.session, ctx.user, ctx.project_id,
                 installed=registry(getattr(ctx.settings, "labeling_function_modules", "")))


def _apply_one(session: Session, user: User, project_id: int, row: LabelingFunction, last_task: int | None,
               installed: Registry) -> tuple[int, bool]:
    if row.kind == "predictions":
        return _apply_predictions(session, project_id, row, last_task), False
    if row.kind == "project":
        return _apply_project(session, user, project_id, row, last_task), False
    since = row.votes_max_task_id if row.votes_hash == row.definition_hash else None
    if since is None:
        session.execute(delete(LabelingFunctionVote).where(LabelingFunctionVote.function_id == row.id))
    lf = _rule(row.definition, installed)
    options = _options(project_schema(session.get(Project, project_id)), row.control)
    stmt = select(Task.id, Task.data).where(Task.project_id == project_id).order_by(Task.id)
    if since is not None:
        stmt = stmt.where(Task.id > since)
    written, batch_ids, batch_data = 0, [], []
    for task_id, data in session.execute(stmt).yield_per(APPLY_BATCH):
        batch_ids.append(task_id)
        batch_data.append(data)
        if len(batch_ids) >= APPLY_BATCH:
            written += _store(session, row, lf, batch_ids, batch_data, options)
            batch_ids, batch_data = [], []
    written += _store(session, row, lf, batch_ids, batch_data, options)
    row.votes_hash, row.votes_max_task_id = row.definition_hash, last_task
    return written, since is not None


def _apply_predictions(session: Session, project_id: int, row: LabelingFunction, last_task: int | None) -> int:
    """Votes from the stored predictions of one model version: its label for the control on each task
    (the newest prediction when there are several), where its score reaches `min_score`."""
    session.execute(delete(LabelingFunctionVote).where(LabelingFunctionVote.function_id == row.id))
    options = set(_options(project_schema(session.get(Project, project_id)), row.control))
    min_score = row.definition.get("min_score")
    label = Prediction.result[row.control].as_string()
    stmt = select(Prediction.task_id, label, Prediction.score).where(
        Prediction.project_id == project_id, Prediction.model_version == row.definition["model_version"]
    ).order_by(Prediction.task_id, Prediction.id)
    votes: dict[int, str] = {}
    for task_id, value, score in session.execute(stmt):
        if value in options and (min_score is None or (score is not None and score >= min_score)):
            votes[task_id] = value
        else:
            votes.pop(task_id, None)
    if votes:
        session.execute(insert(LabelingFunctionVote), [{"function_id": row.id, "task_id": t, "label": v}
                                                       for t, v in votes.items()])
    row.votes_hash, row.votes_max_task_id = row.definition_hash, last_task
    return len(votes)


def _check_source(session: Session, user: User, kind: str, definition: dict[str, Any]) -> None:
    """The caller must be able to read the source project's labels: a reviewer or manager there (404 when
    not a member at all, 403 for an annotator, who does not see others' labels)."""
    if kind == "project":
        authorize(session, user, definition["project_id"], Role.REVIEWER)


def _apply_project(session: Session, user: User, project_id: int, row: LabelingFunction,
                   last_task: int | None) -> int:
    """Votes from another project's final labels: a task's gold answer, else its adjudicated or consensus
    answer, for the source control; matched to this project's tasks by external id (or content hash).
    Labels that are not options of this control abstain. Read again at every apply."""
    source_id = row.definition["project_id"]
    _check_source(session, user, "project", row.definition)
    session.execute(delete(LabelingFunctionVote).where(LabelingFunctionVote.function_id == row.id))
    options = set(_options(project_schema(session.get(Project, project_id)), row.control))
    source_control = row.definition.get("source_control") or row.control
    key = Task.external_id if row.definition.get("match", "external_id") == "external_id" else Task.content_hash
    labels: dict[str, str] = {}
    gold = dict(session.execute(select(GoldAnswer.task_id, GoldAnswer.result)
                                .where(GoldAnswer.project_id == source_id)).all())
    for task_id, value, consensus in session.execute(select(Task.id, key, Task.consensus).where(
            Task.project_id == source_id, key.is_not(None))):
        final = (gold.get(task_id) or consensus or {}).get(source_control)
        if isinstance(final, str) and final in options:
            labels[value] = final
    votes = [{"function_id": row.id, "task_id": t, "label": labels[v]}
             for t, v in session.execute(select(Task.id, key).where(Task.project_id == project_id,
                                                                    key.is_not(None))) if v in labels]
    if votes:
        session.execute(insert(LabelingFunctionVote), votes)
    row.votes_hash, row.votes_max_task_id = row.definition_hash, last_task
    return len(votes)


def upload_votes(session: Session, user: User, project_id: int, function_id: int, items: list[Any], *,
                 replace: bool = True) -> int:
    """Store a client function's votes `[{"task_id", "label"}]` (label null = abstain). All or nothing.

    `replace` drops every earlier vote first; without it only the listed tasks' votes are replaced, so
    a large set can be sent in batches (the first with `replace`)."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    row = _get(session, project_id, function_id)
    if row.kind != "client":
        raise Invalid(f"'{row.name}' is a {row.kind} rule; the server computes its votes (POST .../apply)",
                      field="kind")
    if not isinstance(items, list) or len(items) > MAX_UPLOAD:
        raise Invalid(f"send a JSON array of at most {MAX_UPLOAD} votes", field="votes")
    options = set(_options(project_schema(project), row.control))
    ids = [item.get("task_id") if isinstance(item, dict) else None for item in items]
    known = set(session.scalars(select(Task.id).where(Task.project_id == project_id,
                                                      Task.id.in_([i for i in ids if isinstance(i, int)]))))
    rows, seen = [], set()
    for index, item in enumerate(items):
        where = f"votes[{index}]"
        task_id = ids[index]
        if isinstance(task_id, bool) or task_id not in known:
            raise Invalid(f"{where}: task {task_id!r} is not in project {project_id}", field=f"{where}.task_id")
        if task_id in seen:
            raise Invalid(f"{where}: task {task_id} is given twice", field=f"{where}.task_id")
        seen.add(task_id)
        label = item.get("label")
        if label is None:
            continue
        if label not in options:
            raise Invalid(f"{where}: label {label!r} is not an option of control '{row.control}' "
                          f"({', '.join(sorted(options))})", field=f"{where}.label")
        rows.append({"function_id": row.id, "task_id": task_id, "label": label})
    stale = delete(LabelingFunctionVote).where(LabelingFunctionVote.function_id == row.id)
    if not replace:
        stale = stale.where(LabelingFunctionVote.task_id.in_(list(seen)))
    session.execute(stale)
    if rows:
        session.execute(insert(LabelingFunctionVote), rows)
    row.votes_hash = row.definition_hash
    newest = max(seen) if seen else None
    if not replace and row.votes_max_task_id is not None:
        newest = max(row.votes_max_task_id, newest or 0)
    row.votes_max_task_id = newest
    events.record(session, actor=user, action="labeling_function.votes_uploaded", object_type="labeling_function",
                  object_id=row.id, project_id=project_id, after={"tasks": len(seen), "votes": len(rows)})
    session.commit()
    return len(rows)


def single_choice_control(schema: LabelSchema, control: str | None) -> str:
    """The named single-choice control, or the project's first (required ones first) when none is named."""
    candidates = [n for n, c in schema.controls.items() if isinstance(c, ChoicesControl) and not c.multiple]
    if control is not None:
        if control not in candidates:
            raise Invalid(f"control '{control}' is not a single-choice control of this project "
                          f"(those are: {', '.join(candidates) or 'none'})", field="control")
        return control
    if not candidates:
        raise Invalid("weak supervision needs a single-choice control, and this project has none", field="control")
    required = [n for n in candidates if schema.controls[n].required]
    return (required or candidates)[0]


def _options(schema: LabelSchema, control: str) -> tuple[str, ...]:
    return tuple(schema.controls[control].options)


def _checked(project: Project, body: dict[str, Any], installed: Registry) -> tuple[str, str, str, dict[str, Any]]:
    if not isinstance(body, dict):
        raise Invalid("send a labeling function as a JSON object", field="body")
    schema = project_schema(project)
    control = single_choice_control(schema, body.get("control"))
    kind = body.get("kind")
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}", field="kind")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise Invalid("name must be a string of 1-200 characters", field="name")
    definition = {k: v for k, v in body.items() if k != "control"}
    if kind == "client":
        extra = set(definition) - {"name", "kind", "description"}
        if extra:
            raise Invalid(f"unknown option(s) for a client function: {', '.join(sorted(extra))}",
                          field=sorted(extra)[0])
        return name.strip(), kind, control, definition
    if kind == "predictions":
        extra = set(definition) - {"name", "kind", "model_version", "min_score"}
        if extra:
            raise Invalid(f"unknown option(s) for a predictions function: {', '.join(sorted(extra))}",
                          field=sorted(extra)[0])
        version = definition.get("model_version")
        if not isinstance(version, str) or not 0 < len(version) <= 200:
            raise Invalid("model_version must name the model version whose predictions vote", field="model_version")
        score = definition.get("min_score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
            raise Invalid("min_score must be a number", field="min_score")
        return name.strip(), kind, control, definition
    if kind == "project":
        extra = set(definition) - {"name", "kind", "project_id", "source_control", "match"}
        if extra:
            raise Invalid(f"unknown option(s) for a project function: {', '.join(sorted(extra))}",
                          field=sorted(extra)[0])
        source = definition.get("project_id")
        if isinstance(source, bool) or not isinstance(source, int) or source == project.id:
            raise Invalid("project_id must be the id of another project", field="project_id")
        if definition.get("match", "external_id") not in ("external_id", "content_hash"):
            raise Invalid("match must be external_id or content_hash", field="match")
        if definition.get("source_control") is not None and not isinstance(definition["source_control"], str):
            raise Invalid("source_control must name the source project's control", field="source_control")
        return name.strip(), kind, control, definition
    if kind == "python":
        extra = set(definition) - {"name", "kind", "function"}
        if extra:
            raise Invalid(f"unknown option(s) for a python function: {', '.join(sorted(extra))}",
                          field=sorted(extra)[0])
        _rule(definition, installed)
        return name.strip(), kind, control, definition
    label = definition.get("label")
    options = _options(schema, control)
    if label is not None and label not in options:
        raise Invalid(f"label {label!r} is not an option of control '{control}' ({', '.join(options)})",
                      field="label")
    _rule(definition)
    return name.strip(), kind, control, definition


def _rule(definition: dict[str, Any], installed: Registry = {}):
    if definition.get("kind") == "python":
        reference = definition.get("function")
        if reference not in installed:
            offered = ", ".join(installed) or "none are installed: see LABELWISE_LABELING_FUNCTION_MODULES"
            raise Invalid(f"function must name an installed labeling function ({offered}), not {reference!r}",
                          field="function")
        return PythonFunction(name=str(definition.get("name") or reference), fn=installed[reference])
    try:
        return from_definition(definition)
    except LabelingFunctionError as exc:
        raise Invalid(str(exc), field=exc.field) from None
    except TypeError as exc:  # a value of the wrong JSON type reaching a constructor
        raise Invalid(f"labeling function '{definition.get('name')}': {exc}", field="definition") from None


def _votes(lf, datas: list[dict[str, Any]], options: tuple[str, ...]) -> list[Any]:
    """The function's votes; a 422 naming it when it raises or votes a label outside the control's options."""
    try:
        votes = lf.votes(datas)
    except LabelingFunctionError as exc:
        raise Invalid(str(exc), field=exc.field) from None
    allowed = set(options)
    for vote in votes:
        if vote is not None and (not isinstance(vote, str) or vote not in allowed):
            raise Invalid(f"labeling function '{lf.name}' voted {vote!r}, which is not one of the labels "
                          f"{', '.join(options)}", field="label")
    return votes


def _store(session: Session, row: LabelingFunction, lf, ids: list[int], datas: list[dict[str, Any]],
           options: tuple[str, ...]) -> int:
    if not ids:
        return 0
    rows = [{"function_id": row.id, "task_id": task_id, "label": vote}
            for task_id, vote in zip(ids, _votes(lf, datas, options)) if vote is not None]
    if rows:
        session.execute(insert(LabelingFunctionVote), rows)
    return len(rows)


def _get(session: Session, project_id: int, function_id: int) -> LabelingFunction:
    row = session.get(LabelingFunction, function_id)
    if row is None or row.project_id != project_id:
        raise NotFound(f"labeling function {function_id} not found in project {project_id}")
    return row
