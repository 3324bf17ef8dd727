"""Hugging Face datasets as Parquet: one row per labeled task, `ClassLabel` features for choices.

The file carries the `datasets` feature declaration in the Parquet schema metadata under the key
`huggingface` (`{"info": {"features": ...}}`, as `datasets` itself writes it), so
`datasets.load_dataset("parquet", ...)` and `Dataset.from_parquet` give back:

| what | column | feature |
|---|---|---|
| task id, external id | `id`, `external_id` | int64, string |
| text object | its data field | string (`data.<field>` if it clashes with a column name) |
| image/audio/video object | its data field | string: the URL (`src`) |
| other objects (paragraphs, table, ...) | its data field | string: the value as JSON |
| single choice, pairwise | control name | `ClassLabel(names=options)`, -1 when unanswered (the HF convention) |
| multiple choice | control name | `Sequence(ClassLabel(names=options))` |
| spans | control name | list of `{"start": int64, "end": int64, "label": string}` |
| text (one per task), rating, number | control name | string, int64, float64 |
| ranking, taxonomy | control name | list of strings, list of paths (lists of strings) |
| anything else (regions, relations, per-region text, chat answers) | control name | string: the value as JSON |
| consensus confidence | `confidence` | float64 |
| label source, in exports with auto-labels | `label_source` | string: `human` or `auto` (an auto-labeled task no human labeled; its confidence is the model's) |

`Sequence` is written in its long-standing JSON form, which datasets 2.x-5.x all read. Rows are
written in row groups of `row_group_size`, so memory stays flat. A second metadata key, `labelwise`,
lists which columns are data and which are controls, so `read` can import the file back; a Parquet
file without it imports every column as task data. pyarrow is imported only when used.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats.labels import Source, auto_result, final_results, import_row
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema, message_keyed

__all__ = ["NAME", "EXTENSIONS", "features", "write", "read"]

NAME = "hf_parquet"
EXTENSIONS = (".parquet",)
_MEDIA = ("image", "audio", "video")


def features(schema: LabelSchema) -> dict[str, Any]:
    """The `datasets` features dict (JSON form) of the export's columns, in column order."""
    return {column: feature for column, (feature, *_) in _columns(schema).items()}


def write(
    records: Iterable[Mapping[str, Any]],
    target: str | os.PathLike | IO[bytes],
    *,
    schema: LabelSchema,
    source: Source = "consensus",
    row_group_size: int = 10_000,
    include_unlabeled: bool = False,
) -> None:
    """Write the Parquet file; tasks without a label are left out unless `include_unlabeled`."""
    pa, pq = _pyarrow()
    records = iter(records)
    first = next(records, None)
    with_source = first is not None and "label_source" in first  # an export that includes auto-labels
    columns = _columns(schema, label_source=with_source)
    arrow_schema = pa.schema([pa.field(name, _arrow_type(pa, feature)) for name, (feature, *_) in columns.items()])
    layout = {"data": {name: key for name, (_, kind, key, _) in columns.items() if kind == "data"},
              "controls": {name: key for name, (_, kind, key, _) in columns.items() if kind == "control"},
              "json": [name for name, (*_, is_json) in columns.items() if is_json]}
    metadata = {
        b"huggingface": json.dumps({"info": {"features": {c: f for c, (f, *_) in columns.items()}}}).encode(),
        b"labelwise": json.dumps(layout).encode(),
    }
    arrow_schema = arrow_schema.with_metadata(metadata)
    batch: list[dict[str, Any]] = []
    with pq.ParquetWriter(target, arrow_schema) as writer:
        for record in itertools.chain([] if first is None else [first], records):
            auto = auto_result(record)
            results = final_results(record, source=source) if auto is None else [auto]
            if not results and include_unlabeled:
                results = [{}]
            for result in results:
                batch.append(_row(record, result, columns, source))
                if len(batch) >= row_group_size:
                    writer.write_table(pa.Table.from_pylist(batch, schema=arrow_schema))
                    batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=arrow_schema))


def read(
    source: str | os.PathLike | IO[bytes],
    *,
    into: str = "predictions",
    model_version: str = "parquet",
    batch_size: int = 10_000,
) -> Iterator[Row]:
    """One row per Parquet row (`Row.line` = 1-based row number), read a batch at a time.

    ClassLabel columns come back as their names. A file we wrote comes back as task data plus its
    labels (under `into`); any other Parquet file becomes task data, column by column.
    """
    pa, pq = _pyarrow()
    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise Invalid(f"not a readable Parquet file ({exc})") from None
    metadata = parquet.schema_arrow.metadata or {}
    names = _class_names(metadata.get(b"huggingface"))
    layout = json.loads(metadata[b"labelwise"]) if b"labelwise" in metadata else None
    line = 0
    try:
        for batch in parquet.iter_batches(batch_size=batch_size):
            for values in batch.to_pylist():
                line += 1
                values = {key: _decode_labels(value, names.get(key)) for key, value in values.items()}
                yield Row(line, _import_value(values, layout, into, model_version))
    except pa.ArrowException as exc:
        raise Invalid(f"row {line + 1}: the Parquet file is corrupt ({exc})", line=line + 1) from None


# --- columns -----------------------------------------------------------------------------------------

def _value(dtype: str) -> dict:
    return {"dtype": dtype, "_type": "Value"}


def _class_label(names: Iterable[str]) -> dict:
    return {"names": list(names), "_type": "ClassLabel"}


