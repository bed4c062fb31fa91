"""CG-FORM-1/2 and CG-MAT-1 (cadre registration), ED-ACC-1 and ED-FORM-1/2 (equivalent-qualification degree),
X-ID-1 through the ED form, and SC-ELIG-1 through the score-certification profile.

Everything goes through `assess` with the shipped program definitions. Names are invented and ID numbers are
made up with `make_resident_id`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from intake.programs import load_catalogue
from intake.rules.assessment import Assessment, assess
from intake.rules.fields import check_profile
from intake.rules.identity import check_character, make_resident_id
from intake.rules.months import Month

TODAY = date(2023, 11, 2)
CATALOGUE = load_catalogue()
CG = CATALOGUE.get("cadre-grad-2023")
ED = CATALOGUE.get("equiv-degree-2023")
SC = CATALOGUE.get("score-cert-return")

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `base` with `changes`; a change to None removes the field."""
    profile = {**base, **changes}
    return {k: v for k, v in profile.items() if v is not None}


def problems(a: Assessment) -> list[tuple[str, str]]:
    return [(f.field, f.code) for f in a.invalid_fields]


def missing(a: Assessment) -> list[str]:
    assert all(f.code == "field.missing" for f in a.missing_fields)
    return [f.field for f in a.missing_fields]


def bilingual(text_zh: str, text_en: str) -> bool:
    return bool(CJK.search(text_zh)) and bool(LATIN.search(text_en))


# ============================================================================================================
# CG — in-service cadre graduate registration
# ============================================================================================================

NOTICE_HISTORY = "2015.7-2017.3，某街道办事处，科员\n2017.4至今，某街道办事处，副主任科员"
CADRE: dict[str, Any] = {
    "education_level": "bachelor",
    "graduating_school": "某师范大学",
    "graduation_date": "2015.7",
    "employer": "某街道办事处",
    "party_entry": "2014年6月",
    "work_start": "2015.7",
    "post_title": "副主任科员",
    "work_history": NOTICE_HISTORY,
}
CG_REQUIRED = ["education_level", "graduating_school", "graduation_date", "employer", "work_start", "post_title",
               "work_history"]


def cadre(**changes: Any) -> Assessment:
    return assess(CG, changed(CADRE, **changes), today=TODAY)


def test_the_cadre_base_profile_is_complete_and_valid():
    a = cadre()
    assert a.profile_valid and a.eligible, (a.invalid_fields, a.missing_fields)


@pytest.mark.rule("CG-FORM-1")
@pytest.mark.parametrize(("level", "eligible"), [
    pytest.param("bachelor", True, id="bachelor"),
    pytest.param("master", True, id="master"),
    pytest.param("doctor", True, id="doctor"),
    pytest.param("junior_college", False, id="junior-college"),
])
def test_cg_form_1_education_bachelor_or_above(level, eligible):
    a = cadre(education_level=level)
    assert a.profile_valid
    assert a.eligible is eligible
    reasons = a.eligibility.reasons
    assert all(r.rule == "CG-FORM-1" for r in reasons)
    if eligible:
        assert [(r.field, r.value, r.holds) for r in reasons] == [("education_level", level, True)]
    else:
        refusal, why = reasons
        assert refusal.holds is False and bilingual(refusal.message_zh, refusal.message_en)
        assert (why.field, why.value, why.holds) == ("education_level", "junior_college", False)
        assert "大专" in why.message_zh and "junior college" in why.message_en
        assert "bachelor" in why.message_en


@pytest.mark.rule("CG-FORM-1")
@pytest.mark.parametrize(("field", "value", "code"), [
    pytest.param("graduation_date", "2015.7", None, id="graduation-yyyy.m"),
    pytest.param("graduation_date", "2015.07", None, id="graduation-yyyy.mm"),
    pytest.param("graduation_date", "2015年7月", None, id="graduation-chinese"),
    pytest.param("graduation_date", "2015-07", "field.month", id="graduation-dash-not-offered"),
    pytest.param("graduation_date", "201507", "field.month", id="graduation-yyyymm-not-offered"),
    pytest.param("graduation_date", "2015.13", "field.month", id="graduation-month-13"),
    pytest.param("graduation_date", "2015.7.1", "field.month", id="graduation-with-day"),
    pytest.param("graduation_date", "2023.12", "field.future", id="graduation-next-month"),
    pytest.param("graduation_date", "2023.11", None, id="graduation-this-month"),
    pytest.param("party_entry", "2014.6", None, id="party-entry-yyyy.m"),
    pytest.param("party_entry", None, None, id="party-entry-optional"),
    pytest.param("party_entry", "2014年13月", "field.month", id="party-entry-month-13"),
    pytest.param("party_entry", "2024年1月", "field.future", id="party-entry-future"),
    pytest.param("work_start", "2015.07", None, id="work-start-yyyy.mm"),
    pytest.param("work_start", "2015年7月", None, id="work-start-chinese"),
    pytest.param("work_start", "201507", "field.month", id="work-start-yyyymm-not-offered"),
    pytest.param("work_start", "2024.1", "field.future", id="work-start-future"),
    pytest.param("education_level", "high_school", "field.choice", id="education-not-a-choice"),
    pytest.param("graduating_school", "大" * 61, "field.too_long", id="school-too-long"),
    pytest.param("employer", "单" * 81, "field.too_long", id="employer-too-long"),
    pytest.param("employer", "单" * 80, None, id="employer-at-limit"),
])
def test_cg_form_1_profile_fields(field, value, code):
    a = cadre(**{field: value})
    assert problems(a) == ([] if code is None else [(field, code)])
    assert a.profile_valid is (code is None)
    for finding in a.invalid_fields:
        assert bilingual(finding.message_zh, finding.message_en)


