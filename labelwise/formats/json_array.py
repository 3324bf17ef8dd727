"""A JSON array of objects, parsed incrementally so a large file never sits in memory."""

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import ijson

from labelwise.errors import Invalid
from labelwise.formats.rows import Row

NAME = "json"
EXTENSIONS = (".json",)
MEDIA_TYPES = ("application/json",)


def read(fp: IO[bytes], **_: Any) -> Iterator[Row]:
    """Rows are numbered by their position in the array (1-based), since JSON need not be one per line."""
    position = 0
    try:
        head = fp.read(1)
        while head and head.isspace():
            head = fp.read(1)
        if head == b"\xef":
            fp.read(2)
            head = fp.read(1)
        if head != b"[":
            raise Invalid("a JSON import must be an array of objects, starting with '['", line=1)
        fp.seek(fp.tell() - 1)
        for position, value in enumerate(ijson.items(fp, "item", use_float=True), start=1):
            yield Row(position, value)
    except ijson.JSONError as exc:
        raise Invalid(f"item {position + 1}: not valid JSON ({str(exc).splitlines()[0]})", line=position + 1) from None
    except UnicodeDecodeError:
        raise Invalid(f"item {position + 1}: not valid UTF-8; save the file as UTF-8", line=position + 1) from None


def write(records: Iterable[dict[str, Any]], fp: IO[str]) -> None:
    fp.write("[")
    for index, record in enumerate(records):
        fp.write(",\n" if index else "\n")
        fp.write(json.dumps(record, ensure_ascii=False, default=str))
    fp.write("\n]\n")
