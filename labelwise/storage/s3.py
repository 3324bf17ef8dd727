"""Blobs in an S3-compatible bucket (AWS, MinIO, Ceph, moto) through boto3, optionally under a key prefix.

Credentials come from the settings when given, else from boto3's default chain (environment,
shared config, instance role).
"""

from collections.abc import Iterator
from pathlib import Path

from labelwise.storage.base import CHUNK, Blob, StorageError, check_key


class S3Storage:
    name = "s3"

    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise StorageError("LABELWISE_STORAGE=s3 needs boto3, from the s3 extra: "
                               "pip install 'labelwise[s3]'") from None

        self.bucket = bucket
        self.prefix = prefix
        session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                        region_name=region)
        # Clients are thread-safe; building one does no network I/O.
        self._client = session.client("s3", endpoint_url=endpoint_url,
                                      config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                                    signature_version="s3v4"))

    def put_file(self, key: str, path: Path, *, content_type: str) -> bool:
        if self.exists(key):
            return False
        self._guard(lambda: self._client.upload_file(str(path), self.bucket, self._name(key),
                                                     ExtraArgs={"ContentType": content_type}))
        return True

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> bool:
        if self.exists(key):
            return False
        self._guard(lambda: self._client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                                                    ContentType=content_type))
        return True

    def get_bytes(self, key: str) -> bytes:
        response = self._guard(lambda: self._client.get_object(Bucket=self.bucket, Key=self._name(key)))
        return response["Body"].read()

    def stream(self, key: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        kwargs = {"Bucket": self.bucket, "Key": self._name(key)}
        if start or end is not None:
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end}"
        body = self._guard(lambda: self._client.get_object(**kwargs))["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def stat(self, key: str) -> Blob | None:
        from botocore.exceptions import ClientError

        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(f"S3 head {key}: {exc}") from exc
        return Blob(key, head["ContentLength"], head.get("ContentType") or "application/octet-stream")

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        self._guard(lambda: self._client.delete_object(Bucket=self.bucket, Key=self._name(key)))

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(self, key: str, *, expires_in: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._name(key)}, ExpiresIn=expires_in
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _guard(self, call):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 error: {exc}") from exc
