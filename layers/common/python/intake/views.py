"""What the API returns: an application as its applicant or a reviewer sees it, lists, upload tickets.

Kept apart from the stored entities (intake.models) so that functions which never answer the API (the upload
validator above all) do not build these models or import the eligibility assessment at cold start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from intake.findings import Finding
from intake.models import STATUS_LABELS, Applicant, Application, ApplicationStatus, MaterialState, UploadState
from intake.rules.assessment import AssessmentSummary, Requirement
from intake.rules.conditions import Reason


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
    earlier: list[UploadView] = Field(default_factory=list, description="Those uploads, newest first.")


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
    supplement_notes: dict[str, str] = Field(default_factory=dict)
    """While supplement_required: what to fix, per material id."""
    decision: dict[str, Any] | None = None
    """The last staff decision (the reviewer's id only for staff)."""
    allowed_actions: list[str] = Field(default_factory=list)
    """What the caller can do now (submit / resubmit for the applicant, decisions for staff)."""
    status_since: datetime | None = None
    forms: list[GeneratedForm] = Field(default_factory=list)
    """Once approved: the forms to download and print (CG-FLOW-2), as short-lived links."""


class GeneratedForm(BaseModel):
    id: str
    name: LocalizedText
    url: str
    expires_in: int


class ApplicationSummary(BaseModel):
    """One line of a list (an applicant's applications, the staff queue)."""

    id: str
    program_id: str
    status: ApplicationStatus
    status_label: LocalizedText
    applicant: Applicant
    created_at: datetime
    submitted_at: datetime | None
    status_since: datetime | None
    checks_clean: bool | None
    version: int
    finding_codes: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, app: Application, program: Any = None) -> ApplicationSummary:
        zh, en = STATUS_LABELS[app.status]
        return cls(id=app.id, program_id=app.program_id, status=app.status,
                   status_label=LocalizedText(zh=zh, en=en), applicant=app.applicant, created_at=app.created_at,
                   submitted_at=app.submitted_at, status_since=app.status_since or app.created_at,
                   checks_clean=app.checks_clean, version=app.version,
                   finding_codes=app.finding_codes, categories=app.categories)


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
