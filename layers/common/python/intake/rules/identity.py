"""X-ID-1: Chinese resident ID numbers (居民身份证号码, GB 11643).

18 characters: a 6-digit region code, the birth date `YYYYMMDD` (characters 7–14), a 3-digit sequence
and an ISO 7064 MOD 11-2 check character (a digit or `X`).
"""

from __future__ import annotations

import re
from datetime import date

from intake.findings import Finding, error

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_EARLIEST = date(1900, 1, 1)
LENGTH = 18


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0"–"9" or "X") of the first 17 digits."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError(f"need exactly 17 digits, got {first17!r}")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _normalise(value: str) -> str:
    """Surrounding blanks dropped and a lower-case `x` read as `X` (both are accepted silently)."""
    number = value.strip()
    return number[:-1] + "X" if number.endswith("x") else number


def birth_date_of(value: str) -> date | None:
    """The birth date in characters 7–14, or None when the number is malformed or the date is not a real date."""
    number = _normalise(value)
    if not _SHAPE.match(number):
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _format_problem(number: str) -> Finding | None:
    if len(number) != LENGTH:
        return error(
            "id.format",
            f"身份证号码应为 18 位（17 位数字加 1 位数字或 X），实为 {len(number)} 位",
            f"an ID number has 18 characters (17 digits then a digit or X); found {len(number)}",
            measured=len(number), limit=LENGTH,
        )
    for position, char in enumerate(number, start=1):
        allowed = "0123456789X" if position == LENGTH else "0123456789"
        if char not in allowed:
            what_zh, what_en = ("数字或 X", "a digit or X") if position == LENGTH else ("数字", "a digit")
            return error(
                "id.format",
                f"身份证号码第 {position} 位应为{what_zh}，实为「{char}」",
                f"character {position} of an ID number must be {what_en}; found {char!r}",
                measured=char, limit=what_en, position=position,
            )
    return None


def _birth_problem(number: str, today: date, stated: date | None) -> Finding | None:
    digits = number[6:14]
    born = birth_date_of(number)
    if born is None:
        return error(
            "id.birth_date_invalid",
            f"身份证号码第 7–14 位的出生日期「{digits}」不是有效日期",
            f"the birth date in characters 7–14, {digits}, is not a real date",
            measured=digits, limit="YYYYMMDD",
        )
    if born > today:
        return error(
            "id.birth_date_invalid",
            f"身份证号码中的出生日期 {born.isoformat()} 晚于今天 {today.isoformat()}",
            f"the birth date in the ID number, {born.isoformat()}, is after today, {today.isoformat()}",
            measured=born.isoformat(), limit=today.isoformat(),
        )
    if born < _EARLIEST:
        return error(
            "id.birth_date_invalid",
            f"身份证号码中的出生日期 {born.isoformat()} 早于 {_EARLIEST.isoformat()}",
            f"the birth date in the ID number, {born.isoformat()}, is before {_EARLIEST.isoformat()}",
            measured=born.isoformat(), limit=_EARLIEST.isoformat(),
        )
    if stated is not None and born != stated:
        return error(
            "id.birth_date_mismatch",
            f"身份证号码中的出生日期 {born.isoformat()} 与填写的出生日期 {stated.isoformat()} 不一致",
            f"the birth date in the ID number, {born.isoformat()}, differs from the stated birth date, "
            f"{stated.isoformat()}",
            measured=born.isoformat(), limit=stated.isoformat(),
        )
    return None


def check_resident_id(value: str, *, today: date, stated_birth_date: date | None = None) -> list[Finding]:
    """Every X-ID-1 problem of `value`; an empty list when the number is valid.

    A malformed number (`id.format`) is reported alone, since nothing else can be read from it.
    Otherwise the region (`id.region`), the birth date (`id.birth_date_invalid` or `id.birth_date_mismatch`)
    and the check character (`id.check_character`) are each checked and reported independently.
    """
    number = _normalise(value)
    malformed = _format_problem(number)
    if malformed is not None:
        return [malformed]
    findings: list[Finding] = []
    if number[0] not in "12345678":
        findings.append(error(
            "id.region",
            f"身份证号码前 6 位地区码「{number[:6]}」无效：首位应为 1–8，实为 {number[0]}",
            f"the region code {number[:6]} is not valid: its first digit must be 1–8, found {number[0]}",
            measured=number[:6], limit="1–8",
        ))
    birth = _birth_problem(number, today, stated_birth_date)
    if birth is not None:
        findings.append(birth)
    expected = check_character(number[:17])
    if number[17] != expected:
        findings.append(error(
            "id.check_character",
            f"身份证号码校验位应为 {expected}，实为 {number[17]}",
            f"check character should be {expected}, found {number[17]}",
            measured=number[17], limit=expected,
        ))
    return findings


def make_resident_id(region: str, birth: date, sequence: int) -> str:
    """A well-formed made-up ID number (for tests and demo data): region, birth date, sequence, check character."""
    if not re.fullmatch(r"[1-8][0-9]{5}", region):
        raise ValueError(f"region must be 6 digits starting 1–8, got {region!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0–999, got {sequence}")
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