@pytest.mark.rule("CG-FORM-1")
@pytest.mark.parametrize("field", CG_REQUIRED)
def test_cg_form_1_required_fields(field):
    a = cadre(**{field: None})
    assert missing(a) == [field]
    assert not a.profile_valid


@pytest.mark.rule("CG-FORM-1")
@pytest.mark.rule("CG-FORM-2")
def test_cg_form_1_form_2_empty_draft_lists_every_required_field():
    a = assess(CG, {}, today=TODAY)
    assert missing(a) == CG_REQUIRED
    assert problems(a) == []
    assert not a.profile_valid


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("work_start", "history", "codes"), [
    pytest.param("2015.7", NOTICE_HISTORY, [], id="notice-example"),
    pytest.param("2015年7月", "2015.07-2017.03，甲单位，科员\n2017.04-至今，甲单位，副主任科员", [],
                 id="other-spellings"),
    pytest.param("2015.7", "2015.7至今，某街道办事处，科员", [], id="one-open-period"),
    pytest.param("2015.7", "2015.7-2017.3，甲单位，科员\n2017.4-2023.11，乙单位，主任科员", [],
                 id="closed-at-this-month"),
    pytest.param("2015.7", "2017.4至今，乙单位\n2015.7-2017.3，甲单位", [], id="lines-out-of-order"),
    pytest.param("2015.7", "2015.7-2017.3，甲单位，科员\n2017.6至今，乙单位，科员", ["history.gap"], id="gap"),
    pytest.param("2015.6", NOTICE_HISTORY, ["history.start_mismatch"], id="starts-after-work-start"),
    pytest.param("2015.8", NOTICE_HISTORY, ["history.start_mismatch"], id="starts-before-work-start"),
    pytest.param("2015.7", "2015.7-2017.5，甲单位\n2017.4至今，乙单位", ["history.overlap"], id="overlap"),
    pytest.param("2015.7", "2015.7-2017.3，甲单位\n2017.4-2020.6，乙单位", ["history.not_to_present"],
                 id="stops-before-today"),
    pytest.param("2015.7", "2015.7至今，甲单位\n2017.4至今，乙单位", ["history.open_entry_not_last"],
                 id="two-open-periods"),
    pytest.param("2015.7", "2015.7-2024.3，甲单位", ["history.future"], id="reaches-the-future"),
    pytest.param("2015.7", "2015.7到2017.3在甲单位\n2017.4至今，乙单位", ["history.line_unparsed"],
                 id="unreadable-line"),
    pytest.param("2015.7", "2017.3-2015.7，甲单位", ["history.range_reversed"], id="reversed-range"),
])
def test_cg_form_2_work_history_anchored_at_work_start(work_start, history, codes):
    a = cadre(work_start=work_start, work_history=history)
    assert [f.code for f in a.invalid_fields] == codes
    assert {f.field for f in a.invalid_fields} <= {"work_history"}
    assert a.profile_valid is (not codes)
    for finding in a.invalid_fields:
        assert finding.message_zh.startswith("工作简历：") and finding.message_en.startswith("work history: ")


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_gap_and_start_mismatch_say_which_months():
    [gap] = cadre(work_history="2015.7-2017.3，甲单位，科员\n2017.6至今，乙单位，科员").invalid_fields
    assert (gap.code, gap.measured, gap.limit) == ("history.gap", "2017.04–2017.05", "2017.04")
    assert "2017.04–2017.05" in gap.message_zh and "2017.04–2017.05" in gap.message_en
    [start] = cadre(work_start="2015.6").invalid_fields
    assert (start.code, start.measured, start.limit) == ("history.start_mismatch", "2015.07", "2015.06")
    assert "2015.06" in start.message_zh and "2015.06" in start.message_en


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_without_a_valid_work_start_only_continuity_is_checked():
    a = cadre(work_start="201507")  # not an offered format: the history has no anchor to match
    assert problems(a) == [("work_start", "field.month")]


