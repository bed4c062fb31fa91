"""PG-ELIG-1…6 and PG-MAT-4, 6…12: who test site 1104 accepts, and which materials each applicant uploads.

Everything goes through `assess` with the shipped program definition, as the API does. Every person here is
made up; the profiles carry no names or ID numbers (the PG profile has none).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.programs import load_catalogue
from intake.rules.assessment import Assessment, MaterialRequirement, RuleResult, assess
from intake.rules.conditions import longest_normal_run
from intake.rules.months import Month

TODAY = date(2023, 11, 2)  # inside the 2023 upload window (PG-WIN-1)
PG = load_catalogue().get("pg-confirm-1104")
UNITS = ("北京交通大学", "中国铁道科学研究院", "北京矿冶研究总院")

# A full-time fresh graduate of a Beijing university on the unified exam, non-special plan (PG-MAT-4's group),
# applying to BJTU, whose verifications passed.
FRESH: dict[str, Any] = {
    "applying_unit": "北京交通大学",
    "applying_unit_in_beijing": True,
    "applying_unit_military": False,
    "candidate_type": "fresh_graduate",
    "undergrad_university": "北京工业大学",
    "undergrad_university_in_beijing": True,
    "full_time": True,
    "special_plan": False,
    "current_graduate_or_second_bachelor": False,
    "education_verification": "passed",
    "id_document_type": "resident_id",
    "identity_verification": "passed",
}
# A past candidate with Beijing hukou, applying to BJTU.
PAST: dict[str, Any] = {
    **{k: v for k, v in FRESH.items() if k != "full_time"},
    "candidate_type": "past_candidate",
    "undergrad_university": "河北工业大学",
    "undergrad_university_in_beijing": False,
    "hukou_in_beijing": True,
}
# An individual-examination (单独考试) candidate applying to BJTU.
INDIVIDUAL: dict[str, Any] = {**{k: v for k, v in PAST.items() if k != "hukou_in_beijing"},
                              "candidate_type": "individual_exam"}
# A fresh BJTU graduate applying to a non-military unit outside Beijing (PG-ELIG-5).
BJTU_ABROAD: dict[str, Any] = {
    **FRESH,
    "applying_unit": "兰州交通大学",
    "applying_unit_in_beijing": False,
    "undergrad_university": "北京交通大学",
}
# Meets nothing: a past candidate without hukou or insurance, applying to another Beijing university.
NOBODY: dict[str, Any] = {**PAST, "applying_unit": "清华大学", "hukou_in_beijing": False}

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `base` with `changes`; a change to None removes the field."""
    profile = {**base, **changes}
    return {k: v for k, v in profile.items() if v is not None}


def assessed(base: dict[str, Any], **changes: Any) -> Assessment:
    return assess(PG, changed(base, **changes), today=TODAY)


def rule(assessment: Assessment, rule_id: str) -> RuleResult:
    return next(r for r in assessment.eligibility.rules if r.id == rule_id)


def material(assessment: Assessment, material_id: str) -> MaterialRequirement:
    return next(m for m in assessment.materials if m.id == material_id)


def requirements(assessment: Assessment) -> dict[str, str]:
    return {m.id: m.requirement for m in assessment.materials}


def paid(scheme: str, first: str, last: str, kind: str = "normal") -> list[dict[str, str]]:
    """One record per month from `first` to `last` (`YYYY-MM`, inclusive)."""
    start, end = Month.parse(first, ("YYYY-MM",)), Month.parse(last, ("YYYY-MM",))
    assert start is not None and end is not None
    return [{"month": start.plus(i).iso(), "scheme": scheme, "kind": kind} for i in range(end - start + 1)]


def bilingual(text_zh: str, text_en: str) -> bool:
    return bool(CJK.search(text_zh)) and bool(LATIN.search(text_en))


def test_the_base_profiles_are_complete_and_valid():
    for profile in (FRESH, PAST, INDIVIDUAL, BJTU_ABROAD, NOBODY):
        a = assess(PG, profile, today=TODAY)
        assert a.profile_valid, (a.invalid_fields, a.missing_fields)


# --- PG-ELIG-1: one of three units, and one of PG-ELIG-2/3/4 ------------------------------------------------

