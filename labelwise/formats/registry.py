"""Which reader handles an import, chosen by explicit name, by the upload's media type, or by file extension.

Every reader is called as `reader(fp, max_line_bytes=..., schema=..., into=...)`; readers of label
formats (COCO, CoNLL, Parquet, Label Studio) use the project's schema, which the core import service
passes in, and `into` (predictions, annotations or gold) says what their labels become. Label
Studio exports keep their own split: annotations stay annotations, predictions stay predictions.
For a project with a chat object, JSON, JSON Lines and Parquet rows holding conversations in the
common shapes (`messages`, `conversations`, ShareGPT) are put in chat form (`formats/chat.py`); the
`chat` format does the same and tells the three apart by content. YOLO is not here yet: it is a folder
of images and label files, so it arrives as a zip and waits for the media import (see
`labelwise.formats.yolo.read` for the reader itself).
"""

from collections.abc import Callable, Iterator
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats import (
    chat,
    coco,
    conll,
    delimited,
    hf_parquet,
    json_array,
    jsonl,
    labelstudio_json,
    labelstudio_min,
    voc,
)
from labelwise.formats.labels import INTO
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema

Reader = Callable[..., Iterator[Row]]
PARQUET = "parquet"


def _plain(read: Reader) -> Reader:
    def reader(fp: IO[bytes], *, max_line_bytes: int, **_: Any) -> Iterator[Row]:
        return read(fp, max_line_bytes=max_line_bytes)
    return reader


def _parquet(fp: IO[bytes], *, into: str = "predictions", **_: Any) -> Iterator[Row]:
    return hf_parquet.read(fp, into=into)


def _labelstudio(fp: IO[bytes], *, schema: LabelSchema, **_: Any) -> Iterator[Row]:
    return labelstudio_json.read(fp, schema=schema)


def _coco(fp: IO[bytes], *, schema: LabelSchema, into: str = "predictions", image_root: str = "", **_: Any) -> Iterator[Row]:
    return coco.read(fp, schema=schema, into=into, image_root=image_root)


def _conll(fp: IO[bytes], *, schema: LabelSchema, into: str = "predictions", max_line_bytes: int, **_: Any) -> Iterator[Row]:
    return conll.read(fp, schema=schema, into=into, max_line_bytes=max_line_bytes)


def _voc(fp: IO[bytes], *, schema: LabelSchema, into: str = "predictions", image_root: str = "", **_: Any) -> Iterator[Row]:
    return voc.read(fp, schema=schema, into=into, image_root=image_root)


def _chat(fp: IO[bytes], *, schema: LabelSchema, max_line_bytes: int, **_: Any) -> Iterator[Row]:
    return chat.read(fp, schema=schema, max_line_bytes=max_line_bytes)


READERS: dict[str, Reader] = {
    jsonl.NAME: _plain(jsonl.read),
    json_array.NAME: _plain(json_array.read),
    delimited.NAME: _plain(delimited.read),
    delimited.TSV_NAME: _plain(delimited.read_tsv),
    PARQUET: _parquet,
    labelstudio_json.NAME: _labelstudio,
    labelstudio_min.NAME: labelstudio_min.read,
    labelstudio_min.CSV_NAME: labelstudio_min.read_csv,
    labelstudio_min.TSV_NAME: labelstudio_min.read_tsv,
    voc.NAME: _voc,
    coco.NAME: _coco,
    conll.NAME: _conll,
    chat.NAME: _chat,
}
_BY_MEDIA_TYPE = {
    **{media: jsonl.NAME for media in jsonl.MEDIA_TYPES},
    **{media: json_array.NAME for media in json_array.MEDIA_TYPES},
    **{media: delimited.NAME for media in delimited.MEDIA_TYPES},
    **{media: delimited.TSV_NAME for media in delimited.TSV_MEDIA_TYPES},
    "application/vnd.apache.parquet": PARQUET,
    "application/x-parquet": PARQUET,
}
_BY_EXTENSION = {
    **{ext: jsonl.NAME for ext in jsonl.EXTENSIONS},
    **{ext: json_array.NAME for ext in json_array.EXTENSIONS},
    **{ext: delimited.NAME for ext in delimited.EXTENSIONS},
    **{ext: delimited.TSV_NAME for ext in delimited.TSV_EXTENSIONS},
    **{ext: PARQUET for ext in hf_parquet.EXTENSIONS},
    **{ext: conll.NAME for ext in conll.EXTENSIONS},
}


def import_format(*, name: str | None = None, media_type: str | None = None, filename: str | None = None) -> str:
    """The reader name for an import: `name` if given, else by media type, else by file extension."""
    if name:
        if name not in READERS:
            hint = "; YOLO arrives as a zip with the media import" if name == "yolo" else ""
            raise Invalid(f"unknown import format '{name}'; expected one of: {', '.join(READERS)}{hint}", field="format")
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
        "application/jsonl, text/csv, text/tab-separated-values or application/vnd.apache.parquet, or pass "
        f"format= (one of {', '.join(READERS)}; COCO and Label Studio JSON always need it)",
        field="format",
    )


def read_rows(
    fp: IO[bytes], fmt: str, *, max_line_bytes: int, schema: LabelSchema | None = None, into: str = "predictions",
    image_root: str = "",
) -> Iterator[Row]:
    """Rows from `fp`; `image_root` prefixes COCO file names (e.g. the URL of the image folder)."""
    if into not in INTO:
        raise Invalid(f"into must be one of {', '.join(INTO)}, not '{into}'", field="into")
    if schema is None and fmt in (labelstudio_json.NAME, coco.NAME, conll.NAME, chat.NAME, voc.NAME):
        raise ValueError(f"the {fmt} reader needs the project's schema")
    rows = READERS[fmt](fp, max_line_bytes=max_line_bytes, schema=schema, into=into, image_root=image_root)
    field = chat.chat_field(schema)
    if field is not None and fmt in (jsonl.NAME, json_array.NAME, PARQUET):
        rows = chat.convert_rows(rows, field)  # OpenAI/ShareGPT conversations into the project's chat
    return _guarded(rows, fmt)


def _guarded(rows: Iterator[Row], fmt: str) -> Iterator[Row]:
    """Optional libraries (pyarrow) missing become a clear 4xx instead of a server error."""
    try:
        yield from rows
    except RuntimeError as exc:
        if "pip install" in str(exc):
            raise Invalid(f"importing {fmt} needs an optional library: {exc}; install labelwise[formats]",
                          field="format") from None
        raise
