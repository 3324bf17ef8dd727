"""The storage protocol and its keys.

A key is `<project id>/<sha256 hex>.<ext>`: content-addressed, so storing the same bytes twice is free,
and so strict that it can never name anything outside the project's folder or prefix.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from labelwise.errors import Invalid

KEY_PATTERN = re.compile(r"^(?P<project>[1-9][0-9]{0,17})/(?P<digest>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{1,8})$")
CHUNK = 256 * 1024


class StorageError(Exception):
    """The backend failed (I/O error, bucket unreachable); not the caller's mistake."""


@dataclass(frozen=True)
class Blob:
    """What is known about a stored object without reading it."""

    key: str
    size: int
    content_type: str


def make_key(project_id: int, digest: str, ext: str) -> str:
    key = f"{project_id}/{digest}.{ext.lower().lstrip('.')}"
    return check_key(key)


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed media key, else raise `Invalid` (no traversal, no odd bytes)."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise Invalid("not a media key; expected <project>/<sha256>.<ext>", field="key")
    return key


def project_of(key: str) -> int:
    return int(check_key(key).split("/", 1)[0])


@runtime_checkable
class Storage(Protocol):
    """Put, read and delete blobs by key. Implementations validate every key they are given."""

    name: str

    def put_file(self, key: str, path: Path, *, content_type: str) -> bool:
        """Store the file at `path` under `key`; return False when the key already existed (nothing written)."""

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> bool: ...

    def get_bytes(self, key: str) -> bytes: ...

    def stream(self, key: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from `start` to `end` inclusive (the whole blob by default), in chunks."""

    def stat(self, key: str) -> Blob | None:
        """Size and content type, or None when there is no such blob."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; removing a missing blob is not an error."""

    def local_path(self, key: str) -> Path | None:
        """A file on this machine holding the blob, when the backend has one (lets the server use sendfile)."""