@pytest.mark.rule("PG-ELIG-1")
@pytest.mark.parametrize(("base", "changes", "unit_ok", "eligible"), [
    pytest.param(FRESH, {"applying_unit": UNITS[0]}, True, True, id="bjtu-fresh-beijing-graduate"),
    pytest.param(FRESH, {"applying_unit": UNITS[1]}, True, True, id="railway-academy-fresh-beijing-graduate"),
    pytest.param(FRESH, {"applying_unit": UNITS[2]}, True, True, id="mining-institute-fresh-beijing-graduate"),
    pytest.param(PAST, {"applying_unit": UNITS[1]}, True, True, id="railway-academy-past-with-hukou"),
    pytest.param(INDIVIDUAL, {"applying_unit": UNITS[2]}, True, True, id="mining-institute-individual-exam"),
    pytest.param(FRESH, {"applying_unit": " 北京交通大学 "}, True, True, id="surrounding-blanks-ignored"),
    pytest.param(FRESH, {"applying_unit": "清华大学"}, False, False, id="other-unit-fresh-beijing-graduate"),
    pytest.param(PAST, {"applying_unit": "北京大学"}, False, False, id="other-unit-past-with-hukou"),
    pytest.param(INDIVIDUAL, {"applying_unit": "中国科学院大学"}, False, False, id="other-unit-individual-exam"),
    pytest.param(FRESH, {"undergrad_university_in_beijing": False, "undergrad_university": "河北大学"},
                 True, False, id="right-unit-but-none-of-elig-2-3-4"),
])
def test_pg_elig_1_applying_unit_and_one_condition(base, changes, unit_ok, eligible):
    a = assessed(base, **changes)
    assert a.profile_valid
    assert rule(a, "PG-ELIG-1").holds is unit_ok
    assert a.eligible is eligible
    if eligible:
        assert "PG-ELIG-1" in {r.rule for r in a.eligibility.reasons}
    else:
        assert a.eligibility.reasons[0].rule == "PG-ELIG-6"
    if not unit_ok:
        [why] = rule(a, "PG-ELIG-1").reasons
        assert why.field == "applying_unit" and why.value == changes["applying_unit"]
        assert all(unit in why.message_zh for unit in UNITS)


# --- PG-ELIG-2: fresh undergraduate of a Beijing university --------------------------------------------------

@pytest.mark.rule("PG-ELIG-2")
@pytest.mark.parametrize(("changes", "holds", "failing_field"), [
    pytest.param({}, True, None, id="fresh-full-time-beijing"),
    pytest.param({"full_time": False}, True, None, id="fresh-adult-education-beijing"),
    pytest.param({"undergrad_university_in_beijing": False, "undergrad_university": "河北大学"},
                 False, "undergrad_university_in_beijing", id="fresh-outside-beijing"),
    pytest.param({"candidate_type": "past_candidate", "full_time": None, "hukou_in_beijing": False},
                 False, "candidate_type", id="past-candidate-of-beijing-university"),
    pytest.param({"candidate_type": "individual_exam", "full_time": None}, False, "candidate_type",
                 id="individual-exam-of-beijing-university"),
])
def test_pg_elig_2_fresh_graduate_of_a_beijing_university(changes, holds, failing_field):
    a = assessed(FRESH, **changes)
    assert a.profile_valid
    result = rule(a, "PG-ELIG-2")
    assert result.holds is holds
    assert all(r.rule == "PG-ELIG-2" for r in result.reasons)
    if holds:
        assert a.eligible
        assert "PG-ELIG-2" in {r.rule for r in a.eligibility.reasons}
    else:
        assert failing_field in {r.field for r in result.reasons if not r.holds}


# --- PG-ELIG-3: individual examination -----------------------------------------------------------------------

@pytest.mark.rule("PG-ELIG-3")
@pytest.mark.parametrize(("base", "changes", "holds", "eligible"), [
    pytest.param(INDIVIDUAL, {}, True, True, id="individual-exam-at-bjtu"),
    pytest.param(INDIVIDUAL, {"applying_unit": UNITS[1]}, True, True, id="individual-exam-at-railway-academy"),
    pytest.param(INDIVIDUAL, {"applying_unit": "清华大学"}, True, False, id="individual-exam-at-another-unit"),
    pytest.param(PAST, {"hukou_in_beijing": False}, False, False, id="past-candidate"),
    pytest.param(FRESH, {"undergrad_university_in_beijing": False}, False, False, id="fresh-graduate"),
])
def test_pg_elig_3_individual_examination(base, changes, holds, eligible):
    a = assessed(base, **changes)
    assert a.profile_valid
    assert rule(a, "PG-ELIG-3").holds is holds
    assert a.eligible is eligible
    if eligible:
        assert "PG-ELIG-3" in {r.rule for r in a.eligibility.reasons}


# --- PG-ELIG-4: past candidate with Beijing hukou or 6 months of Beijing insurance --------------------------

