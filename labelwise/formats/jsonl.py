"""JSON Lines: one JSON object per line, in and out."""

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats.rows import Row, iter_lines

NAME = "jsonl"
EXTENSIONS = (".jsonl", ".ndjson")
MEDIA_TYPES = ("application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/jsonlines")


def read(fp: IO[bytes], *, max_line_bytes: int = 16 * 1024**2) -> Iterator[Row]:
    for number, line in iter_lines(fp, max_line_bytes=max_line_bytes):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise Invalid(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})", line=number) from None
        yield Row(number, value)


def write(records: Iterable[dict[str, Any]], fp: IO[str]) -> None:
    for record in records:
        fp.write(dumps(record))
        fp.write("\n")


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