CG_MAT_1 = {
    "id_photo": "required",
    "id_card_front": "required",
    "id_card_back": "required",
    "bachelor_diploma": "required",
    "appointment_documents": "required",
    "professional_title": "required",
    "chsi_registration_form": "required",
    "junior_college_diploma": "optional",
    "graduate_diploma": "optional",
    "master_degree_certificate": "optional",
    "other_proof": "optional",
}


@pytest.mark.rule("CG-MAT-1")
@pytest.mark.parametrize(("profile", "changes"), [
    pytest.param(CADRE, {}, id="bachelor"),
    pytest.param(CADRE, {"education_level": "master"}, id="master"),
    pytest.param({}, {}, id="empty-draft"),
])
@pytest.mark.parametrize(("material_id", "requirement"), CG_MAT_1.items(), ids=list(CG_MAT_1))
def test_cg_mat_1_required_and_optional_materials(profile, changes, material_id, requirement):
    a = assess(CG, changed(profile, **changes), today=TODAY)
    m = next(m for m in a.materials if m.id == material_id)
    assert m.requirement == requirement
    assert m.reasons and {r.rule for r in m.reasons} == {"CG-MAT-1"}


@pytest.mark.rule("CG-MAT-1")
def test_cg_mat_1_lists_exactly_these_materials():
    a = cadre()
    assert {m.id: m.requirement for m in a.materials} == CG_MAT_1


# ============================================================================================================
# ED — equivalent-qualification degree application
# ============================================================================================================

BORN = date(1991, 4, 18)
ED_ID = make_resident_id("110108", BORN, 246)
BORN_X = date(1990, 3, 7)
ED_ID_X = make_resident_id("110105", BORN_X, 5)  # ends in X
APPLICANT: dict[str, Any] = {
    "username": "lin.xiaoyu@example.com",
    "email": "lin.xiaoyu@example.com",
    "mobile": "13912345678",
    "real_name": "林小雨",
    "country": "中国",
    "id_type": "resident_id",
    "birth_date": "19910418",
    "id_number": ED_ID,
    "id_number_confirm": ED_ID,
    "address": "北京市海淀区某某路 1 号",
    "postcode": "100044",
    "phone": "010-12345678",
    "pinyin_name": "LIN XIAOYU",
    "sex": "female",
    "nationality": "中国",
    "ethnicity": "汉族",
    "political_status": "masses",
    "work_start": "201307",
    "prior_degree_date": "201306",
    "prior_degree_type": "bachelor",
    "personal_history": "2013.7至今，某研究所，工程师",
    "awarding_province": "北京",
    "awarding_institution": "北京交通大学",
    "degree_type": "academic",
    "discipline_category": "工学",
    "discipline_name": "交通运输工程",
    "applicant_category": "in_service",
    "application_month": "202310",
    "employer_province": "北京",
    "employer_name": "某研究所",
    "employer_nature": "public_institution",
    "admin_rank": "无",
    "technical_rank": "工程师",
}
ED_ACC_1_REQUIRED = ["username", "email", "mobile", "real_name", "country", "address", "postcode"]
ED_FORM_1_REQUIRED = ["pinyin_name", "sex", "nationality", "ethnicity", "birth_date", "political_status",
                      "work_start", "prior_degree_date", "prior_degree_type", "personal_history"]
ED_FORM_2_REQUIRED = ["awarding_province", "awarding_institution", "degree_type", "discipline_category",
                      "discipline_name", "applicant_category", "application_month", "employer_province",
                      "employer_name", "employer_nature"]


def applicant(previous: dict[str, Any] | None = None, **changes: Any) -> Assessment:
    return assess(ED, changed(APPLICANT, **changes), today=TODAY, previous=previous)


def with_id(number: str, **changes: Any) -> Assessment:
    """The applicant with `number` entered in both ID boxes."""
    return applicant(id_number=number, id_number_confirm=number, **changes)