NO_HUKOU: dict[str, Any] = {**PAST, "hukou_in_beijing": False}


@pytest.mark.rule("PG-ELIG-4")
@pytest.mark.parametrize(("changes", "holds"), [
    pytest.param({"hukou_in_beijing": True}, True, id="hukou-alone"),
    pytest.param({"hukou_in_beijing": True, "social_insurance": paid("pension", "2023-01", "2023-02")}, True,
                 id="hukou-with-too-little-insurance"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-06")}, True, id="pension-jan-jun-exactly-6"),
    pytest.param({"social_insurance": paid("pension", "2023-04", "2023-09")}, True, id="pension-apr-sep-exactly-6"),
    pytest.param({"social_insurance": paid("medical", "2023-03", "2023-08")}, True, id="medical-mar-aug"),
    pytest.param({"social_insurance": paid("medical", "2023-01", "2023-09")}, True, id="medical-all-nine"),
    pytest.param({"social_insurance": paid("pension", "2022-01", "2023-12")}, True, id="long-run-across-window"),
    pytest.param({"social_insurance": paid("pension", "2023-02", "2023-04") + paid("medical", "2023-01", "2023-06")},
                 True, id="one-scheme-enough-other-short"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-06")
                  + paid("pension", "2022-10", "2022-12", kind="back_payment")},
                 True, id="six-normal-plus-earlier-back-payments"),
    pytest.param({"social_insurance": paid("pension", "2023-03", "2023-08")
                  + paid("pension", "2023-05", "2023-05", kind="back_payment")},
                 True, id="normal-month-also-back-paid-still-counts"),
    pytest.param({"social_insurance": list(reversed(paid("pension", "2023-01", "2023-06")))}, True,
                 id="records-in-any-order"),
    pytest.param({}, False, id="no-hukou-no-insurance"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-05")}, False, id="pension-5-months"),
    pytest.param({"social_insurance": paid("medical", "2023-05", "2023-09")}, False, id="medical-5-months"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-03") + paid("medical", "2023-04", "2023-06")},
                 False, id="6-months-split-across-schemes"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-03") + paid("pension", "2023-05", "2023-09")},
                 False, id="gap-in-april"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-03")
                  + paid("pension", "2023-04", "2023-04", kind="back_payment")
                  + paid("pension", "2023-05", "2023-09")},
                 False, id="back-paid-april-breaks-the-run"),
    pytest.param({"social_insurance": paid("pension", "2023-01", "2023-09", kind="back_payment")}, False,
                 id="all-back-payments"),
    pytest.param({"social_insurance": paid("pension", "2022-10", "2023-04")}, False,
                 id="7-months-but-only-4-in-jan-sep"),
    pytest.param({"social_insurance": paid("medical", "2023-07", "2023-12")}, False,
                 id="6-months-but-only-3-in-jan-sep"),
    pytest.param({"social_insurance": paid("pension", "2022-01", "2022-12")}, False, id="previous-year"),
    pytest.param({"social_insurance": paid("pension", "2024-01", "2024-09")}, False, id="following-year"),
    pytest.param({"candidate_type": "fresh_graduate", "full_time": True, "hukou_in_beijing": True,
                  "undergrad_university_in_beijing": False}, False, id="fresh-graduate-with-hukou"),
    pytest.param({"candidate_type": "individual_exam", "hukou_in_beijing": True, "applying_unit": "清华大学"},
                 False, id="individual-exam-with-hukou"),
])
def test_pg_elig_4_hukou_or_social_insurance_run(changes, holds):
    # Judged after every month in the table has passed: only the Jan–Sep 2023 window may decide.
    a = assess(PG, changed(NO_HUKOU, **changes), today=date(2024, 12, 31))
    assert a.profile_valid, (a.invalid_fields, a.missing_fields)
    result = rule(a, "PG-ELIG-4")
    assert result.holds is holds
    assert a.eligible is holds  # applying to BJTU, PG-ELIG-2/3/5 do not hold for these people
    assert all(r.rule == "PG-ELIG-4" for r in result.reasons)
    if holds:
        assert "PG-ELIG-4" in {r.rule for r in a.eligibility.reasons}


