"""SC-RULE-1…3 and SC-ELIG-1: how Beijing recognises academic test results from another province.

A subject is reported as a grade (SC-RULE-1: passes at "pass" or better on the original province's scale),
as a score (SC-RULE-2: passes at 60% of that province's full score or more, in exact decimals), or as art
split into music and fine art (SC-RULE-3: both parts must pass). SC-ELIG-1 decides whether the candidate
certifies online at all.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

PASS_FRACTION = Decimal("0.6")
_INPUT = ConfigDict(extra="forbid", str_strip_whitespace=True)
_OUTPUT = ConfigDict(extra="forbid", frozen=True)


def _fold(grade: str) -> str:
    return unicodedata.normalize("NFKC", grade).strip().casefold()


def _num(value: Decimal) -> str:
    """`90`, `58.5`: a decimal without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class GradeSubject(BaseModel):
    """A subject reported as a grade, with the grades the original province counts as pass or better."""

    model_config = _INPUT
    name: str = Field(min_length=1)
    grade: str = Field(min_length=1)
    passing_grades: list[str] = Field(min_length=1)


class ScoreSubject(BaseModel):
    """A subject reported only as a score out of the original province's full score.

    At most 12 digits, 4 after the point, so 60% of the full score is computed exactly in the default context.
    """

    model_config = _INPUT
    name: str = Field(min_length=1)
    score: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    full_score: Decimal = Field(gt=0, max_digits=12, decimal_places=4)

    @model_validator(mode="after")
    def _score_within_full(self) -> ScoreSubject:
        if self.score > self.full_score:
            raise ValueError(f"score {_num(self.score)} is above the full score {_num(self.full_score)}")
        return self


def _kind(value: Any) -> str | None:
    """Which subject model `value` is, by the field that only that model has."""
    fields = value if isinstance(value, dict) else vars(value) if isinstance(value, BaseModel) else {}
    for field, tag in (("parts", "art"), ("score", "score"), ("grade", "grade")):
        if field in fields:
            return tag
    return None


Part = Annotated[
    Annotated[GradeSubject, Tag("grade")] | Annotated[ScoreSubject, Tag("score")],
    Discriminator(_kind, custom_error_type="subject_kind",
                  custom_error_message="a part needs either grade and passing_grades, or score and full_score"),
]


class ArtSubject(BaseModel):
    """Art reported as two subjects, music and fine art."""

    model_config = _INPUT
    name: str = Field(min_length=1)
    parts: list[Part] = Field(min_length=2, max_length=2)


Subject = Annotated[
    Annotated[GradeSubject, Tag("grade")] | Annotated[ScoreSubject, Tag("score")] | Annotated[ArtSubject, Tag("art")],
    Discriminator(_kind, custom_error_type="subject_kind",
                  custom_error_message="a subject needs grade and passing_grades, score and full_score, or parts"),
]


class RecognitionRequest(BaseModel):
    model_config = _INPUT
    subjects: list[Subject] = Field(min_length=1)
    already_certified: bool = False
    tested_in_beijing: bool = False
    records_transferred_to_beijing: bool = False


class SubjectOutcome(BaseModel):
    model_config = _OUTPUT
    name: str
    passed: bool
    rule: Literal["SC-RULE-1", "SC-RULE-2", "SC-RULE-3"]
    reason_zh: str
    reason_en: str
    parts: list[SubjectOutcome] = Field(default_factory=list)


class RecognitionResult(BaseModel):
    model_config = _OUTPUT
    certification_needed: bool
    route: Literal["online", "not_needed", "school"]
    route_reason_zh: str
    route_reason_en: str
    subjects: list[SubjectOutcome]
    all_passed: bool
    passed_count: int
    failed_count: int


