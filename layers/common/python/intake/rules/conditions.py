"""Conditions as data, and their evaluation with reasons.

A condition is a small JSON tree in a program definition:

    {"field": "candidate_type", "eq": "fresh_graduate"}
    {"field": "applying_unit", "in": ["北京交通大学", "中国铁道科学研究院"]}
    {"field": "hukou_in_beijing", "is": true}
    {"all": [...]}, {"any": [...]}, {"not": {...}}
    {"rule": "PG-ELIG-2"}              the outcome of another eligibility rule
    {"category": "fresh_standard"}     whether the applicant is in a category
    {"insurance_run": {"field": "social_insurance", "year": 2023, "from_month": 1, "to_month": 9, "months": 6}}

Evaluating one gives a Verdict: whether it holds and the reasons why, each naming the field, the value given
and what was required, in Chinese and English. Negation is pushed down to the leaves (De Morgan), so every
reason is phrased for the condition as it is really asked ("required: not X"). A field that was not given
never satisfies a condition, negated or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.rules.months import Month


class Reason(BaseModel):
    """One fact behind an outcome."""

    model_config = ConfigDict(frozen=True)

    rule: str | None = None
    field: str | None = None
    value: Any = None
    holds: bool
    message_zh: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class FieldCondition(_Node):
    field: str
    eq: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    is_: bool | None = Field(default=None, alias="is")

    @model_validator(mode="after")
    def _one_operator(self) -> FieldCondition:
        given = [op for op, v in (("eq", self.eq), ("in", self.in_), ("is", self.is_)) if v is not None]
        if len(given) != 1:
            raise ValueError(f"a field condition on {self.field!r} needs exactly one of eq / in / is")
        return self


class AllCondition(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(_Node):
    any: list[Condition] = Field(min_length=1)


class NotCondition(_Node):
    not_: Condition = Field(alias="not")


class RuleCondition(_Node):
    rule: str


class CategoryCondition(_Node):
    category: str


class InsuranceRun(_Node):
    field: str
    year: int = Field(ge=1990, le=2100)
    from_month: int = Field(default=1, ge=1, le=12)
    to_month: int = Field(default=12, ge=1, le=12)
    months: int = Field(ge=1, le=12)


class InsuranceRunCondition(_Node):
    insurance_run: InsuranceRun


Condition = Union[  # noqa: UP007 - a forward-referenced recursive union
    FieldCondition, AllCondition, AnyCondition, NotCondition, RuleCondition, CategoryCondition,
    InsuranceRunCondition,
]
for _model in (AllCondition, AnyCondition, NotCondition):
    _model.model_rebuild()


def walk(condition: Condition) -> Iterator[Condition]:
    """Every node of a condition tree, the root first."""
    yield condition
    children: list[Condition] = []
    if isinstance(condition, AllCondition):
        children = condition.all
    elif isinstance(condition, AnyCondition):
        children = condition.any
    elif isinstance(condition, NotCondition):
        children = [condition.not_]
    for child in children:
        yield from walk(child)


# ----------------------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Label:
    """How a field and its values are named to people."""

    zh: str
    en: str
    choices: dict[Any, tuple[str, str]] = field(default_factory=dict)

    def value(self, value: Any) -> tuple[str, str]:
        if isinstance(value, bool):
            return ("是", "yes") if value else ("否", "no")
        if value in self.choices:
            return self.choices[value]
        return (str(value), str(value))


@dataclass
class Context:
    """What conditions are evaluated against: typed profile values, field labels, and resolvers for rules
    and categories (so a rule can build on another without the evaluator knowing the program)."""

    values: dict[str, Any]
    labels: dict[str, Label]
    rule: Callable[[str], Verdict]
    category: Callable[[str], Verdict]
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Display names of rules and categories, keyed `rule:<id>` / `category:<id>`."""


@dataclass(frozen=True)
class Verdict:
    holds: bool
    reasons: tuple[Reason, ...] = ()


def evaluate(condition: Condition, ctx: Context, negate: bool = False) -> Verdict:
    """Whether `condition` (or, with `negate`, its negation) holds, with the reasons."""
    if isinstance(condition, FieldCondition):
        return _field(condition, ctx, negate)
    if isinstance(condition, AllCondition | AnyCondition):
        children = condition.all if isinstance(condition, AllCondition) else condition.any
        verdicts = [evaluate(c, ctx, negate) for c in children]
        every = isinstance(condition, AllCondition) != negate  # not(all) = any(not), not(any) = all(not)
        holds = all(v.holds for v in verdicts) if every else any(v.holds for v in verdicts)
        if every:
            return Verdict(holds, _reasons(v for v in verdicts if v.holds == holds))
        return Verdict(holds, _reasons([next(v for v in verdicts if v.holds)] if holds else verdicts))
    if isinstance(condition, NotCondition):
        return evaluate(condition.not_, ctx, not negate)
    if isinstance(condition, RuleCondition | CategoryCondition):
        if isinstance(condition, RuleCondition):
            kind, ref = "rule", condition.rule
        else:
            kind, ref = "category", condition.category
        verdict = ctx.rule(ref) if kind == "rule" else ctx.category(ref)
        return verdict if not negate else _negated_reference(kind, ref, verdict, ctx)
    return _insurance_run(condition.insurance_run, ctx, negate)