@pytest.mark.rule("PG-ELIG-4")
@pytest.mark.parametrize(("records", "length"), [
    pytest.param(paid("pension", "2023-01", "2023-05"), 5, id="5-months"),
    pytest.param(paid("pension", "2023-01", "2023-03") + paid("pension", "2023-04", "2023-04", "back_payment")
                 + paid("pension", "2023-05", "2023-06"), 3, id="back-payment-splits"),
    pytest.param(paid("pension", "2023-01", "2023-09", "back_payment"), 0, id="only-back-payments"),
])
def test_pg_elig_4_refusal_says_how_long_the_run_was(records, length):
    a = assessed(NO_HUKOU, social_insurance=records)
    [insurance] = [r for r in rule(a, "PG-ELIG-4").reasons if r.field == "social_insurance"]
    assert not insurance.holds and insurance.value == length
    assert "补缴不计" in insurance.message_zh and "back payments do not count" in insurance.message_en
    assert "6" in insurance.message_zh and "6" in insurance.message_en
    if length:
        assert f"{length} 个月" in insurance.message_zh and f"{length} months" in insurance.message_en


@pytest.mark.rule("PG-ELIG-4")
@pytest.mark.parametrize(("base", "value", "code"), [
    pytest.param(NO_HUKOU, [{"month": "2023-13", "scheme": "pension", "kind": "normal"}], "field.record",
                 id="month-13"),
    pytest.param(NO_HUKOU, [{"month": "2023.03", "scheme": "pension", "kind": "normal"}], "field.record",
                 id="month-not-yyyy-mm"),
    pytest.param(NO_HUKOU, [{"month": "2023-03", "scheme": "unemployment", "kind": "normal"}], "field.record",
                 id="unknown-scheme"),
    pytest.param(NO_HUKOU, [{"month": "2023-03", "scheme": "pension", "kind": "late"}], "field.record",
                 id="unknown-kind"),
    pytest.param(NO_HUKOU, [{"month": "2023-03", "scheme": "pension"}], "field.record", id="kind-missing"),
    pytest.param(NO_HUKOU, [{"month": "2023-03", "scheme": "pension", "kind": "normal", "amount": 1}],
                 "field.record", id="extra-key"),
    pytest.param(NO_HUKOU, "2023-01 to 2023-06", "field.type", id="not-a-list"),
])
def test_pg_elig_4_social_insurance_records_are_validated(base, value, code):
    a = assessed(base, social_insurance=value)
    assert [(f.field, f.code) for f in a.invalid_fields] == [("social_insurance", code)]
    assert not a.profile_valid
    assert not rule(a, "PG-ELIG-4").holds  # a rejected record list never proves a run


@pytest.mark.rule("PG-ELIG-4")
@pytest.mark.rule("PG-MAT-4")
@pytest.mark.parametrize(("base", "field", "value", "code"), [
    pytest.param(FRESH, "social_insurance", paid("pension", "2023-01", "2023-06"), "field.not_applicable",
                 id="fresh-graduate-gives-insurance-records"),
    pytest.param(FRESH, "full_time", [{"answer": True}], "field.type", id="nested-value-in-a-boolean"),
])
def test_pg_elig_4_and_pg_mat_4_structured_values_are_reported_not_raised(base, field, value, code):
    a = assessed(base, **{field: value})
    assert [(f.field, f.code) for f in a.invalid_fields] == [(field, code)]


@pytest.mark.rule("PG-ELIG-4")
def test_pg_elig_4_hukou_answer_is_required_of_past_candidates_only():
    past = assessed(PAST, hukou_in_beijing=None)
    assert [f.field for f in past.missing_fields] == ["hukou_in_beijing"]
    assert past.missing_fields[0].code == "field.missing"
    assert not rule(past, "PG-ELIG-4").holds
    fresh = assessed(FRESH)
    assert fresh.missing_fields == []


# Brute force: the longest stretch of consecutive months in [first, last] with a normal payment in `scheme`.
def _brute_force_run(records: list[dict[str, Any]], scheme: str, first: Month, last: Month) -> tuple[int, Month | None]:
    normal = {r["month"] for r in records if r["scheme"] == scheme and r["kind"] == "normal"}
    window = [first.plus(i) for i in range(last - first + 1)]
    best, best_start = 0, None
    for i, start in enumerate(window):
        length = 0
        while i + length < len(window) and window[i + length] in normal:
            length += 1
        if length > best:
            best, best_start = length, start
    return best, best_start


_MONTHS = st.builds(Month, st.integers(2022, 2024), st.integers(1, 12))
_RECORDS = st.lists(st.fixed_dictionaries({
    "month": _MONTHS,
    "scheme": st.sampled_from(["pension", "medical"]),
    "kind": st.sampled_from(["normal", "normal", "back_payment"]),
}), max_size=40)


@pytest.mark.rule("PG-ELIG-4")
@given(records=_RECORDS, first=st.integers(1, 12), span=st.integers(0, 11),
       scheme=st.sampled_from(["pension", "medical"]))