def test_the_ed_base_profile_is_complete_and_valid():
    a = applicant()
    assert a.profile_valid and a.eligible, (a.invalid_fields, a.missing_fields)
    assert ED.eligibility is None  # no eligibility conditions: everyone may register


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize(("field", "value", "code"), [
    pytest.param("username", "lxy1", None, id="username-4-characters"),
    pytest.param("username", "lxy", "field.too_short", id="username-3-characters"),
    pytest.param("username", "u" * 61, "field.too_long", id="username-61-characters"),
    pytest.param("email", "xiaoyu_lin+ed@mail.example.cn", None, id="email-plus-and-subdomain"),
    pytest.param("email", "lin.xiaoyu@", "field.format", id="email-no-domain"),
    pytest.param("email", "lin.xiaoyu.example.com", "field.format", id="email-no-at"),
    pytest.param("email", "lin xiaoyu@example.com", "field.format", id="email-blank-inside"),
    pytest.param("email", "lin.xiaoyu@example", "field.format", id="email-no-top-level-domain"),
    pytest.param("email", "lin@xiao@example.com", "field.format", id="email-two-ats"),
    pytest.param("mobile", "13912345678", None, id="mobile-139"),
    pytest.param("mobile", "19912345678", None, id="mobile-199"),
    pytest.param("mobile", " 13912345678 ", None, id="mobile-surrounding-blanks"),
    pytest.param("mobile", "12912345678", "field.format", id="mobile-second-digit-2"),
    pytest.param("mobile", "1391234567", "field.format", id="mobile-10-digits"),
    pytest.param("mobile", "139123456789", "field.format", id="mobile-12-digits"),
    pytest.param("mobile", "+8613912345678", "field.format", id="mobile-with-country-code"),
    pytest.param("mobile", "139-1234-5678", "field.format", id="mobile-with-dashes"),
    pytest.param("postcode", "100044", None, id="postcode-6-digits"),
    pytest.param("postcode", "10004", "field.format", id="postcode-5-digits"),
    pytest.param("postcode", "1000444", "field.format", id="postcode-7-digits"),
    pytest.param("postcode", "10004A", "field.format", id="postcode-letter"),
    pytest.param("real_name", "名" * 30, None, id="real-name-at-limit"),
    pytest.param("real_name", "名" * 31, "field.too_long", id="real-name-too-long"),
    pytest.param("country", "国" * 41, "field.too_long", id="country-too-long"),
    pytest.param("address", "址" * 121, "field.too_long", id="address-too-long"),
    pytest.param("phone", None, None, id="landline-optional"),
    pytest.param("mobile", 13912345678, "field.type", id="mobile-as-a-number"),
])
def test_ed_acc_1_account_fields(field, value, code):
    a = applicant(**{field: value})
    assert problems(a) == ([] if code is None else [(field, code)])
    assert a.profile_valid is (code is None)
    for finding in a.invalid_fields:
        assert bilingual(finding.message_zh, finding.message_en)


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize(("field", "value"), [
    pytest.param("postcode", "١٠٠٠٤٤", id="postcode-arabic-indic-digits"),
    pytest.param("mobile", "13٩١٢٣٤٥٦٧٨", id="mobile-arabic-indic-digits"),
])
def test_ed_acc_1_formats_take_ascii_digits_only(field, value):
    assert problems(applicant(**{field: value})) == [(field, "field.format")]


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize("field", ED_ACC_1_REQUIRED)
def test_ed_acc_1_required_fields(field):
    a = applicant(**{field: None})
    assert missing(a) == [field]
    assert not a.profile_valid


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize(("previous", "new", "immutable"), [
    pytest.param({"real_name": "张三"}, "林小雨", True, id="changed"),
    pytest.param({"real_name": "林小雨"}, "林小雨", False, id="same-again"),
    pytest.param(None, "林小雨", False, id="first-save"),
    pytest.param({}, "林小雨", False, id="previous-without-a-name"),
    pytest.param({"real_name": ""}, "林小雨", False, id="previous-name-blank"),
    pytest.param({"real_name": "林小雨", "email": "old@example.com"}, "林小雨", False, id="other-fields-may-change"),
])
def test_ed_acc_1_real_name_is_immutable(previous, new, immutable):
    a = applicant(previous=previous, real_name=new)
    if immutable:
        [finding] = a.invalid_fields
        assert (finding.field, finding.code, finding.measured, finding.limit) == (
            "real_name", "field.immutable", "林小雨", "张三")
        assert "张三" in finding.message_zh and "张三" in finding.message_en
        assert not a.profile_valid
    else:
        assert problems(a) == []


@pytest.mark.rule("ED-ACC-1")
def test_ed_acc_1_removing_the_saved_real_name_is_reported_missing():
    a = applicant(previous={"real_name": "林小雨"}, real_name=None)
    assert missing(a) == ["real_name"]