def _negated_reference(kind: str, ref: str, verdict: Verdict, ctx: Context) -> Verdict:
    """not {"rule"/"category": X}: holds when X does not; the reason names X rather than repeating X's own
    reasons, which are phrased for X holding."""
    zh, en = ctx.names.get(f"{kind}:{ref}", (ref, ref))
    if verdict.holds:
        return Verdict(False, (Reason(rule=ref if kind == "rule" else None, holds=False,
                                      message_zh=f"属于“{zh}”", message_en=f"is {en}"),
                               *verdict.reasons))
    return Verdict(True, (Reason(rule=ref if kind == "rule" else None, holds=True,
                                 message_zh=f"不属于“{zh}”", message_en=f"is not {en}"),))


def _reasons(verdicts: Any) -> tuple[Reason, ...]:
    return tuple(r for v in verdicts for r in v.reasons)


def _field(cond: FieldCondition, ctx: Context, negate: bool) -> Verdict:
    label = ctx.labels.get(cond.field, Label(cond.field, cond.field))
    value = ctx.values.get(cond.field)
    if value is None:
        return Verdict(False, (Reason(field=cond.field, holds=False, message_zh=f"未填写“{label.zh}”",
                                      message_en=f"{label.en} not given"),))
    shown_zh, shown_en = label.value(value)
    if cond.is_ is not None:
        holds = (value is cond.is_) != negate
        want_zh, want_en = label.value(cond.is_ != negate)
        return Verdict(holds, (Reason(
            field=cond.field, value=value, holds=holds,
            message_zh=f"{label.zh}：{shown_zh}" + ("" if holds else f"（要求：{want_zh}）"),
            message_en=f"{label.en}: {shown_en}" + ("" if holds else f" (required: {want_en})"),
        ),))
    wanted = [cond.eq] if cond.in_ is None else cond.in_
    holds = (value in wanted) != negate
    names = [label.value(w) for w in wanted]
    want_zh = "、".join(n[0] for n in names)
    want_en = ", ".join(n[1] for n in names)
    one_of_zh, one_of_en = ("", "") if len(wanted) == 1 else ("之一", "one of ")
    if negate:
        required_zh, required_en = f"，要求不为“{want_zh}”", f", required not {want_en}"
    else:
        required_zh, required_en = f"，要求为“{want_zh}”{one_of_zh}", f", required {one_of_en}{want_en}"
    return Verdict(holds, (Reason(
        field=cond.field, value=value, holds=holds,
        message_zh=f"{label.zh}为“{shown_zh}”" + ("" if holds else required_zh),
        message_en=f"{label.en} is {shown_en}" + ("" if holds else required_en),
    ),))


_SCHEMES = {"pension": ("养老保险", "pension insurance"), "medical": ("医疗保险", "medical insurance")}


def longest_normal_run(records: list[dict[str, Any]], scheme: str, first: Month,
                       last: Month) -> tuple[int, Month | None]:
    """Longest run of consecutive months in [first, last] paid normally under `scheme`.

    A month counts when it has a normal payment; a month paid only as a back payment (补缴) is not a paid
    month and breaks the run. Returns the run's length and its first month."""
    paid = {r["month"] for r in records if r["scheme"] == scheme and r["kind"] == "normal"}
    best, best_start, run, run_start = 0, None, 0, None
    month = first
    while month <= last:
        if month in paid:
            run, run_start = run + 1, run_start or month
            if run > best:
                best, best_start = run, run_start
        else:
            run, run_start = 0, None
        month = month.plus(1)
    return best, best_start


def _insurance_run(spec: InsuranceRun, ctx: Context, negate: bool) -> Verdict:
    records = ctx.values.get(spec.field)
    label = ctx.labels.get(spec.field, Label(spec.field, spec.field))
    first, last = Month(spec.year, spec.from_month), Month(spec.year, spec.to_month)
    window_zh = f"{spec.year}年{spec.from_month}月至{spec.to_month}月"
    window_en = f"{first}–{last}"
    if not records:
        return Verdict(False, (Reason(
            field=spec.field, holds=False,
            message_zh=f"未提供{label.zh}，要求{window_zh}连续正常缴费至少 {spec.months} 个月",
            message_en=f"no {label.en} given; at least {spec.months} consecutive months paid normally "
                       f"in {window_en} required",
        ),))
    runs = {scheme: longest_normal_run(records, scheme, first, last) for scheme in _SCHEMES}
    scheme, (length, start) = max(runs.items(), key=lambda kv: kv[1][0])
    holds = (length >= spec.months) != negate
    name_zh, name_en = _SCHEMES[scheme]
    want_zh = f"少于 {spec.months} 个月" if negate else f"至少 {spec.months} 个月"
    want_en = f"fewer than {spec.months}" if negate else f"at least {spec.months}"
    if length:
        span = f"{start}–{start.plus(length - 1)}" if start else ""
        zh = f"{name_zh}在{window_zh}最长连续正常缴费 {length} 个月（{span}），要求{want_zh}（补缴不计）"
        en = (f"{name_en}: longest run paid normally in {window_en} is {length} months ({span}), "
              f"{want_en} required (back payments do not count)")
    else:
        zh = f"{window_zh}无正常缴费月份，要求连续正常缴费至少 {spec.months} 个月（补缴不计）"
        en = f"no month paid normally in {window_en}; {spec.months} consecutive required (back payments do not count)"
    return Verdict(holds, (Reason(field=spec.field, value=length, holds=holds, message_zh=zh, message_en=en),))

