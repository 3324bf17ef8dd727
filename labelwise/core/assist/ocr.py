"""The `ocr` job kind: read the text of a project's scanned pages and images into editable pre-annotations.

Each task's image (or each page of its PDF) is recognised with the bundled RapidOCR engine
(`labelwise.assist.ocr`); PDF pages that already have a text layer take their words from it instead,
which is exact and costs no recognition. Every line (or word, with `level: "words"`) becomes a box
of the project's boxes control on that object, with its recognised text in the per-region text
control, as Label Studio's OCR templates expect (Rectangle + Labels + TextArea perRegion). They are
stored as a prediction under the model version `rapidocr-<version>`, so annotators start from them
and correct them. Tasks that already hold a prediction of that version are skipped, so a retry
carries on where a failure stopped; each task is committed with its progress.
"""

import io
import time
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session

from labelwise.assist import ocr as engine
from labelwise.core.media import sources
from labelwise.core.platform import events, jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid, LabelwiseError
from labelwise.schema import LabelSchema, validate_result
from labelwise.storage import pdf
from labelwise.store.models import Job, Prediction, Project, Task, User

KIND_OCR = "ocr"
LEVELS = ("lines", "words")
RENDER_SCALE = 2.0  # PDF pages are recognised at 144 dpi; boxes come back in points


def plan(schema: LabelSchema, *, object_name: str | None = None, label: str | None = None) -> dict[str, Any]:
    """Which object is read, which boxes control takes the regions (with which label) and which per-region
    text control their text; `Invalid` naming what the schema lacks."""
    objects = [name for name, spec in schema.objects.items() if spec.type in ("image", "pdf")]
    if object_name is not None and object_name not in objects:
        raise Invalid(f"'{object_name}' is not an image or pdf object of this project", field="object")
    if not objects:
        raise Invalid("OCR needs an image or pdf object in the project's schema, and it has none", field="object")
    for name in [object_name] if object_name else objects:
        boxes = [c for c, spec in schema.controls.items() if spec.type == "boxes" and spec.object == name]
        if not boxes:
            continue
        box_control = boxes[0]
        texts = [c for c, spec in schema.controls.items()
                 if spec.type == "text" and getattr(spec, "per_region", False) and box_control in spec.region_controls()]
        labels = list(schema.controls[box_control].labels)
        if label is not None and label not in labels:
            raise Invalid(f"'{label}' is not a label of the boxes control '{box_control}' ({', '.join(labels)})",
                          field="label")
        if label is None and not labels:
            raise Invalid(f"the boxes control '{box_control}' has no labels to give the regions", field="label")
        return {"object": name, "field": schema.objects[name].field, "type": schema.objects[name].type,
                "boxes": box_control, "text": texts[0] if texts else None, "label": label or labels[0]}
    raise Invalid("OCR needs a boxes control on the image or pdf object (with a text control per_region on "
                  "its regions for the recognised text)", field="object")


