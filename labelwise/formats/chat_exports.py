"""Exports of labeled conversations: preference pairs for DPO, and ratings as a `datasets` Parquet file.

**Preference pairs** (JSON Lines), one line per pair in TRL's conversational preference shape:
`{"prompt": [messages before the turn], "chosen": [{"role": "assistant", "content": ...}],
"rejected": [...], "id", "external_id", "message", "kind", "chosen_model", "rejected_model",
"annotator"}`. A pair comes from a pairwise answer on a turn's two alternatives (a tie gives none),
from a ranking of a turn's alternatives (every better/worse pair), or from an edit (the rewrite is
chosen over the original). Earlier turns with alternatives enter the prompt as the one the same
answer preferred, else their first alternative.

**Ratings** (Parquet), one row per rating: per-message ratings and numbers (`message` is the index)
and conversation ratings (`message` null), with the message's role, model and content, the whole
conversation as `messages` (a list of `{role, content}`), and the annotator. The file declares its
`datasets` features, so `datasets.load_dataset("parquet", data_files=...)` reads it; only pyarrow
(labelwise[formats]) is needed to write it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats.labels import Source, final_results
from labelwise.schema import LabelSchema
from labelwise.schema.chat import alternative_ids, message_text, messages_of

__all__ = ["preference_pairs", "write_pairs", "rating_rows", "write_ratings", "RATING_FEATURES"]

RATING_FEATURES: dict[str, Any] = {
    "id": {"dtype": "int64", "_type": "Value"},
    "external_id": {"dtype": "string", "_type": "Value"},
    "annotator": {"dtype": "string", "_type": "Value"},
    "control": {"dtype": "string", "_type": "Value"},
    "message": {"dtype": "int64", "_type": "Value"},
    "role": {"dtype": "string", "_type": "Value"},
    "model": {"dtype": "string", "_type": "Value"},
    "content": {"dtype": "string", "_type": "Value"},
    "rating": {"dtype": "float64", "_type": "Value"},
    "max": {"dtype": "float64", "_type": "Value"},
    "messages": [{"role": {"dtype": "string", "_type": "Value"}, "content": {"dtype": "string", "_type": "Value"}}],
}


# --- preference pairs --------------------------------------------------------------------------------

def preference_pairs(records: Iterable[Mapping[str, Any]], *, schema: LabelSchema,
                     source: Source = "consensus") -> Iterator[dict[str, Any]]:
    """Every preference pair the records' results state (see the module docstring)."""
    _needs_chat(schema, "dpo")
    for record in records:
        for annotator, result in _results(record, source):
            for name, control in schema.controls.items():
                answer = result.get(name)
                target = getattr(control, "object", None)
                if not isinstance(answer, dict) or target not in schema.objects or schema.objects[target].type != "chat":
                    continue
                messages = messages_of((record.get("data") or {}).get(schema.objects[target].field))
                if messages is None:
                    continue
                for key, value in answer.items():
                    index = int(key)
                    if index >= len(messages):
                        continue  # the result names a message the task no longer has
                    for kind, chosen, rejected in _pairs(control, messages[index], value):
                        yield {
                            "prompt": _prompt(messages[:index], result, schema, target),
                            "chosen": [_reply(messages[index], chosen)],
                            "rejected": [_reply(messages[index], rejected)],
                            "id": record.get("id"), "external_id": record.get("external_id"), "message": index,
                            "kind": kind, "chosen_model": chosen.get("model"),
                            "rejected_model": rejected.get("model"), "annotator": annotator,
                        }


def write_pairs(records: Iterable[Mapping[str, Any]], fp: IO[str], *, schema: LabelSchema,
                source: Source = "consensus") -> None:
    for pair in preference_pairs(records, schema=schema, source=source):
        fp.write(json.dumps(pair, ensure_ascii=False, separators=(",", ":")) + "\n")


def _pairs(control: Any, message: dict, value: Any) -> Iterator[tuple[str, dict, dict]]:
    options = message.get("alternatives") if isinstance(message, dict) else None
    if control.type == "pairwise" and isinstance(options, list) and len(options) == 2 and value in ("a", "b"):
        first, second = options if value == "a" else options[::-1]
        yield "pairwise", first, second
    elif control.type == "ranking" and isinstance(options, list) and isinstance(value, list):
        by_id = dict(zip(alternative_ids(message), options))
        ranked = [by_id[i] for i in value if i in by_id]
        for better in range(len(ranked)):
            for worse in range(better + 1, len(ranked)):
                yield "ranking", ranked[better], ranked[worse]
    elif control.type == "edit" and isinstance(value, str) and message_text(message) not in (None, value):
        yield "edit", {"content": value}, {"content": message_text(message), "model": message.get("model")}


