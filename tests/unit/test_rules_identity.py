"""X-ID-1: resident ID numbers. Every number here is made up with `make_resident_id`."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.rules.identity import birth_date_of, check_character, check_resident_id, make_resident_id

TODAY = date(2024, 5, 20)
BORN = date(1990, 3, 7)
VALID = make_resident_id("110105", BORN, 123)


def codes(findings):
    return [f.code for f in findings]


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.rule("X-ID-1")
def test_x_id_1_check_character_follows_iso_7064_mod_11_2():
    # Worked by hand: sum of digit × weight for 11010519491231002 is 167; 167 mod 11 = 2 → "X".
    assert check_character("11010519491231002") == "X"
    # Every remainder maps to its character: find a first17 for each of 0–10 by varying the sequence.
    seen = {check_character(f"11010519900307{n:03d}") for n in range(200)}
    assert seen == set("0123456789X")
    with pytest.raises(ValueError):
        check_character("1101051990030712")


@pytest.mark.rule("X-ID-1")
def test_x_id_1_valid_number_has_no_findings():
    assert check_resident_id(VALID, today=TODAY) == []
    assert check_resident_id(VALID, today=TODAY, stated_birth_date=BORN) == []
    assert birth_date_of(VALID) == BORN


@pytest.mark.rule("X-ID-1")
def test_x_id_1_lower_case_x_is_accepted_silently():
    # Find a sequence whose check character is X.
    number = next(n for n in (make_resident_id("310104", BORN, s) for s in range(100)) if n.endswith("X"))
    assert check_resident_id(number.lower(), today=TODAY) == []
    assert check_resident_id(f" {number} ", today=TODAY) == []
    assert birth_date_of(number.lower()) == BORN


@pytest.mark.rule("X-ID-1")
@pytest.mark.parametrize(("value", "measured"), [
    (VALID[:17], 17),
    (VALID + "1", 19),
    ("", 0),
    (VALID[:5] + "A" + VALID[6:], "A"),
    (VALID[:17] + "Y", "Y"),
    (VALID[:3] + "X" + VALID[4:], "X"),  # X only allowed last
    (VALID[:10] + "１" + VALID[11:], "１"),  # full-width digit
])
def test_x_id_1_format(value, measured):
    findings = check_resident_id(value, today=TODAY, stated_birth_date=BORN)
    assert codes(findings) == ["id.format"]
    assert findings[0].measured == measured
    assert str(measured) in findings[0].message_zh or len(value) != 18
    assert "18" in findings[0].message_en or "character" in findings[0].message_en


@pytest.mark.rule("X-ID-1")
def test_x_id_1_wrong_check_character_names_both():
    right = VALID[17]
    wrong = "3" if right != "3" else "4"
    findings = check_resident_id(VALID[:17] + wrong, today=TODAY)
    assert codes(findings) == ["id.check_character"]
    f = findings[0]
    assert (f.measured, f.limit) == (wrong, right)
    assert f.message_zh == f"身份证号码校验位应为 {right}，实为 {wrong}"
    assert f.message_en == f"check character should be {right}, found {wrong}"


@pytest.mark.rule("X-ID-1")
@pytest.mark.parametrize(("birth_digits", "ok"), [
    ("19900229", False),  # 1990 is not a leap year
    ("20000229", True),   # 2000 is
    ("19901301", False),
    ("19900100", False),
    ("18991231", False),  # before 1900
    ("19000101", True),
    ("20240520", True),   # today
    ("20240521", False),  # tomorrow
])
def test_x_id_1_birth_date_invalid(birth_digits, ok):
    number = with_check("110105" + birth_digits + "123")
    findings = check_resident_id(number, today=TODAY)
    assert codes(findings) == ([] if ok else ["id.birth_date_invalid"])
    if not ok:
        assert findings[0].measured in (birth_digits, f"{birth_digits[:4]}-{birth_digits[4:6]}-{birth_digits[6:]}")


@pytest.mark.rule("X-ID-1")
def test_x_id_1_birth_date_mismatch_names_both_dates():
    findings = check_resident_id(VALID, today=TODAY, stated_birth_date=date(1990, 3, 8))
    assert codes(findings) == ["id.birth_date_mismatch"]
    f = findings[0]
    assert (f.measured, f.limit) == ("1990-03-07", "1990-03-08")
    assert "1990-03-07" in f.message_zh and "1990-03-08" in f.message_zh
    assert "1990-03-07" in f.message_en and "1990-03-08" in f.message_en


@pytest.mark.rule("X-ID-1")
@pytest.mark.parametrize(("region", "ok"), [("110105", True), ("810000", True), ("010105", False), ("910105", False)])
def test_x_id_1_region_first_digit(region, ok):
    number = with_check(region + "19900307123")
    findings = check_resident_id(number, today=TODAY)
    assert codes(findings) == ([] if ok else ["id.region"])
    if not ok:
        assert findings[0].measured == region


@pytest.mark.rule("X-ID-1")
def test_x_id_1_independent_problems_are_all_reported():
    first17 = "010105" + "19900230" + "123"
    wrong = "0" if check_character(first17) != "0" else "1"
    findings = check_resident_id(first17 + wrong, today=TODAY, stated_birth_date=BORN)
    assert codes(findings) == ["id.region", "id.birth_date_invalid", "id.check_character"]
    assert all(f.severity == "error" for f in findings)


def test_make_resident_id_refuses_impossible_parts():
    with pytest.raises(ValueError):
        make_resident_id("11010", BORN, 1)
    with pytest.raises(ValueError):
        make_resident_id("010105", BORN, 1)
    with pytest.raises(ValueError):
        make_resident_id("110105", BORN, 1000)


@pytest.mark.rule("X-ID-1")
@given(
    region=st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(0, 999),
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_x_id_1_any_single_digit_change_breaks_the_check(region, birth, sequence, position, delta):
    number = make_resident_id(region, birth, sequence)
    assert check_resident_id(number, today=TODAY, stated_birth_date=birth) == []
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert "id.check_character" in codes(check_resident_id(changed, today=TODAY))
