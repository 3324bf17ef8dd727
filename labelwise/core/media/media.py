"""What a media file is: images decoded and measured with Pillow, audio and video told by their magic bytes,
PDF documents opened with pdfium (page count and sizes; encrypted and corrupt files refused), point clouds
decoded whole (`formats.point_clouds`: point count and bounds; truncated and garbled files refused).

`inspect_file` either returns a `MediaInfo` (kind, extension we store it under, content type, the task
data fields such as width/height or duration, a perceptual hash for images) or raises `Invalid`
naming the file. Nothing here writes anywhere.
"""

import hashlib
import warnings
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelwise.errors import Invalid
from labelwise.formats.point_clouds import POINT_CLOUD_SUFFIXES, read_point_cloud
from labelwise.storage import pdf, volumes
from labelwise.storage.mime import CONTENT_TYPES

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".opus", ".weba"}
VIDEO_EXTENSIONS = {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".ogv"}
PDF_EXTENSIONS = {".pdf"}
POINT_CLOUD_EXTENSIONS = set(POINT_CLOUD_SUFFIXES)
VOLUME_EXTENSIONS = {".npz"}  # a stored medical volume (storage.volumes), made by the DICOM/NIfTI import
_PIL_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "BMP": "bmp", "WEBP": "webp", "TIFF": "tif", "MPO": "jpg"}
_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class MediaLimits:
    max_file_bytes: int = 512 * 1024**2
    max_image_pixels: int = 89_478_485
    max_total_bytes: int = 4 * 1024**3
    max_zip_entries: int = 100_000
    max_zip_ratio: int = 200
    max_unzipped_bytes: int = 4 * 1024**3

    @classmethod
    def from_settings(cls, settings) -> "MediaLimits":
        return cls(max_file_bytes=settings.max_media_bytes, max_image_pixels=settings.max_image_pixels,
                   max_total_bytes=settings.max_upload_bytes, max_zip_entries=settings.max_zip_entries,
                   max_zip_ratio=settings.max_zip_ratio, max_unzipped_bytes=settings.max_unzipped_bytes)


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # image, audio, video, pdf or pointcloud
    ext: str
    content_type: str
    sha256: str
    size: int
    fields: dict[str, Any] = field(default_factory=dict)
    phash: str | None = None


def media_kind(name: str) -> str | None:
    """The kind a file name claims by its extension, or None for files that are not media."""
    suffix = Path(name).suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    if suffix in AUDIO_EXTENSIONS:
        return "audio"
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    if suffix in PDF_EXTENSIONS:
        return "pdf"
    if suffix in POINT_CLOUD_EXTENSIONS:
        return "pointcloud"
    if suffix in VOLUME_EXTENSIONS:
        return "dicom"
    return None


def inspect_file(path: Path, name: str, *, limits: MediaLimits) -> MediaInfo:
    """Validate one media file (shown to users as `name`) and describe it; raise `Invalid` if it is bad."""
    kind = media_kind(name)
    if kind is None:
        raise Invalid(f"{name}: not a media file this server accepts (by its extension)", field=name)
    size = path.stat().st_size
    if size == 0:
        raise Invalid(f"{name}: the file is empty", field=name)
    if size > limits.max_file_bytes:
        raise Invalid(f"{name}: {size} bytes is over the {limits.max_file_bytes} byte limit per media file", field=name)
    digest = _sha256(path)
    if kind == "image":
        ext, fields, phash = _inspect_image(path, name, limits)
    elif kind == "pdf":
        ext, fields, phash = "pdf", _pdf_fields(path, name), None
    elif kind == "pointcloud":
        ext, fields, phash = Path(name).suffix.lower()[1:], point_cloud_fields(path.read_bytes(), name), None
    elif kind == "dicom":
        ext, fields, phash = "npz", volumes.describe(path, name), None
    else:
        with path.open("rb") as fp:
            head = fp.read(64)
        ext = _sniff_av(head, kind, Path(name).suffix.lower())
        if ext is None:
            raise Invalid(f"{name}: the content is not a {kind} file this server recognises (bad magic bytes)",
                          field=name)
        fields = _wav_fields(path, name) if ext == "wav" else {}
        phash = None
    return MediaInfo(kind, ext, CONTENT_TYPES[ext], digest, size, fields, phash)


