"""The outcome of checking one file against a FileSpec."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, computed_field

from intake.findings import Finding


class ImageFacts(BaseModel):
    """What was measured, whatever the verdict (shown to staff next to the findings)."""

    bytes: int
    format: str | None = None
    """Detected from content: JPEG, PNG, GIF, WEBP, BMP, TIFF, HEIC, PDF... or None when unknown."""
    width: int | None = None
    """As displayed, after EXIF orientation."""
    height: int | None = None
    stored_width: int | None = None
    stored_height: int | None = None
    orientation: int | None = None
    mode: str | None = None
    dpi: float | None = None
    dpi_source: str | None = None
    """`file` when the density came from JFIF/EXIF/pHYs, `inferred` when derived by the stated rule."""
    decoded_pixels: int = 0
    """Pixels actually decoded (0 when the file was judged from its header alone)."""
    software: str | None = None
    """Editing software named by the metadata (set when the spec asks for the editing warning)."""
    measurements: dict[str, Any] = Field(default_factory=dict)
    """Pixel measurements (working size, chroma, background colour and spread, sharpness) for staff."""


class CheckResult(BaseModel):
    facts: ImageFacts
    findings: list[Finding]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]
