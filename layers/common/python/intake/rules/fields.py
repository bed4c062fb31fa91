"""Profile fields as data, and validation of what an applicant entered.

Validation never throws a value away: it returns the typed values it could read (for the rules) and one
FieldFinding per problem (for the form), so "save draft" keeps everything and says what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.findings import Finding
from intake.rules import history, identity
from intake.rules.conditions import Condition, Context, FieldCondition, Label, Verdict, evaluate, walk
from intake.rules.months import Month

FieldType = Literal[
    "text", "boolean", "choice", "date", "month", "pinyin", "resident_id", "phone", "email", "postcode",
    "history", "social_insurance",
]
MonthFormat = Literal["YYYYMM", "YYYY.M", "YYYY-MM", "YYYY年M月"]
DateFormat = Literal["YYYYMMDD", "YYYY-MM-DD"]

_PATTERNS = {
    "phone": (re.compile(r"^1[3-9][0-9]{9}$"), "11 位手机号码", "an 11-digit mainland mobile number"),
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"), "有效的电子邮箱地址", "a valid e-mail address"),
    "postcode": (re.compile(r"^[0-9]{6}$"), "6 位邮政编码", "a 6-digit postcode"),
    "pinyin": (re.compile(r"^[A-Za-zÜü]+(?: [A-Za-zÜü]+)*$"), "汉语拼音（字母与单个空格，如 LI HUA）",
               "pinyin in Latin letters and single spaces, e.g. LI HUA"),
}


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    value: str
    zh: str
    en: str


class FieldDef(BaseModel):
    """One profile field. `required` may be a condition (e.g. a student number only for students);
    `allowed_when`, when set, makes a value given outside that condition an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    type: FieldType
    rules: tuple[str, ...] = ()
    required: bool | Condition = False
    allowed_when: Condition | None = None
    choices: tuple[Choice, ...] = ()
    min_length: int | None = Field(default=None, ge=1)
    max_length: int = Field(default=200, ge=1, le=5000)
    month_formats: tuple[MonthFormat, ...] = ("YYYY.M", "YYYY-MM", "YYYYMM", "YYYY年M月")
    date_format: DateFormat = "YYYY-MM-DD"
    same_as: str | None = None
    """The value must equal this other field's (an ID number entered twice)."""
    birth_date_field: str | None = None
    """For resident_id: the field holding the stated birth date it must match (X-ID-1)."""
    start_field: str | None = None
    """For history: the month field the history must start at (CG-FORM-2)."""
    immutable: bool = False
    """Once saved with a value, it cannot change (a real name)."""

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FieldDef:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError(f"field {self.id}: choices go with type choice, and only with it")
        return self

    def label(self) -> Label:
        return Label(self.name_zh, self.name_en, {c.value: (c.zh, c.en) for c in self.choices})


class FieldFinding(Finding):
    field: str


class ProfileCheck(BaseModel):
    values: dict[str, Any]
    """Typed values that validated (Month, date, bool, history entries...), for the rules."""
    invalid: list[FieldFinding]
    missing: list[str]
    """Required fields with no value (reported separately: a draft may be incomplete)."""


def _problem(fd: FieldDef, code: str, zh: str, en: str, measured: Any = None, limit: Any = None) -> FieldFinding:
    return FieldFinding(field=fd.id, code=code, severity="error", measured=_shown(measured), limit=_shown(limit),
                        message_zh=f"{fd.name_zh}：{zh}", message_en=f"{fd.name_en}: {en}")


