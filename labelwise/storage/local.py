"""Blobs as files under one folder: `<root>/<project>/<sha256>.<ext>`, written atomically."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from labelwise.storage.base import CHUNK, Blob, StorageError, check_key
from labelwise.storage.mime import content_type_for


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)  # created on first write, never at construction

    def put_file(self, key: str, path: Path, *, content_type: str) -> bool:
        target = self._path(key)
        if target.exists():
            return False
        with open(path, "rb") as source:
            return self._write(target, lambda fp: shutil.copyfileobj(source, fp, CHUNK))

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> bool:
        target = self._path(key)
        if target.exists():
            return False
        return self._write(target, lambda fp: fp.write(data))

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"no blob {key}") from None

    def stream(self, key: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(key)
        with path.open("rb") as fp:
            fp.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = fp.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def stat(self, key: str) -> Blob | None:
        try:
            size = self._path(key).stat().st_size
        except FileNotFoundError:
            return None
        return Blob(key, size, content_type_for(key))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def _path(self, key: str) -> Path:
        check_key(key)
        root = self.root.resolve()
        path = (root / key).resolve()
        # The key pattern already rules traversal out; this second wall also catches a symlinked project folder.
        if not path.is_relative_to(root):
            raise StorageError(f"key {key} resolves outside the media folder")
        return path

    def _write(self, target: Path, write) -> bool:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(self.root.resolve()):
            raise StorageError(f"{target.parent} is outside the media folder")
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fp:
                write(fp)
            os.chmod(temp, 0o644)
            os.replace(temp, target)  # atomic: readers never see half a blob
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return True