def queue_ocr(session: Session, user: User, project_id: int, *, object_name: str | None = None,
              label: str | None = None, level: str = "lines", all_tasks: bool = False) -> Job:
    """Queue an OCR job (managers); `Invalid` at once when the engine or a fitting schema is missing."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    try:
        engine.check_available()
    except engine.OcrUnavailable as exc:
        raise Invalid(str(exc), field="engine") from None
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}", field="level")
    chosen = plan(project_schema(project), object_name=object_name, label=label)
    total = session.scalar(select(func.count()).select_from(_candidates(project_id, all_tasks=all_tasks)))
    return jobs.enqueue(session, user, project_id, kind=KIND_OCR, total=total,
                        params={"object": chosen["object"], "label": chosen["label"], "level": level,
                                "all_tasks": all_tasks})


def run_ocr(ctx: JobContext) -> dict[str, Any]:
    session = ctx.session
    try:
        version = engine.check_available()
    except engine.OcrUnavailable as exc:
        raise LabelwiseError(str(exc)) from None
    project = session.get(Project, ctx.project_id)
    schema = project_schema(project)
    chosen = plan(schema, object_name=ctx.params.get("object"), label=ctx.params.get("label"))
    level = ctx.params.get("level", "lines")
    candidates = _candidates(project.id, all_tasks=ctx.params.get("all_tasks", False), skip_version=version)
    total = session.scalar(select(func.count()).select_from(candidates))
    ctx.progress(0, total=total)
    started = time.monotonic()
    stored = done = pages_read = regions = 0
    failed: list[dict[str, Any]] = []
    last_id = 0
    while True:
        row = session.execute(select(candidates.c.id, candidates.c.data).where(candidates.c.id > last_id)
                              .order_by(candidates.c.id).limit(1)).first()
        if row is None:
            break
        last_id = row.id
        try:
            found, pages = read_task(ctx.storage, ctx.settings, project.id, row.data.get(chosen["field"]),
                                     kind=chosen["type"])
        except Invalid as exc:  # one unreadable file does not stop the others; the summary names it
            failed.append({"task": row.id, "error": exc.message})
            found, pages = [], 0
        except (OSError, ValueError) as exc:  # Pillow: not an image, truncated, too many pixels
            failed.append({"task": row.id, "error": f"the image could not be read: {exc}"})
            found, pages = [], 0
        pages_read += pages
        if found:
            result, score = to_result(found, chosen, level=level)
            try:
                result = validate_result(schema, row.data, result)
            except Invalid as exc:
                failed.append({"task": row.id, "error": f"the recognised regions do not fit: {exc.message}"})
            else:
                session.execute(insert(Prediction), [{
                    "task_id": row.id, "project_id": project.id, "created_at": utcnow(), "result": result,
                    "score": score, "scores": None, "model_version": version}])
                stored += 1
                regions += len(result.get(chosen["boxes"], []))
        session.commit()
        done += 1
        ctx.progress(done, total=max(total, done), rows=stored)
    summary = {"predicted": stored, "tasks": done, "pages": pages_read, "regions": regions, "model_version": version,
               "level": level, "failed": failed[:50], "seconds": round(time.monotonic() - started, 3)}
    events.record(session, actor=ctx.user, action="predictions.generated", object_type="project",
                  object_id=project.id, project_id=project.id, after={k: v for k, v in summary.items() if k != "failed"})
    session.commit()
    return summary


def read_task(storage, settings, project_id: int, value: Any, *, kind: str) -> tuple[list[dict[str, Any]], int]:
    """Lines found on a task's image or PDF pages, `{"page"?, "text", "box", "score", "source", "words"}`, and
    how many pages were read. PDF pages with a text layer use it; the others are recognised."""
    from PIL import Image

    if kind == "image":
        src = sources.media_src(value)
        if src is None:
            raise Invalid("the task has no image URL", field="src")
        with Image.open(io.BytesIO(sources.read_bytes(storage, settings, src, project_id=project_id))) as image:
            return [_line(line, None, "ocr") for line in engine.recognise(image)], 1
    if isinstance(value, list):  # a PDF as page images
        found = []
        for page, item in enumerate(value):
            src = sources.media_src(item)
            with Image.open(io.BytesIO(sources.read_bytes(storage, settings, src, project_id=project_id))) as image:
                found += [_line(line, page, "ocr") for line in engine.recognise(image)]
        return found, len(value)
    stored = value if isinstance(value, dict) and value.get("pages") else None
    if stored is None:
        src = sources.media_src(value)
        if src is None:
            raise Invalid("the task has no PDF", field="src")
        stored = sources.stored_pdf(storage, settings, src, project_id=project_id)
    data = sources.read_bytes(storage, settings, stored["src"], project_id=project_id)
    found = []
    for page in range(stored["pages"]):
        layer = pdf.page_text(data, stored["src"], page)
        lines = pdf.text_lines(layer)
        if lines:
            found += [{**line, "page": page, "score": 1.0, "source": "text-layer"} for line in lines]
            continue
        image = Image.open(io.BytesIO(pdf.render_page(data, stored["src"], page, RENDER_SCALE)))
        found += [_line(line, page, "ocr") for line in engine.recognise(image, scale=RENDER_SCALE)]
    return found, stored["pages"]


def to_result(lines: list[dict[str, Any]], chosen: dict[str, Any], *, level: str) -> tuple[dict[str, Any], float]:
    """A result of boxes (one per line or word) with their text per region, and the mean score."""
    boxes, texts, scores = [], {}, []
    for line in lines:
        items = line["words"] if level == "words" else [line]
        for item in items:
            x, y, w, h = item["box"]
            if w <= 0 or h <= 0:
                continue
            region = {"id": f"ocr{len(boxes) + 1}", "x": x, "y": y, "width": w, "height": h,
                      "label": chosen["label"], "score": round(min(1.0, max(0.0, item["score"])), 4)}
            if line.get("page") is not None:
                region["page"] = line["page"]
            boxes.append(region)
            texts[region["id"]] = item["text"]
            scores.append(region["score"])
    result: dict[str, Any] = {chosen["boxes"]: boxes}
    if chosen["text"] is not None:
        result[chosen["text"]] = texts
    return result, round(sum(scores) / len(scores), 4) if scores else 0.0


def _line(line: engine.OcrLine, page: int | None, source: str) -> dict[str, Any]:
    return {"page": page, "text": line.text, "box": list(line.box), "score": line.score, "source": source,
            "words": [{"text": w.text, "box": list(w.box), "score": w.score} for w in line.words]}


def _candidates(project_id: int, *, all_tasks: bool, skip_version: str | None = None):
    stmt = select(Task.id, Task.data).where(Task.project_id == project_id)
    if not all_tasks:
        stmt = stmt.where(Task.annotation_count == 0)
    if skip_version is not None:
        stmt = stmt.where(~exists().where(Prediction.task_id == Task.id, Prediction.model_version == skip_version))
    return stmt.subquery()
