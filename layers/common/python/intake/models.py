"""Entities stored in the intake table (the views the API returns are in intake.views)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intake.checks.models import CheckResult

ApplicationStatus = Literal[
    "draft", "pending_review", "approved", "supplement_required", "rejected", "expired", "abandoned"
]
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "draft"),
    "pending_review": ("待审核", "pending review"),
    "approved": ("审核通过", "approved"),
    "supplement_required": ("需补充材料", "materials to supplement"),
    "rejected": ("审核未通过", "failed review"),
    "expired": ("已过期", "expired"),
    "abandoned": ("视为放弃", "abandoned"),
}
UPLOADABLE_STATUSES: frozenset[str] = frozenset({"draft", "supplement_required"})
"""Statuses in which an applicant may obtain upload URLs."""

UploadState = Literal["issued", "checking", "inspecting", "passed", "failed"]
"""`inspecting`: the file checks passed and the vision checks (face, page, QR, codes) are under way."""
MaterialState = Literal["missing", "checking", "passed", "failed", "waived"]

MAX_PROFILE_BYTES = 32 * 1024
"""A profile is a form's worth of answers; anything larger is refused."""


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50, description="Real name as on the ID document.")
    phone: str = Field(pattern=r"^1[3-9]\d{9}$", description="Mainland mobile number for SMS results.")


class Application(BaseModel):
    id: str
    program_id: str
    status: ApplicationStatus = "draft"
    applicant: Applicant
    created_at: datetime
    updated_at: datetime
    version: int = 1
    upload_count: int = 0
    profile: dict[str, Any] = Field(default_factory=dict)
    """What the applicant entered, as entered (valid or not: a draft keeps everything)."""
    submitted_at: datetime | None = None
    owner: str | None = None
    """The applicant's user id (Cognito `sub`)."""
    status_since: datetime | None = None
    """When the application entered its current status (the queue orders by it)."""
    supplement_notes: dict[str, str] = Field(default_factory=dict)
    """What the reviewer asked to fix, per material id, while supplement_required."""
    decision: Decision | None = None
    checks_clean: bool | None = None
    """At the last submission: every machine check passed without even a warning."""
    finding_codes: list[str] = Field(default_factory=list)
    """At the last submission: the codes of the findings on the required materials (staff filter on them)."""
    categories: list[str] = Field(default_factory=list)
    """At the last submission: the applicant categories the profile puts the application in."""


class Decision(BaseModel):
    """The last staff decision, as the applicant and other reviewers see it."""

    action: str
    at: datetime
    by: str
    """The deciding reviewer's user id (staff only)."""
    by_role: str
    reason: str = ""


class HistoryEvent(BaseModel):
    """One status change (X-AUD-1). `actor` and `notes_internal` are for staff only."""

    at: datetime
    action: str
    from_status: str
    to_status: str
    actor_role: str
    actor: str | None = None
    reason: str = ""
    notes: dict[str, str] = Field(default_factory=dict)


class StoredObject(BaseModel):
    """An object S3 reported as created, as far as its event tells."""

    bucket: str
    key: str
    size: int = Field(ge=0)
    event_time: datetime
    version_id: str | None = None
    etag: str | None = None
    sequencer: str | None = None

    @property
    def order(self) -> str:
        """Orders events on the same key. S3's sequencer is a hex string that compares correctly once
        padded to equal length; where an event carries none (moto), the event time stands in."""
        if self.sequencer:
            return "s" + self.sequencer.upper().rjust(32, "0")
        return "t" + self.event_time.strftime("%Y%m%dT%H%M%S.%f")


class Upload(BaseModel):
    application_id: str
    program_id: str
    material_id: str
    upload_id: str
    key: str
    content_type: str
    issued_at: datetime
    state: UploadState = "issued"
    deadline: datetime | None = None
    """The close of the window it was issued in: an object S3 receives at or after it does not count."""
    object: StoredObject | None = None
    result: CheckResult | None = None
    checked_at: datetime | None = None


Application.model_rebuild()
