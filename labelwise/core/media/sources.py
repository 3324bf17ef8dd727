"""The bytes behind a task's media reference, for work the server does itself (OCR, rendering PDFs given by URL).

A reference is a stored blob of the same project (`/api/v1/media/<project>/<sha256>.<ext>`), an
http(s) URL, or `s3://bucket/key` (read with the server's S3 settings: endpoint, region, keys). The
browser loads remote images by itself, but pages of a PDF and OCR need the file here. Downloads are
bounded by `max_media_bytes` and a timeout; a reference that cannot be read raises `Invalid` naming it.

`stored_pdf` turns a PDF reference into the stored form `{"src", "pages", "page_sizes"}`: the file is
fetched once, kept as a content-addressed blob of the project, and from then on its pages render
and its text layer reads through the same routes as an uploaded PDF.
"""

import hashlib
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

from labelwise.core.media.signing import MEDIA_PATH
from labelwise.errors import Invalid
from labelwise.storage import Storage, check_key, make_key, pdf, project_of
from labelwise.storage.mime import CONTENT_TYPES

TIMEOUT_SECONDS = 30.0
_RESOLVED: OrderedDict[tuple[int, str], dict] = OrderedDict()  # (project, reference) -> stored PDF value
_RESOLVED_MAX = 4096
_LOCK = threading.Lock()


def media_src(value: Any) -> str | None:
    """The reference of an object value: a URL string or `{"src": ...}`."""
    src = value.get("src") if isinstance(value, dict) else value
    return src.strip() if isinstance(src, str) and src.strip() else None


def stored_key(src: str, project_id: int) -> str | None:
    """The storage key of a stored-media URL of project `project_id`, or None for any other reference."""
    path = urlsplit(src).path if "://" in src else src.split("?", 1)[0]
    if not path.startswith(MEDIA_PATH):
        return None
    key = path[len(MEDIA_PATH):]
    try:
        check_key(key)
        if project_of(key) != project_id:
            raise Invalid("")
    except Invalid:
        raise Invalid(f"'{src}' is not media of project {project_id}", field="src") from None
    return key


def is_pdf_reference(value: Any) -> bool:
    """A PDF given by reference (URL or s3://, not yet stored): a string or `{"src"}` without a page count."""
    if isinstance(value, dict) and value.get("pages") is not None:
        return False
    src = media_src(value)
    return src is not None and urlsplit(src).path.lower().endswith(".pdf")


def read_bytes(storage: Storage, settings: Any, src: str, *, project_id: int) -> bytes:
    """The bytes of a media reference (see the module's doc); `Invalid` naming it when it cannot be read."""
    key = stored_key(src, project_id)
    if key is not None:
        if not storage.exists(key):
            raise Invalid(f"'{src}': the stored file is missing", field="src")
        return storage.get_bytes(key)
    scheme = urlsplit(src).scheme.lower()
    limit = settings.max_media_bytes
    if scheme in ("http", "https"):
        return _http(src, limit)
    if scheme == "s3":
        return _s3(src, settings, limit)
    raise Invalid(f"'{src}': only stored media, http(s) URLs and s3:// references can be read by the server",
                  field="src")


def stored_pdf(storage: Storage, settings: Any, src: str, *, project_id: int) -> dict:
    """`{"src", "pages", "page_sizes"}` of the PDF at `src`, stored as a blob of the project on first use."""
    with _LOCK:
        cached = _RESOLVED.get((project_id, src))
        if cached is not None:
            _RESOLVED.move_to_end((project_id, src))
    if cached is not None and storage.exists(cached["src"][len(MEDIA_PATH):]):
        return cached
    data = read_bytes(storage, settings, src, project_id=project_id)
    if b"%PDF-" not in data[:1024]:
        raise Invalid(f"'{src}': the content is not a PDF (no %PDF- header)", field="src")
    info = pdf.inspect_pdf(data, src)
    key = make_key(project_id, hashlib.sha256(data).hexdigest(), "pdf")
    storage.put_bytes(key, data, content_type=CONTENT_TYPES["pdf"])
    value = {"src": MEDIA_PATH + key, "pages": info.pages, "page_sizes": [list(size) for size in info.page_sizes]}
    with _LOCK:
        _RESOLVED[(project_id, src)] = value
        while len(_RESOLVED) > _RESOLVED_MAX:
            _RESOLVED.popitem(last=False)
    return value


def _http(url: str, limit: int) -> bytes:
    import httpx

    try:
        with httpx.stream("GET", url, timeout=TIMEOUT_SECONDS, follow_redirects=True) as response:
            if response.status_code != 200:
                raise Invalid(f"'{url}': the server answered HTTP {response.status_code}", field="src")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise Invalid(f"'{url}': {declared} bytes is over the {limit} byte limit per media file", field="src")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise Invalid(f"'{url}': over the {limit} byte limit per media file", field="src")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise Invalid(f"'{url}' could not be fetched: {type(exc).__name__}: {exc}", field="src") from None
    return b"".join(chunks)


def _s3(url: str, settings: Any, limit: int) -> bytes:
    parts = urlsplit(url)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket or not key:
        raise Invalid(f"'{url}': an s3:// reference needs a bucket and a key (s3://bucket/path/file)", field="src")
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise Invalid(f"'{url}': reading s3:// references needs boto3: pip install 'labelwise[s3]'",
                      field="src") from None
    session = boto3.session.Session(aws_access_key_id=settings.s3_access_key,
                                    aws_secret_access_key=settings.s3_secret_key, region_name=settings.s3_region)
    client = session.client("s3", endpoint_url=settings.s3_endpoint_url)
    try:
        head = client.head_object(Bucket=bucket, Key=key)
        if head.get("ContentLength", 0) > limit:
            raise Invalid(f"'{url}': {head['ContentLength']} bytes is over the {limit} byte limit per media file",
                          field="src")
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (BotoCoreError, ClientError) as exc:
        raise Invalid(f"'{url}' could not be read: {exc}", field="src") from None
