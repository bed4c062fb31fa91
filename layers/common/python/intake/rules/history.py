"""CG-FORM-2 (and ED-FORM-1's personal history): a work history, one period per line, continuous in time.

As the notice writes it::

    2015.7-2017.3，**街道办事处，科员
    2017.4至今，**街道办事处，副主任科员

Months may be written `2015.7`, `2015.07`, `2015-07`, `201507` or `2015年7月`; the range separator is one of
`- – — ~ ～ 至` (repeated dashes are fine); the open end is `至今`, `今` or `现在`, with or without a separator
before it. A comma (`，` or `,`), `、` or blank follows the range; the rest of the line is the description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from intake.findings import Finding, error
from intake.rules.months import Month

_MONTH = r"[0-9]{4}(?:[.．][0-9]{1,2}|-[0-9]{1,2}|年[0-9]{1,2}月?|[0-9]{2})"
_SEP = r"(?:[-–—~～－]+|至)"
_LINE = re.compile(
    rf"""^\s*(?P<start>{_MONTH})\s*
    (?: {_SEP}\s*(?P<end>{_MONTH}) | (?:{_SEP}\s*)?(?P<open>至今|今|现在) )
    (?: \s*[，,、]\s*(?P<text1>.*?) | \s+(?P<text2>.*?) )?
    \s*$""",
    re.VERBOSE,
)
EXAMPLE = "2015.7-2017.3，**街道办事处，科员"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a history: `start`–`end` inclusive, `end` None meaning "to the present" (至今)."""

    line: int
    start: Month
    end: Month | None
    text: str


def _month(token: str) -> Month | None:
    return Month.parse(token.replace("．", "."))


def _span(first: Month, last: Month) -> str:
    return str(first) if first == last else f"{first}–{last}"


def parse_history(text: str) -> tuple[list[HistoryEntry], list[Finding]]:
    """The entries of `text` in line order, and a finding for every line that is not a forward range.

    Blank lines are skipped. A line that does not read as a range (`history.line_unparsed`) or whose start is
    after its end (`history.range_reversed`) is reported and left out of the entries; a range with no
    description is kept and reported (`history.description_missing`).
    """
    entries: list[HistoryEntry] = []
    findings: list[Finding] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        m = _LINE.match(line)
        start = _month(m["start"]) if m else None
        end = _month(m["end"]) if m and m["end"] else None
        if m is None or start is None or (m["end"] and end is None):
            findings.append(error(
                "history.line_unparsed",
                f"第 {number} 行「{line}」无法识别，应写成「{EXAMPLE}」或「2017.4至今，单位，职务」",
                f"line {number}, {line!r}, cannot be read; write it like {EXAMPLE!r} or '2017.4至今，employer，post'",
                measured=line, limit=EXAMPLE, line=number,
            ))
            continue
        if end is not None and start > end:
            findings.append(error(
                "history.range_reversed",
                f"第 {number} 行起始月份 {start} 晚于结束月份 {end}",
                f"line {number} starts in {start}, after it ends in {end}",
                measured=str(start), limit=str(end), line=number,
            ))
            continue
        description = (m["text1"] or m["text2"] or "").strip()
        if not description:
            findings.append(error(
                "history.description_missing",
                f"第 {number} 行只有时间，缺少单位和职务",
                f"line {number} gives only the period; add the employer and post after a comma",
                measured=line, limit=EXAMPLE, line=number,
            ))
        entries.append(HistoryEntry(line=number, start=start, end=end, text=description))
    return entries, findings


def check_continuity(entries: Iterable[HistoryEntry], *, start: Month | None, current: Month) -> list[Finding]:
    """CG-FORM-2: the entries cover every month from `start` (when given) to `current`, once each.

    Entries are taken in order of their start. An open entry (至今) runs to `current`; one that is not the last
    is reported (`history.open_entry_not_last`) and counted as ending just before the next entry begins.
    Coverage is tracked as the latest month covered so far, so every month missing is one `history.gap` and
    every month covered twice falls in one `history.overlap`.
    """
    ordered = sorted(entries, key=lambda e: (e.start, e.line))
    if not ordered:
        return [error(
            "history.empty",
            "未填写工作简历：请从参加工作时间开始逐段填写，最后一段写「至今」",
            "no work history given: list each period from the start of work, the last one ending 至今 (to date)",
            measured=0, limit=1,
        )]
    findings: list[Finding] = []
    first = ordered[0]
    if start is not None and first.start != start:
        findings.append(error(
            "history.start_mismatch",
            f"工作简历应从参加工作时间 {start} 开始，第 {first.line} 行从 {first.start} 开始",
            f"the history must begin at the start of work, {start}; line {first.line} begins at {first.start}",
            measured=str(first.start), limit=str(start), line=first.line,
        ))

    ends: list[Month] = []
    for i, entry in enumerate(ordered):
        last_month = entry.end
        if last_month is None:
            if i + 1 < len(ordered):
                following = ordered[i + 1]
                last_month = max(entry.start, following.start.plus(-1))
                findings.append(error(
                    "history.open_entry_not_last",
                    f"第 {entry.line} 行写了「至今」，但其后还有第 {following.line} 行（{following.start} 起）",
                    f"line {entry.line} runs to date (至今) but line {following.line} begins later, "
                    f"in {following.start}",
                    measured=str(entry.start), limit=str(following.start), line=entry.line,
                ))
            else:
                last_month = max(entry.start, current)
        if last_month > current:
            findings.append(error(
                "history.future",
                f"第 {entry.line} 行的时间到 {last_month}，晚于当前月份 {current}",
                f"line {entry.line} reaches {last_month}, after the current month {current}",
                measured=str(last_month), limit=str(current), line=entry.line,
            ))
        ends.append(last_month)

    covered, covered_by = ends[0], ordered[0]
    for entry, last_month in zip(ordered[1:], ends[1:], strict=True):
        expected = covered.plus(1)
        if entry.start > expected:
            missing_to = entry.start.plus(-1)
            span = _span(expected, missing_to)
            findings.append(error(
                "history.gap",
                f"{span} 未填写：第 {covered_by.line} 行到 {covered} 结束，第 {entry.line} 行应从 {expected} 开始",
                f"no entry for {span}: line {covered_by.line} ends in {covered}, "
                f"so line {entry.line} should begin in {expected}",
                measured=span, limit=str(expected),
                **{"from": expected.iso(), "to": missing_to.iso()}, months=entry.start - expected,
                lines=[covered_by.line, entry.line],
            ))
        elif entry.start < expected:
            overlap_to = min(covered, last_month)
            span = _span(entry.start, overlap_to)
            months = overlap_to - entry.start + 1
            findings.append(error(
                "history.overlap",
                f"第 {covered_by.line} 行与第 {entry.line} 行在 {span} 重叠（{months} 个月）："
                f"第 {entry.line} 行应从 {expected} 开始",
                f"lines {covered_by.line} and {entry.line} overlap in {span} ({months} months): "
                f"line {entry.line} should begin in {expected}",
                measured=span, limit=str(expected),
                **{"from": entry.start.iso(), "to": overlap_to.iso()}, months=months,
                lines=[covered_by.line, entry.line],
            ))
        if last_month > covered:
            covered, covered_by = last_month, entry

    if covered < current:
        findings.append(error(
            "history.not_to_present",
            f"工作简历只填写到 {covered}（第 {covered_by.line} 行），应填写到 {current} 或以「至今」结束",
            f"the history stops at {covered} (line {covered_by.line}); it must reach {current} or end with 至今 "
            "(to date)",
            measured=str(covered), limit=str(current), line=covered_by.line,
        ))
    return findings
