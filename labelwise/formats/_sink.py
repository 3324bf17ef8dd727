"""Where multi-file exports (VOC, YOLO) put their files: a directory, or entries of a zip archive."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import IO


class Sink:
    """Files written under a directory, or as entries of a zip archive."""

    def __init__(self, target: str | os.PathLike | IO[bytes]) -> None:
        self._zip: zipfile.ZipFile | None = None
        self._root: Path | None = None
        if hasattr(target, "write"):
            self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        elif str(target).lower().endswith(".zip"):
            self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        else:
            self._root = Path(target)

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()

    def put(self, name: str, content: bytes) -> None:
        if self._zip is not None:
            # A fixed timestamp, so the same export twice is the same bytes (snapshots rely on it).
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            self._zip.writestr(info, content)
            return
        path = self._root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
