"""Agreement for every control of a project's schema, each with the measure that fits its type.

Answers keyed by region, message or page (`{key: value}`) are compared key by key, so two annotators'
ratings of the same chat message pair up; regions on a sequence pair up frame by frame. The heavy lifting
is `quality.control_agreement`; this module only reads the answers and names the kind per control.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.quality.control_agreement import Answer, control_agreement
from labelwise.schema import (
    BoxesControl,
    ChoicesControl,
    CuboidsControl,
    EditControl,
    LabelSchema,
    NumberControl,
    PairwiseControl,
    PolygonsControl,
    RatingControl,
    RelationsControl,
    SpansControl,
    TaxonomyControl,
    TextControl,
    message_keyed,
)
from labelwise.store.models import Annotation, User

_KEYED = "keyed"


def controls_overview(session: Session, user: User, project_id: int) -> dict[str, Any]:
    """Per control: its measure, the overall figure, per annotator and per day."""
    project, _ = authorize(session, user, project_id, Role.REVIEWER)
    schema = project_schema(project)
    rows = session.execute(
        select(Annotation.task_id, Annotation.user_id, Annotation.updated_at, Annotation.result)
        .where(Annotation.project_id == project_id, Annotation.status == "submitted")
    ).all()
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_({r[1] for r in rows}))).all())
    out = []
    for name, control in schema.controls.items():
        if isinstance(control, RelationsControl):
            continue
        kind, keyed = kind_of(schema, control), _keyed(schema, control)
        answers = list(_answers(rows, name, kind, keyed=keyed, names=names))
        found = control_agreement(kind, answers)
        out.append({
            "control": name, "type": control.type, "kind": kind, "keyed": keyed, "measure": found.measure,
            "higher_is_better": kind != "interval", "value": found.value, "alpha": found.alpha,
            "n_items": found.n_items, "n_pairs": found.n_pairs, "n_answers": len(answers),
            "annotators": [{"username": rater, "value": value, "pairs": n}
                           for rater, (value, n) in sorted(found.per_rater.items())],
            "over_time": [{"period": period, "value": value, "pairs": n}
                          for period, (value, n) in found.per_period.items()],
        })
    return {"project_id": project_id, "controls": out}


def kind_of(schema: LabelSchema, control) -> str:
    """The measure a control's answers are compared with (see `quality.control_agreement.KINDS`)."""
    if isinstance(control, (ChoicesControl, PairwiseControl)):
        return "set" if getattr(control, "multiple", False) else "nominal"
    if isinstance(control, TaxonomyControl):
        return "set"
    if isinstance(control, SpansControl) and schema.objects[control.object].type != "paragraphs":
        return "spans"
    kinds = {BoxesControl: "boxes", PolygonsControl: "polygons", CuboidsControl: "cuboids",
             RatingControl: "interval", NumberControl: "interval", TextControl: "text", EditControl: "text"}
    return next((kind for cls, kind in kinds.items() if isinstance(control, cls)), "exact")


def _keyed(schema: LabelSchema, control) -> bool:
    return bool(getattr(control, "per_region", False)) or message_keyed(schema, control)


def _answers(rows, name: str, kind: str, *, keyed: bool, names: dict[int, str]):
    for task_id, user_id, updated_at, result in rows:
        value = (result or {}).get(name)
        if value is None:
            continue
        rater, period = names.get(user_id, str(user_id)), updated_at.date().isoformat()
        if keyed and isinstance(value, dict):
            for key, part in value.items():
                yield Answer((task_id, key), rater, part, period)
        elif kind == "cuboids" and any("frame" in c for c in value if isinstance(c, dict)):
            for frame in sorted({c.get("frame", 0) for c in value}):
                yield Answer((task_id, frame), rater, [c for c in value if c.get("frame", 0) == frame], period)
        else:
            yield Answer(task_id, rater, value, period)