def _shown(value: Any) -> Any:
    """A value as a finding can carry it: scalars and lists of strings as they are, anything else as short
    JSON text (what an applicant sends is not always the shape a field expects)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:100]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)[:100]


def _from_finding(fd: FieldDef, finding: Finding) -> FieldFinding:
    return FieldFinding(field=fd.id, code=finding.code, severity=finding.severity, measured=finding.measured,
                        limit=finding.limit, details=finding.details,
                        message_zh=f"{fd.name_zh}：{finding.message_zh}",
                        message_en=f"{fd.name_en}: {finding.message_en}")


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def check_profile(fields: tuple[FieldDef, ...], raw: dict[str, Any], *, today: date,
                  previous: dict[str, Any] | None = None,
                  context: Callable[[dict[str, Any]], Context] | None = None) -> ProfileCheck:
    """Validate `raw` against `fields`. `previous` is the profile as last saved (for immutable fields);
    `context` builds the evaluation context over the typed values, for conditional requirements."""
    by_id = {f.id: f for f in fields}
    values: dict[str, Any] = {}
    invalid: list[FieldFinding] = []
    for key in raw:
        if key not in by_id:
            invalid.append(FieldFinding(field=key, code="field.unknown", severity="error",
                                        message_zh=f"未知字段 {key}", message_en=f"unknown field {key}"))
    # Plain values first, then the ones that refer to other fields.
    ordered = sorted(fields, key=lambda f: f.same_as is not None or f.type in ("resident_id", "history"))
    for fd in ordered:
        value = raw.get(fd.id)
        if _is_blank(value):
            continue
        typed, problems = _check_value(fd, value, values, today)
        if (fd.immutable and previous and not _is_blank(previous.get(fd.id))
                and str(previous[fd.id]).strip() != str(value).strip()):
            problems.append(_problem(fd, "field.immutable", f"保存后不可修改（原为“{previous[fd.id]}”）",
                                     f"cannot change once saved (was {previous[fd.id]!r})", value, previous[fd.id]))
        invalid.extend(problems)
        if not problems:
            values[fd.id] = typed

    if context is not None:
        ctx = context(values)
    else:
        labels = {f.id: f.label() for f in fields}
        ctx = Context(values=values, labels=labels, rule=lambda _: Verdict(False), category=lambda _: Verdict(False))
    missing: list[str] = []
    for fd in fields:
        given = not _is_blank(raw.get(fd.id))
        if fd.allowed_when is not None and given and _decidable(fd.allowed_when, values) \
                and not evaluate(fd.allowed_when, ctx).holds:
            invalid.append(_problem(fd, "field.not_applicable", "不适用于当前情况，请勿填写",
                                    "does not apply here; leave it empty", raw.get(fd.id)))
            values.pop(fd.id, None)
            continue
        required = fd.required if isinstance(fd.required, bool) else evaluate(fd.required, ctx).holds
        if required and not given:
            missing.append(fd.id)
    return ProfileCheck(values=values, invalid=invalid, missing=missing)


def _decidable(condition: Condition, values: dict[str, Any]) -> bool:
    """Whether every field `condition` looks at has a valid value: until then a field it allows or forbids
    is neither (an ID number is not refused because the ID type is still missing)."""
    return all(node.field in values for node in walk(condition) if isinstance(node, FieldCondition))


def _check_value(fd: FieldDef, value: Any, known: dict[str, Any], today: date) -> tuple[Any, list[FieldFinding]]:
    if fd.type == "boolean":
        if isinstance(value, bool):
            return value, []
        return None, [_problem(fd, "field.type", "应为“是”或“否”", "must be true or false", value)]
    if fd.type == "social_insurance":
        return _social_insurance(fd, value, Month.of(today))
    if not isinstance(value, str):
        return None, [_problem(fd, "field.type", "应为文本", "must be text", str(value)[:50])]
    text = value.strip()
    if len(text) > fd.max_length:
        return None, [_problem(fd, "field.too_long", f"长度为 {len(text)}，上限 {fd.max_length}",
                               f"{len(text)} characters, at most {fd.max_length}", len(text), fd.max_length)]
    if fd.min_length and len(text) < fd.min_length:
        return None, [_problem(fd, "field.too_short", f"长度为 {len(text)}，至少 {fd.min_length}",
                               f"{len(text)} characters, at least {fd.min_length}", len(text), fd.min_length)]
    if fd.same_as is not None:
        other = known.get(fd.same_as)
        if other is not None and text.casefold() != str(other).casefold():
            return None, [_problem(fd, "field.mismatch", "两次输入不一致", "the two entries differ", text, other)]
    if fd.type == "choice":
        allowed = [c.value for c in fd.choices]
        if text not in allowed:
            return None, [_problem(fd, "field.choice", f"“{text}”不是可选项（{'、'.join(c.zh for c in fd.choices)}）",
                                   f"{text!r} is not one of {', '.join(allowed)}", text, allowed)]
        return text, []
    if fd.type in _PATTERNS:
        pattern, want_zh, want_en = _PATTERNS[fd.type]
        if not pattern.match(text):
            return None, [_problem(fd, "field.format", f"格式不正确，应为{want_zh}", f"must be {want_en}", text)]
        return (text.upper() if fd.type == "pinyin" else text), []
    if fd.type == "month":
        month = Month.parse(text, fd.month_formats)
        if month is None:
            return None, [_problem(fd, "field.month", f"“{text}”不是有效年月，格式：{' 或 '.join(fd.month_formats)}",
                                   f"{text!r} is not a month in the form {' or '.join(fd.month_formats)}",
                                   text, list(fd.month_formats))]
        if month > Month.of(today):
            return None, [_problem(fd, "field.future", f"{month} 晚于当前月份", f"{month} is in the future",
                                   str(month), str(Month.of(today)))]
        return month, []
    if fd.type == "date":
        day = _parse_date(text, fd.date_format)
        if day is None:
            return None, [_problem(fd, "field.date", f"“{text}”不是有效日期，格式：{fd.date_format}",
                                   f"{text!r} is not a real date in the form {fd.date_format}", text, fd.date_format)]
        if day > today:
            return None, [_problem(fd, "field.future", f"{day} 晚于今天", f"{day} is in the future",
                                   day.isoformat(), today.isoformat())]
        return day, []
    if fd.type == "resident_id":
        stated = known.get(fd.birth_date_field) if fd.birth_date_field else None
        findings = identity.check_resident_id(text, today=today, stated_birth_date=stated)
        return text.upper(), [_from_finding(fd, f) for f in findings]
    if fd.type == "history":
        entries, findings = history.parse_history(text)
        if not findings:
            start = known.get(fd.start_field) if fd.start_field else None
            findings = history.check_continuity(entries, start=start, current=Month.of(today))
        return entries, [_from_finding(fd, f) for f in findings]
    return text, []


def _parse_date(text: str, fmt: DateFormat) -> date | None:
    pattern = r"^([0-9]{4})([0-9]{2})([0-9]{2})$" if fmt == "YYYYMMDD" else r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"
    m = re.match(pattern, text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


_INSURANCE_KEYS = {"month", "scheme", "kind"}
_SCHEME_VALUES, _KIND_VALUES = ("pension", "medical"), ("normal", "back_payment")


def _social_insurance(fd: FieldDef, value: Any, current: Month) -> tuple[Any, list[FieldFinding]]:
    """[{"month": "2023-03", "scheme": "pension"|"medical", "kind": "normal"|"back_payment"}, ...]"""
    if not isinstance(value, list):
        return None, [_problem(fd, "field.type", "应为缴费记录列表", "must be a list of payment records")]
    records, problems = [], []
    for i, item in enumerate(value, 1):
        where_zh, where_en = f"第 {i} 条", f"record {i}"
        if not isinstance(item, dict) or set(item) != _INSURANCE_KEYS:
            problems.append(_problem(fd, "field.record", f"{where_zh}应包含 month、scheme、kind",
                                     f"{where_en} must have exactly month, scheme, kind", i))
            continue
        month = Month.parse(str(item["month"]), ("YYYY-MM",))
        if month is None or item["scheme"] not in _SCHEME_VALUES or item["kind"] not in _KIND_VALUES:
            problems.append(_problem(
                fd, "field.record",
                f"{where_zh}无效：month 为 YYYY-MM，scheme 为 pension/medical，kind 为 normal/back_payment",
                f"{where_en} invalid: month YYYY-MM, scheme pension|medical, kind normal|back_payment", i))
            continue
        if month > current:
            problems.append(_problem(fd, "field.future", f"{where_zh}的月份 {month} 晚于当前月份",
                                     f"{where_en}: {month} is in the future", str(month), str(current)))
            continue
        records.append({"month": month, "scheme": item["scheme"], "kind": item["kind"]})
    return (None if problems else records), problems
