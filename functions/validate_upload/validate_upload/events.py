"""The S3 event notification as it arrives in an SQS message body.

Only the fields this function uses are modelled, and extra fields are allowed: AWS adds fields over time,
and moto leaves some out (versionId, sequencer). S3 also sends one `s3:TestEvent` when a notification
configuration is created; it carries no records.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote_plus

from pydantic import BaseModel, Field

from intake.models import StoredObject


class _Bucket(BaseModel):
    name: str


class _Object(BaseModel):
    key: str
    size: int = Field(default=0, ge=0)
    eTag: str | None = None
    versionId: str | None = None
    sequencer: str | None = None


class _S3(BaseModel):
    bucket: _Bucket
    object: _Object


class S3Record(BaseModel):
    eventName: str
    eventTime: datetime
    s3: _S3

    def to_object(self) -> StoredObject:
        return StoredObject(
            bucket=self.s3.bucket.name,
            key=unquote_plus(self.s3.object.key),  # keys arrive URL-encoded, spaces as '+'
            size=self.s3.object.size,
            event_time=self.eventTime,
            version_id=self.s3.object.versionId,
            etag=self.s3.object.eTag,
            sequencer=self.s3.object.sequencer,
        )


class S3Notification(BaseModel):
    Records: list[S3Record] = Field(default_factory=list)
    Event: str | None = None
    """Set (to `s3:TestEvent`) only on the test message S3 sends when notifications are configured."""

    @property
    def is_test_event(self) -> bool:
        return self.Event == "s3:TestEvent"
