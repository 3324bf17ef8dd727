"""Media blob storage: a local folder or an S3-compatible bucket, addressed by validated content keys."""

from labelwise.storage.base import Blob, Storage, StorageError, check_key, make_key, project_of
from labelwise.storage.factory import make_storage

__all__ = ["Blob", "Storage", "StorageError", "check_key", "make_key", "make_storage", "project_of"]