@pytest.mark.rule("ED-ACC-1")
def test_ed_acc_1_real_name_differing_only_in_surrounding_blanks_is_not_a_change():
    a = applicant(previous={"real_name": "林小雨 "}, real_name="林小雨")
    assert problems(a) == []


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize(("number", "confirm", "born", "invalid", "absent"), [
    pytest.param(ED_ID, ED_ID, BORN, [], [], id="same-twice"),
    pytest.param(ED_ID, f" {ED_ID} ", BORN, [], [], id="confirmation-with-blanks"),
    pytest.param(ED_ID_X, ED_ID_X.lower(), BORN_X, [], [], id="lower-case-x-in-confirmation"),
    pytest.param(ED_ID_X.lower(), ED_ID_X, BORN_X, [], [], id="lower-case-x-in-number"),
    pytest.param(ED_ID, ED_ID[:-3] + ED_ID[-2] + ED_ID[-3] + ED_ID[-1], BORN,
                 [("id_number_confirm", "field.mismatch")], [], id="two-digits-swapped"),
    pytest.param(ED_ID, ED_ID[:-1], BORN, [("id_number_confirm", "field.mismatch")], [], id="confirmation-one-short"),
    pytest.param(ED_ID, None, BORN, [], ["id_number_confirm"], id="confirmation-missing"),
])
def test_ed_acc_1_ed_form_1_id_number_entered_twice(number, confirm, born, invalid, absent):
    a = applicant(id_number=number, id_number_confirm=confirm, birth_date=f"{born:%Y%m%d}")
    assert problems(a) == invalid
    assert missing(a) == absent
    if invalid:
        [finding] = a.invalid_fields
        assert finding.measured == confirm and finding.limit == number
        assert "两次输入不一致" in finding.message_zh and "differ" in finding.message_en


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize(("changes", "invalid", "absent"), [
    pytest.param({"id_type": "passport", "id_number": None, "id_number_confirm": None,
                  "other_id_number": "E12345678", "other_id_number_confirm": "E12345678"}, [], [],
                 id="passport-entered-twice"),
    pytest.param({"id_type": "passport", "id_number": None, "id_number_confirm": None,
                  "other_id_number": "E12345678", "other_id_number_confirm": "E12345679"},
                 [("other_id_number_confirm", "field.mismatch")], [], id="passport-entries-differ"),
    pytest.param({"id_type": "passport", "id_number": None, "id_number_confirm": None}, [],
                 ["other_id_number", "other_id_number_confirm"], id="passport-number-missing"),
    pytest.param({"id_type": "passport", "other_id_number": "E12345678", "other_id_number_confirm": "E12345678"},
                 [("id_number", "field.not_applicable"), ("id_number_confirm", "field.not_applicable")], [],
                 id="passport-holder-gives-resident-id"),
    pytest.param({"other_id_number": "E12345678", "other_id_number_confirm": "E12345678"},
                 [("other_id_number", "field.not_applicable"), ("other_id_number_confirm", "field.not_applicable")],
                 [], id="resident-gives-other-number"),
    pytest.param({"id_number": None, "id_number_confirm": None}, [], ["id_number", "id_number_confirm"],
                 id="resident-id-missing"),
])
def test_ed_acc_1_ed_form_1_id_numbers_follow_the_id_type(changes, invalid, absent):
    a = applicant(**changes)
    assert problems(a) == invalid
    assert missing(a) == absent
    assert a.profile_valid is (not invalid and not absent)


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize("field", ["nickname", "password", "real_name_pinyin", "ID_NUMBER"])
def test_ed_acc_1_unknown_fields_are_reported(field):
    a = applicant(**{field: "x1234567"})
    assert problems(a) == [(field, "field.unknown")]
    assert field in a.invalid_fields[0].message_en and field in a.invalid_fields[0].message_zh
    assert not a.profile_valid


# --- ED-FORM-1: basic information ----------------------------------------------------------------------------

def born_on(text: str) -> dict[str, Any]:
    """Birth date `text`, with an ID number that agrees with it when it is a real past date."""
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return {"birth_date": text}
    number = make_resident_id("110108", day, 246) if day <= TODAY else ED_ID
    return {"birth_date": text, "id_number": number, "id_number_confirm": number}


@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize(("text", "code"), [
    pytest.param("19910418", None, id="valid"),
    pytest.param("20230228", None, id="end-of-february"),
    pytest.param("20000229", None, id="leap-day"),
    pytest.param("20231102", None, id="today"),
    pytest.param("20230230", "field.date", id="february-30"),
    pytest.param("19990229", "field.date", id="not-a-leap-year"),
    pytest.param("19911318", "field.date", id="month-13"),
    pytest.param("1991-04-18", "field.date", id="iso-not-offered"),
    pytest.param("1991418", "field.date", id="seven-digits"),
    pytest.param("20231103", "field.future", id="tomorrow"),
])
def test_ed_form_1_birth_date_yyyymmdd(text, code):
    a = applicant(**born_on(text))
    assert problems(a) == ([] if code is None else [("birth_date", code)])
    if code:
        assert a.invalid_fields[0].measured in (text, "2023-11-03")


@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize("field", ["work_start", "prior_degree_date"])
@pytest.mark.parametrize(("text", "code"), [
    pytest.param("201307", None, id="valid"),
    pytest.param("202311", None, id="this-month"),
    pytest.param("190001", None, id="earliest-year"),
    pytest.param("202313", "field.month", id="month-13"),
    pytest.param("202300", "field.month", id="month-00"),
    pytest.param("2013.07", "field.month", id="dotted-not-offered"),
    pytest.param("2013-07", "field.month", id="dash-not-offered"),
    pytest.param("20137", "field.month", id="five-digits"),
    pytest.param("189912", "field.month", id="before-1900"),
    pytest.param("202312", "field.future", id="next-month"),
])
def test_ed_form_1_months_yyyymm(field, text, code):
    a = applicant(**{field: text})
    assert problems(a) == ([] if code is None else [(field, code)])