def _grade(subject: GradeSubject) -> SubjectOutcome:
    passed = _fold(subject.grade) in {_fold(g) for g in subject.passing_grades}
    scale = "、".join(subject.passing_grades)
    scale_en = ", ".join(subject.passing_grades)
    if passed:
        zh = f"等级「{subject.grade}」属于原省份合格及以上等级（{scale}）"
        en = f"grade {subject.grade} is among the original province's pass-or-better grades ({scale_en})"
    else:
        zh = f"等级「{subject.grade}」不在原省份合格及以上等级（{scale}）之中"
        en = f"grade {subject.grade} is not among the original province's pass-or-better grades ({scale_en})"
    return SubjectOutcome(name=subject.name, passed=passed, rule="SC-RULE-1", reason_zh=zh, reason_en=en)


def _score(subject: ScoreSubject) -> SubjectOutcome:
    threshold = subject.full_score * PASS_FRACTION
    passed = subject.score >= threshold
    relation = "≥" if passed else "<"
    fact = f"{_num(subject.score)} {relation} 60% × {_num(subject.full_score)} (= {_num(threshold)})"
    verdict_zh, verdict_en = ("合格", "passes") if passed else ("不合格", "fails")
    return SubjectOutcome(
        name=subject.name, passed=passed, rule="SC-RULE-2",
        reason_zh=f"{fact}：达到原省份满分的 60% 为合格，此科{verdict_zh}",
        reason_en=f"{fact}: a pass needs 60% of the original province's full score, so this subject {verdict_en}",
    )


def _art(subject: ArtSubject) -> SubjectOutcome:
    parts = [_evaluate(part) for part in subject.parts]
    passed_parts = sum(p.passed for p in parts)
    passed = passed_parts == len(parts)
    each_zh = "，".join(f"{p.name}{'合格' if p.passed else '不合格'}" for p in parts)
    each_en = ", ".join(f"{p.name} {'passes' if p.passed else 'fails'}" for p in parts)
    return SubjectOutcome(
        name=subject.name, passed=passed, rule="SC-RULE-3", parts=parts,
        reason_zh=f"艺术按音乐、美术两科认定，须两科均合格：{each_zh}（{passed_parts}/{len(parts)} 科合格）",
        reason_en=f"art reported as music and fine art passes only when both pass: {each_en} "
                  f"({passed_parts} of {len(parts)} pass)",
    )


def _evaluate(subject: GradeSubject | ScoreSubject | ArtSubject) -> SubjectOutcome:
    if isinstance(subject, GradeSubject):
        return _grade(subject)
    if isinstance(subject, ScoreSubject):
        return _score(subject)
    return _art(subject)


def _route(request: RecognitionRequest) -> tuple[Literal["online", "not_needed", "school"], str, str]:
    if request.already_certified:
        return ("not_needed", "此前已在本市参加高考时办理过认定，无需再次认定",
                "already certified for an earlier Beijing college entrance exam; no new certification is needed")
    if request.tested_in_beijing:
        return ("not_needed", "曾在本市参加学业水平考试（会考），无需认定",
                "took the academic tests in Beijing; no certification is needed")
    if request.records_transferred_to_beijing:
        return ("school", "学籍已转入本市，不在此办理：由学校核验成绩证明原件后上传认定",
                "student records were transferred into Beijing: the school verifies the original certificate "
                "and submits it instead of an online application")
    return ("online", "外省学考成绩回京认定：在线上传加盖省级主管部门公章的成绩证明",
            "returning from another province: upload the score certificate stamped by the provincial authority online")


def recognise(request: RecognitionRequest) -> RecognitionResult:
    """Every subject's outcome, and whether and how the candidate certifies (SC-ELIG-1).

    Subjects are evaluated on every route, for information. `certification_needed` is False only on the
    `not_needed` route; on the `school` route recognition still happens, through the school.
    """
    route, reason_zh, reason_en = _route(request)
    outcomes = [_evaluate(subject) for subject in request.subjects]
    passed = sum(o.passed for o in outcomes)
    return RecognitionResult(
        certification_needed=route != "not_needed", route=route,
        route_reason_zh=reason_zh, route_reason_en=reason_en,
        subjects=outcomes, all_passed=passed == len(outcomes),
        passed_count=passed, failed_count=len(outcomes) - passed,
    )
