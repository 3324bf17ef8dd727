"""Checks that an imported task's data carries what the project's schema shows, in a safe form.

Media URLs are limited to http(s), data URIs of the right media kind, paths on this server and relative
file names (no scheme), so nothing a task holds can turn into `javascript:` in the browser.
"""

from typing import Any
from urllib.parse import urlsplit

from labelwise.errors import Invalid
from labelwise.schema.chat import check_chat
from labelwise.schema.specs import LabelSchema

_MEDIA_KINDS = {"image": "image", "audio": "audio", "video": "video", "pdf": "image"}
_SAFE_SCHEMES = {"http", "https", "s3"}


def check_task_data(schema: LabelSchema, data: Any, *, line: int | None = None) -> None:
    if not isinstance(data, dict):
        raise Invalid(_at(line, f"task data must be a JSON object, got {type(data).__name__}"), field="data", line=line)
    for name, spec in schema.objects.items():
        field = spec.field
        if getattr(spec, "literal", None) is not None:
            continue
        if field not in data:
            raise Invalid(
                _at(line, f"task data has no '{field}' for object '{name}' ({spec.type})"),
                field=f"data.{field}",
                line=line,
            )
        _check_value(spec.type, data[field], field=f"data.{field}", line=line)
    for name, spec in schema.controls.items():
        field = getattr(spec, "options_field", None) or getattr(spec, "labels_field", None)
        if field is not None and field in data and not isinstance(data[field], list):
            raise Invalid(_at(line, f"'data.{field}' (the options of control '{name}') must be a list"),
                          field=f"data.{field}", line=line)


def check_media_url(url: Any, *, kind: str, field: str, line: int | None = None) -> None:
    if not isinstance(url, str) or not url.strip():
        raise Invalid(_at(line, f"'{field}' must be a non-empty URL string"), field=field, line=line)
    if url.startswith("/") and not url.startswith("//"):
        return
    scheme = urlsplit(url.strip()).scheme.lower()
    if not scheme and not url.strip().startswith("//"):
        return  # a relative file name (an annotations-only COCO or YOLO export): no scheme, nothing to run
    if scheme in _SAFE_SCHEMES:
        return
    if scheme == "data" and url[5:].lower().startswith(kind + "/"):
        return
    raise Invalid(
        _at(line, f"'{field}' must be an http(s) URL, a path (/on/this/server or relative) or a data:{kind}/ URI; "
              f"got scheme '{scheme}'"),
        field=field,
        line=line,
    )


def _check_value(object_type: str, value: Any, *, field: str, line: int | None) -> None:
    if object_type == "text":
        if not isinstance(value, str):
            raise Invalid(_at(line, f"'{field}' must be a string"), field=field, line=line)
    elif object_type in ("image", "audio", "video"):
        url = value.get("src") if isinstance(value, dict) else value
        check_media_url(url, kind=_MEDIA_KINDS[object_type], field=field, line=line)
    elif object_type == "pdf":
        pages = value if isinstance(value, list) else [value]
        for index, page in enumerate(pages):
            url = page.get("src") if isinstance(page, dict) else page
            check_media_url(url, kind="image", field=f"{field}[{index}]", line=line)
    elif object_type == "pointcloud":
        frames = value.get("frames") if isinstance(value, dict) and "frames" in value else value
        sweeps = frames if isinstance(frames, list) else [frames]
        if not sweeps:
            raise Invalid(_at(line, f"'{field}' has no frames"), field=field, line=line)
        for index, sweep in enumerate(sweeps):
            url = sweep.get("src") if isinstance(sweep, dict) else sweep
            where = f"{field}.frames[{index}]" if isinstance(frames, list) else field
            check_media_url(url, kind="application", field=where, line=line)
    elif object_type == "dicom":
        url = value.get("src") if isinstance(value, dict) else value
        check_media_url(url, kind="application", field=field, line=line)
    elif object_type == "timeseries" and isinstance(value, str):  # a CSV address
        check_media_url(value, kind="text", field=field, line=line)
    elif object_type in ("timeseries", "table"):
        if not isinstance(value, (dict, list)):
            raise Invalid(_at(line, f"'{field}' must be an object or a list"), field=field, line=line)
    elif object_type == "chat":
        check_chat(value, field=field, line=line)
    elif object_type == "paragraphs":
        if not isinstance(value, list):
            raise Invalid(_at(line, f"'{field}' must be a list of paragraphs"), field=field, line=line)


def _at(line: int | None, message: str) -> str:
    return f"row {line}: {message}" if line is not None else message