@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize(("text", "code"), [
    pytest.param("LIN XIAOYU", None, id="capitals-single-space"),
    pytest.param("lin xiaoyu", None, id="lower-case"),
    pytest.param(" LIN XIAOYU ", None, id="surrounding-blanks"),
    pytest.param("LÜ MING", None, id="u-umlaut"),
    pytest.param("OUYANG XIAOYU", None, id="two-syllable-surname"),
    pytest.param("林小雨", "field.format", id="chinese-characters"),
    pytest.param("LIN  XIAOYU", "field.format", id="two-spaces"),
    pytest.param("LIN-XIAOYU", "field.format", id="hyphen"),
    pytest.param("LIN XIAOYU2", "field.format", id="digit"),
    pytest.param("LIN\tXIAOYU", "field.format", id="tab"),
    pytest.param("LIN XIǍOYU", "field.format", id="tone-mark"),
])
def test_ed_form_1_pinyin_name(text, code):
    a = applicant(pinyin_name=text)
    assert problems(a) == ([] if code is None else [("pinyin_name", code)])
    if code:
        assert "LI HUA" in a.invalid_fields[0].message_zh and "LI HUA" in a.invalid_fields[0].message_en


@pytest.mark.rule("ED-FORM-1")
def test_ed_form_1_pinyin_is_kept_in_capitals():
    check = check_profile(ED.profile, changed(APPLICANT, pinyin_name=" lin xiaoyu "), today=TODAY)
    assert check.values["pinyin_name"] == "LIN XIAOYU"


@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize(("field", "value", "code"), [
    pytest.param("sex", "male", None, id="sex-male"),
    pytest.param("sex", "M", "field.choice", id="sex-m"),
    pytest.param("sex", "男", "field.choice", id="sex-label-not-value"),
    pytest.param("political_status", "cpc_probationary", None, id="political-probationary"),
    pytest.param("political_status", "member", "field.choice", id="political-unknown"),
    pytest.param("prior_degree_type", "doctor", None, id="prior-doctor"),
    pytest.param("prior_degree_type", "associate", "field.choice", id="prior-associate"),
    pytest.param("ethnicity", "族" * 21, "field.too_long", id="ethnicity-too-long"),
    pytest.param("nationality", "国" * 41, "field.too_long", id="nationality-too-long"),
])
def test_ed_form_1_choices_and_text(field, value, code):
    a = applicant(**{field: value})
    assert problems(a) == ([] if code is None else [(field, code)])
    if code == "field.choice":
        assert value in a.invalid_fields[0].message_zh and value in a.invalid_fields[0].message_en


@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize(("history", "codes"), [
    pytest.param("2013.7至今，某研究所，工程师", [], id="to-date"),
    pytest.param("2009.9-2013.6，某大学，学生\n2013.7-2023.11，某研究所，工程师", [], id="to-this-month"),
    pytest.param("2009.9-2013.6，某大学，学生\n2013.9至今，某研究所，工程师", ["history.gap"], id="gap"),
    pytest.param("2013.7-2022.12，某研究所，工程师", ["history.not_to_present"], id="stops-last-year"),
    pytest.param("2013.7至今", ["history.description_missing"], id="no-description"),
    pytest.param("自2013年起在某研究所", ["history.line_unparsed"], id="free-text"),
])
def test_ed_form_1_personal_history_up_to_the_current_month(history, codes):
    a = applicant(personal_history=history)
    assert [f.code for f in a.invalid_fields] == codes
    assert {f.field for f in a.invalid_fields} <= {"personal_history"}


@pytest.mark.rule("ED-FORM-1")
@pytest.mark.parametrize("field", ED_FORM_1_REQUIRED)
def test_ed_form_1_required_fields(field):
    a = applicant(**{field: None})
    assert missing(a) == [field]
    assert problems(a) == []


# --- ED-FORM-2: degree application ---------------------------------------------------------------------------

@pytest.mark.rule("ED-FORM-2")
@pytest.mark.parametrize(("category", "student_number", "invalid", "absent"), [
    pytest.param("current_student", "S2023001", [], [], id="student-gives-number"),
    pytest.param("current_student", None, [], ["student_number"], id="student-without-number"),
    pytest.param("current_student", "   ", [], ["student_number"], id="student-blank-number"),
    pytest.param("in_service", None, [], [], id="in-service-without-number"),
    pytest.param("other", None, [], [], id="other-without-number"),
    pytest.param("in_service", "S2023001", [("student_number", "field.not_applicable")], [],
                 id="in-service-gives-number"),
    pytest.param("other", "S2023001", [("student_number", "field.not_applicable")], [], id="other-gives-number"),
])
def test_ed_form_2_student_number_only_for_current_students(category, student_number, invalid, absent):
    a = applicant(applicant_category=category, student_number=student_number)
    assert problems(a) == invalid
    assert missing(a) == absent
    assert a.profile_valid is (not invalid and not absent)
    if invalid:
        assert a.invalid_fields[0].measured == student_number
        assert "请勿填写" in a.invalid_fields[0].message_zh and "leave it empty" in a.invalid_fields[0].message_en


