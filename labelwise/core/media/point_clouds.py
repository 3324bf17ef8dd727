"""Stored point clouds decoded for the viewer: x, y, z, intensity as little-endian float32, cached.

Whatever the file's layout (KITTI .bin, PCD, PLY, LAS/LAZ), the browser gets one compact form it can
hand to WebGL as is: 16 bytes a point, so a 120k-point sweep is under 2 MB. Blobs are content-addressed,
so a decoded sweep never goes stale; the cache keeps the most recently asked ones.
"""

import threading
from collections import OrderedDict
from pathlib import PurePosixPath

import numpy as np

from labelwise.errors import NotFound
from labelwise.formats.point_clouds import POINT_CLOUD_SUFFIXES, read_point_cloud
from labelwise.storage import Storage

_CACHE_BYTES = 256 * 1024**2
_cache: OrderedDict[str, bytes] = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()


def points_f32(storage: Storage, key: str) -> bytes:
    """The points of the stored sweep `key` as n x 4 little-endian float32 (x, y, z, intensity)."""
    global _cached_bytes
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    suffix = PurePosixPath(key).suffix.lower()
    if suffix not in POINT_CLOUD_SUFFIXES or not storage.exists(key):
        raise NotFound("no such point cloud")
    decoded = read_point_cloud(PurePosixPath(key).name, storage.get_bytes(key)).astype("<f4").tobytes()
    with _lock:
        if key not in _cache and len(decoded) <= _CACHE_BYTES:
            _cache[key] = decoded
            _cached_bytes += len(decoded)
            while _cached_bytes > _CACHE_BYTES:
                _, dropped = _cache.popitem(last=False)
                _cached_bytes -= len(dropped)
    return decoded


def point_count(decoded: bytes) -> int:
    return len(decoded) // (4 * np.dtype("<f4").itemsize)
