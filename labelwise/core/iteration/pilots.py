"""Pilot rounds: chosen annotators all label the same tasks, then a report per control says where they
agree and where not (agreement, confusion between labels, the most confused pairs with their items,
who deviates, their comments), and two rounds compare side by side.

Starting a pilot leases every pilot task to every chosen annotator (a lease is served before anything
else in their queue) and takes the tasks out of the normal queue, so nobody else answers them.
"""

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import project_schema
from labelwise.core.review.controls import canonical
from labelwise.errors import Conflict, Invalid, NotFound
from labelwise.quality.pilot import compare_reports, control_report
from labelwise.schema import ChoicesControl, ControlSpec, PairwiseControl, RatingControl, RegionControl, TaxonomyControl
from labelwise.schema.changes import control_labels
from labelwise.store.models import (
    Annotation,
    Assignment,
    GoldAnswer,
    Member,
    PilotComment,
    PilotRound,
    Project,
    Task,
    User,
)

MAX_TASKS = 1000
MAX_ANNOTATORS = 50


def create_pilot(session: Session, user: User, project_id: int, *, name: str, annotators: list[str],
                 task_ids: list[int] | None = None, sample: int | None = None, lease_days: int = 7) -> PilotRound:
    """Start a pilot on `task_ids`, or on the first `sample` tasks nobody has been given yet."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 200:
        raise Invalid("a pilot needs a name of 1-200 characters", field="name")
    if session.scalar(select(PilotRound.id).where(PilotRound.project_id == project_id, PilotRound.name == name)):
        raise Conflict(f"project {project_id} already has a pilot named '{name}'", field="name")
    if not 1 <= lease_days <= 90:
        raise Invalid("lease_days must be from 1 to 90", field="lease_days")
    people = _annotators(session, project_id, annotators)
    tasks = _tasks(session, project_id, task_ids, sample)
    held = session.execute(
        select(Assignment.task_id, User.username).join(User, User.id == Assignment.user_id)
        .where(Assignment.task_id.in_(tasks), Assignment.user_id.in_([p.id for p in people])).limit(1)
    ).first()
    if held is not None:
        raise Conflict(f"{held[1]} already has task {held[0]}; a pilot takes tasks its annotators have not seen",
                       field="task_ids")
    now = utcnow()
    expires = now + timedelta(days=lease_days)
    session.add_all(Assignment(task_id=t, project_id=project_id, user_id=p.id, status="leased", expires_at=expires,
                               created_at=now) for t in tasks for p in people)
    session.execute(update(Task).where(Task.id.in_(tasks)).values(remaining=0))
    pilot = PilotRound(project_id=project_id, name=name, task_ids=tasks, annotator_ids=[p.id for p in people],
                       schema_version=project.schema_version, guidelines_version=project.guidelines_version,
                       created_by=user.id, created_at=now)
    session.add(pilot)
    session.flush()
    events.record(session, actor=user, action="pilot.created", object_type="pilot", object_id=pilot.id,
                  project_id=project_id, after={"name": name, "tasks": len(tasks),
                                                "annotators": [p.username for p in people]})
    session.commit()
    return pilot


def list_pilots(session: Session, user: User, project_id: int) -> list[dict[str, Any]]:
    authorize(session, user, project_id, Role.REVIEWER)
    pilots = session.scalars(select(PilotRound).where(PilotRound.project_id == project_id).order_by(PilotRound.id))
    return [_summary(session, pilot) for pilot in pilots]


def add_comment(session: Session, user: User, pilot_id: int, task_id: int, text: str) -> PilotComment:
    """A pilot annotator's (or a manager's) note on one pilot item."""
    pilot = _load(session, user, pilot_id, Role.ANNOTATOR)
    _, role = authorize(session, user, pilot.project_id, Role.ANNOTATOR)
    if role < Role.MANAGER and user.id not in pilot.annotator_ids:
        raise NotFound(f"pilot {pilot_id} not found")
    if task_id not in pilot.task_ids:
        raise Invalid(f"task {task_id} is not in pilot {pilot_id}", field="task_id")
    text = text.strip() if isinstance(text, str) else ""
    if not 1 <= len(text) <= 5000:
        raise Invalid("a comment needs 1-5000 characters", field="text")
    row = PilotComment(pilot_id=pilot_id, task_id=task_id, user_id=user.id, text=text, created_at=utcnow())
    session.add(row)
    session.commit()
    return row


def report(session: Session, user: User, pilot_id: int) -> dict[str, Any]:
    """Progress, one report per control (see `labelwise.quality.pilot`) and the comments."""
    pilot = _load(session, user, pilot_id, Role.REVIEWER)
    schema = project_schema(session.get(Project, pilot.project_id))
    names = _names(session, pilot.annotator_ids)
    answers = session.execute(
        select(Annotation.task_id, Annotation.user_id, Annotation.result)
        .where(Annotation.task_id.in_(pilot.task_ids), Annotation.user_id.in_(pilot.annotator_ids),
               Annotation.status == "submitted").order_by(Annotation.id)
    ).all()
    by_control: dict[str, list] = defaultdict(list)
    for task_id, user_id, result in answers:
        for name, value in (result or {}).items():
            if name in schema.controls:
                label = answer_label(schema.controls[name], value)
                if label is not None:
                    by_control[name].append((task_id, names.get(user_id, str(user_id)), label))
    controls = {
        name: {"type": control.type, "compared_as": _compared_as(control),
               **control_report(by_control.get(name, []), labels=_labels(control))}
        for name, control in schema.controls.items()
    }
    comments = session.scalars(select(PilotComment).where(PilotComment.pilot_id == pilot_id)
                               .order_by(PilotComment.id)).all()
    commenters = _names(session, [c.user_id for c in comments])
    return {
        **_summary(session, pilot),
        "controls": controls,
        "comments": [{"task_id": c.task_id, "annotator": commenters.get(c.user_id), "text": c.text,
                      "created_at": c.created_at.isoformat()} for c in comments],
    }


def compare(session: Session, user: User, first_id: int, second_id: int) -> dict[str, Any]:
    """Two pilots of one project side by side, per control they share."""
    first, second = report(session, user, first_id), report(session, user, second_id)
    if first["project_id"] != second["project_id"]:
        raise Invalid("compare two pilots of the same project", field="second")
    shared = [name for name in first["controls"] if name in second["controls"]]
    return {
        "before": {k: first[k] for k in ("id", "name", "schema_version", "guidelines_version")},
        "after": {k: second[k] for k in ("id", "name", "schema_version", "guidelines_version")},
        "controls": {name: compare_reports(first["controls"][name], second["controls"][name]) for name in shared},
    }


def answer_label(control: ControlSpec, value: Any) -> str | None:
    """The answer of one control as one label to compare: a choice as is; several choices, taxonomy paths
    or region labels as their sorted set; anything else as its canonical form (exact match)."""
    if value is None or value == [] or value == "":
        return None
    if isinstance(control, (PairwiseControl, RatingControl)) or (
            isinstance(control, ChoicesControl) and not isinstance(value, list)):
        return str(value)
    if isinstance(control, ChoicesControl):
        return " + ".join(sorted(map(str, value)))
    if isinstance(control, TaxonomyControl):
        return " + ".join(sorted(" / ".join(map(str, path)) for path in value if isinstance(path, list)))
    if isinstance(control, RegionControl) and isinstance(value, list):
        return " + ".join(sorted({str(r.get("label")) for r in value if isinstance(r, dict)}))
    return canonical(value)


def _compared_as(control: ControlSpec) -> str:
    if isinstance(control, (PairwiseControl, RatingControl)) or (
            isinstance(control, ChoicesControl) and not control.multiple):
        return "label"
    if isinstance(control, (ChoicesControl, TaxonomyControl, RegionControl)):
        return "set of labels"
    return "exact answer"


def _labels(control: ControlSpec) -> list[str]:
    if isinstance(control, ChoicesControl) and not control.multiple:
        return list(control.options)
    if isinstance(control, PairwiseControl):
        return ["a", "b", "tie"] if control.allow_tie else ["a", "b"]
    if isinstance(control, RatingControl):
        return [str(n) for n in range(1, control.max + 1)]
    return list(control_labels(control)) if isinstance(control, RegionControl) else []


def _summary(session: Session, pilot: PilotRound) -> dict[str, Any]:
    names = _names(session, pilot.annotator_ids)
    done = dict(session.execute(
        select(Annotation.user_id, func.count()).where(
            Annotation.task_id.in_(pilot.task_ids), Annotation.user_id.in_(pilot.annotator_ids),
            Annotation.status == "submitted").group_by(Annotation.user_id)).all())
    return {
        "id": pilot.id, "project_id": pilot.project_id, "name": pilot.name, "tasks": len(pilot.task_ids),
        "task_ids": pilot.task_ids, "schema_version": pilot.schema_version,
        "guidelines_version": pilot.guidelines_version, "created_at": pilot.created_at.isoformat(),
        "annotators": [{"annotator": names.get(i, str(i)), "answered": done.get(i, 0)} for i in pilot.annotator_ids],
        "answered": sum(done.values()), "expected": len(pilot.task_ids) * len(pilot.annotator_ids),
    }


def _load(session: Session, user: User, pilot_id: int, minimum: Role) -> PilotRound:
    pilot = session.get(PilotRound, pilot_id)
    authorize_row(session, user, pilot, f"pilot {pilot_id}", minimum)
    return pilot


def _names(session: Session, ids: list) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username).where(User.id.in_([i for i in ids if i]))).all())


def _annotators(session: Session, project_id: int, usernames: list[str]) -> list[User]:
    if not isinstance(usernames, list) or not 2 <= len(set(usernames)) <= MAX_ANNOTATORS:
        raise Invalid(f"a pilot needs 2-{MAX_ANNOTATORS} annotators (usernames)", field="annotators")
    people = []
    for name in dict.fromkeys(usernames):
        found = session.execute(
            select(User).join(Member, Member.user_id == User.id)
            .where(Member.project_id == project_id, User.username == name)).scalar()
        if found is None:
            raise Invalid(f"'{name}' is not a member of project {project_id}", field="annotators")
        people.append(found)
    return people


def _tasks(session: Session, project_id: int, task_ids: list[int] | None, sample: int | None) -> list[int]:
    if (task_ids is None) == (sample is None):
        raise Invalid("give the pilot's tasks as task_ids or a sample size, not both", field="task_ids")
    if sample is not None:
        if not 1 <= sample <= MAX_TASKS:
            raise Invalid(f"sample must be from 1 to {MAX_TASKS}", field="sample")
        fresh = list(session.scalars(
            select(Task.id).where(Task.project_id == project_id, Task.annotation_count == 0,
                                  ~exists().where(Assignment.task_id == Task.id),
                                  ~exists().where(GoldAnswer.task_id == Task.id))
            .order_by(Task.id).limit(sample)))
        if not fresh:
            raise Invalid("no task is left that nobody has been given; pick task_ids instead", field="sample")
        return fresh
    if not isinstance(task_ids, list) or not 1 <= len(set(task_ids)) <= MAX_TASKS:
        raise Invalid(f"task_ids must list 1-{MAX_TASKS} tasks", field="task_ids")
    wanted = list(dict.fromkeys(task_ids))
    found = set(session.scalars(select(Task.id).where(Task.project_id == project_id, Task.id.in_(wanted))))
    missing = [t for t in wanted if t not in found]
    if missing:
        raise Invalid(f"task {missing[0]} is not in project {project_id}", field="task_ids")
    return wanted
