"""Which label an export writes for a task, the minimal one-label-per-task row, and import row values.

Every export format starts from the export record of `labelwise.core.dataio.exporting.iter_records`
(`{"id", "external_id", "data", "meta", "annotations", "consensus", "confidence", ...}`) and asks
this module which result(s) to write:

- `source="consensus"` (default): the task's consensus result when it has one (not None and not
  empty), else the first submitted annotation's result (the only one when overlap is 1);
- `source="first"`: the first submitted annotation's result, ignoring the consensus;
- `source="all"`: every submitted annotation's result, in the order the record lists them.

"Submitted" means status `submitted` (or no status at all); skipped annotations never count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from labelwise.schema import LabelSchema

__all__ = [
    "SOURCES",
    "INTO",
    "Source",
    "final_result",
    "final_results",
    "minimal_row",
    "minimal_columns",
    "auto_result",
    "import_row",
]

Source = Literal["consensus", "first", "all"]
SOURCES: tuple[str, ...] = ("consensus", "first", "all")
INTO: tuple[str, ...] = ("predictions", "annotations", "gold")
_RESERVED = ("id", "external_id", "confidence")


def final_result(record: Mapping[str, Any], *, source: Source = "consensus") -> dict[str, Any] | None:
    """The one result to export for a task, or None when it has no label.

    `source="all"` has no single answer; use `final_results` for it.
    """
    if source == "all":
        raise ValueError("source='all' gives several results per task; call final_results()")
    results = final_results(record, source=source)
    return results[0] if results else None


def final_results(record: Mapping[str, Any], *, source: Source = "consensus") -> list[dict[str, Any]]:
    """The results to export for a task: at most one for consensus/first, every submitted one for all."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    submitted = [a["result"] for a in record.get("annotations") or () if _is_submitted(a)]
    if source == "all":
        return submitted
    consensus = record.get("consensus")
    if source == "consensus" and consensus:
        return [consensus]
    return submitted[:1]


def minimal_row(
    record: Mapping[str, Any], *, schema: LabelSchema | None = None, source: Source = "consensus"
) -> dict[str, Any]:
    """`{"id", "external_id", <data fields>, <control>: value, "confidence"}` for the minimal JSONL/CSV.

    A data field whose name clashes with `id`, `external_id`, `confidence` or a control name is
    written as `data.<name>`. With a schema every control gets a column (None when unanswered);
    without one, only the controls the chosen result answers. `confidence` is the consensus
    confidence, and None when the label is not the consensus. `source="all"` has no single label,
    so it falls back to the first submitted annotation. A record whose `label_source` is "auto" (an
    export with auto-labels, for a task no human labeled) gets its auto-label's value and confidence.
    """
    result = final_result(record, source="first" if source == "all" else source)
    auto = auto_result(record)
    if auto is not None:  # no human label: the auto-label fills its control, and `label_source` says so
        result = auto
    controls = list(schema.controls) if schema is not None else list(result or {})
    taken = set(_RESERVED) | set(controls)
    row: dict[str, Any] = {"id": record.get("id"), "external_id": record.get("external_id")}
    for key, value in (record.get("data") or {}).items():
        row[f"data.{key}" if key in taken else key] = value
    for name in controls:
        row[name] = (result or {}).get(name)
    used_consensus = source == "consensus" and bool(record.get("consensus"))
    row["confidence"] = (record["auto_label"]["confidence"] if auto is not None
                         else record.get("confidence") if used_consensus else None)
    return row


def auto_result(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """`{control: label}` of a record whose only label is an auto-label (`label_source` "auto", set by
    exports that include auto-labels), else None."""
    auto = record.get("auto_label")
    if record.get("label_source") != "auto" or not auto:
        return None
    return {auto["control"]: auto["label"]}


def minimal_columns(schema: LabelSchema, *, data_fields: Iterable[str]) -> list[str]:
    """CSV header for `minimal_row`: ids, the data fields, every control, then confidence."""
    taken = set(_RESERVED) | set(schema.controls)
    fields = [f"data.{key}" if key in taken else key for key in data_fields]
    return ["id", "external_id", *fields, *schema.controls, "confidence"]


def import_row(
    data: dict[str, Any],
    result: dict[str, Any] | None,
    *,
    into: str = "predictions",
    external_id: str | None = None,
    model_version: str = "import",
    user: str | None = None,
) -> dict[str, Any]:
    """The task import row for `data` labeled with `result`, stored as a prediction, annotation or gold.

    An empty or missing result adds no label: the row is just the task.
    """
    if into not in INTO:
        raise ValueError(f"into must be one of {', '.join(INTO)}, not {into!r}")
    row: dict[str, Any] = {"data": data}
    if external_id is not None:
        row["external_id"] = external_id
    if result:
        if into == "predictions":
            row["predictions"] = [{"model_version": model_version, "result": result}]
        elif into == "annotations":
            row["annotations"] = [{"result": result, **({"user": user} if user else {})}]
        else:
            row["gold"] = result
    return row


def _is_submitted(annotation: Mapping[str, Any]) -> bool:
    return annotation.get("status", "submitted") == "submitted" and annotation.get("result") is not None