def _columns(schema: LabelSchema, *, label_source: bool = False) -> dict[str, tuple[Any, str, str | None, bool]]:
    """column -> (feature, "meta" | "data" | "control", data field or control name, stored as JSON text);
    with `label_source`, a last column naming each row's label source ("human" or "auto")."""
    out: dict[str, tuple[Any, str, str | None, bool]] = {"id": (_value("int64"), "meta", None, False),
                                                         "external_id": (_value("string"), "meta", None, False)}
    taken = {"id", "external_id", "confidence", *schema.controls}
    for spec in schema.objects.values():
        column = f"data.{spec.field}" if spec.field in taken else spec.field
        out[column] = (_value("string"), "data", spec.field, spec.type not in ("text", *_MEDIA))
    for name, spec in schema.controls.items():
        # Answers keyed by chat message, and spans that carry a message index, are JSON text.
        keyed = message_keyed(schema, spec) or (spec.type == "spans" and schema.objects[spec.object].type == "chat")
        feature = _value("string") if keyed else _control_feature(spec)
        plain_text = spec.type == "text" and not spec.per_region and not keyed
        out[name] = (feature, "control", name, feature == _value("string") and not plain_text)
    out["confidence"] = (_value("float64"), "meta", None, False)
    if label_source:
        out["label_source"] = (_value("string"), "meta", None, False)
    return out


def _control_feature(spec: Any) -> Any:
    if spec.type == "choices":
        label = _class_label(spec.options)
        return {"feature": label, "length": -1, "_type": "Sequence"} if spec.multiple else label
    if spec.type == "pairwise":
        return _class_label(["a", "b", "tie"] if spec.allow_tie else ["a", "b"])
    if spec.type == "spans":
        return [{"start": _value("int64"), "end": _value("int64"), "label": _value("string")}]
    if spec.type == "text" and not spec.per_region:
        return _value("string")
    if spec.type == "rating":
        return _value("int64")
    if spec.type == "number":
        return _value("float64")
    if spec.type == "ranking":
        return [_value("string")]
    if spec.type == "taxonomy":
        return [[_value("string")]]
    return _value("string")


def _arrow_type(pa: Any, feature: Any) -> Any:
    if isinstance(feature, list):
        return pa.list_(_arrow_type(pa, feature[0]))
    if isinstance(feature, dict) and "_type" not in feature:
        return pa.struct([pa.field(key, _arrow_type(pa, value)) for key, value in feature.items()])
    kind = feature["_type"]
    if kind == "ClassLabel":
        return pa.int64()
    if kind == "Sequence":
        return pa.list_(_arrow_type(pa, feature["feature"]))
    return {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}[feature["dtype"]]


def _row(record: Mapping[str, Any], result: Mapping[str, Any], columns: dict, source: Source) -> dict[str, Any]:
    data = record.get("data") or {}
    row: dict[str, Any] = {"id": record.get("id"), "external_id": record.get("external_id")}
    for column, (feature, kind, key, _) in columns.items():
        if kind == "data":
            row[column] = _data_cell(data.get(key))
        elif kind == "control":
            row[column] = _label_cell(feature, result.get(key))
    consensus_used = source == "consensus" and bool(record.get("consensus")) and result is record.get("consensus")
    row["confidence"] = record.get("confidence") if consensus_used else None
    if "label_source" in columns:
        row["label_source"] = record.get("label_source")
        if record.get("label_source") == "auto":
            row["confidence"] = record["auto_label"]["confidence"]
    return row


def _data_cell(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("src"), str):
        return value["src"]
    return json.dumps(value, ensure_ascii=False)


def _label_cell(feature: Any, value: Any) -> Any:
    if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
        return feature["names"].index(value) if value in feature["names"] else -1
    if isinstance(feature, dict) and feature.get("_type") == "Sequence":
        names = feature["feature"]["names"]
        return [names.index(v) for v in value or () if v in names]
    if isinstance(feature, list) and isinstance(feature[0], dict) and "start" in feature[0]:
        return [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in value or ()]
    if isinstance(feature, list):
        return list(value or [])
    if feature.get("dtype") == "string" and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value


# --- import ------------------------------------------------------------------------------------------

def _class_names(raw: bytes | None) -> dict[str, list[str]]:
    """column -> ClassLabel names (for plain and sequence ClassLabel columns)."""
    if not raw:
        return {}
    try:
        declared = json.loads(raw).get("info", {}).get("features", {})
    except (ValueError, AttributeError):
        return {}
    out = {}
    for column, feature in declared.items():
        if isinstance(feature, dict) and feature.get("_type") in ("Sequence", "List"):
            feature = feature.get("feature")
        if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
            out[column] = feature.get("names") or []
    return out


def _decode_labels(value: Any, names: list[str] | None) -> Any:
    if names is None:
        return value
    if isinstance(value, list):
        return [names[v] for v in value if isinstance(v, int) and 0 <= v < len(names)]
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else None


def _import_value(values: dict[str, Any], layout: dict | None, into: str, model_version: str) -> dict[str, Any]:
    if layout is None:
        return {"data": values}
    encoded = set(layout.get("json", ()))
    data = {field: _cell(values.get(column), column in encoded) for column, field in layout["data"].items()}
    result = {name: _cell(values.get(column), column in encoded) for column, name in layout["controls"].items()}
    result = {name: value for name, value in result.items() if value not in (None, [], "")}
    for spans in (v for v in result.values() if isinstance(v, list) and v and isinstance(v[0], dict)):
        for number, span in enumerate(spans, start=1):
            span.setdefault("id", f"s{number}")
    external_id = values.get("external_id")
    return import_row(data, result or None, into=into, external_id=external_id, model_version=model_version)


def _cell(value: Any, encoded: bool) -> Any:
    if encoded and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError("the Parquet format needs pyarrow (pip install pyarrow)") from None
    return pa, pq
