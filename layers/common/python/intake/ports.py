"""What the domain needs from the outside world, as Protocols; store.py and blobs.py implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from intake.checks.models import CheckResult
from intake.models import Application, StoredObject, Upload

Clock = Callable[[], datetime]


class ApplicationStore(Protocol):
    def create_application(self, app: Application) -> None: ...
    def load_application(self, application_id: str) -> tuple[Application, list[Upload]]: ...
    def issue_upload(self, upload: Upload, *, allowed_statuses: Iterable[str], max_uploads: int,
                     now: datetime) -> None: ...
    def save_profile(self, app: Application, profile: dict[str, Any], *, editable_statuses: Iterable[str],
                     now: datetime) -> Application: ...
    def change_status(self, app: Application, to: str, *, actor: str, now: datetime,
                      reason: str = "") -> Application: ...


class UploadStore(Protocol):
    def get_upload(self, application_id: str, material_id: str, upload_id: str) -> Upload | None: ...
    def begin_check(self, upload: Upload, obj: StoredObject) -> bool: ...
    def record_result(self, upload: Upload, obj: StoredObject, result: CheckResult, now: datetime) -> bool: ...


class Presigner(Protocol):
    def presign_post(self, key: str, content_type: str, max_bytes: int,
                     expires_in: int) -> tuple[str, dict[str, str]]: ...


class ObjectReader(Protocol):
    name: str
    """The bucket this reader reads from."""

    def read(self, key: str, version_id: str | None = None) -> bytes: ...
