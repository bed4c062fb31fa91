"""Entities stored in the intake table and the views the API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intake.checks.models import CheckResult
from intake.findings import Finding
from intake.rules.assessment import AssessmentSummary, Requirement
from intake.rules.conditions import Reason

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
UPLOADABLE_STATUSES: frozenset[str] = frozenset({"draft"})
"""Statuses in which an applicant may obtain upload URLs."""

UploadState = Literal["issued", "checking", "passed", "failed"]
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
    object: StoredObject | None = None
    result: CheckResult | None = None
    checked_at: datetime | None = None


# ---------------------------------------------------------------------------- views


class LocalizedText(BaseModel):
    zh: str
    en: str


class UploadView(BaseModel):
    upload_id: str
    state: UploadState
    uploaded_at: datetime | None
    checked_at: datetime | None
    size: int | None
    findings: list[Finding]
    facts: dict[str, object] | None = None


class MaterialView(BaseModel):
    id: str
    name: LocalizedText
    hint: LocalizedText
    requirement: Requirement
    requirement_reasons: list[Reason]
    state: MaterialState
    rules: list[str]
    accepts: list[str] = Field(description="MIME types accepted for upload.")
    max_bytes: int
    latest: UploadView | None
    previous_uploads: int = Field(description="Earlier uploads of this material that no longer count.")


class ApplicationView(BaseModel):
    id: str
    program_id: str
    program_name: LocalizedText
    status: ApplicationStatus
    status_label: LocalizedText
    applicant: Applicant
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    version: int
    profile: dict[str, Any]
    assessment: AssessmentSummary
    materials: list[MaterialView]
    can_submit: bool
    """True when submit would succeed now; otherwise `blocking` says why."""
    blocking: list[Problem]


class Problem(BaseModel):
    """One reason an application cannot be submitted yet."""

    kind: Literal["eligibility", "field", "material", "status"]
    code: str
    rule: str | None = None
    field: str | None = None
    material: str | None = None
    message_zh: str
    message_en: str
    message: str


class UploadTicket(BaseModel):
    """Everything a browser needs to POST one file straight to S3."""

    upload_id: str
    material_id: str
    url: str
    fields: dict[str, str]
    content_type: str
    max_bytes: int
    expires_at: datetime


ApplicationView.model_rebuild()
