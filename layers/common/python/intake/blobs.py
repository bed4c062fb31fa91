"""The uploads bucket: reading objects and signing browser uploads. Nothing else calls S3."""

from __future__ import annotations

from typing import Any


class UploadsBucket:
    """`s3` is a boto3 S3 client."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self.name = bucket

    def read(self, key: str, version_id: str | None = None) -> bytes:
        kwargs = {"Bucket": self.name, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        return self._s3.get_object(**kwargs)["Body"].read()

    def presign_post(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        """A POST that can create exactly this key, with this content type, of 1..max_bytes bytes.

        The lower bound is 1 byte on purpose: a file that is too small still arrives and gets a finding
        naming its size and the minimum, where S3 itself would only answer with an XML error."""
        post = self._s3.generate_presigned_post(
            Bucket=self.name,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return post["url"], post["fields"]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self.name, Key=key, Body=data, ContentType=content_type)

    def presign_get(self, key: str, expires_in: int) -> str:
        """A short-lived link to read one object (staff viewing a material)."""
        return self._s3.generate_presigned_url("get_object", Params={"Bucket": self.name, "Key": key},
                                               ExpiresIn=expires_in)