@pytest.mark.rule("ED-FORM-2")
@pytest.mark.parametrize(("field", "value", "code"), [
    pytest.param("application_month", "202310", None, id="application-month-valid"),
    pytest.param("application_month", "202311", None, id="application-month-this-month"),
    pytest.param("application_month", "202313", "field.month", id="application-month-13"),
    pytest.param("application_month", "2023年10月", "field.month", id="application-month-chinese"),
    pytest.param("application_month", "202312", "field.future", id="application-month-future"),
    pytest.param("degree_type", "professional", None, id="professional-degree"),
    pytest.param("degree_type", "clinical_special", None, id="clinical-medicine-special"),
    pytest.param("degree_type", "medical", "field.choice", id="degree-type-unknown"),
    pytest.param("applicant_category", "retired", "field.choice", id="applicant-category-unknown"),
    pytest.param("employer_nature", "foreign_enterprise", None, id="employer-foreign"),
    pytest.param("employer_nature", "ngo", "field.choice", id="employer-nature-unknown"),
    pytest.param("admin_rank", None, None, id="admin-rank-optional"),
    pytest.param("technical_rank", None, None, id="technical-rank-optional"),
    pytest.param("awarding_institution", "校" * 61, "field.too_long", id="institution-too-long"),
    pytest.param("employer_name", "单" * 81, "field.too_long", id="employer-too-long"),
    pytest.param("student_number", "S" * 31, "field.too_long", id="student-number-too-long"),
])
def test_ed_form_2_degree_application_fields(field, value, code):
    changes = {field: value}
    if field == "student_number":
        changes["applicant_category"] = "current_student"
    a = applicant(**changes)
    assert problems(a) == ([] if code is None else [(field, code)])


@pytest.mark.rule("ED-FORM-2")
@pytest.mark.parametrize("field", ED_FORM_2_REQUIRED)
def test_ed_form_2_required_fields(field):
    a = applicant(**{field: None})
    assert missing(a) == [field]
    assert not a.profile_valid


# --- a draft: partial and partly wrong -----------------------------------------------------------------------

DRAFT = {
    "real_name": "林小雨",
    "email": "lin.xiaoyu@",
    "birth_date": "19910418",
    "id_type": "resident_id",
    "pinyin_name": "林小雨",
    "applicant_category": "in_service",
    "application_month": "202310",
}


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.rule("ED-FORM-1")
@pytest.mark.rule("ED-FORM-2")
def test_ed_acc_1_ed_form_1_ed_form_2_draft_names_exactly_the_wrong_and_missing_fields():
    a = assess(ED, DRAFT, today=TODAY)
    assert not a.profile_valid
    assert problems(a) == [("email", "field.format"), ("pinyin_name", "field.format")]
    assert missing(a) == [
        "username", "mobile", "country", "id_number", "id_number_confirm", "address", "postcode",
        "sex", "nationality", "ethnicity", "political_status", "work_start", "prior_degree_date",
        "prior_degree_type", "personal_history", "awarding_province", "awarding_institution", "degree_type",
        "discipline_category", "discipline_name", "employer_province", "employer_name", "employer_nature",
    ]
    # Every valid answer is kept, typed, for the rules.
    check = check_profile(ED.profile, DRAFT, today=TODAY)
    assert check.values == {
        "real_name": "林小雨", "birth_date": date(1991, 4, 18), "id_type": "resident_id",
        "applicant_category": "in_service", "application_month": Month(2023, 10),
    }


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize("id_type", [None, "military_id"], ids=["not-given", "not-a-choice"])
def test_ed_acc_1_id_type_is_required_and_one_of_the_choices(id_type):
    a = applicant(id_type=id_type)
    if id_type is None:
        assert missing(a)[0] == "id_type"
    else:
        assert problems(a)[0] == ("id_type", "field.choice")
        assert "military_id" in a.invalid_fields[0].message_en
    assert not a.profile_valid


@pytest.mark.rule("ED-ACC-1")
@pytest.mark.parametrize("id_type", [None, "military_id"], ids=["not-given", "not-a-choice"])
def test_ed_acc_1_without_a_readable_id_type_only_the_id_type_is_reported(id_type):
    a = applicant(id_type=id_type)
    assert problems(a) == ([] if id_type is None else [("id_type", "field.choice")])
    assert missing(a) == (["id_type"] if id_type is None else [])


# --- X-ID-1 through the ED form ------------------------------------------------------------------------------

def _other_check(number: str) -> str:
    return "0" if number[-1] != "0" else "1"


INVALID_DATE_ID = "110108" + "19910230" + "246"
INVALID_DATE_ID += check_character(INVALID_DATE_ID)
BAD_REGION_ID = "010108" + "19910418" + "246"
BAD_REGION_ID += check_character(BAD_REGION_ID)


