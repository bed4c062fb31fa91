"""The shape of a program definition: materials and their file specs, profile fields, applicant categories,
eligibility rules, and which materials each applicant must upload.

Definition files are strict (`extra="forbid"`), and every reference inside conditions (fields, rules,
categories) is checked on load, so a typo in a new round's data fails at load time, not for an applicant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from intake.checks.inspection import Inspection
from intake.checks.spec import FileSpec
from intake.rules.conditions import (
    CategoryCondition,
    Condition,
    FieldCondition,
    InsuranceRunCondition,
    RuleCondition,
    walk,
)
from intake.rules.fields import FieldDef

Identifier = Field(pattern=r"^[a-z][a-z0-9_-]*[a-z0-9]$", max_length=64)
RuleId = Field(pattern=r"^[A-Z]+(-[A-Z]+)+-\d+$")
OptionalRuleId = Field(default=None, pattern=r"^[A-Z]+(-[A-Z]+)+-\d+$")


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
    required: bool | Condition = True
    """True: everyone uploads it; a condition: those it holds for; False: optional for everyone."""
    required_by: str | None = OptionalRuleId
    """The rule that says who must upload it; its requirement reasons carry this id."""
    optional_when: Condition | None = None
    """Where it is not required, whether it is offered as optional (default: only when `required` is False)."""
    waived_when: Condition | None = None
    """A required material is waived when this holds (e.g. the hukou comparison already passed)."""
    inspect: Inspection | None = None
    """Vision checks after the file checks pass: face geometry, page geometry, QR code, printed codes."""


class Window(BaseModel):
    """A period in which something is accepted: from `opens` (inclusive) to `closes` (exclusive), to the second.
    Times are written with their offset (+08:00 for Asia/Shanghai); a time without one is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = RuleId
    name_zh: str
    name_en: str
    opens: AwareDatetime
    closes: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError(f"window {self.rule} closes before it opens")
        return self

    def contains(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


class Windows(BaseModel):
    """The round's windows (PG-WIN-1…3, SC-WIN-1…2). Missing ones do not apply to the program."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_upload: Window | None = None
    """Uploading and submitting a draft."""
    supplement: Window | None = None
    """Re-uploading and resubmitting after a supplement request."""
    review: Window | None = None
    """Staff decisions (admins may still decide after it, with a reason)."""
    results: Window | None = None
    """Results are served until it closes (SC-WIN-2)."""
    upload_days_after_confirmation: int | None = Field(default=None, ge=1, le=60)
    """Per applicant (CG-FLOW-3): materials must be uploaded within this many days of the confirmation SMS
    (the application's creation), otherwise the application counts as abandoned."""


class FormDef(BaseModel):
    """A document generated for the applicant on approval (CG-FLOW-2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Literal["registration_form", "introduction_letter"]
    name_zh: str
    name_en: str


class Category(BaseModel):
    """A named group of applicants (e.g. PG-MAT-4's full-time fresh graduates), usable in conditions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Identifier
    name_zh: str
    name_en: str
    rule: str | None = None
    when: Condition


class EligibilityRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = RuleId
    name_zh: str
    name_en: str
    when: Condition


class Refusal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = RuleId
    message_zh: str
    message_en: str


class Eligibility(BaseModel):
    """Rules evaluated one by one (each can use the others), then `eligible_when` decides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[EligibilityRule, ...] = Field(min_length=1)
    eligible_when: Condition
    refusal: Refusal


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
    profile: tuple[FieldDef, ...] = ()
    categories: tuple[Category, ...] = ()
    eligibility: Eligibility | None = None
    windows: Windows = Windows()
    forms: tuple[FormDef, ...] = ()
    """Generated on approval and offered to the applicant to download and print."""
    review_sla_hours: int | None = Field(default=None, ge=1, le=720)
    """Applications waiting longer than this for a decision are listed as overdue (SC-REV-1: 72 h)."""
    score_recognition: bool = False
    """Offers the score-recognition calculator (SC-RULE-1…3) at /programs/{id}/recognition."""

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        ids = [m.id for m in self.materials]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate material ids: {duplicates}")
        unknown = sorted({m.spec for m in self.materials} - set(self.file_specs))
        if unknown:
            raise ValueError(f"materials refer to undefined file_specs: {unknown}")
        self._check_references()
        return self

    def conditions(self) -> list[tuple[str, Condition]]:
        """Every condition in the definition, with where it stands."""
        found: list[tuple[str, Condition | bool | None]] = []
        for f in self.profile:
            found += [(f"profile.{f.id}.required", f.required), (f"profile.{f.id}.allowed_when", f.allowed_when)]
        for m in self.materials:
            found += [(f"materials.{m.id}.required", m.required), (f"materials.{m.id}.optional_when", m.optional_when),
                      (f"materials.{m.id}.waived_when", m.waived_when)]
        found += [(f"categories.{c.id}", c.when) for c in self.categories]
        if self.eligibility:
            found += [(f"eligibility.{r.id}", r.when) for r in self.eligibility.rules]
            found.append(("eligibility.eligible_when", self.eligibility.eligible_when))
        return [(where, c) for where, c in found if c is not None and not isinstance(c, bool)]

    def _check_references(self) -> None:
        fields = {f.id for f in self.profile}
        rules = {r.id for r in self.eligibility.rules} if self.eligibility else set()
        categories = {c.id for c in self.categories}
        problems = []
        for f in self.profile:
            for ref in (f.same_as, f.birth_date_field, f.start_field):
                if ref is not None and ref not in fields:
                    problems.append(f"profile.{f.id} refers to unknown field {ref!r}")
        for where, condition in self.conditions():
            for node in walk(condition):
                if isinstance(node, FieldCondition) and node.field not in fields:
                    problems.append(f"{where}: unknown field {node.field!r}")
                elif isinstance(node, InsuranceRunCondition) and node.insurance_run.field not in fields:
                    problems.append(f"{where}: unknown field {node.insurance_run.field!r}")
                elif isinstance(node, RuleCondition) and node.rule not in rules:
                    problems.append(f"{where}: unknown eligibility rule {node.rule!r}")
                elif isinstance(node, CategoryCondition) and node.category not in categories:
                    problems.append(f"{where}: unknown category {node.category!r}")
        if problems:
            raise ValueError("; ".join(problems))

    def field(self, field_id: str) -> FieldDef | None:
        return next((f for f in self.profile if f.id == field_id), None)

    def material(self, material_id: str) -> MaterialDef | None:
        return next((m for m in self.materials if m.id == material_id), None)

    def spec_for(self, material: MaterialDef) -> FileSpec:
        return self.file_specs[material.spec]
