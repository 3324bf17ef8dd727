"""Copy the files a Label Studio task shows from Label Studio's own storage into the project's media storage.

Files uploaded into Label Studio (`/data/upload/<project>/<file>`), served from its local-files storage
(`/data/local-files/?d=...`) or through its storage proxy (`/tasks/<id>/presign/?fileuri=...`) can only be
read with its token, so after a pull they would not load in labelwise. Each such reference (a path on
the Label Studio server, or an absolute URL on its own host) is downloaded with the token (streamed,
never more than the per-file limit, retried on transient errors), checked and stored exactly as an
upload is (`core.media.media.inspect_file`, a content-addressed key, so identical files are stored
once), and the task data is rewritten to the stored media. URLs on other hosts, `s3://` and `gs://`
stay as they are. A file that cannot be copied keeps its reference and is listed in `MediaCopy.failures`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from labelwise.core.dataio.media_import import media_src
from labelwise.core.media.media import MediaInfo, MediaLimits, inspect_file, media_kind
from labelwise.errors import Invalid
from labelwise.schema.specs import LabelSchema
from labelwise.storage import Storage, make_key
from labelwise.storage.mime import CONTENT_TYPES

__all__ = ["MediaCopy", "MediaFailure", "copy_media", "is_own_file"]

RETRIES = 3  # further attempts after a connection error, a timeout, 429 or 5xx
BACKOFF_SECONDS = 0.5  # doubled after each attempt
_OWN_PATHS = ("/data/", "/storage-data/", "/tasks/")  # where Label Studio serves the files of its storages
_TRANSIENT = {429, 500, 502, 503, 504}
_MEDIA_OBJECTS = ("image", "audio", "video", "pdf", "pointcloud", "dicom")
# a content type's first extension; octet-stream says nothing (it would make any file a point cloud)
_EXTENSIONS = {content_type: ext for ext, content_type in reversed(CONTENT_TYPES.items())
               if content_type != "application/octet-stream"}
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class MediaFailure:
    url: str
    task: Any  # the Label Studio task id
    reason: str


@dataclass
class MediaCopy:
    """What copying a project's media did: references rewritten, blobs written or already there, bytes read."""

    files: int = 0  # distinct files copied
    references: int = 0  # task data values rewritten to stored media
    stored: int = 0  # new blobs
    reused: int = 0  # files whose bytes were already stored (content-addressed)
    bytes: int = 0  # downloaded
    failures: list[MediaFailure] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # keys of the new blobs (removed again if the import fails)


def is_own_file(value: Any, base: httpx.URL) -> bool:
    """Whether a task data value points at a file on the Label Studio server at `base` itself."""
    if not isinstance(value, str) or not value.strip():
        return False
    if value.startswith("/") and not value.startswith("//"):
        return value.startswith(_OWN_PATHS)
    try:
        url = httpx.URL(value.strip())
    except (httpx.InvalidURL, ValueError):
        return False
    return url.scheme in ("http", "https") and (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)


def copy_media(http: httpx.Client, tasks: list[dict], *, project_id: int, schema: LabelSchema, storage: Storage,
               limits: MediaLimits, on_file: Callable[[MediaCopy], None] | None = None) -> MediaCopy:
    """Copy the own-storage files of `tasks` (Label Studio export records, rewritten in place) into project
    `project_id`'s storage; `on_file` is called after each distinct file (progress)."""
    shown = {spec.field: spec.type for spec in schema.objects.values()}
    with tempfile.TemporaryDirectory(prefix="labelwise-ls-media-") as workdir:
        copier = _Copier(http, Path(workdir), project_id, storage, limits, on_file)
        for task in tasks:
            data = task.get("data") if isinstance(task, dict) else None
            if not isinstance(data, dict):
                continue
            copier.task, copier.first = task.get("id"), None
            for name, value in data.items():
                data[name] = copier.rewrite(value, media=shown.get(name) in _MEDIA_OBJECTS)
            meta = task.get("meta") or {}
            if copier.first is not None and isinstance(meta, dict) and "media" not in meta:
                task["meta"] = {**meta, "media": _media_meta(copier.first)}  # where blobs are matched to tasks
    return copier.copy