@pytest.mark.rule("X-ID-1")
@pytest.mark.parametrize(("number", "birth_date", "code"), [
    pytest.param(ED_ID, "19910418", None, id="valid"),
    pytest.param(ED_ID_X, "19900307", None, id="valid-ending-in-x"),
    pytest.param(ED_ID_X.lower(), "19900307", None, id="valid-lower-case-x"),
    pytest.param(ED_ID[:-1] + _other_check(ED_ID), "19910418", "id.check_character", id="check-character-wrong"),
    pytest.param(ED_ID_X[:-1] + "0", "19900307", "id.check_character", id="x-replaced-by-0"),
    pytest.param(ED_ID, "19910419", "id.birth_date_mismatch", id="stated-birth-date-a-day-later"),
    pytest.param(ED_ID, "19810418", "id.birth_date_mismatch", id="stated-birth-year-differs"),
    pytest.param(INVALID_DATE_ID, "19910228", "id.birth_date_invalid", id="february-30-inside"),
    pytest.param(BAD_REGION_ID, "19910418", "id.region", id="region-starting-0"),
    pytest.param(ED_ID[:-1], "19910418", "id.format", id="17-characters"),
    pytest.param(ED_ID[:6] + "O" + ED_ID[7:], "19910418", "id.format", id="letter-o-for-zero"),
])
def test_x_id_1_resident_id_in_the_ed_form(number, birth_date, code):
    a = with_id(number, birth_date=birth_date)
    assert problems(a) == ([] if code is None else [("id_number", code)])
    if code is not None:
        [finding] = a.invalid_fields
        assert bilingual(finding.message_zh, finding.message_en)
        assert finding.message_zh.startswith("身份证号码：")


@pytest.mark.rule("X-ID-1")
def test_x_id_1_check_character_finding_says_what_it_should_be():
    wrong = ED_ID[:-1] + _other_check(ED_ID)
    [finding] = with_id(wrong).invalid_fields
    assert (finding.code, finding.measured, finding.limit) == ("id.check_character", wrong[-1], ED_ID[-1])


@pytest.mark.rule("X-ID-1")
def test_x_id_1_birth_date_mismatch_names_both_dates():
    [finding] = with_id(ED_ID, birth_date="19910419").invalid_fields
    assert (finding.code, finding.measured, finding.limit) == ("id.birth_date_mismatch", "1991-04-18", "1991-04-19")
    for text in (finding.message_zh, finding.message_en):
        assert "1991-04-18" in text and "1991-04-19" in text


@pytest.mark.rule("X-ID-1")
def test_x_id_1_unreadable_birth_date_leaves_the_id_unchecked_against_it():
    # The stated date is itself wrong: that is the finding; the ID number is not blamed for it.
    assert problems(with_id(ED_ID, birth_date="19910230")) == [("birth_date", "field.date")]


# ============================================================================================================
# SC-ELIG-1 through the score-certification profile
# ============================================================================================================

SC_FLAGS = ("already_certified", "tested_in_beijing", "records_transferred_to_beijing")


@pytest.mark.rule("SC-ELIG-1")
@pytest.mark.parametrize(("already", "in_beijing", "transferred"), [
    pytest.param(False, False, False, id="needs-online-certification"),
    pytest.param(True, False, False, id="already-certified"),
    pytest.param(False, True, False, id="tested-in-beijing"),
    pytest.param(False, False, True, id="records-transferred"),
    pytest.param(True, True, False, id="certified-and-tested-in-beijing"),
    pytest.param(False, True, True, id="tested-in-beijing-and-transferred"),
    pytest.param(True, True, True, id="all-three"),
])
def test_sc_elig_1_only_those_needing_it_apply_online(already, in_beijing, transferred):
    flags = dict(zip(SC_FLAGS, (already, in_beijing, transferred), strict=True))
    a = assess(SC, flags, today=date(2022, 10, 27))
    assert a.profile_valid
    eligible = not (already or in_beijing or transferred)
    assert a.eligible is eligible
    assert all(r.rule == "SC-ELIG-1" for r in a.eligibility.reasons)
    if eligible:
        assert {r.field for r in a.eligibility.reasons} == set(SC_FLAGS)
        assert all(r.holds for r in a.eligibility.reasons)
    else:
        refusal, *why = a.eligibility.reasons
        assert refusal.holds is False and bilingual(refusal.message_zh, refusal.message_en)
        assert "school" in refusal.message_en and "Beijing" in refusal.message_en
        assert {r.field for r in why} == {f for f, v in flags.items() if v}
        assert all(r.value is True and not r.holds for r in why)


@pytest.mark.rule("SC-ELIG-1")
@pytest.mark.parametrize("field", SC_FLAGS)
def test_sc_elig_1_each_answer_is_required(field):
    flags = dict.fromkeys(SC_FLAGS, False)
    del flags[field]
    a = assess(SC, flags, today=date(2022, 10, 27))
    assert missing(a) == [field]
    assert not a.eligible  # an unanswered question never makes anyone eligible
    assert field in {r.field for r in a.eligibility.reasons}
