"""Calendar months, as the notices write them: `2015.7`, `2015.07`, `2015-07`, `201507`, `2015年7月`."""

from __future__ import annotations

import re
from datetime import date
from functools import total_ordering
from typing import NamedTuple

_PATTERNS: dict[str, re.Pattern[str]] = {
    "YYYYMM": re.compile(r"^(\d{4})(\d{2})$"),
    "YYYY.M": re.compile(r"^(\d{4})\.(\d{1,2})$"),
    "YYYY-MM": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "YYYY年M月": re.compile(r"^(\d{4})年(\d{1,2})月?$"),
}
MIN_YEAR, MAX_YEAR = 1900, 2100


class _MonthTuple(NamedTuple):
    year: int
    month: int


@total_ordering
class Month(_MonthTuple):
    """A (year, month) that orders, adds and prints as `2015.07`."""

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str, formats: tuple[str, ...] = tuple(_PATTERNS)) -> Month | None:
        """The month written in `text` in one of `formats`, or None when it is not a real month."""
        value = text.strip()
        for name in formats:
            m = _PATTERNS[name].match(value)
            if m:
                year, month = int(m[1]), int(m[2])
                if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
                    return cls(year, month)
        return None

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> Month:
        year, month = divmod(self.index + months, 12)
        return Month(year, month + 1)

    def __sub__(self, other: object) -> int:  # type: ignore[override]
        if not isinstance(other, Month):
            return NotImplemented
        return self.index - other.index

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple(self) < tuple(other)

    def __str__(self) -> str:
        return f"{self.year}.{self.month:02d}"

    def iso(self) -> str:
        return f"{self.year}-{self.month:02d}"
