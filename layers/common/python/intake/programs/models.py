"""The shape of a program definition.

Eligibility rules, applicant categories and windows are added to this model by later work; the
definition files are strict (`extra="forbid"`) so a typo in a new round's data fails at load time.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.checks.spec import FileSpec

Identifier = Field(pattern=r"^[a-z][a-z0-9_-]*[a-z0-9]$", max_length=64)
RuleId = Field(pattern=r"^[A-Z]+(-[A-Z]+)+-\d+$")


class MaterialDef(BaseModel):
    """One thing an applicant uploads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Identifier
    name_zh: str
    name_en: str
    spec: str
    """Name of an entry in the program's `file_specs`."""
    rules: tuple[str, ...] = ()
    """REQUIREMENTS.md rule IDs this material implements."""
    hint_zh: str = ""
    hint_en: str = ""


class Program(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Identifier
    name_zh: str
    name_en: str
    notice: str
    """The notice this round comes from (a file name under the shared seeds)."""
    timezone: str = "Asia/Shanghai"
    file_specs: dict[str, FileSpec]
    materials: tuple[MaterialDef, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        ids = [m.id for m in self.materials]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate material ids: {duplicates}")
        unknown = sorted({m.spec for m in self.materials} - set(self.file_specs))
        if unknown:
            raise ValueError(f"materials refer to undefined file_specs: {unknown}")
        return self

    def material(self, material_id: str) -> MaterialDef | None:
        return next((m for m in self.materials if m.id == material_id), None)

    def spec_for(self, material: MaterialDef) -> FileSpec:
        return self.file_specs[material.spec]
