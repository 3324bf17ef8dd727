"""Pages of stored PDFs, rendered and read on demand and kept in a small in-memory cache.

A 300-page document opens at once because nothing is rendered at import: the viewer asks for the
pages it shows, at the zoom it shows them, and each (blob, page, scale) is rendered once. Blobs are
content-addressed, so a cached page never goes stale.
"""

import threading
from collections import OrderedDict
from pathlib import Path

from labelwise.errors import NotFound
from labelwise.storage import Storage, pdf

_CACHE_BYTES = 128 * 1024**2


class _LruBytes:
    """An LRU of values whose sizes add up to at most `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0
        self.items: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple):
        with self.lock:
            if key not in self.items:
                return None
            self.items.move_to_end(key)
            return self.items[key][0]

    def put(self, key: tuple, value, size: int) -> None:
        with self.lock:
            if key in self.items or size > self.limit:
                return
            self.items[key] = (value, size)
            self.used += size
            while self.used > self.limit:
                _, (_, dropped) = self.items.popitem(last=False)
                self.used -= dropped


_pages = _LruBytes(_CACHE_BYTES)
_texts = _LruBytes(_CACHE_BYTES // 4)


def page_png(storage: Storage, key: str, page: int, scale: float) -> tuple[bytes, float]:
    """PNG of page `page` (0-based) of the PDF blob `key`, and the scale it was rendered at."""
    scale = pdf.clamp_scale(scale)
    cached = _pages.get((key, page, scale))
    if cached is None:
        cached = pdf.render_page(_source(storage, key), key, page, scale)
        _pages.put((key, page, scale), cached, len(cached))
    return cached, scale


def page_text(storage: Storage, key: str, page: int) -> dict:
    """The text layer of one page with a box per character (see `storage.pdf.page_text`)."""
    cached = _texts.get((key, page))
    if cached is None:
        cached = pdf.page_text(_source(storage, key), key, page)
        _texts.put((key, page), cached, 64 + 40 * len(cached["boxes"]) + len(cached["text"]))
    return cached


def _source(storage: Storage, key: str) -> Path | bytes:
    if not key.endswith(".pdf") or not storage.exists(key):
        raise NotFound("no such PDF")
    return storage.local_path(key) or storage.get_bytes(key)