def test_pg_elig_4_longest_normal_run_equals_brute_force(records, first, span, scheme):
    start = Month(2023, first)
    end = Month(2023, min(first + span, 12))
    assert longest_normal_run(records, scheme, start, end) == _brute_force_run(records, scheme, start, end)


@pytest.mark.rule("PG-ELIG-4")
@settings(max_examples=60, deadline=None)
@given(records=_RECORDS)
def test_pg_elig_4_holds_exactly_when_one_scheme_has_six_normal_months_in_jan_sep(records):
    jan, sep = Month(2023, 1), Month(2023, 9)
    expected = any(_brute_force_run(records, s, jan, sep)[0] >= 6 for s in ("pension", "medical"))
    raw = [{"month": r["month"].iso(), "scheme": r["scheme"], "kind": r["kind"]} for r in records]
    a = assessed(NO_HUKOU, social_insurance=raw or None)
    assert rule(a, "PG-ELIG-4").holds is expected
    assert a.eligible is expected


# --- PG-ELIG-5: fresh BJTU graduate applying outside Beijing, not military -----------------------------------

@pytest.mark.rule("PG-ELIG-5")
@pytest.mark.parametrize(("changes", "holds", "failing_field"), [
    pytest.param({}, True, None, id="bjtu-graduate-to-lanzhou"),
    pytest.param({"applying_unit": "西南交通大学", "full_time": False}, True, None, id="part-time-bjtu-graduate"),
    pytest.param({"applying_unit": "国防科技大学", "applying_unit_military": True}, False,
                 "applying_unit_military", id="military-academy"),
    pytest.param({"applying_unit": "清华大学", "applying_unit_in_beijing": True}, False,
                 "applying_unit_in_beijing", id="unit-in-beijing"),
    pytest.param({"undergrad_university": "北京理工大学"}, False, "undergrad_university", id="not-a-bjtu-graduate"),
    pytest.param({"candidate_type": "past_candidate", "full_time": None, "hukou_in_beijing": True}, False,
                 "candidate_type", id="past-bjtu-graduate"),
])
def test_pg_elig_5_fresh_bjtu_graduate_applying_outside_beijing(changes, holds, failing_field):
    a = assessed(BJTU_ABROAD, **changes)
    assert a.profile_valid
    assert not rule(a, "PG-ELIG-1").holds  # none of the three units: PG-ELIG-5 is the only way in
    assert rule(a, "PG-ELIG-5").holds is holds
    assert a.eligible is holds
    if holds:
        assert [r.rule for r in a.eligibility.reasons] == ["PG-ELIG-5"] * len(a.eligibility.reasons)
    else:
        assert failing_field in {r.field for r in rule(a, "PG-ELIG-5").reasons if not r.holds}


# --- PG-ELIG-6: anyone else is refused, with the reasons -----------------------------------------------------

@pytest.mark.rule("PG-ELIG-6")
def test_pg_elig_6_refusal_comes_first_and_lists_what_failed():
    a = assessed(NOBODY)
    assert a.profile_valid and not a.eligible
    refusal, *failed = a.eligibility.reasons
    assert refusal.rule == "PG-ELIG-6" and refusal.holds is False
    assert bilingual(refusal.message_zh, refusal.message_en)
    assert "1104" in refusal.message_zh and "1104" in refusal.message_en
    # Every rule that could have let the applicant in says why it did not, naming the field.
    assert {r.rule for r in failed} == {"PG-ELIG-1", "PG-ELIG-2", "PG-ELIG-3", "PG-ELIG-4", "PG-ELIG-5"}
    assert all(r.holds is False and r.field for r in failed)
    assert {"applying_unit", "candidate_type", "hukou_in_beijing", "social_insurance"} <= {r.field for r in failed}
    assert not any(r.holds for r in a.eligibility.rules)


@pytest.mark.rule("PG-ELIG-6")
def test_pg_elig_6_messages_are_bilingual_and_name_the_value_given():
    a = assessed(NOBODY)
    for reason in a.eligibility.reasons:
        assert bilingual(reason.message_zh, reason.message_en), reason
    unit = next(r for r in a.eligibility.reasons if r.field == "applying_unit")
    assert unit.value == "清华大学"
    assert "清华大学" in unit.message_zh and "清华大学" in unit.message_en
    kind = next(r for r in a.eligibility.reasons if r.field == "candidate_type")
    assert kind.value == "past_candidate"
    assert "往届生" in kind.message_zh and "past candidate" in kind.message_en
    hukou = next(r for r in a.eligibility.reasons if r.field == "hukou_in_beijing")
    assert hukou.value is False
    assert "否" in hukou.message_zh and "no" in hukou.message_en


