"""One applicant's profile against one program: field problems, eligibility with reasons, categories, and
which materials they must upload (required, optional, waived or not applicable), each with its reasons."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from intake.rules.conditions import Context, Label, Reason, Verdict, evaluate
from intake.rules.fields import FieldFinding, check_profile

if TYPE_CHECKING:
    from intake.programs.models import MaterialDef, Program

Requirement = Literal["required", "optional", "waived", "not_applicable"]


class RuleResult(BaseModel):
    id: str
    name_zh: str
    name_en: str
    holds: bool
    reasons: list[Reason]


class EligibilityResult(BaseModel):
    eligible: bool
    reasons: list[Reason]
    """Why, in short: the rules that made the applicant eligible, or the refusal and what failed."""
    rules: list[RuleResult]
    """Every rule's own outcome, for staff answering "why not?"."""


class MaterialRequirement(BaseModel):
    id: str
    name_zh: str
    name_en: str
    requirement: Requirement
    reasons: list[Reason]


class AssessmentSummary(BaseModel):
    """Eligibility and the profile's problems: what an application view shows beside its materials."""

    eligible: bool
    eligibility: EligibilityResult
    categories: list[str]
    profile_valid: bool
    invalid_fields: list[FieldFinding]
    missing_fields: list[FieldFinding]


class Assessment(AssessmentSummary):
    materials: list[MaterialRequirement]

    @property
    def required_material_ids(self) -> list[str]:
        return [m.id for m in self.materials if m.requirement == "required"]


class _Evaluator:
    """Evaluates a program's rules and categories over typed profile values, each at most once."""

    def __init__(self, program: Program, values: dict[str, Any], labels: dict[str, Label]) -> None:
        self._program = program
        self._rules = {r.id: r for r in program.eligibility.rules} if program.eligibility else {}
        self._categories = {c.id: c for c in program.categories}
        self._memo: dict[str, Verdict] = {}
        self._active: set[str] = set()
        names = {f"rule:{r.id}": (r.name_zh, r.name_en) for r in self._rules.values()}
        names |= {f"category:{c.id}": (c.name_zh, c.name_en) for c in self._categories.values()}
        self.ctx = Context(values=values, labels=labels, rule=self.rule, category=self.category, names=names)

    def _once(self, key: str, compute: Any) -> Verdict:
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            raise ValueError(f"{key} refers to itself through other rules")
        self._active.add(key)
        try:
            self._memo[key] = verdict = compute()
        finally:
            self._active.discard(key)
        return verdict

    def rule(self, rule_id: str) -> Verdict:
        def compute() -> Verdict:
            verdict = evaluate(self._rules[rule_id].when, self.ctx)
            return Verdict(verdict.holds, _tagged(verdict.reasons, rule_id))
        return self._once(f"rule:{rule_id}", compute)

    def category(self, category_id: str) -> Verdict:
        category = self._categories[category_id]

        def compute() -> Verdict:
            verdict = evaluate(category.when, self.ctx)
            return Verdict(verdict.holds, _tagged(verdict.reasons, category.rule) if category.rule else verdict.reasons)
        return self._once(f"category:{category_id}", compute)


def _tagged(reasons: tuple[Reason, ...], rule: str | None) -> tuple[Reason, ...]:
    return tuple(r if r.rule else r.model_copy(update={"rule": rule}) for r in reasons)


def assess(program: Program, raw: dict[str, Any], *, today: date, previous: dict[str, Any] | None = None) -> Assessment:
    labels = {f.id: f.label() for f in program.profile}
    holder: dict[str, _Evaluator] = {}

    def context(values: dict[str, Any]) -> Context:
        holder["evaluator"] = _Evaluator(program, values, labels)
        return holder["evaluator"].ctx

    check = check_profile(program.profile, raw, today=today, previous=previous, context=context)
    evaluator = holder["evaluator"]
    eligibility = _eligibility(program, evaluator)
    missing = [_missing(program, field_id) for field_id in check.missing]
    return Assessment(
        eligible=eligibility.eligible,
        eligibility=eligibility,
        categories=[c.id for c in program.categories if evaluator.category(c.id).holds],
        profile_valid=not check.invalid and not missing,
        invalid_fields=check.invalid,
        missing_fields=missing,
        materials=[_requirement(m, evaluator) for m in program.materials],
    )


def _missing(program: Program, field_id: str) -> FieldFinding:
    fd = program.field(field_id)
    assert fd is not None
    return FieldFinding(field=field_id, code="field.missing", severity="error",
                        message_zh=f"请填写“{fd.name_zh}”", message_en=f"{fd.name_en} is required")


def _eligibility(program: Program, ev: _Evaluator) -> EligibilityResult:
    if program.eligibility is None:
        return EligibilityResult(eligible=True, rules=[], reasons=[Reason(
            holds=True, message_zh="本项目无报名资格限制", message_en="this program has no eligibility conditions")])
    rules = [RuleResult(id=r.id, name_zh=r.name_zh, name_en=r.name_en, holds=(v := ev.rule(r.id)).holds,
                        reasons=list(v.reasons)) for r in program.eligibility.rules]
    verdict = evaluate(program.eligibility.eligible_when, ev.ctx)
    if verdict.holds:
        return EligibilityResult(eligible=True, rules=rules, reasons=list(verdict.reasons))
    refusal = program.eligibility.refusal
    return EligibilityResult(eligible=False, rules=rules, reasons=[
        Reason(rule=refusal.rule, holds=False, message_zh=refusal.message_zh, message_en=refusal.message_en),
        *verdict.reasons,
    ])


def _requirement(material: MaterialDef, ev: _Evaluator) -> MaterialRequirement:
    rule = material.required_by

    def result(requirement: Requirement, reasons: tuple[Reason, ...] | list[Reason]) -> MaterialRequirement:
        return MaterialRequirement(id=material.id, name_zh=material.name_zh, name_en=material.name_en,
                                   requirement=requirement, reasons=list(_tagged(tuple(reasons), rule)))

    if material.required is False:
        return result("optional", [Reason(holds=True, message_zh="选择性上传", message_en="optional")])
    if material.required is True:
        required = Verdict(True, (Reason(holds=True, message_zh="所有申请人均须上传",
                                         message_en="required of every applicant"),))
    else:
        required = evaluate(material.required, ev.ctx)
    if not required.holds:
        if material.optional_when is not None and evaluate(material.optional_when, ev.ctx).holds:
            return result("optional", required.reasons)
        return result("not_applicable", required.reasons)
    if material.waived_when is None:
        return result("required", required.reasons)
    waived = evaluate(material.waived_when, ev.ctx)
    if waived.holds:
        return result("waived", waived.reasons)
    not_waived = [r.model_copy(update={"message_zh": f"未免交：{r.message_zh}",
                                       "message_en": f"not waived: {r.message_en}"}) for r in waived.reasons]
    return result("required", [*required.reasons, *not_waived])
