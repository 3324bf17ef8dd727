"""Content types of the media kinds we store, by the key's extension (which the server chose)."""

CONTENT_TYPES = {
    "jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp", "bmp": "image/bmp",
    "tif": "image/tiff",
    "wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "ogg": "audio/ogg", "m4a": "audio/mp4",
    "aac": "audio/aac", "opus": "audio/ogg", "weba": "audio/webm",
    "mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "mkv": "video/x-matroska",
    "avi": "video/x-msvideo", "ogv": "video/ogg",
    "pdf": "application/pdf",
    "bin": "application/octet-stream", "pcd": "application/octet-stream", "ply": "application/octet-stream",
    "las": "application/vnd.las", "laz": "application/vnd.laszip",
    "npz": "application/octet-stream",
}


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