@pytest.mark.rule("PG-ELIG-6")
def test_pg_elig_6_refusal_names_fields_not_given():
    a = assess(PG, {"applying_unit": "北京交通大学"}, today=TODAY)
    assert not a.eligible and a.eligibility.reasons[0].rule == "PG-ELIG-6"
    not_given = [r for r in a.eligibility.reasons[1:] if r.value is None and r.field]
    assert "candidate_type" in {r.field for r in not_given}
    assert all("未填写" in r.message_zh or "未提供" in r.message_zh for r in not_given)
    assert all("given" in r.message_en for r in not_given)


@pytest.mark.rule("PG-ELIG-6")
@pytest.mark.parametrize("base", [
    pytest.param(FRESH, id="fresh"), pytest.param(PAST, id="past"),
    pytest.param(INDIVIDUAL, id="individual"), pytest.param(BJTU_ABROAD, id="bjtu-abroad"),
])
def test_pg_elig_6_no_refusal_for_the_eligible(base):
    a = assessed(base)
    assert a.eligible
    assert "PG-ELIG-6" not in {r.rule for r in a.eligibility.reasons}
    assert all(r.holds for r in a.eligibility.reasons)


# --- PG-MAT-4: the full-time fresh graduate on the unified exam uploads only two things ---------------------

PG_MAT_4_ONLY = {"id_photo", "id_card_hold"}


@pytest.mark.rule("PG-MAT-4")
@pytest.mark.parametrize("changes", [
    pytest.param({}, id="all-verifications-passed"),
    pytest.param({"education_verification": "failed", "identity_verification": "failed"}, id="verifications-failed"),
    pytest.param({"id_document_type": "other", "identity_verification": "failed"}, id="non-resident-id"),
    pytest.param({"current_graduate_or_second_bachelor": True}, id="marked-current-graduate"),
    pytest.param({"hukou_in_beijing": True}, id="beijing-hukou"),
])
def test_pg_mat_4_fresh_standard_uploads_only_photo_and_id_card_hold(changes):
    a = assessed(FRESH, **changes)
    assert a.categories == ["fresh_standard"]
    assert set(a.required_material_ids) == PG_MAT_4_ONLY
    for m in a.materials:
        if m.id in PG_MAT_4_ONLY:
            assert m.requirement == "required"
            assert [r.rule for r in m.reasons] == ["PG-MAT-4"]
        else:
            assert m.requirement == "not_applicable", m.id
            assert m.reasons and all(r.rule for r in m.reasons), m.id


@pytest.mark.rule("PG-MAT-4")
@pytest.mark.parametrize("changes", [
    pytest.param({"full_time": False}, id="part-time"),
    pytest.param({"special_plan": True}, id="special-plan"),
    pytest.param({"candidate_type": "past_candidate", "full_time": None, "hukou_in_beijing": True}, id="past"),
    pytest.param({"candidate_type": "individual_exam", "full_time": None}, id="individual-exam"),
])
def test_pg_mat_4_everyone_else_uploads_more(changes):
    a = assessed(FRESH, education_verification="failed", identity_verification="failed", **changes)
    assert "fresh_standard" not in a.categories
    assert set(a.required_material_ids) > PG_MAT_4_ONLY
    assert {"verification_report", "id_card_portrait_side", "id_card_emblem_side"} <= set(a.required_material_ids)


@pytest.mark.rule("PG-MAT-4")
def test_pg_mat_4_photo_and_id_card_hold_are_required_of_everyone():
    for base in (FRESH, PAST, INDIVIDUAL, BJTU_ABROAD, NOBODY):
        a = assessed(base)
        for material_id in PG_MAT_4_ONLY:
            assert material(a, material_id).requirement == "required"


# --- PG-MAT-6 … PG-MAT-12: who uploads what ------------------------------------------------------------------

def _check(a: Assessment, expected: dict[str, str], rule_id: str) -> None:
    got = {m: requirements(a)[m] for m in expected}
    assert got == expected
    for material_id, requirement in expected.items():
        reasons = material(a, material_id).reasons
        assert reasons and all(r.rule for r in reasons), material_id
        if requirement in ("required", "waived"):
            assert rule_id in {r.rule for r in reasons}, (material_id, reasons)


