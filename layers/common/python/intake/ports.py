"""What the domain needs from the outside world, as Protocols; store.py and blobs.py implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from intake.checks.models import CheckResult
from intake.models import Application, HistoryEvent, StoredObject, Upload

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class QueueFilter:
    """What a reviewer narrows the queue to; empty means no filter."""

    text: str = ""
    """An application id, or part of the applicant's name."""
    finding: str = ""
    """A finding code on a required material at submission (e.g. face.eye_line)."""
    category: str = ""
    """An applicant category of the program (e.g. fresh_graduate)."""


class ApplicationStore(Protocol):
    def create_application(self, app: Application) -> None: ...
    def load_application(self, application_id: str) -> tuple[Application, list[Upload]]: ...
    def issue_upload(self, upload: Upload, *, allowed_statuses: Iterable[str], max_uploads: int,
                     now: datetime) -> None: ...
    def save_profile(self, app: Application, profile: dict[str, Any], *, editable_statuses: Iterable[str],
                     now: datetime) -> Application: ...
    def change_status(self, app: Application, to: str, *, action: str, actor: str, role: str, now: datetime,
                      reason: str = "", notes: dict[str, str] | None = None,
                      changes: dict[str, Any] | None = None, reload: bool = True) -> Application: ...
    def history(self, application_id: str) -> list[HistoryEvent]: ...
    def queue(self, program_id: str, status: str, *, limit: int, cursor: dict[str, Any] | None = None,
              entered_before: datetime | None = None,
              clean_only: bool = False, filters: QueueFilter | None = None,
              ) -> tuple[list[Application], dict[str, Any] | None]: ...
    def count(self, program_id: str, status: str) -> int: ...
    def owned_by(self, owner: str) -> list[Application]: ...


class UploadStore(Protocol):
    def get_upload(self, application_id: str, material_id: str, upload_id: str) -> Upload | None: ...
    def begin_check(self, upload: Upload, obj: StoredObject) -> bool: ...
    def record_result(self, upload: Upload, obj: StoredObject, result: CheckResult, now: datetime, *,
                      inspecting: bool = False) -> bool: ...
    def record_inspection(self, upload: Upload, order: str, result: CheckResult, now: datetime) -> bool: ...


class Presigner(Protocol):
    def presign_post(self, key: str, content_type: str, max_bytes: int,
                     expires_in: int) -> tuple[str, dict[str, str]]: ...
    def presign_get(self, key: str, expires_in: int) -> str: ...
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def read(self, key: str, version_id: str | None = None) -> bytes: ...


class ObjectReader(Protocol):
    name: str
    """The bucket this reader reads from."""

    def read(self, key: str, version_id: str | None = None) -> bytes: ...