def _inspect_image(path: Path, name: str, limits: MediaLimits) -> tuple[str, dict[str, Any], str | None]:
    from PIL import Image, UnidentifiedImageError

    from labelwise.assist.image_hash import phash

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                fmt = image.format
                if width * height > limits.max_image_pixels:
                    raise Invalid(f"{name}: {width}x{height} pixels is over the {limits.max_image_pixels} pixel "
                                  "limit (a decompression bomb?)", field=name)
                image.verify()
            with Image.open(path) as image:
                image.draft("L", (256, 256))  # JPEG decodes at reduced scale: cheap, still reads every byte
                image.load()
                hashed = phash(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(f"{name}: the image is too large to decode safely (a decompression bomb?)", field=name) from None
    except UnidentifiedImageError:
        raise Invalid(f"{name}: not a readable image", field=name) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Invalid(f"{name}: the image is corrupt ({exc})", field=name) from None
    ext = _PIL_FORMATS.get(fmt or "")
    if ext is None:
        raise Invalid(f"{name}: image format {fmt} is not accepted", field=name)
    return ext, {"width": width, "height": height}, hashed


def _pdf_fields(path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as fp:
        if b"%PDF-" not in fp.read(1024):
            raise Invalid(f"{name}: the content is not a PDF (no %PDF- header)", field=name)
    info = pdf.inspect_pdf(path, name)
    return {"pages": info.pages, "page_sizes": [list(size) for size in info.page_sizes]}


def point_cloud_fields(content: bytes, name: str) -> dict[str, Any]:
    """`points` (the count with a return) and `bounds` `[[min x, y, z], [max x, y, z]]` of a sweep."""
    points = read_point_cloud(name, content)
    if not len(points):
        raise Invalid(f"{name}: the point cloud holds no points", field=name)
    xyz = points[:, :3]
    low, high = xyz.min(axis=0), xyz.max(axis=0)
    return {"points": int(len(points)),
            "bounds": [[round(float(v), 3) for v in low], [round(float(v), 3) for v in high]]}


def _sniff_av(head: bytes, kind: str, suffix: str) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        found = ("audio", "wav")
    elif head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        found = ("video", "avi")
    elif head[:4] == b"fLaC":
        found = ("audio", "flac")
    elif head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        # MPEG audio frames and AAC ADTS share the 11-bit sync; the layer bits tell them apart.
        found = ("audio", "aac" if head[1] & 0x06 == 0 and suffix == ".aac" else "mp3")
    elif head[:4] == b"OggS":
        found = (kind, {"audio": "ogg", "video": "ogv"}[kind] if suffix != ".opus" else "opus")
    elif head[4:8] == b"ftyp":
        brand = head[8:12]
        found = ("audio", "m4a") if brand in (b"M4A ", b"M4B ") else (kind, "m4a" if kind == "audio" else "mp4")
        if kind == "video" and brand == b"qt  ":
            found = ("video", "mov")
    elif head[:4] == b"\x1a\x45\xdf\xa3":
        found = (kind, "weba" if kind == "audio" else ("mkv" if suffix == ".mkv" else "webm"))
    else:
        return None
    return found[1] if found[0] == kind else None


def _wav_fields(path: Path, name: str) -> dict[str, Any]:
    try:
        with wave.open(str(path), "rb") as reader:
            frames, rate = reader.getnframes(), reader.getframerate()
    except wave.Error as exc:
        if "unknown format" in str(exc):  # e.g. WAVE_FORMAT_EXTENSIBLE before Python 3.12: valid, just unmeasured
            return {}
        raise Invalid(f"{name}: the WAV audio is corrupt ({exc})", field=name) from None
    except EOFError as exc:
        raise Invalid(f"{name}: the WAV audio is corrupt ({exc})", field=name) from None
    return {"duration": round(frames / rate, 6)} if rate else {}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while chunk := fp.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
