"""SC-RULE-1…3 and SC-ELIG-1: recognising another province's academic test results."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from intake.rules.recognition import (
    ArtSubject,
    GradeSubject,
    RecognitionRequest,
    ScoreSubject,
    Subject,
    recognise,
)

SUBJECT = TypeAdapter(Subject)


def outcome_of(subject: dict):
    return recognise(RecognitionRequest.model_validate({"subjects": [subject]})).subjects[0]


# --- SC-RULE-1: grades ---------------------------------------------------------------------------------------

@pytest.mark.rule("SC-RULE-1")
@pytest.mark.parametrize(("grade", "passing", "passed"), [
    ("A", ["A", "B", "C"], True),
    ("C", ["A", "B", "C"], True),
    ("D", ["A", "B", "C"], False),
    ("E", ["A", "B", "C", "D"], False),
    (" b ", ["A", "B"], True),          # trimmed, case-folded
    ("Ａ", ["A"], True),                # full-width letter
    ("合格", ["优秀", "良好", "合格"], True),
    ("不合格", ["优秀", "良好", "合格"], False),
    ("p", ["P"], True),
    ("F", ["P"], False),
])
def test_sc_rule_1_grade_passes_at_pass_or_better(grade, passing, passed):
    outcome = outcome_of({"name": "物理", "grade": grade, "passing_grades": passing})
    assert outcome.passed is passed
    assert outcome.rule == "SC-RULE-1"
    assert grade.strip() in outcome.reason_zh and grade.strip() in outcome.reason_en
    assert passing[-1] in outcome.reason_zh and passing[-1] in outcome.reason_en
    assert ("not among" in outcome.reason_en) is not passed


def test_sc_rule_1_needs_at_least_one_passing_grade():
    with pytest.raises(ValidationError, match="passing_grades"):
        GradeSubject(name="物理", grade="A", passing_grades=[])


# --- SC-RULE-2: scores ---------------------------------------------------------------------------------------

@pytest.mark.rule("SC-RULE-2")
@pytest.mark.parametrize(("score", "full", "passed", "reason"), [
    ("58.5", "100", False, "58.5 < 60% × 100 (= 60)"),
    ("60", "100", True, "60 ≥ 60% × 100 (= 60)"),
    ("59.99", "100", False, "59.99 < 60% × 100 (= 60)"),
    ("60.00", "100.0", True, "60 ≥ 60% × 100 (= 60)"),
    ("90", "150", True, "90 ≥ 60% × 150 (= 90)"),
    ("89.9999", "150", False, "89.9999 < 60% × 150 (= 90)"),
    ("72", "120", True, "72 ≥ 60% × 120 (= 72)"),
    ("71.5", "120", False, "71.5 < 60% × 120 (= 72)"),
    ("0.6", "1", True, "0.6 ≥ 60% × 1 (= 0.6)"),
    ("0", "100", False, "0 < 60% × 100 (= 60)"),
    ("100", "100", True, "100 ≥ 60% × 100 (= 60)"),
    ("43.8", "73", True, "43.8 ≥ 60% × 73 (= 43.8)"),
])
def test_sc_rule_2_score_passes_at_60_percent_of_full(score, full, passed, reason):
    outcome = outcome_of({"name": "数学", "score": score, "full_score": full})
    assert outcome.passed is passed
    assert outcome.rule == "SC-RULE-2"
    assert outcome.reason_en.startswith(reason)
    assert outcome.reason_zh.startswith(reason)


@pytest.mark.rule("SC-RULE-2")
def test_sc_rule_2_json_floats_are_read_as_their_decimal_text():
    # 0.1 * 3 as binary floats is 0.30000000000000004; as decimals it is exact.
    assert outcome_of({"name": "x", "score": 0.3, "full_score": 0.5}).passed is True
    assert outcome_of({"name": "x", "score": 58.5, "full_score": 100}).passed is False


@pytest.mark.rule("SC-RULE-2")
@pytest.mark.parametrize(("score", "full", "problem"), [
    ("101", "100", "above the full score"),
    ("-1", "100", "greater than or equal to 0"),
    ("50", "0", "greater than 0"),
    ("NaN", "100", "finite"),
    ("50", "Infinity", "finite"),
    ("50.12345", "100", "decimal places"),
    ("abc", "100", "valid decimal"),
])
def test_sc_rule_2_impossible_scores_are_validation_errors(score, full, problem):
    with pytest.raises(ValidationError, match=problem):
        ScoreSubject(name="数学", score=score, full_score=full)


@pytest.mark.rule("SC-RULE-2")
@given(
    score=st.decimals(min_value=0, max_value=1000, places=2),
    full=st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
)
def test_sc_rule_2_property_passes_iff_ten_times_score_reaches_six_times_full(score, full):
    if score > full:
        score, full = full, score
    if full == 0:
        return
    outcome = outcome_of({"name": "x", "score": str(score), "full_score": str(full)})
    assert outcome.passed is (score * 10 >= full * 6)


# --- SC-RULE-3: art as music and fine art --------------------------------------------------------------------

MUSIC_PASS = {"name": "音乐", "grade": "合格", "passing_grades": ["合格"]}
MUSIC_FAIL = {"name": "音乐", "grade": "不合格", "passing_grades": ["合格"]}
FINE_ART_PASS = {"name": "美术", "score": "60", "full_score": "100"}
FINE_ART_FAIL = {"name": "美术", "score": "59.5", "full_score": "100"}


@pytest.mark.rule("SC-RULE-3")
@pytest.mark.parametrize(("music", "fine_art", "passed"), [
    (MUSIC_PASS, FINE_ART_PASS, True),
    (MUSIC_PASS, FINE_ART_FAIL, False),
    (MUSIC_FAIL, FINE_ART_PASS, False),
    (MUSIC_FAIL, FINE_ART_FAIL, False),
])
def test_sc_rule_3_art_passes_only_when_music_and_fine_art_both_pass(music, fine_art, passed):
    outcome = outcome_of({"name": "艺术", "parts": [music, fine_art]})
    assert outcome.passed is passed
    assert outcome.rule == "SC-RULE-3"
    assert [p.rule for p in outcome.parts] == ["SC-RULE-1", "SC-RULE-2"]
    assert [p.passed for p in outcome.parts] == [music is MUSIC_PASS, fine_art is FINE_ART_PASS]
    count = sum(p.passed for p in outcome.parts)
    assert f"{count}/2" in outcome.reason_zh and f"{count} of 2" in outcome.reason_en
    assert "音乐" in outcome.reason_zh and "美术" in outcome.reason_en


@pytest.mark.rule("SC-RULE-3")
@pytest.mark.parametrize("parts", [[MUSIC_PASS], [MUSIC_PASS, FINE_ART_PASS, FINE_ART_PASS]])
def test_sc_rule_3_art_has_exactly_two_parts(parts):
    with pytest.raises(ValidationError, match="parts"):
        ArtSubject(name="艺术", parts=parts)


def test_sc_rule_3_art_part_cannot_itself_be_art():
    with pytest.raises(ValidationError):
        ArtSubject(name="艺术", parts=[MUSIC_PASS, {"name": "x", "parts": [MUSIC_PASS, FINE_ART_PASS]}])


# --- subject shapes ------------------------------------------------------------------------------------------

def test_subject_kind_is_told_apart_by_its_fields():
    assert isinstance(SUBJECT.validate_python(MUSIC_PASS), GradeSubject)
    assert isinstance(SUBJECT.validate_python(FINE_ART_PASS), ScoreSubject)
    assert isinstance(SUBJECT.validate_python({"name": "艺术", "parts": [MUSIC_PASS, FINE_ART_PASS]}), ArtSubject)
    request = RecognitionRequest(subjects=[MUSIC_PASS, FINE_ART_PASS])
    assert RecognitionRequest.model_validate_json(request.model_dump_json()) == request


@pytest.mark.parametrize(("data", "problem"), [
    ({"name": "x"}, "a subject needs"),
    ({"name": "x", "grade": "A", "passing_grades": ["A"], "score": 1}, "Extra inputs"),
    ({"name": "x", "score": 1, "full_score": 2, "colour": "red"}, "Extra inputs"),
    ({"name": "x", "grade": "A"}, "passing_grades"),
])
def test_unknown_or_missing_fields_are_clear_validation_errors(data, problem):
    with pytest.raises(ValidationError, match=problem):
        SUBJECT.validate_python(data)


def test_request_needs_a_subject_and_known_flags():
    with pytest.raises(ValidationError, match="subjects"):
        RecognitionRequest(subjects=[])
    with pytest.raises(ValidationError, match="Extra inputs"):
        RecognitionRequest.model_validate({"subjects": [MUSIC_PASS], "transferred": True})


# --- SC-ELIG-1: route ----------------------------------------------------------------------------------------

@pytest.mark.rule("SC-ELIG-1")
@pytest.mark.parametrize(("flags", "needed", "route", "reason_en"), [
    ({}, True, "online", "upload"),
    ({"already_certified": True}, False, "not_needed", "already certified"),
    ({"tested_in_beijing": True}, False, "not_needed", "in Beijing"),
    ({"records_transferred_to_beijing": True}, True, "school", "school"),
    ({"already_certified": True, "records_transferred_to_beijing": True}, False, "not_needed", "already certified"),
    ({"tested_in_beijing": True, "records_transferred_to_beijing": True}, False, "not_needed", "in Beijing"),
])
def test_sc_elig_1_route(flags, needed, route, reason_en):
    result = recognise(RecognitionRequest(subjects=[MUSIC_PASS, FINE_ART_FAIL], **flags))
    assert (result.certification_needed, result.route) == (needed, route)
    assert reason_en in result.route_reason_en and result.route_reason_zh
    # Subjects are evaluated on every route, for information.
    assert [s.passed for s in result.subjects] == [True, False]
    assert (result.all_passed, result.passed_count, result.failed_count) == (False, 1, 1)


@pytest.mark.rule("SC-ELIG-1")
def test_sc_elig_1_all_passed_counts_top_level_subjects():
    art = {"name": "艺术", "parts": [MUSIC_PASS, FINE_ART_PASS]}
    result = recognise(RecognitionRequest(subjects=[MUSIC_PASS, FINE_ART_PASS, art]))
    assert (result.all_passed, result.passed_count, result.failed_count) == (True, 3, 0)