def _prompt(earlier: list, result: Mapping[str, Any], schema: LabelSchema, target: str) -> list[dict]:
    out = []
    for index, message in enumerate(earlier):
        if not isinstance(message, dict):
            continue
        if isinstance(message.get("alternatives"), list):
            out.append(_reply(message, _preferred(message, index, result, schema, target)))
            continue
        out.append({key: message[key] for key in ("role", "content", "name", "tool_calls", "tool_call_id")
                    if key in message})
    return out


def _preferred(message: dict, index: int, result: Mapping[str, Any], schema: LabelSchema, target: str) -> dict:
    options = message["alternatives"]
    for name, control in schema.controls.items():
        answer = result.get(name)
        if getattr(control, "object", None) != target or not isinstance(answer, dict) or str(index) not in answer:
            continue
        for _, chosen, _ in _pairs(control, message, answer[str(index)]):
            if chosen in options:
                return chosen
    return options[0]


def _reply(message: dict, alternative: dict) -> dict:
    return {"role": message.get("role", "assistant"), "content": alternative.get("content")}


# --- ratings -----------------------------------------------------------------------------------------

def rating_rows(records: Iterable[Mapping[str, Any]], *, schema: LabelSchema,
                source: Source = "consensus") -> Iterator[dict[str, Any]]:
    """One row per rating or number given about a chat or one of its messages."""
    _needs_chat(schema, "chat-ratings")
    scored = {name: c for name, c in schema.controls.items() if c.type in ("rating", "number")
              and schema.objects[c.object].type == "chat"}
    for record in records:
        for annotator, result in _results(record, source):
            for name, control in scored.items():
                answer = result.get(name)
                if answer is None:
                    continue
                messages = messages_of((record.get("data") or {}).get(schema.objects[control.object].field)) or []
                base = {"id": record.get("id"), "external_id": record.get("external_id"), "annotator": annotator,
                        "control": name, "max": float(control.max) if control.max is not None else None,
                        "messages": [_plain_message(m) for m in messages]}
                if not getattr(control, "per_message", False):
                    yield {**base, "message": None, "role": None, "model": None, "content": None,
                           "rating": float(answer)}
                    continue
                for key, value in answer.items():
                    message = messages[int(key)] if int(key) < len(messages) else {}
                    yield {**base, "message": int(key), "role": message.get("role"), "model": message.get("model"),
                           "content": message_text(message), "rating": float(value)}


def write_ratings(records: Iterable[Mapping[str, Any]], fp: IO[bytes], *, schema: LabelSchema,
                  source: Source = "consensus", row_group_size: int = 10_000) -> None:
    """Write the ratings Parquet file (pyarrow, from labelwise[formats])."""
    pa, pq = _pyarrow()
    columns = [(name, _arrow_type(pa, feature)) for name, feature in RATING_FEATURES.items()]
    metadata = {b"huggingface": json.dumps({"info": {"features": RATING_FEATURES}}).encode()}
    arrow_schema = pa.schema(columns).with_metadata(metadata)
    with pq.ParquetWriter(fp, arrow_schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rating_rows(records, schema=schema, source=source):
            batch.append(row)
            if len(batch) >= row_group_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=arrow_schema))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=arrow_schema))


def _plain_message(message: Any) -> dict:
    if not isinstance(message, dict):
        return {"role": None, "content": None}
    return {"role": message.get("role"), "content": message_text(message)}


def _arrow_type(pa: Any, feature: Any) -> Any:
    if isinstance(feature, list):
        return pa.list_(pa.struct([(key, _arrow_type(pa, value)) for key, value in feature[0].items()]))
    return {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}[feature["dtype"]]


# --- shared ------------------------------------------------------------------------------------------

def _results(record: Mapping[str, Any], source: Source) -> list[tuple[str | None, dict]]:
    """(annotator, result) pairs: "consensus" for a consensus result, else the annotation's user."""
    submitted = [a for a in record.get("annotations") or ()
                 if a.get("status", "submitted") == "submitted" and a.get("result") is not None]
    results = final_results(record, source=source)
    if source == "all":
        return [(a.get("user"), a["result"]) for a in submitted]
    if results and submitted and results[0] is submitted[0]["result"]:
        return [(submitted[0].get("user"), results[0])]
    return [("consensus", result) for result in results]


def _needs_chat(schema: LabelSchema, export: str) -> None:
    if not any(spec.type == "chat" for spec in schema.objects.values()):
        raise Invalid(f"the {export} export needs a project whose schema has a chat object", field="format")


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError("the chat ratings export needs pyarrow (pip install pyarrow)") from None
    return pa, pq
