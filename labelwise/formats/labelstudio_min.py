"""Label Studio's flat exports: JSON_MIN (a JSON array) and CSV/TSV, one row per annotation.

A row holds the task's data keys, one key per control (named by its Label Studio `from_name`) with the
answer in Label Studio's short form, and the annotation's `annotator`, `annotation_id`, `created_at`,
`updated_at` and `lead_time`. CSV and TSV cells holding lists or objects are JSON text. Rows of the same
task (`id`) become one task with several annotations; each row is turned into a Label Studio task and
read by `labelstudio_json.from_task`, so the results are checked the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats import delimited, json_array
from labelwise.formats._ls_results import ls_name
from labelwise.formats.labelstudio_json import from_task
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema

__all__ = ["NAME", "CSV_NAME", "TSV_NAME", "read", "read_csv", "read_tsv"]

NAME = "labelstudio_min"
CSV_NAME = "labelstudio_csv"
TSV_NAME = "labelstudio_tsv"
_ANNOTATION_KEYS = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")
_LABEL_KEYS = ("labels", "rectanglelabels", "polygonlabels", "keypointlabels", "brushlabels", "hypertextlabels",
               "paragraphlabels", "timeserieslabels", "ellipselabels", "timelinelabels")
_KINDS = {"choices": "choices", "taxonomy": "taxonomy", "text": "textarea", "rating": "rating", "number": "number",
          "ranking": "ranker", "pairwise": "pairwise", "datetime": "datetime"}


def read(fp: IO[bytes], *, schema: LabelSchema, **options: Any) -> Iterator[Row]:
    """JSON_MIN: an array of flat rows."""
    return _tasks((row for row in json_array.read(fp)), schema, decode=False)


def read_csv(fp: IO[bytes], *, schema: LabelSchema, max_line_bytes: int = 16 * 1024**2, **_: Any) -> Iterator[Row]:
    return _tasks(delimited.read(fp, max_line_bytes=max_line_bytes), schema, decode=True)


def read_tsv(fp: IO[bytes], *, schema: LabelSchema, max_line_bytes: int = 16 * 1024**2, **_: Any) -> Iterator[Row]:
    return _tasks(delimited.read_tsv(fp, max_line_bytes=max_line_bytes), schema, decode=True)


def _tasks(rows: Iterator[Row], schema: LabelSchema, *, decode: bool) -> Iterator[Row]:
    """Group consecutive rows of one task id (Label Studio writes a task's annotations together)."""
    names = _ls_names(schema)
    current: tuple[Any, int, dict] | None = None
    for row in rows:
        if not isinstance(row.value, Mapping):
            raise Invalid(f"row {row.line}: a Label Studio row is an object", line=row.line)
        task_id = row.value.get("id")
        task = _task(row.value, names, schema, decode=decode, line=row.line)
        if current is not None and task_id is not None and task_id == current[0]:
            current[2]["annotations"].extend(task["annotations"])
            continue
        if current is not None:
            yield _row(current, schema)
        current = (task_id, row.line, task)
    if current is not None:
        yield _row(current, schema)


def _row(current: tuple[Any, int, dict], schema: LabelSchema) -> Row:
    _, line, task = current
    try:
        return Row(line, from_task(task, schema=schema, where=f"row {line}"))
    except Invalid as exc:
        raise Invalid(exc.message, field=exc.field, line=line) from None


def _ls_names(schema: LabelSchema) -> dict[str, list[str]]:
    """Label Studio from_name -> our controls (a control split per object answers to one from_name)."""
    out: dict[str, list[str]] = {}
    for name in schema.controls:
        out.setdefault(ls_name(schema, name), []).append(name)
    return out


def _task(value: Mapping, names: dict[str, list[str]], schema: LabelSchema, *, decode: bool, line: int) -> dict:
    data, items = {}, []
    for key, cell in value.items():
        if key in _ANNOTATION_KEYS or key == "id":
            continue
        if key not in names:
            data[key] = _decode(cell, numbers=False) if decode else cell
            continue
        answer = _decode(cell) if decode else cell
        if answer in (None, ""):
            continue
        for control in names[key][:1]:
            items.extend(_items(schema, key, control, answer, line))
    _place_region_answers(schema, names, items)
    annotation: dict[str, Any] = {"result": items}
    if value.get("annotator") not in (None, ""):
        annotation["completed_by"] = value["annotator"]
    lead = _decode(value.get("lead_time")) if decode else value.get("lead_time")
    if isinstance(lead, (int, float)) and not isinstance(lead, bool):
        annotation["lead_time"] = lead
    for key in ("created_at", "updated_at"):
        if isinstance(value.get(key), str) and value[key]:
            annotation[key] = value[key]
    task: dict[str, Any] = {"data": data, "annotations": [annotation] if items or "completed_by" in annotation else []}
    if value.get("id") not in (None, ""):
        task["id"] = value["id"]
    return task


def _items(schema: LabelSchema, from_name: str, control: str, answer: Any, line: int) -> list[dict]:
    spec = schema.controls[control]
    to_name = getattr(spec, "object", None) or ",".join(getattr(spec, "objects", ()))
    base = {"from_name": from_name, "to_name": to_name}
    per_region = getattr(spec, "per_region", False)
    if spec.type in _KINDS and (not per_region or not _lists_regions(answer)):
        # a per-region answer comes without its region: _place_region_answers finds it, or it stays unplaced
        return [{**base, "type": _KINDS[spec.type], "value": _short_value(spec.type, answer)}]
    if not isinstance(answer, list):
        raise Invalid(f"row {line}: column '{from_name}' must list regions (JSON), not {answer!r}",
                      field=from_name, line=line)
    out = []
    for number, region in enumerate(answer, start=1):
        if not isinstance(region, Mapping):
            raise Invalid(f"row {line}: column '{from_name}' must list region objects", field=from_name, line=line)
        kind = next((k for k in _LABEL_KEYS if k in region), None)
        item = {**base, "type": kind or _KINDS.get(spec.type, spec.type),
                "value": {k: v for k, v in region.items() if k not in ("original_width", "original_height", "id")}}
        item["id"] = region.get("id", f"{from_name}-{number}")  # the flat export has none: named as JSON regions are
        for key in ("original_width", "original_height"):
            if key in region:
                item[key] = region[key]
        out.append(item)
    return out


def _lists_regions(answer: Any) -> bool:
    return isinstance(answer, list) and bool(answer) and all(isinstance(region, Mapping) for region in answer)


def _place_region_answers(schema: LabelSchema, names: dict[str, list[str]], items: list[dict]) -> None:
    """Give a per-region answer written without its region (Label Studio's flat exports write only the answer) the
    id of its region when the row has exactly one region it can belong to; otherwise it stays without one, and
    the import keeps it as written and flags it."""
    for item in items:
        spec = schema.controls[names[item["from_name"]][0]]
        if item.get("id") is not None or not getattr(spec, "per_region", False):
            continue
        owners = {ls_name(schema, name) for name in spec.region_controls() if name in schema.controls}
        regions = [other for other in items if other["from_name"] in owners and other is not item]
        if len(regions) != 1:
            continue
        item["id"] = regions[0]["id"]


def _short_value(kind: str, answer: Any) -> dict:
    key = {"text": "text", "ranking": "ranker"}.get(kind, kind)
    if isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], Mapping) and key in answer[0]:
        answer = answer[0]  # Label Studio 1.23 writes e.g. a rating as [{"rating": 3}]
    if isinstance(answer, Mapping) and key in answer:
        return dict(answer)
    if kind == "choices":
        return {"choices": answer if isinstance(answer, list) else [answer]}
    if kind == "text":
        return {"text": answer if isinstance(answer, list) else [answer]}
    if kind == "pairwise":
        return {"selected": answer}
    return {key: answer}


def _decode(cell: Any, *, numbers: bool = True) -> Any:
    """A CSV cell: JSON lists and objects (and, for answers, numbers) are decoded; other text stays text."""
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    if text[:1] in ("[", "{") or (numbers and text.replace(".", "", 1).lstrip("-").isdigit()):
        try:
            return json.loads(text)
        except ValueError:
            return cell
    return cell
