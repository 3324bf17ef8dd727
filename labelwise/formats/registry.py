"""Which reader handles an import, chosen by explicit name or by the upload's media type."""

from collections.abc import Callable, Iterator
from typing import IO

from labelwise.core.errors import Invalid
from labelwise.formats import delimited, json_array, jsonl
from labelwise.formats.rows import Row

Reader = Callable[..., Iterator[Row]]

READERS: dict[str, Reader] = {
    jsonl.NAME: jsonl.read,
    json_array.NAME: json_array.read,
    delimited.NAME: delimited.read,
    delimited.TSV_NAME: delimited.read_tsv,
}
_BY_MEDIA_TYPE = {
    **{media: jsonl.NAME for media in jsonl.MEDIA_TYPES},
    **{media: json_array.NAME for media in json_array.MEDIA_TYPES},
    **{media: delimited.NAME for media in delimited.MEDIA_TYPES},
    **{media: delimited.TSV_NAME for media in delimited.TSV_MEDIA_TYPES},
}
_BY_EXTENSION = {
    **{ext: jsonl.NAME for ext in jsonl.EXTENSIONS},
    **{ext: json_array.NAME for ext in json_array.EXTENSIONS},
    **{ext: delimited.NAME for ext in delimited.EXTENSIONS},
    **{ext: delimited.TSV_NAME for ext in delimited.TSV_EXTENSIONS},
}


def import_format(*, name: str | None = None, media_type: str | None = None, filename: str | None = None) -> str:
    """The reader name for an import: `name` if given, else by media type, else by file extension."""
    if name:
        if name not in READERS:
            raise Invalid(f"unknown import format '{name}'; expected one of: {', '.join(READERS)}", field="format")
        return name
    if media_type:
        base = media_type.split(";")[0].strip().lower()
        if base in _BY_MEDIA_TYPE:
            return _BY_MEDIA_TYPE[base]
    if filename:
        for ext, fmt in _BY_EXTENSION.items():
            if filename.lower().endswith(ext):
                return fmt
    raise Invalid(
        f"cannot tell the import format from content type '{media_type}'; send application/json, "
        "application/jsonl, text/csv or text/tab-separated-values, or pass format=",
        field="format",
    )


def read_rows(fp: IO[bytes], fmt: str, *, max_line_bytes: int) -> Iterator[Row]:
    return READERS[fmt](fp, max_line_bytes=max_line_bytes)
