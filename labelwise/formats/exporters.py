"""The export registry: one name per export format, mapped to its writer, media type and file extension.

The API, the CLI and snapshot exports all go through `EXPORTERS`, so a format is added in one place.
Every writer has the same shape, `write(records, fp, *, schema, source)` onto a binary stream:

- row formats (`jsonl`, `csv`, `jsonl-minimal`, `csv-minimal`) also `stream()` chunk by chunk, so an
  HTTP response can start at once and memory stays flat;
- file formats (COCO, CoNLL, spaCy, Parquet, Label Studio) and archive formats (VOC, YOLO) write
  the whole file; callers write them to a temporary file first.

With a split, row formats carry a `split` column (the record's `split` key, set by the caller);
file and archive formats become a zip with one file per split (`train.json`, `validation.json`,
`test.json`) or one folder per split (`train/Annotations/...`). Zip entries carry a fixed timestamp
so that exporting the same records twice gives the same bytes. Writers whose libraries are optional
(pyarrow, spaCy) import them only when called and raise `MissingDependency` when they are absent.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats import (
    chat_exports,
    coco,
    conll,
    delimited,
    documents,
    hf_parquet,
    jsonl,
    kitti3d,
    labelstudio_json,
    spacy_docbin,
    voc,
    volume_exports,
    yolo,
)
from labelwise.formats.labels import minimal_columns, minimal_row
from labelwise.formats.split import SPLITS
from labelwise.schema import LabelSchema

__all__ = ["Exporter", "EXPORTERS", "MissingDependency", "ZIP_TIME", "get", "write", "stream", "flat_row",
           "media_type", "file_name", "describe", "zip_entry"]

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 256 * 1024
Records = Iterable[Mapping[str, Any]]


class MissingDependency(Invalid):
    """An optional library a format needs is not installed (`pip install labelwise[formats]`)."""


@dataclass(frozen=True)
class Exporter:
    name: str
    media_type: str
    extension: str
    write: Callable[..., None]
    rows: bool = False  # one record (or label) per line: streamable, a split is a column
    archive: bool = False  # the output is already a zip of several files
    description: str = ""
    needs: str | None = None  # the optional module (from labelwise[formats]) the writer imports


def get(name: str) -> Exporter:
    if name not in EXPORTERS:
        raise Invalid(f"unknown export format '{name}'; expected one of: {', '.join(EXPORTERS)}", field="format")
    return EXPORTERS[name]


def media_type(name: str, *, split: bool = False) -> str:
    exporter = get(name)
    return "application/zip" if split and not exporter.rows else exporter.media_type


def file_name(stem: str, name: str, *, split: bool = False) -> str:
    exporter = get(name)
    return f"{stem}{'.zip' if split and not exporter.rows else exporter.extension}"


def write(
    name: str,
    records_for: Callable[[str | None], Records],
    fp: IO[bytes],
    *,
    schema: LabelSchema,
    source: str = "consensus",
    split: bool = False,
) -> None:
    """Write export `name` to a binary stream. `records_for(split)` gives the records (of one split, or all)."""
    exporter = get(name)
    if not split or exporter.rows:
        _call(exporter, records_for(None), fp, schema=schema, source=source)
        return
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_DEFLATED) as archive:
        for part_name in SPLITS:
            with tempfile.TemporaryFile() as part:
                _call(exporter, records_for(part_name), part, schema=schema, source=source)
                part.seek(0)
                if exporter.archive:
                    with zipfile.ZipFile(part) as inner:
                        for entry in inner.infolist():
                            with inner.open(entry) as src, archive.open(zip_entry(f"{part_name}/{entry.filename}"), "w") as dst:
                                shutil.copyfileobj(src, dst, _CHUNK)
                else:
                    with archive.open(zip_entry(f"{part_name}{exporter.extension}"), "w") as dst:
                        shutil.copyfileobj(part, dst, _CHUNK)


def stream(name: str, records: Records, *, schema: LabelSchema, source: str = "consensus") -> Iterator[bytes]:
    """A row format as chunks of about 256 KB, written as the records arrive."""
    exporter = get(name)
    if not exporter.rows:
        raise ValueError(f"{name} is not a row format; write() it to a file")
    buffer = io.StringIO()
    for line in _ROW_LINES[name](records, schema=schema, source=source):
        buffer.write(line)
        if buffer.tell() >= _CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def flat_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One full-CSV row: ids, `data.<field>` columns, then annotations, consensus and confidence (as JSON), and
    `auto_label` / `label_source` when the export includes auto-labels."""
    row: dict[str, Any] = {"id": record["id"], "external_id": record["external_id"]}
    for key, value in (record.get("data") or {}).items():
        row[f"data.{key}"] = value
    row["annotations"] = record.get("annotations")
    if "predictions" in record:
        row["predictions"] = record["predictions"]
    row["consensus"] = record.get("consensus")
    row["confidence"] = record.get("confidence")
    for key in ("auto_label", "label_source"):  # present in every record when the export includes auto-labels
        if key in record:
            row[key] = record[key]
    if "split" in record:
        row["split"] = record["split"]
    return row


