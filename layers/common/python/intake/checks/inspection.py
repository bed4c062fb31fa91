"""Inspections: checks that need computer vision (face geometry, page geometry, QR codes, printed codes).

This module holds only their rules, as program data, and the shape of what they report. The inspections
themselves run in their own function (`inspect_upload`), the only code that imports OpenCV; the rest of the
system reads their findings like any other.

Coordinates in findings and measurements are pixels of the image as displayed (after EXIF orientation),
at full resolution, origin top-left: boxes are `[x, y, width, height]`, points `[x, y]`, so the staff
console can draw them over the photo as they are.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from intake.findings import Finding


class Range(BaseModel):
    """Inclusive bounds."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self

    def __contains__(self, value: float) -> bool:
        return self.min <= value <= self.max


class FrameMM(BaseModel):
    """The physical size the picture represents (ED-MAT-2: 33 mm wide, 48 mm high)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    width: PositiveFloat
    height: PositiveFloat


class FaceRules(BaseModel):
    """Head and face geometry of an ID photo (PG-MAT-2, ED-MAT-2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[str, ...] = ()
    """REQUIREMENTS.md rule IDs these checks implement (carried in the findings' details)."""
    max_centre_offset: float = Field(default=0.06, gt=0, le=0.5)
    """|head centre - picture centre| / picture width."""
    eye_line: Range | None = None
    """Eye line, as a fraction of the picture height from the top edge (PG-MAT-2: 0.30-0.50)."""
    max_roll_deg: float = Field(default=10, gt=0, le=45)
    max_yaw_deg: float = Field(default=10, gt=0, le=45)
    max_pitch_deg: float = Field(default=10, gt=0, le=45)
    frame_mm: FrameMM | None = None
    head_width_mm: Range | None = None
    head_height_mm: Range | None = None
    min_subject_fraction: float | None = Field(default=None, gt=0, le=1)
    """Head and shoulders, measured as the part of the picture that is not background (PG-MAT-2: 2/3)."""

    @model_validator(mode="after")
    def _frame_for_mm(self) -> Self:
        if (self.head_width_mm or self.head_height_mm) and self.frame_mm is None:
            raise ValueError("head sizes in mm need frame_mm")
        return self


class CodeRule(BaseModel):
    """A printed code that must be legible (PG-MAT-8 serial number and check code, PG-MAT-11 verification code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    pattern: str
    """Regular expression the whole code matches (e.g. `[0-9A-Z]{12}`)."""
    labels: tuple[str, ...] = ()
    """Printed labels the code follows on the page (e.g. `在线验证码`, `Verification Code`)."""

    @model_validator(mode="after")
    def _compiles(self) -> Self:
        re.compile(self.pattern)
        return self


class DocumentRules(BaseModel):
    """A scanned or photographed document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[str, ...] = ()
    page: bool = True
    """Rotated, cut off at the picture edge, too dark or too blurred to read."""
    qr_required: bool = False
    """A QR code must be present and decode (CG-MAT-1: the electronic registration form's code)."""
    codes: tuple[CodeRule, ...] = ()
    codes_needed: Literal["all", "any"] = "all"
    """`all`: every code must be legible (PG-MAT-8); `any`: one of them is enough (PG-MAT-11, 12-digit code
    or 7-digit certification number)."""


class Inspection(BaseModel):
    """What a material is inspected for beyond its file spec."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    face: FaceRules | None = None
    document: DocumentRules | None = None


class InspectionReport(BaseModel):
    """What one inspection found and measured."""

    findings: list[Finding] = Field(default_factory=list)
    measurements: dict[str, Any] = Field(default_factory=dict)
    """JSON-ready numbers and shapes (boxes, eye line, angles, QR payload...) for the staff console."""