@pytest.mark.rule("PG-MAT-6")
@pytest.mark.parametrize(("base", "changes", "requirement"), [
    pytest.param(PAST, {}, "required", id="past-with-hukou"),
    pytest.param(NO_HUKOU, {"social_insurance": paid("medical", "2023-01", "2023-09")}, "required",
                 id="past-working-in-beijing"),
    pytest.param(PAST, {"education_verification": "failed"}, "required", id="past-verification-failed"),
    pytest.param(INDIVIDUAL, {}, "required", id="individual-exam"),  # individual-exam candidates have graduated
    pytest.param(FRESH, {}, "not_applicable", id="fresh-standard"),
    pytest.param(FRESH, {"full_time": False}, "not_applicable", id="fresh-part-time"),
])
def test_pg_mat_6_past_candidates_upload_the_diploma(base, changes, requirement):
    a = assessed(base, **changes)
    _check(a, {"degree_certificate": requirement}, "PG-MAT-6")
    if requirement == "not_applicable" and "fresh_standard" not in a.categories:
        assert "PG-MAT-6" in {r.rule for r in material(a, "degree_certificate").reasons}


@pytest.mark.rule("PG-MAT-7")
@pytest.mark.parametrize(("base", "changes", "requirement"), [
    pytest.param(PAST, {}, "required", id="past-with-hukou"),
    pytest.param(PAST, {"hukou_verified": False}, "required", id="past-with-hukou-comparison-not-passed"),
    pytest.param(PAST, {"hukou_verified": True}, "waived", id="past-with-hukou-comparison-passed"),
    pytest.param(NO_HUKOU, {}, "not_applicable", id="past-without-hukou"),
    pytest.param(INDIVIDUAL, {"hukou_in_beijing": True}, "not_applicable", id="individual-exam-with-hukou"),
    pytest.param(FRESH, {"hukou_in_beijing": True, "full_time": False}, "not_applicable", id="fresh-with-hukou"),
])
def test_pg_mat_7_beijing_hukou_register(base, changes, requirement):
    a = assessed(base, **changes)
    _check(a, {"hukou_register": requirement}, "PG-MAT-7")
    if requirement == "waived":
        assert [r.field for r in material(a, "hukou_register").reasons] == ["hukou_verified"]


@pytest.mark.rule("PG-MAT-8")
@pytest.mark.parametrize(("base", "changes", "requirement"), [
    pytest.param(NO_HUKOU, {}, "required", id="past-without-hukou"),
    pytest.param(NO_HUKOU, {"social_insurance": paid("pension", "2023-01", "2023-09")}, "required",
                 id="past-without-hukou-with-records"),
    pytest.param(NO_HUKOU, {"social_insurance_verified": False}, "required", id="comparison-not-passed"),
    pytest.param(NO_HUKOU, {"social_insurance_verified": True}, "waived", id="comparison-passed"),
    pytest.param(PAST, {}, "not_applicable", id="past-with-hukou"),
    pytest.param(INDIVIDUAL, {"hukou_in_beijing": False}, "not_applicable", id="individual-exam-without-hukou"),
    pytest.param(FRESH, {"hukou_in_beijing": False, "full_time": False}, "not_applicable", id="fresh-without-hukou"),
])
def test_pg_mat_8_social_insurance_record(base, changes, requirement):
    a = assessed(base, **changes)
    _check(a, {"social_insurance_record": requirement}, "PG-MAT-8")
    if requirement == "waived":
        assert [r.field for r in material(a, "social_insurance_record").reasons] == ["social_insurance_verified"]


PG_MAT_9 = ("expert_recommendation_1", "expert_recommendation_2", "employer_introduction", "publications")


@pytest.mark.rule("PG-MAT-9")
@pytest.mark.parametrize(("base", "changes", "requirement"), [
    pytest.param(INDIVIDUAL, {}, "required", id="individual-exam"),
    pytest.param(INDIVIDUAL, {"hukou_in_beijing": True}, "required", id="individual-exam-with-hukou"),
    pytest.param(PAST, {}, "not_applicable", id="past"),
    pytest.param(FRESH, {"full_time": False}, "not_applicable", id="fresh-part-time"),
    pytest.param(FRESH, {}, "not_applicable", id="fresh-standard"),
])
def test_pg_mat_9_individual_exam_letters_and_publications(base, changes, requirement):
    a = assessed(base, **changes)
    _check(a, dict.fromkeys(PG_MAT_9, requirement), "PG-MAT-9")
    if requirement == "not_applicable" and "fresh_standard" not in a.categories:
        for material_id in PG_MAT_9:
            assert {r.rule for r in material(a, material_id).reasons} == {"PG-MAT-9"}


