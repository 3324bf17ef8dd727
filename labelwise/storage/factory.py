"""Build the configured storage backend from `Settings`."""

from labelwise.settings import Settings
from labelwise.storage.base import Storage, StorageError


def make_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        from labelwise.storage.s3 import S3Storage

        if not settings.s3_bucket:
            raise StorageError("LABELWISE_S3_BUCKET must be set when LABELWISE_STORAGE is 's3'")
        return S3Storage(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
        )
    from labelwise.storage.local import LocalStorage

    return LocalStorage(settings.resolved_media_dir)
