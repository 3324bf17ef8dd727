"""CSV and TSV with a header row. Cells stay strings; nested values are written as JSON."""

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats.rows import Row, iter_lines

NAME = "csv"
EXTENSIONS = (".csv",)
MEDIA_TYPES = ("text/csv", "application/csv")
TSV_NAME = "tsv"
TSV_EXTENSIONS = (".tsv", ".tab")
TSV_MEDIA_TYPES = ("text/tab-separated-values",)


def read(fp: IO[bytes], *, delimiter: str = ",", max_line_bytes: int = 16 * 1024**2) -> Iterator[Row]:
    lines = (line for _, line in iter_lines(fp, max_line_bytes=max_line_bytes))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        names = [name.strip() for name in header]
        _check_header(names)
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(names):
                raise Invalid(f"line {line}: {len(cells)} columns, but the header has {len(names)}", line=line)
            yield Row(line, dict(zip(names, cells)))
    except csv.Error as exc:
        raise Invalid(f"line {reader.line_num}: malformed CSV ({exc})", line=reader.line_num) from None


def read_tsv(fp: IO[bytes], **options: Any) -> Iterator[Row]:
    return read(fp, delimiter="\t", **options)


def write(records: Iterable[dict[str, Any]], fp: IO[str], *, delimiter: str = ",", columns: list[str] | None = None) -> None:
    """Write flat records; the columns are `columns`, or the keys of the first record."""
    writer = None
    for record in records:
        if writer is None:
            writer = RowWriter(fp, columns or list(record), delimiter=delimiter)
        writer.write(record)
    if writer is None and columns:
        RowWriter(fp, columns, delimiter=delimiter)


class RowWriter:
    """Writes the header at once, then one record per call: for streaming one row at a time."""

    def __init__(self, fp: IO[str], columns: list[str], *, delimiter: str = ",") -> None:
        self._writer = csv.DictWriter(fp, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
        self._writer.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        self._writer.writerow({key: _cell(value) for key, value in record.items()})


def write_tsv(records: Iterable[dict[str, Any]], fp: IO[str], **options: Any) -> None:
    write(records, fp, delimiter="\t", **options)


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else value


def _check_header(names: list[str]) -> None:
    if any(not name for name in names):
        raise Invalid("line 1: the header has an empty column name", line=1)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise Invalid(f"line 1: the header names column '{name}' twice", line=1)
        seen.add(name)
