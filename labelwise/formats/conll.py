"""CoNLL-2003 named-entity files with IOB2 tags (Tjong Kim Sang & De Meulder, 2003), out and in.

Export: each labeled task is a document (`-DOCSTART- -X- -X- O`, a blank line), each non-blank line
of its text a sentence, one token per line as `token _ _ TAG` (POS and chunk columns are `_`) or,
with `columns=2`, `token TAG`. Tokens come from `tokenize`: runs of letters/digits/underscore, and
every other non-space character alone, with code-point offsets into the text. A token is tagged
with a span it overlaps; IOB cannot nest, so overlapping spans are resolved by keeping the earliest
(then longest) and dropping the rest. Tasks without a label are left out, since all-`O` documents
would teach a model that their entities are not entities.

Import: documents (split at `-DOCSTART-`, or every sentence when there is none) become tasks whose
text is the tokens joined by spaces and the sentences by newlines, with spans from the tags. Tags
may be IOB2, IOB1 (as the original CoNLL-2003 files) or BIOES; the last column is the tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, NamedTuple

from labelwise.errors import Invalid
from labelwise.formats.labels import Source, final_results, import_row
from labelwise.formats.rows import Row, iter_lines
from labelwise.schema import LabelSchema

__all__ = ["NAME", "EXTENSIONS", "Token", "tokenize", "iob2_tags", "write", "read"]

NAME = "conll"
EXTENSIONS = (".conll", ".iob", ".bio")
DOCSTART = "-DOCSTART-"
_TOKEN = re.compile(r"\w+|[^\w\s]")
_TAG = re.compile(r"^(?:O|[BIESLU]-\S+)$")


class Token(NamedTuple):
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Word runs (`\\w+`) and single punctuation marks, with code-point offsets; whitespace separates."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def iob2_tags(tokens: list[Token], spans: Iterable[Mapping[str, Any]]) -> list[str]:
    """IOB2 tag per token. Overlapping spans: the earliest-starting (then longest) wins, the others drop."""
    tags = ["O"] * len(tokens)
    for span in sorted(spans, key=lambda s: (s["start"], -(s["end"] - s["start"]))):
        covered = [i for i, t in enumerate(tokens) if t.start < span["end"] and t.end > span["start"]]
        if not covered or any(tags[i] != "O" for i in covered):
            continue
        for n, i in enumerate(covered):
            tags[i] = ("B-" if n == 0 else "I-") + span["label"]
    return tags


def write(
    records: Iterable[Mapping[str, Any]],
    fp: IO[str],
    *,
    schema: LabelSchema,
    source: Source = "consensus",
    control: str | None = None,
    columns: int = 4,
) -> None:
    """Write the spans of `control` (default: the first spans control on a text object) as CoNLL-2003."""
    if columns not in (2, 4):
        raise ValueError("columns must be 2 (token tag) or 4 (CoNLL-2003)")
    name, field = _spans_control(schema, control)
    for record in records:
        text = (record.get("data") or {}).get(field)
        if not isinstance(text, str):
            raise Invalid(f"task {record.get('id')}: data.{field} is not text", field=f"data.{field}")
        for result in final_results(record, source=source):
            fp.write(f"{DOCSTART} -X- -X- O\n\n" if columns == 4 else f"{DOCSTART} O\n\n")
            _write_document(fp, text, result.get(name) or [], columns)


def read(
    fp: IO[bytes],
    *,
    schema: LabelSchema | None = None,
    control: str | None = None,
    text_field: str = "text",
    into: str = "predictions",
    model_version: str = "conll",
    max_line_bytes: int = 1024 * 1024,
) -> Iterator[Row]:
    """One row per document (`Row.line` = line of its first token): `{text_field: text}` plus the spans.

    With a schema the control and field come from it (as for `write`); otherwise the spans go under
    `control` (default `entities`) and the text under `text_field`.
    """
    if schema is not None:
        control, text_field = _spans_control(schema, control)
    control = control or "entities"
    for line, sentences in _documents(fp, max_line_bytes):
        text, spans = _assemble(sentences)
        yield Row(line, import_row({text_field: text}, {control: spans} if spans else None, into=into,
                                   model_version=model_version))


# --- export ------------------------------------------------------------------------------------------

def _spans_control(schema: LabelSchema, control: str | None) -> tuple[str, str]:
    for name, spec in schema.controls.items():
        if spec.type != "spans" or (control is not None and name != control):
            continue
        target = schema.objects[spec.object]
        if target.type != "text":
            raise Invalid(f"control '{name}' labels a {target.type} object; CoNLL needs spans on text", field="control")
        return name, target.field
    raise Invalid(f"the schema has no spans control{f' named {control!r}' if control else ''}", field="control")


def _write_document(fp: IO[str], text: str, spans: list[Mapping[str, Any]], columns: int) -> None:
    tokens = tokenize(text)
    tags = iob2_tags(tokens, spans)
    previous_end = 0
    wrote_any = False
    for token, tag in zip(tokens, tags):
        if wrote_any and "\n" in text[previous_end:token.start]:
            fp.write("\n")  # a newline in the text between two tokens ends the sentence
        fp.write(f"{token.text} _ _ {tag}\n" if columns == 4 else f"{token.text} {tag}\n")
        previous_end, wrote_any = token.end, True
    if wrote_any:
        fp.write("\n")


# --- import ------------------------------------------------------------------------------------------

def _documents(fp: IO[bytes], max_line_bytes: int) -> Iterator[tuple[int, list[list[tuple[str, str]]]]]:
    """(first line, sentences) per document; each sentence a list of (token, tag)."""
    document: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    first_line = 0
    saw_docstart = False
    for number, raw in iter_lines(fp, max_line_bytes=max_line_bytes):
        line = raw.strip()
        parts = line.split()
        if parts and parts[0] == DOCSTART:
            if sentence:
                document.append(sentence)
                sentence = []
            if document:
                yield first_line, document
            document, first_line, saw_docstart = [], 0, True
            continue
        if not parts:
            if sentence:
                document.append(sentence)
                sentence = []
                if not saw_docstart:
                    yield first_line, document
                    document, first_line = [], 0
            continue
        if len(parts) < 2:
            raise Invalid(f"line {number}: expected a token and a tag, got {line!r}", line=number)
        tag = parts[-1]
        if not _TAG.match(tag):
            raise Invalid(f"line {number}: {tag!r} is not an IOB tag (O, B-X, I-X, E-X or S-X)", line=number)
        first_line = first_line or number
        sentence.append((parts[0], tag))
    if sentence:
        document.append(sentence)
    if document:
        yield first_line, document


def _assemble(sentences: list[list[tuple[str, str]]]) -> tuple[str, list[dict[str, Any]]]:
    pieces: list[str] = []
    spans: list[dict[str, Any]] = []
    offset = 0
    for s_index, sentence in enumerate(sentences):
        if s_index:
            pieces.append("\n")
            offset += 1
        current: dict[str, Any] | None = None
        for t_index, (token, tag) in enumerate(sentence):
            if t_index:
                pieces.append(" ")
                offset += 1
            start, end = offset, offset + len(token)
            pieces.append(token)
            offset = end
            prefix, label = (tag[0], tag[2:]) if tag != "O" else ("O", None)
            continues = current is not None and prefix in "IEL" and current["label"] == label
            if prefix == "O":
                current = None
            elif continues:
                current["end"] = end
            else:
                current = {"id": f"e{len(spans) + 1}", "start": start, "end": end, "label": label}
                spans.append(current)
            if prefix in "ESLU":
                current = None
    return "".join(pieces), spans
