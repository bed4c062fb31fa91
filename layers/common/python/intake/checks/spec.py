"""What a material's file must be: the file rules of a notice, as data."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

ImageFormat = Literal["JPEG", "PNG"]
"""Formats a spec may allow. The type is judged by the file's content, never by its name (X-FILE-1)."""

MIME_TYPES: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png"}

ColourRule = Literal["rgb24", "colour", "any"]
"""`rgb24`: exactly 8-bit RGB, no alpha/palette/CMYK/greyscale (ED-MAT-1).
`colour`: a colour image; a greyscale file is an error, colour-less RGB content a warning.
`any`: no colour rule."""

Background = Literal["white", "blue"]


class Pixels(BaseModel):
    model_config = ConfigDict(frozen=True)
    width: PositiveInt
    height: PositiveInt


class AspectRatio(BaseModel):
    """width:height, accepted when |measured / wanted - 1| <= tolerance (relative)."""

    model_config = ConfigDict(frozen=True)
    width: PositiveInt
    height: PositiveInt
    tolerance: float = Field(default=0.01, ge=0, le=0.2)

    @property
    def value(self) -> float:
        return self.width / self.height


class FileSpec(BaseModel):
    """File rules for one material. Bounds are inclusive; sizes in bytes (1 KB = 1024 bytes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    formats: tuple[ImageFormat, ...] = Field(min_length=1)
    min_bytes: PositiveInt = 1
    max_bytes: PositiveInt
    exact_pixels: Pixels | None = None
    min_pixels: Pixels | None = None
    aspect_ratio: AspectRatio | None = None
    colour: ColourRule = "any"
    min_dpi: PositiveInt | None = None
    background: Background | None = None
    sharpness: bool = True
    """Refuse a clearly blurred image; warn staff about a borderline one."""
    editing_software_warning: bool = False
    """Warn staff when EXIF/metadata names photo-editing software ("no editing", PG-MAT-1)."""
    max_pixels: PositiveInt = 64_000_000
    """Decompression-bomb guard: a header promising more pixels than this is refused before decoding."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_bytes > self.max_bytes:
            raise ValueError("min_bytes must not exceed max_bytes")
        if self.exact_pixels is not None and self.min_pixels is not None:
            raise ValueError("give exact_pixels or min_pixels, not both")
        return self

    @property
    def mime_types(self) -> tuple[str, ...]:
        return tuple(MIME_TYPES[f] for f in self.formats)