@pytest.mark.rule("PG-MAT-10")
@pytest.mark.parametrize(("base", "changes", "requirement"), [
    pytest.param(PAST, {"current_graduate_or_second_bachelor": True}, "required", id="past-current-graduate"),
    pytest.param(INDIVIDUAL, {"current_graduate_or_second_bachelor": True}, "required", id="individual-current"),
    pytest.param(FRESH, {"full_time": False, "current_graduate_or_second_bachelor": True}, "required",
                 id="fresh-part-time-second-bachelor"),
    pytest.param(FRESH, {"special_plan": True, "current_graduate_or_second_bachelor": True}, "required",
                 id="fresh-special-plan-second-bachelor"),
    pytest.param(PAST, {"current_graduate_or_second_bachelor": False}, "not_applicable", id="past-not-current"),
    pytest.param(FRESH, {"full_time": False}, "not_applicable", id="fresh-part-time-not-current"),
    pytest.param(FRESH, {"current_graduate_or_second_bachelor": True}, "not_applicable",
                 id="fresh-standard-uploads-only-pg-mat-4"),
])
def test_pg_mat_10_training_office_approval(base, changes, requirement):
    a = assessed(base, **changes)
    _check(a, {"training_office_approval": requirement}, "PG-MAT-10")


@pytest.mark.rule("PG-MAT-11")
@pytest.mark.parametrize(("base", "changes", "requirement"), [
    pytest.param(PAST, {"education_verification": "failed"}, "required", id="past-failed"),
    pytest.param(INDIVIDUAL, {"education_verification": "failed"}, "required", id="individual-failed"),
    pytest.param(FRESH, {"full_time": False, "education_verification": "failed"}, "required", id="fresh-pt-failed"),
    pytest.param(PAST, {"education_verification": "passed"}, "waived", id="past-passed"),
    pytest.param(FRESH, {"full_time": False, "education_verification": "passed"}, "waived", id="fresh-pt-passed"),
    pytest.param(FRESH, {"education_verification": "failed"}, "not_applicable", id="fresh-standard-failed"),
])
def test_pg_mat_11_failed_education_verification(base, changes, requirement):
    a = assessed(base, **changes)
    assert requirements(a)["verification_report"] == requirement
    reasons = material(a, "verification_report").reasons
    assert reasons and {r.rule for r in reasons} <= {"PG-MAT-4", "PG-MAT-11"}
    if requirement == "waived":
        [why] = reasons
        assert (why.rule, why.field, why.value) == ("PG-MAT-11", "education_verification", "passed")


@pytest.mark.rule("PG-MAT-11")
def test_pg_mat_11_required_report_says_it_is_because_verification_failed():
    a = assessed(PAST, education_verification="failed")
    reasons = material(a, "verification_report").reasons
    assert material(a, "verification_report").requirement == "required"
    assert "PG-MAT-11" in {r.rule for r in reasons}
    assert "education_verification" in {r.field for r in reasons}


@pytest.mark.rule("PG-MAT-12")
@pytest.mark.parametrize(("base", "changes", "portrait", "emblem", "document"), [
    pytest.param(PAST, {"identity_verification": "failed"}, "required", "required", "not_applicable",
                 id="resident-id-failed"),
    pytest.param(PAST, {"identity_verification": "passed"}, "waived", "waived", "not_applicable",
                 id="resident-id-passed"),
    pytest.param(FRESH, {"full_time": False, "identity_verification": "failed"}, "required", "required",
                 "not_applicable", id="fresh-part-time-resident-id-failed"),
    pytest.param(PAST, {"id_document_type": "other", "identity_verification": "failed"}, "not_applicable",
                 "not_applicable", "required", id="other-document-failed"),
    pytest.param(INDIVIDUAL, {"id_document_type": "other", "identity_verification": "failed"}, "not_applicable",
                 "not_applicable", "required", id="individual-other-document"),
    pytest.param(FRESH, {"identity_verification": "failed"}, "not_applicable", "not_applicable", "not_applicable",
                 id="fresh-standard-resident-id-failed"),
    pytest.param(FRESH, {"id_document_type": "other", "identity_verification": "failed"}, "not_applicable",
                 "not_applicable", "not_applicable", id="fresh-standard-other-document"),
])
def test_pg_mat_12_id_card_images_after_failed_face_verification(base, changes, portrait, emblem, document):
    a = assessed(base, **changes)
    _check(a, {"id_card_portrait_side": portrait, "id_card_emblem_side": emblem, "id_document": document},
           "PG-MAT-12")


@pytest.mark.rule("PG-MAT-12")
def test_pg_mat_12_non_resident_document_is_required_even_when_face_verification_passed():
    a = assessed(PAST, id_document_type="other", identity_verification="passed")
    assert material(a, "id_document").requirement == "required"
