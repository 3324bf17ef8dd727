"""Media files made on the fly for the media and duplicate tests: images drawn with Pillow, WAV with `wave`."""

import io
import wave
import zipfile

import numpy as np
from PIL import Image, ImageDraw

IMAGE_SCHEMA = {
    "objects": {"photo": {"type": "image"}},
    "controls": {"objects": {"type": "boxes", "object": "photo", "labels": ["car", "person"]}},
}
AUDIO_SCHEMA = {
    "objects": {"clip": {"type": "audio"}},
    "controls": {"parts": {"type": "segments", "object": "clip", "labels": ["speech", "noise"]}},
}


def scene(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A smooth picture with a few shapes: different seeds give visibly different images."""
    rng = np.random.default_rng(seed)
    w, h = size
    x = np.linspace(0, 1, w)[None, :, None]
    y = np.linspace(0, 1, h)[:, None, None]
    base = rng.uniform(0, 255, 3) * x + rng.uniform(0, 255, 3) * (1 - y)
    image = Image.fromarray(np.clip(base / 2, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = rng.integers(0, w - 40), rng.integers(0, h - 40)
        box = (int(x0), int(y0), int(x0 + rng.integers(20, w // 2)), int(y0 + rng.integers(20, h // 2)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(seed: int = 0, size: tuple[int, int] = (320, 240)) -> bytes:
    return encode(scene(seed, size))


def jpeg(seed: int = 0, size: tuple[int, int] = (320, 240), quality: int = 90) -> bytes:
    return encode(scene(seed, size), "JPEG", quality=quality)


def wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def zip_of(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_with_symlink(name: str, target: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, target)
    return out.getvalue()
