"""Slices of stored medical volumes, windowed and encoded on demand from volumes kept in memory.

A volume is read from storage once per process and kept in an LRU (by bytes): reconstructing a
sagittal or coronal plane is then an array view, and a 512x512 slice is windowed and PNG-encoded in
a few milliseconds. Blobs are content-addressed, so a cached volume never goes stale.
"""

from labelwise.core.media.pdf_pages import _LruBytes
from labelwise.errors import Invalid, NotFound
from labelwise.storage import Storage, volumes

_CACHE_BYTES = 1536 * 1024**2
_volumes = _LruBytes(_CACHE_BYTES)


def volume(storage: Storage, key: str) -> volumes.Volume:
    """The stored volume `key`, from the cache or read once."""
    cached = _volumes.get((key,))
    if cached is None:
        if not key.endswith(".npz") or not storage.exists(key):
            raise NotFound("no such volume")
        cached = volumes.load(storage.local_path(key) or storage.get_bytes(key), key)
        _volumes.put((key,), cached, cached.voxels.nbytes)
    return cached


def remember(key: str, loaded: volumes.Volume) -> None:
    """Keep a volume just imported, so its first slice does not wait for it to be read back."""
    _volumes.put((key,), loaded, loaded.voxels.nbytes)


def slice_png(storage: Storage, key: str, view: str, index: int, *, center: float | None = None,
              width: float | None = None, preset: str | None = None) -> tuple[bytes, tuple[float, float]]:
    """PNG of one plane through a window (a preset, center/width, or the volume's default), and the window."""
    loaded = volume(storage, key)
    if preset is not None:
        if preset not in volumes.PRESETS:
            raise Invalid(f"preset must be one of {', '.join(volumes.PRESETS)}", field="preset")
        window = volumes.PRESETS[preset]
    else:
        window = (loaded.window[0] if center is None else center, loaded.window[1] if width is None else width)
    plane = volumes.view_plane(loaded.voxels, view, index)
    return volumes.png(volumes.windowed(plane, *window)), window
