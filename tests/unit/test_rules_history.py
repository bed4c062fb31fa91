"""CG-FORM-2 (and ED-FORM-1's personal history): work history parsing and continuity."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.rules.history import HistoryEntry, check_continuity, parse_history
from intake.rules.months import Month

CURRENT = Month(2024, 5)
NOTICE_EXAMPLE = "2015.7-2017.3，**街道办事处，科员\n2017.4至今，**街道办事处，副主任科员\n"


def codes(findings):
    return [f.code for f in findings]


def entry(line, start, end, text="**街道办事处，科员"):
    return HistoryEntry(line=line, start=Month(*start), end=Month(*end) if end else None, text=text)


# --- parsing -------------------------------------------------------------------------------------------------

@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_parses_the_notice_example():
    entries, findings = parse_history(NOTICE_EXAMPLE)
    assert findings == []
    assert entries == [
        HistoryEntry(1, Month(2015, 7), Month(2017, 3), "**街道办事处，科员"),
        HistoryEntry(2, Month(2017, 4), None, "**街道办事处，副主任科员"),
    ]
    assert check_continuity(entries, start=Month(2015, 7), current=CURRENT) == []


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("line", "start", "end", "text"), [
    ("2015.7-2017.3，甲单位，科员", (2015, 7), (2017, 3), "甲单位，科员"),
    ("2015.07—2017.03，甲单位，科员", (2015, 7), (2017, 3), "甲单位，科员"),
    ("2015.07——2017.03，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("2015.7–2017.3, Unit A, clerk", (2015, 7), (2017, 3), "Unit A, clerk"),
    ("2015.7~2017.3 甲单位 科员", (2015, 7), (2017, 3), "甲单位 科员"),
    ("2015.7 ～ 2017.3，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("2015.7至2017.3，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("2015年7月-2017年3月，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("2015-07-2017-03，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("201507-201703，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("2015．7-2017．3，甲单位", (2015, 7), (2017, 3), "甲单位"),
    ("2017.4至今，乙单位，副主任科员", (2017, 4), None, "乙单位，副主任科员"),
    ("2017.4-至今, 乙单位", (2017, 4), None, "乙单位"),
    ("2017.4—今，乙单位", (2017, 4), None, "乙单位"),
    ("2017.4 至 现在，乙单位", (2017, 4), None, "乙单位"),
    ("2017年4月至今，乙单位", (2017, 4), None, "乙单位"),
    ("  2017.4至今，乙单位  ", (2017, 4), None, "乙单位"),
    ("2017.4-2017.4，乙单位", (2017, 4), (2017, 4), "乙单位"),  # one month
])
def test_cg_form_2_line_forms(line, start, end, text):
    entries, findings = parse_history(line)
    assert findings == []
    assert entries == [HistoryEntry(1, Month(*start), Month(*end) if end else None, text)]


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize("line", [
    "2015.7，甲单位",             # no end
    "2015.7 2017.3，甲单位",      # no separator between months
    "2015.13-2017.3，甲单位",     # no month 13
    "2015.7-2017.0，甲单位",
    "15.7-17.3，甲单位",          # two-digit years
    "甲单位，2015.7-2017.3",      # range not first
    "2017.4至今乙单位",           # no comma or blank before the description
    "from 2015 to 2017",
])
def test_cg_form_2_line_unparsed_names_line_and_text(line):
    text = "2015.7-2017.3，甲单位\n\n" + line
    entries, findings = parse_history(text)
    assert len(entries) == 1
    assert codes(findings) == ["history.line_unparsed"]
    f = findings[0]
    assert f.details["line"] == 3 and f.measured == line.strip()
    assert "第 3 行" in f.message_zh and line.strip() in f.message_zh
    assert "line 3" in f.message_en


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("line", "reversed_"), [
    ("2017.3-2015.7，甲单位", True),
    ("2017.3-2017.2，甲单位", True),
    ("2017.3-2017.3，甲单位", False),
    ("2017.3-2017.4，甲单位", False),
])
def test_cg_form_2_range_reversed(line, reversed_):
    entries, findings = parse_history(line)
    assert codes(findings) == (["history.range_reversed"] if reversed_ else [])
    assert len(entries) == (0 if reversed_ else 1)
    if reversed_:
        assert findings[0].measured == "2017.03" and findings[0].details["line"] == 1


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_description_missing_keeps_the_period():
    entries, findings = parse_history("2015.7-2017.3\n2017.4至今，乙单位")
    assert codes(findings) == ["history.description_missing"]
    assert [e.text for e in entries] == ["", "乙单位"]
    assert check_continuity(entries, start=Month(2015, 7), current=CURRENT) == []


def test_blank_lines_are_ignored_and_line_numbers_kept():
    entries, findings = parse_history("\n2015.7-2017.3，甲\n   \n\n2017.4至今，乙\n")
    assert findings == []
    assert [e.line for e in entries] == [2, 5]


# --- continuity ----------------------------------------------------------------------------------------------

@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_empty():
    findings = check_continuity([], start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == ["history.empty"]
    assert parse_history("\n  \n") == ([], [])


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("first_start", "problem"), [((2015, 7), False), ((2015, 8), True), ((2015, 6), True)])
def test_cg_form_2_start_mismatch(first_start, problem):
    entries = [entry(1, first_start, (2017, 3)), entry(2, (2017, 4), None)]
    findings = check_continuity(entries, start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == (["history.start_mismatch"] if problem else [])
    if problem:
        f = findings[0]
        assert (f.measured, f.limit) == (str(Month(*first_start)), "2015.07")
        assert "2015.07" in f.message_zh and str(Month(*first_start)) in f.message_en
    # Without a work-start month the first entry may begin anywhere.
    assert check_continuity(entries, start=None, current=CURRENT) == []


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_gap_names_the_missing_months():
    entries = [entry(1, (2015, 7), (2017, 3)), entry(2, (2017, 6), None)]
    findings = check_continuity(entries, start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == ["history.gap"]
    f = findings[0]
    assert f.measured == "2017.04–2017.05" and f.limit == "2017.04"
    assert f.message_zh.startswith("2017.04–2017.05 未填写")
    assert f.message_en.startswith("no entry for 2017.04–2017.05")
    assert (f.details["from"], f.details["to"]) == ("2017-04", "2017-05")
    assert (f.details["months"], f.details["lines"]) == (2, [1, 2])


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("second_start", "code", "measured"), [
    ((2017, 5), "history.gap", "2017.04"),         # one month missing
    ((2017, 4), None, None),                        # continuous
    ((2017, 3), "history.overlap", "2017.03"),      # one month twice
    ((2017, 1), "history.overlap", "2017.01–2017.03"),
])
def test_cg_form_2_gap_and_overlap_boundaries(second_start, code, measured):
    entries = [entry(1, (2015, 7), (2017, 3)), entry(2, second_start, None)]
    findings = check_continuity(entries, start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == ([code] if code else [])
    if code:
        assert findings[0].measured == measured
        assert measured in findings[0].message_zh and measured in findings[0].message_en


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_overlap_names_both_lines():
    entries = [entry(1, (2015, 7), (2017, 5)), entry(2, (2017, 4), None)]
    f = check_continuity(entries, start=Month(2015, 7), current=CURRENT)[0]
    assert f.code == "history.overlap"
    assert f.details["lines"] == [1, 2] and f.details["months"] == 2
    assert "第 1 行与第 2 行" in f.message_zh and "lines 1 and 2" in f.message_en


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_entry_inside_a_longer_one_is_an_overlap_not_a_gap_after_it():
    entries = [entry(1, (2015, 1), (2020, 12)), entry(2, (2016, 1), (2016, 6)), entry(3, (2021, 1), None)]
    findings = check_continuity(entries, start=Month(2015, 1), current=CURRENT)
    assert codes(findings) == ["history.overlap"]
    assert findings[0].measured == "2016.01–2016.06"


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_entries_out_of_order_are_sorted():
    entries = [entry(1, (2017, 4), None), entry(2, (2015, 7), (2017, 3))]
    assert check_continuity(entries, start=Month(2015, 7), current=CURRENT) == []


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("last_end", "code"), [
    ((2024, 4), "history.not_to_present"),
    ((2024, 5), None),
    ((2024, 6), "history.future"),
])
def test_cg_form_2_last_entry_reaches_the_current_month(last_end, code):
    entries = [entry(1, (2015, 7), (2017, 3)), entry(2, (2017, 4), last_end)]
    findings = check_continuity(entries, start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == ([code] if code else [])
    if code == "history.not_to_present":
        f = findings[0]
        assert (f.measured, f.limit) == ("2024.04", "2024.05")
        assert "2024.04" in f.message_zh and "至今" in f.message_zh
    if code == "history.future":
        assert (findings[0].measured, findings[0].limit) == ("2024.06", "2024.05")


@pytest.mark.rule("CG-FORM-2")
@pytest.mark.parametrize(("first_end", "open_start", "problem"), [((2024, 4), (2024, 5), False),
                                                                 ((2024, 5), (2024, 6), True)])
def test_cg_form_2_open_entry_starting_after_current_month(first_end, open_start, problem):
    entries = [entry(1, (2015, 7), first_end), entry(2, open_start, None)]
    findings = check_continuity(entries, start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == (["history.future"] if problem else [])


@pytest.mark.rule("CG-FORM-2")
def test_cg_form_2_open_entry_not_last():
    entries = [entry(1, (2015, 7), None), entry(2, (2017, 4), None)]
    findings = check_continuity(entries, start=Month(2015, 7), current=CURRENT)
    assert codes(findings) == ["history.open_entry_not_last"]
    f = findings[0]
    assert f.details["line"] == 1 and f.limit == "2017.04"
    assert "至今" in f.message_zh and "第 2 行" in f.message_zh


# --- properties ----------------------------------------------------------------------------------------------

SEPARATORS = ["-", "–", "—", "~", "～", "至", " - "]
OPEN_ENDS = ["至今", "-至今", "—至今", "至现在", "~今"]
COMMAS = ["，", ",", " ", ", "]


def month_text(m: Month, style: int) -> str:
    return [f"{m.year}.{m.month}", str(m), f"{m.year}年{m.month}月", f"{m.year}{m.month:02d}", m.iso()][style]


@st.composite
def histories(draw, min_entries=2):
    """A continuous history ending 至今, as (work start, current month, entries, text)."""
    first = Month(draw(st.integers(1950, 2020)), draw(st.integers(1, 12)))
    durations = draw(st.lists(st.integers(1, 60), min_size=min_entries - 1, max_size=8))
    entries, lines, start = [], [], first
    for number, months in enumerate([*durations, None], start=1):
        end = None if months is None else start.plus(months - 1)
        text = draw(st.sampled_from(["**街道办事处，科员", "某某局 副科长", "Unit A, clerk"]))
        style = draw(st.integers(0, 4))
        rng = month_text(start, style) + (
            draw(st.sampled_from(OPEN_ENDS)) if end is None
            else draw(st.sampled_from(SEPARATORS)) + month_text(end, style)
        )
        lines.append(rng + draw(st.sampled_from(COMMAS)) + text)
        entries.append(HistoryEntry(number, start, end, text))
        start = start.plus(months or 0)
    current = entries[-1].start.plus(draw(st.integers(0, 30)))
    return first, current, entries, "\n".join(lines)


@pytest.mark.rule("CG-FORM-2")
@given(histories())
def test_cg_form_2_property_continuous_history_round_trips(history):
    first, current, expected, text = history
    entries, findings = parse_history(text)
    assert findings == []
    assert entries == expected
    assert check_continuity(entries, start=first, current=current) == []


@pytest.mark.rule("CG-FORM-2")
@given(histories(min_entries=3), st.data())
def test_cg_form_2_property_removing_an_inner_entry_is_exactly_one_gap(history, data):
    first, current, entries, _ = history
    i = data.draw(st.integers(1, len(entries) - 2))
    removed = entries[i]
    findings = check_continuity(entries[:i] + entries[i + 1:], start=first, current=current)
    assert codes(findings) == ["history.gap"]
    f = findings[0]
    assert (f.details["from"], f.details["to"]) == (removed.start.iso(), removed.end.iso())
    assert f.details["months"] == removed.end - removed.start + 1
    assert str(removed.start) in f.message_en and str(removed.end) in f.message_zh


@pytest.mark.rule("CG-FORM-2")
@given(histories(), st.data())
def test_cg_form_2_property_extending_an_end_by_k_is_a_k_month_overlap(history, data):
    first, current, entries, _ = history
    i = data.draw(st.integers(0, len(entries) - 2))
    following = entries[i + 1]
    room = (following.end or current) - following.start + 1
    k = data.draw(st.integers(1, max(1, room)))
    changed = HistoryEntry(entries[i].line, entries[i].start, entries[i].end.plus(k), entries[i].text)
    findings = check_continuity([*entries[:i], changed, *entries[i + 1:]], start=first, current=current)
    assert codes(findings) == ["history.overlap"]
    f = findings[0]
    assert f.details["months"] == k
    assert (f.details["from"], f.details["to"]) == (following.start.iso(), following.start.plus(k - 1).iso())
    assert f.details["lines"] == [changed.line, following.line]