# --- row formats ----------------------------------------------------------------------------------------

def _jsonl_lines(records: Records, **_: Any) -> Iterator[str]:
    for record in records:
        yield jsonl.dumps(dict(record)) + "\n"


def _minimal(record: Mapping[str, Any], schema: LabelSchema, source: str) -> dict[str, Any]:
    row = minimal_row(record, schema=schema, source=source)
    if "label_source" in record:
        row["label_source"] = record["label_source"]
    if "split" in record:
        row["split"] = record["split"]
    return row


def _jsonl_minimal_lines(records: Records, *, schema: LabelSchema, source: str) -> Iterator[str]:
    for record in records:
        yield jsonl.dumps(_minimal(record, schema, source)) + "\n"


def _csv_lines(records: Records, **_: Any) -> Iterator[str]:
    buffer = io.StringIO()
    writer = None
    for record in records:
        row = flat_row(record)
        writer = writer or delimited.RowWriter(buffer, list(row))
        writer.write(row)
        yield _drain(buffer)


def _csv_minimal_lines(records: Records, *, schema: LabelSchema, source: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = None
    for record in records:
        if writer is None:
            fields = [spec.field for spec in schema.objects.values()]
            columns = minimal_columns(schema, data_fields=dict.fromkeys(fields))
            extra = [key for key in ("label_source", "split") if key in record]
            writer = delimited.RowWriter(buffer, columns + extra)
        writer.write(_minimal(record, schema, source))
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


_ROW_LINES = {"jsonl": _jsonl_lines, "jsonl-minimal": _jsonl_minimal_lines, "csv": _csv_lines,
              "csv-minimal": _csv_minimal_lines}


def _row_writer(name: str) -> Callable[..., None]:
    def write_rows(records: Records, fp: IO[bytes], *, schema: LabelSchema, source: str) -> None:
        for chunk in stream(name, records, schema=schema, source=source):
            fp.write(chunk)
    return write_rows


# --- file formats ---------------------------------------------------------------------------------------

def _text(writer: Callable[..., None], **fixed: Any) -> Callable[..., None]:
    """A text writer onto a binary stream (UTF-8), detached afterwards so the stream stays open."""
    def write_text(records: Records, fp: IO[bytes], *, schema: LabelSchema, source: str) -> None:
        text = io.TextIOWrapper(fp, encoding="utf-8", newline="", write_through=False)
        try:
            writer(records, text, schema=schema, **({"source": source} | fixed))
            text.flush()
        finally:
            text.detach()
    return write_text


def _binary(writer: Callable[..., None], **fixed: Any) -> Callable[..., None]:
    def write_binary(records: Records, fp: IO[bytes], *, schema: LabelSchema, source: str) -> None:
        writer(records, fp, schema=schema, source=source, **fixed)
    return write_binary


def _labelstudio(records: Records, fp: IO[str], *, schema: LabelSchema, source: str) -> None:
    labelstudio_json.write(records, fp, schema=schema)  # every annotation and prediction: LS keeps them all


def _call(exporter: Exporter, records: Records, fp: IO[bytes], *, schema: LabelSchema, source: str) -> None:
    try:
        exporter.write(records, fp, schema=schema, source=source)
    except RuntimeError as exc:  # the optional-library errors of spacy_docbin / hf_parquet
        if "pip install" in str(exc):
            raise MissingDependency(f"the {exporter.name} export needs an optional library: {exc}; "
                                    "install labelwise[formats]", field="format") from None
        raise


EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        Exporter("jsonl", "application/jsonl", ".jsonl", _row_writer("jsonl"), rows=True,
                 description="every task with its annotations, one JSON object per line"),
        Exporter("csv", "text/csv; charset=utf-8", ".csv", _row_writer("csv"), rows=True,
                 description="every task with its annotations; nested values as JSON"),
        Exporter("jsonl-minimal", "application/jsonl", ".jsonl", _row_writer("jsonl-minimal"), rows=True,
                 description="one final label per task: data fields, one column per control, confidence"),
        Exporter("csv-minimal", "text/csv; charset=utf-8", ".csv", _row_writer("csv-minimal"), rows=True,
                 description="one final label per task, as CSV"),
        Exporter("coco", "application/json", ".json", _text(coco.write),
                 description="COCO instances JSON: boxes, polygons, keypoints, RLE masks"),
        Exporter("voc", "application/zip", ".zip", _binary(voc.write), archive=True,
                 description="Pascal VOC XML per image, zipped"),
        Exporter("yolo", "application/zip", ".zip", _binary(yolo.write), archive=True,
                 description="YOLO labels/*.txt, classes.txt and data.yaml, zipped"),
        Exporter("conll", "text/plain; charset=utf-8", ".conll", _text(conll.write),
                 description="CoNLL-2003 with IOB2 tags"),
        Exporter("spacy", "application/octet-stream", ".spacy", _binary(spacy_docbin.write),
                 description="spaCy v3 DocBin", needs="spacy"),
        Exporter("parquet", "application/vnd.apache.parquet", ".parquet", _binary(hf_parquet.write),
                 description="Hugging Face datasets Parquet with ClassLabel features", needs="pyarrow"),
        Exporter("labelstudio", "application/json", ".json", _text(_labelstudio),
                 description="Label Studio JSON: tasks with every annotation and prediction"),
        Exporter("dpo", "application/jsonl", ".jsonl", _text(chat_exports.write_pairs),
                 description="chat preference pairs (prompt/chosen/rejected) from pairwise, ranking and edits"),
        Exporter("chat-ratings", "application/vnd.apache.parquet", ".parquet", _binary(chat_exports.write_ratings),
                 description="chat ratings per message and per conversation, a datasets-readable Parquet",
                 needs="pyarrow"),
        Exporter("funsd", "application/json", ".json", _text(documents.write_funsd),
                 description="FUNSD-style forms per PDF page: entities (boxes, spans) with words, boxes, labels, links"),
        Exporter("coco-pages", "application/json", ".json", _text(documents.write_page_coco),
                 description="COCO instances JSON with one image per PDF page (boxes and polygons)"),
        Exporter("kitti3d", "application/zip", ".zip", _binary(kitti3d.write_kitti), archive=True,
                 description="KITTI 3D object labels, label_2/<sweep>.txt per point-cloud frame, zipped"),
        Exporter("point-labels", "application/zip", ".zip", _binary(kitti3d.write_point_labels), archive=True,
                 description="SemanticKITTI-style labels/<sweep>.label: one uint32 label per point, zipped"),
        Exporter("cuboids", "application/json", ".json", _text(kitti3d.write_cuboids_json),
                 description="every cuboid and 3D track (keyframes and per-frame boxes) of point clouds, as JSON"),
        Exporter("nifti", "application/zip", ".zip", _binary(volume_exports.write_nifti), archive=True,
                 description="NIfTI label volumes (.nii.gz) per medical volume, on the source's grid and affine"),
        Exporter("coco-slices", "application/json", ".json", _text(volume_exports.write_slice_coco),
                 description="COCO instances JSON with one image per axial slice of medical volumes (masks, boxes)"),
    )
}


def describe() -> list[dict[str, Any]]:
    """The formats for a help text or an API listing; `available` says whether this install can write it."""
    return [{"name": e.name, "media_type": e.media_type, "extension": e.extension, "description": e.description,
             "available": e.needs is None or installed(e.needs),
             "needs": None if e.needs is None else f"{e.needs} (pip install 'labelwise[formats]')"}
            for e in EXPORTERS.values()]


def installed(module: str) -> bool:
    """Whether an optional module can be imported here, without importing it."""
    return importlib.util.find_spec(module) is not None


def zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info