class _Copier:
    """Each distinct file downloaded and stored once, whichever tasks point at it."""

    def __init__(self, http: httpx.Client, workdir: Path, project_id: int, storage: Storage, limits: MediaLimits,
                 on_file: Callable[[MediaCopy], None] | None) -> None:
        self.http, self.workdir, self.project_id = http, workdir, project_id
        self.storage, self.limits, self.on_file = storage, limits, on_file
        self.copy = MediaCopy()
        self.done: dict[str, tuple[str, MediaInfo] | None] = {}  # url -> key and what it is (None: failed)
        self.task: Any = None
        self.first: MediaInfo | None = None  # the current task's first copied file

    def rewrite(self, value: Any, *, media: bool) -> Any:
        """`value` with every own-storage reference replaced by its stored media: `{"src", width, ...}` where
        a media object shows it (as our uploads are), the bare reference elsewhere."""
        if isinstance(value, str):
            copied = self._stored(value.strip()) if is_own_file(value, self.http.base_url) else None
            if copied is None:
                return value
            key, info = copied
            return {"src": media_src(key), **info.fields} if media else media_src(key)
        if isinstance(value, list):
            return [self.rewrite(item, media=media) for item in value]
        if isinstance(value, dict):
            if isinstance(value.get("src"), str):  # already {"src", ...}: keep its other keys
                return {**value, "src": self.rewrite(value["src"], media=False)}
            return {name: self.rewrite(item, media=False) for name, item in value.items()}
        return value

    def _stored(self, url: str) -> tuple[str, MediaInfo] | None:
        if url not in self.done:
            self.done[url] = self._copy_one(url)
            if self.on_file is not None:
                self.on_file(self.copy)
        copied = self.done[url]
        if copied is not None:
            self.copy.references += 1
            self.first = self.first or copied[1]
        return copied

    def _copy_one(self, url: str) -> tuple[str, MediaInfo] | None:
        copy = self.copy
        target = self.workdir / f"file-{copy.files + len(copy.failures):06d}"
        try:
            content_type, final = _download(self.http, url, target, limit=self.limits.max_file_bytes)
            copy.bytes += target.stat().st_size
            info = inspect_file(target, _file_name(url, final, content_type), limits=self.limits)
            key = make_key(self.project_id, info.sha256, info.ext)
            if self.storage.put_file(key, target, content_type=info.content_type):
                copy.stored += 1
                copy.added.append(key)
            else:
                copy.reused += 1
        except Invalid as exc:
            copy.failures.append(MediaFailure(url, self.task, exc.message))
            return None
        finally:
            target.unlink(missing_ok=True)
        copy.files += 1
        return key, info


def _download(http: httpx.Client, url: str, target: Path, *, limit: int) -> tuple[str, str]:
    """Stream `url` into `target` (at most `limit` bytes), retrying transient failures; its content type and
    the address it came from after redirects."""
    attempt = 0
    while True:
        try:
            return _fetch(http, url, target, limit=limit)
        except _Transient as exc:
            if attempt == RETRIES:
                raise Invalid(f"{exc} ({RETRIES + 1} attempts)", field="url") from None
        time.sleep(BACKOFF_SECONDS * 2 ** attempt)
        attempt += 1


class _Transient(Exception):
    """A failure worth another attempt: the connection, a timeout, 429 or a 5xx."""


def _fetch(http: httpx.Client, url: str, target: Path, *, limit: int) -> tuple[str, str]:
    try:
        with http.stream("GET", url, follow_redirects=True) as response:
            if response.status_code in _TRANSIENT:
                raise _Transient(f"Label Studio answered HTTP {response.status_code}")
            if response.status_code != 200:
                raise Invalid(f"Label Studio answered HTTP {response.status_code}", field="url")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise Invalid(f"{declared} bytes is over the {limit} byte limit per media file", field="url")
            size = 0
            with target.open("wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise Invalid(f"over the {limit} byte limit per media file", field="url")
                    out.write(chunk)
            return response.headers.get("content-type", "").split(";", 1)[0].strip().lower(), str(response.url)
    except httpx.TransportError as exc:
        raise _Transient(f"could not be fetched ({type(exc).__name__}: {exc})") from None
    except httpx.HTTPError as exc:  # too many redirects, a bad redirect address
        raise Invalid(f"could not be fetched ({type(exc).__name__}: {exc})", field="url") from None


def _file_name(url: str, final: str, content_type: str) -> str:
    """The file's name as Label Studio knows it (its upload name, the local-files `d=` path, or the name at
    the end of a storage redirect), with an extension from the content type when none of those has one."""
    names = []
    for address in (url, final):
        parts = urlsplit(address)
        names += [PurePosixPath(path).name for path in parse_qs(parts.query).get("d", []) + [parts.path]]
    name = next((name for name in names if media_kind(name) is not None), names[0] or "file")
    if media_kind(name) is None and content_type in _EXTENSIONS:
        name = f"{name}.{_EXTENSIONS[content_type]}"
    return name


def _media_meta(info: MediaInfo) -> dict[str, Any]:
    media: dict[str, Any] = {"sha256": info.sha256, "bytes": info.size, "content_type": info.content_type}
    if info.phash:
        media["phash"] = info.phash
    return media
