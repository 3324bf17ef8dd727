"""What every import reader yields, and the line reader they share."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from labelwise.errors import Invalid, TooLarge


@dataclass(frozen=True, slots=True)
class Row:
    """One parsed import record and where it came from (1-based line, or array position)."""

    line: int
    value: Any


def iter_lines(fp: IO[bytes], *, max_line_bytes: int) -> Iterator[tuple[int, str]]:
    """Yield (line number, decoded line) from a binary stream, refusing lines over the limit."""
    for number, raw in enumerate(_bounded_lines(fp, max_line_bytes), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(
                f"line {number} is not valid UTF-8 (byte {exc.start + 1}); save the file as UTF-8", line=number
            ) from None


def _bounded_lines(fp: IO[bytes], limit: int) -> Iterator[bytes]:
    number = 0
    while True:
        raw = fp.readline(limit + 2)
        if not raw:
            return
        number += 1
        if len(raw.rstrip(b"\r\n")) > limit:
            raise TooLarge(f"line {number} is longer than {limit} bytes", line=number)
        yield raw
