"""spaCy v3 training data: `.spacy` DocBin files (spacy.io/api/docbin) with entities, span groups and cats.

Each labeled task becomes a Doc made by `spacy.blank(lang)`. Spans of the spans control become
`doc.ents` and, all of them, the span group `doc.spans[<control>]`: entities cannot overlap, so for
`doc.ents` overlapping spans are filtered with `spacy.util.filter_spans` (longest first), while
the span group keeps every span. Offsets that do not fall on token boundaries are widened to the
tokens they touch (`doc.char_span(..., alignment_mode="expand")`); a span covering only whitespace
is dropped. Choices on the same text object become `doc.cats` (1.0 chosen, 0.0 not, for every
option); with several choices controls the keys are `<control>:<option>`. `doc.user_data` holds the
task `id` and `external_id`.

A DocBin is built in memory, so for large exports pass a directory: the docs are written as
`part-00000.spacy`, `part-00001.spacy`, ... of `shard_size` docs each, which `spacy train` reads
as one corpus. spaCy is imported only when writing, and is optional.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats.labels import Source, final_results
from labelwise.schema import LabelSchema

__all__ = ["NAME", "EXTENSIONS", "write"]

NAME = "spacy"
EXTENSIONS = (".spacy",)


def write(
    records: Iterable[Mapping[str, Any]],
    target: str | os.PathLike | IO[bytes],
    *,
    schema: LabelSchema,
    source: Source = "consensus",
    control: str | None = None,
    lang: str = "en",
    shard_size: int = 10_000,
) -> None:
    """Write a `.spacy` file (a path or binary stream), or shards into a directory (a path without `.spacy`)."""
    spacy = _spacy()
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    object_name, spans_name = _text_object(schema, control)
    field = schema.objects[object_name].field
    choices = {name: spec for name, spec in schema.controls.items()
               if spec.type == "choices" and getattr(spec, "object", None) == object_name}
    nlp = spacy.blank(lang)
    sharded = not hasattr(target, "write") and not str(target).endswith(".spacy")
    if sharded:
        Path(target).mkdir(parents=True, exist_ok=True)
    docbin, shard = DocBin(store_user_data=True), 0
    for record in records:
        text = (record.get("data") or {}).get(field)
        if not isinstance(text, str):
            raise Invalid(f"task {record.get('id')}: data.{field} is not text", field=f"data.{field}")
        for result in final_results(record, source=source):
            doc = nlp.make_doc(text)
            if spans_name is not None:
                spans = [_char_span(doc, span) for span in result.get(spans_name) or ()]
                spans = [span for span in spans if span is not None and len(span)]
                doc.spans[spans_name] = spans
                doc.ents = filter_spans(spans)
            for name, spec in choices.items():
                chosen = result.get(name)
                chosen = set(chosen if isinstance(chosen, list) else [chosen] if chosen else [])
                for option in spec.options:
                    doc.cats[f"{name}:{option}" if len(choices) > 1 else option] = 1.0 if option in chosen else 0.0
            doc.user_data["id"] = record.get("id")
            doc.user_data["external_id"] = record.get("external_id")
            docbin.add(doc)
            if sharded and len(docbin) >= shard_size:
                docbin.to_disk(Path(target) / f"part-{shard:05d}.spacy")
                docbin, shard = DocBin(store_user_data=True), shard + 1
    if sharded:
        if len(docbin) or shard == 0:
            docbin.to_disk(Path(target) / f"part-{shard:05d}.spacy")
    elif hasattr(target, "write"):
        target.write(docbin.to_bytes())
    else:
        docbin.to_disk(target)


def _spacy() -> Any:
    try:
        import spacy
    except ImportError:
        raise RuntimeError("the spaCy DocBin export needs spaCy 3 (pip install spacy)") from None
    return spacy


def _text_object(schema: LabelSchema, control: str | None) -> tuple[str, str | None]:
    """(text object, spans control or None) to export; a text object with only choices is fine too."""
    for name, spec in schema.controls.items():
        if spec.type == "spans" and (control is None or name == control):
            if schema.objects[spec.object].type != "text":
                raise Invalid(f"control '{name}' labels a paragraphs object; DocBin needs spans on text", field="control")
            return spec.object, name
    if control is not None:
        raise Invalid(f"the schema has no spans control named {control!r}", field="control")
    for name, spec in schema.controls.items():
        if spec.type == "choices" and schema.objects[spec.object].type == "text":
            return spec.object, None
    raise Invalid("the schema has no spans or choices on a text object to export to spaCy", field="schema")


def _char_span(doc: Any, span: Mapping[str, Any]) -> Any:
    return doc.char_span(span["start"], span["end"], label=span["label"], alignment_mode="expand")
