"""Short-lived signed media URLs: HMAC-SHA256 over the key and its expiry, with one secret per deployment.

Every server process must verify what any other signed, so the secret comes from `Settings.secret_key`
or is generated once into `<data_dir>/secret_key` (mode 0600) when the app is created.
"""

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from labelwise.settings import Settings

SECRET_FILE = "secret_key"
MEDIA_PATH = "/api/v1/media/"


def load_secret(settings: Settings) -> bytes:
    """The server secret: the configured one, else the data dir's file, created atomically if missing."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race; use its secret
        return _read(path)
    with os.fdopen(fd, "w") as fp:
        fp.write(secrets.token_urlsafe(48))
    return _read(path)


def sign(secret: bytes, key: str, expires: int) -> str:
    return hmac.new(secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


def verify(secret: bytes, key: str, expires: int, signature: str, *, now: float | None = None) -> bool:
    if expires < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(sign(secret, key, expires), signature)


def signed_path(secret: bytes, key: str, *, ttl: int, now: float | None = None) -> tuple[str, int]:
    """`/api/v1/media/<key>?expires=...&signature=...` valid for `ttl` seconds, and its expiry time."""
    expires = int((time.time() if now is None else now) + ttl)
    query = urlencode({"expires": expires, "signature": sign(secret, key, expires)})
    return f"{MEDIA_PATH}{quote(key)}?{query}", expires


def _read(path: Path) -> bytes:
    value = path.read_text().strip()
    if len(value) < 32:
        raise RuntimeError(f"{path} holds no usable secret; delete it to have a new one made")
    return value.encode()
