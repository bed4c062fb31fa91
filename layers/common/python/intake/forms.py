"""CG-FLOW-2: the documents an approved applicant prints — the registration form (报名登记表) and the
introduction and party-membership letter (介绍信和党员关系证明信) — each an A4 PDF of exactly one page.

Rendering is pure: the same application, program and `generated_at` give the same bytes. The CJK typeface is
Noto Sans SC / Noto Serif SC (SIL OFL 1.1) from the `pylopdf-fonts-zh-cn` package, found through
importlib.resources, never a system path; fpdf2 embeds only the glyphs a document uses.

Nothing spills onto a second page: a value that does not fit its box is set smaller, down to a floor, then cut
with "…"; a work history too long for the form keeps its first periods and says how many more there are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, TextMode

from intake.models import Application
from intake.programs.models import Program
from intake.rules.history import parse_history
from intake.rules.months import Month

FONT_PACKAGE = "pylopdf_fonts_zh_cn"
"""The import name of the PyPI package `pylopdf-fonts-zh-cn`, which ships the typefaces."""
FONT_FILES = {"sans": "NotoSansSC-Regular.otf", "serif": "NotoSerifSC-Regular.otf"}

PAGE_W, PAGE_H = 210.0, 297.0  # A4 in mm
MARGIN = 18.0
PT = 25.4 / 72  # one point in mm
BODY_PT, FLOOR_PT = 10.5, 7.0
"""Values are set at BODY_PT and shrink, half a point at a time, to FLOOR_PT before they are cut."""
PAD = 1.6  # inner padding of a table cell, mm

REGISTRATION_FORM = "registration_form"
INTRODUCTION_LETTER = "introduction_letter"
DEFAULT_ADDRESSEE = "分院研究生招生办公室"

# Profile fields the forms show, in the cadre-grad program's terms (labels come from the program when it has them).
_LABELS = {
    "education_level": "文化程度",
    "graduating_school": "毕业学校",
    "graduation_date": "毕业时间",
    "employer": "工作单位",
    "party_entry": "入党时间",
    "work_start": "参加工作时间",
    "post_title": "职务职称",
    "work_history": "工作简历",
}


class FormFontMissing(RuntimeError):
    """The CJK typeface is not installed: the layer lacks `pylopdf-fonts-zh-cn`."""


def registration_form(
    app: Application, program: Program, *, generated_at: datetime, photo: bytes | None = None
) -> bytes:
    """The 报名登记表 of `app` as a one-page A4 PDF.

    `photo`, when given, is the approved ID photo (JPEG or PNG bytes), set into the photo box; otherwise the box
    is left for a printed photo to be glued on. `generated_at` must be timezone-aware; it is printed in the
    program's timezone.
    """
    data = _Data(app, program)
    doc = _Document(title=_form_name(program, REGISTRATION_FORM), app=app, program=program,
                    generated_at=generated_at)
    x0, width = MARGIN, PAGE_W - 2 * MARGIN

    doc.heading(doc.title, y=15, size=20)
    doc.line_of_text(program.name_zh, x=x0, y=26, w=width, size=11, family="serif", align=Align.C)

    # Columns: label | value | label | value | photo; the photo spans the first four rows.
    lab, val1, lab2, val2 = 24.0, 46.0, 28.0, 42.0
    photo_w = width - (lab + val1 + lab2 + val2)
    row_h = 11.0
    top = 36.0
    xs = [x0, x0 + lab, x0 + lab + val1, x0 + lab + val1 + lab2, x0 + lab + val1 + lab2 + val2]

    def pair_row(y: float, left: tuple[str, str], right: tuple[str, str]) -> None:
        doc.label_cell(xs[0], y, lab, row_h, left[0])
        doc.value_cell(xs[1], y, val1, row_h, left[1])
        doc.label_cell(xs[2], y, lab2, row_h, right[0])
        doc.value_cell(xs[3], y, val2, row_h, right[1])

    y = top
    pair_row(y, ("姓名", app.applicant.name), data.pair("education_level"))
    y += row_h
    pair_row(y, ("联系电话", app.applicant.phone), data.pair("graduation_date"))
    y += row_h
    pair_row(y, data.pair("party_entry"), data.pair("work_start"))
    y += row_h
    doc.label_cell(xs[0], y, lab, row_h, data.label("graduating_school"))
    doc.value_cell(xs[1], y, val1 + lab2 + val2, row_h, data.text("graduating_school"))
    doc.photo_cell(xs[4], top, photo_w, 4 * row_h, photo)
    y += row_h
    for field in ("employer", "post_title"):
        doc.label_cell(xs[0], y, lab, row_h, data.label(field))
        doc.value_cell(xs[1], y, width - lab, row_h, data.text(field))
        y += row_h

    pledge_h, opinion_h = 20.0, 38.0
    table_bottom = PAGE_H - 20.0
    history_h = table_bottom - pledge_h - opinion_h - y
    doc.label_cell(xs[0], y, lab, history_h, data.label("work_history"))
    doc.history_cell(xs[1], y, width - lab, history_h, data.history())
    y += history_h

    doc.label_cell(xs[0], y, lab, pledge_h, "考生承诺")
    doc.box(xs[1], y, width - lab, pledge_h)
    doc.line_of_text("本人承诺以上所填信息真实、准确、完整，如有不实，愿承担一切后果。", x=xs[1] + PAD, y=y + 2.5,
                     w=width - lab - 2 * PAD, size=10, family="serif", align=Align.L)
    doc.line_of_text("考生签名：　　　　　　　　　　　年　　月　　日", x=xs[1] + PAD, y=y + pledge_h - 8,
                     w=width - lab - 2 * PAD - 4, size=10, family="serif", align=Align.R)
    y += pledge_h

    doc.label_cell(xs[0], y, lab, opinion_h, "所在单位\n组织人事\n部门意见\n（盖章）")
    doc.box(xs[1], y, width - lab, opinion_h)
    doc.line_of_text("（盖章）", x=xs[1] + PAD, y=y + opinion_h - 17, w=width - lab - 2 * PAD - 12, size=10,
                     family="serif", align=Align.R)
    doc.line_of_text("年　　月　　日", x=xs[1] + PAD, y=y + opinion_h - 9, w=width - lab - 2 * PAD - 4, size=10,
                     family="serif", align=Align.R)

    doc.footer("本表由报名系统根据考生填报并经审核的信息生成。请用A4纸单面打印，不得跨页。")
    return doc.finish()


def introduction_letter(
    app: Application, program: Program, *, generated_at: datetime, addressee: str = DEFAULT_ADDRESSEE
) -> bytes:
    """The 介绍信和党员关系证明信 of `app` as a one-page A4 PDF: the employer introduces the applicant to
    `addressee` (the admissions office) to register, and its party organisation certifies the membership.

    Where the applicant gave no party-entry date the date is left blank, for the party organisation to fill in.
    """
    data = _Data(app, program)
    doc = _Document(title=_form_name(program, INTRODUCTION_LETTER), app=app,
                    program=program, generated_at=generated_at)
    name = app.applicant.name
    employer = data.text("employer") or "＿＿＿＿＿＿＿＿"
    post = data.text("post_title")
    study = _study_name(program)

    post_part = f"（职务职称：{post}）" if post else ""
    doc.letter(
        top=24, bottom=140, heading="介　绍　信", addressee=addressee,
        body=f"兹介绍{employer}{name}同志{post_part}前往你处，报名参加{study}学习，请予接洽。",
        closing="特此介绍。", signer=f"{employer}（盖章）",
    )
    doc.cut_line(y=PAGE_H / 2, x=MARGIN, w=PAGE_W - 2 * MARGIN)
    joined = data.month_text("party_entry") or "　　　　年　　月"
    doc.letter(
        top=PAGE_H / 2 + 14, bottom=PAGE_H - 24, heading="党员关系证明信", addressee=addressee,
        body=f"兹证明{name}同志（工作单位：{employer}）系中国共产党党员，于{joined}加入中国共产党，"
        "组织关系现在我单位党组织。",
        closing="特此证明。", signer="党组织（盖章）",
    )

    doc.footer("本信由报名系统根据考生填报并经审核的信息生成。请用A4纸打印，加盖公章后随报名材料交验。")
    return doc.finish()


# ------------------------------------------------------------------------------------------------ the data


@dataclass(frozen=True)
class _Period:
    when: str
    text: str


class _Data:
    """The profile as the forms print it: choices by their Chinese label, months as 2015年7月."""

    def __init__(self, app: Application, program: Program) -> None:
        self.app, self.program = app, program

    def label(self, field_id: str) -> str:
        field = self.program.field(field_id)
        return field.name_zh if field else _LABELS[field_id]

    def raw(self, field_id: str) -> str:
        value = self.app.profile.get(field_id)
        return "" if value is None else str(value).strip()

    def text(self, field_id: str) -> str:
        field = self.program.field(field_id)
        value = self.raw(field_id)
        if field is not None and field.type == "choice":
            return next((c.zh for c in field.choices if c.value == value), value)
        if field is not None and field.type == "month":
            return self.month_text(field_id) or value
        return value

    def month_text(self, field_id: str) -> str:
        month = Month.parse(self.raw(field_id)) if self.raw(field_id) else None
        return f"{month.year}年{month.month}月" if month else self.raw(field_id)

    def pair(self, field_id: str) -> tuple[str, str]:
        return self.label(field_id), self.text(field_id)

    def history(self) -> list[_Period]:
        """Every non-blank line in order: a line that reads as a period shows it as 2015.07—2017.03, one that
        does not is shown as entered."""
        text = self.raw("work_history")
        entries = {e.line: e for e in parse_history(text)[0]}
        periods = []
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            entry = entries.get(number)
            if entry is None:
                periods.append(_Period("", raw.strip()))
            else:
                end = str(entry.end) if entry.end else "至今"
                periods.append(_Period(f"{entry.start}—{end}", entry.text))
        return periods


def _form_name(program: Program, form_id: str) -> str:
    """The document's title as the program names it; a program that does not list the form has none."""
    form = next((f for f in program.forms if f.id == form_id), None)
    if form is None:
        raise ValueError(f"program {program.id} does not generate the {form_id}")
    return form.name_zh


def _study_name(program: Program) -> str:
    """What the applicant registers for: the round's name without a trailing 报名 (2023年在职干部研究生)."""
    name = program.name_zh.strip()
    return name.removesuffix("报名") or name


# ------------------------------------------------------------------------------------------------ line breaking

_NO_LINE_START = set("，。、；：？！）》」』】〕〉”’…—·,.;:?!)]}%")
"""Closing punctuation never begins a line (it stays with the character before it)."""
_NO_LINE_END = set("（《「『【〔〈“‘([{")
"""Opening punctuation never ends a line (it goes with the character after it)."""
_WORD = re.compile(r"[A-Za-z0-9@#&_+\-./:]+")


def _units(paragraph: str) -> list[str]:
    """The paragraph cut where a line may break: between any two Han characters, around a run of Latin letters
    and digits (kept whole), never before closing or after opening punctuation."""
    units: list[str] = []
    i = 0
    while i < len(paragraph):
        m = _WORD.match(paragraph, i)
        unit = m.group() if m else paragraph[i]
        i += len(unit)
        if units and (unit[0] in _NO_LINE_START or units[-1][-1] in _NO_LINE_END):
            units[-1] += unit
        else:
            units.append(unit)
    return units


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """`text` broken into lines no wider than `width` as `measure` gives widths, by the rules of Chinese
    typesetting above; a hard line break starts a new line, and a unit wider than a line is cut anywhere."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for unit in _units(paragraph):
            if measure(line + unit) <= width:
                line += unit
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = unit.lstrip() if lines else unit
            while measure(line) > width and len(line) > 1:  # a unit wider than the line: cut it anywhere
                cut = len(line) - 1
                while cut > 1 and measure(line[:cut]) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


# ------------------------------------------------------------------------------------------------ fonts


@contextmanager
def _font_files() -> Iterator[dict[str, Path]]:
    try:
        package = resources.files(FONT_PACKAGE)
    except ModuleNotFoundError as exc:
        raise FormFontMissing(
            f"the CJK font package is not installed: add `pylopdf-fonts-zh-cn` to the layer ({exc})"
        ) from exc
    with ExitStack() as stack:
        paths = {}
        for family, name in FONT_FILES.items():
            resource = package / name
            if not resource.is_file():
                raise FormFontMissing(f"{FONT_PACKAGE} does not contain {name}: reinstall `pylopdf-fonts-zh-cn`")
            paths[family] = stack.enter_context(resources.as_file(resource))
        yield paths


@cache
def fonts_available() -> bool:
    """True when the typefaces can be found (for a health check); rendering raises FormFontMissing otherwise."""
    try:
        with _font_files():
            return True
    except FormFontMissing:
        return False


# ------------------------------------------------------------------------------------------------ layout


class _Document:
    def __init__(self, *, title: str, app: Application, program: Program, generated_at: datetime) -> None:
        if generated_at.tzinfo is None or generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware")
        self.title, self.app = title, app
        local = generated_at.astimezone(ZoneInfo(program.timezone))
        zone = "北京时间" if program.timezone == "Asia/Shanghai" else program.timezone
        self.generated_text = f"{local:%Y-%m-%d %H:%M}（{zone}）"

        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.c_margin = 0
        pdf.set_creation_date(generated_at)
        pdf.set_title(f"{title} — {app.applicant.name}")
        pdf.set_subject(title)
        pdf.set_creator("intake")
        pdf.set_producer("intake")
        pdf.set_lang("zh-CN")
        with _font_files() as paths:
            for family, path in paths.items():
                pdf.add_font(family, fname=path)
        pdf.add_page()
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.3)
        self.pdf = pdf

    def finish(self) -> bytes:
        if self.pdf.pages_count != 1:  # cannot happen: every box is fitted; a guard against layout bugs
            raise RuntimeError(f"{self.title} laid out on {self.pdf.pages_count} pages, not one")
        return bytes(self.pdf.output())

    # ---- text primitives

    def _lines(self, text: str, family: str, size: float, w: float) -> list[str]:
        self.pdf.set_font(family, size=size)
        return wrap(text, w, self.pdf.get_string_width)

    def fit(self, text: str, family: str, w: float, h: float, *, size: float = BODY_PT, floor: float = FLOOR_PT,
            leading: float = 1.3) -> tuple[float, list[str]]:
        """The largest size from `size` down to `floor` at which `text` wraps into the box, and its lines; at
        the floor, as many lines as fit, the last ending in "…"."""
        current = size
        while True:
            lines = self._lines(text, family, current, w)
            if len(lines) * current * PT * leading <= h or current <= floor:
                break
            current = max(floor, current - 0.5)
        room = max(1, int(h // (current * PT * leading)))
        if len(lines) > room:
            lines = lines[:room]
            lines[-1] = self._clip(lines[-1], family, current, w)
        return current, lines

    def _clip(self, line: str, family: str, size: float, w: float) -> str:
        self.pdf.set_font(family, size=size)
        cut = line.rstrip()
        while cut and self.pdf.get_string_width(cut + "…") > w:
            cut = cut[:-1]
        return cut + "…"

    def _draw_lines(self, lines: Sequence[str], family: str, size: float, x: float, y: float, w: float, h: float,
                    *, align: Align = Align.L, leading: float = 1.3, valign_middle: bool = True) -> None:
        self.pdf.set_font(family, size=size)
        line_h = size * PT * leading
        top = y + (h - len(lines) * line_h) / 2 if valign_middle else y
        for i, line in enumerate(lines):
            self.pdf.set_xy(x, top + i * line_h)
            self.pdf.cell(w=w, h=line_h, text=line, align=align)

    def line_of_text(self, text: str, *, x: float, y: float, w: float, size: float, family: str,
                     align: Align) -> None:
        fitted, lines = self.fit(text.replace("\n", " "), family, w, size * PT * 1.4, size=size,
                                 floor=min(size, FLOOR_PT))
        self._draw_lines(lines, family, fitted, x, y, w, size * PT * 1.4, align=align)

    def heading(self, text: str, *, y: float, size: float) -> None:
        pdf = self.pdf
        pdf.set_font("sans", size=size)
        pdf.set_xy(MARGIN, y)
        # The typeface has no bold: a thin outline makes the title heavier. The local context (q … Q) keeps the
        # text render mode from leaking into the text drawn after it.
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.25):
            pdf.cell(w=PAGE_W - 2 * MARGIN, h=size * PT * 1.3, text=text, align=Align.C)

    def letter(self, *, top: float, bottom: float, heading: str, addressee: str, body: str, closing: str,
               signer: str) -> None:
        """A letter between `top` and `bottom`: heading, addressee, the body indented two characters, the
        closing formula, then the signer and a date line to fill in, flush right. The body shrinks to leave
        room for the rest."""
        size, leading = 13.0, 1.9
        x, w = MARGIN + 4, PAGE_W - 2 * (MARGIN + 4)
        line_h = size * PT * leading
        self.heading(heading, y=top, size=22)
        y = top + 17
        self.line_of_text(f"{addressee}：", x=x, y=y, w=w, size=size, family="serif", align=Align.L)
        y += line_h
        tail = line_h * 1.5 + 4 + 4 + 2 * size * PT * 1.4 + 4 + 8  # closing, signer (two lines at most), date
        fitted, lines = self.fit("　　" + body, "serif", w, bottom - y - tail, size=size, leading=leading)
        self._draw_lines(lines, "serif", fitted, x, y, w, len(lines) * fitted * PT * leading, leading=leading)
        y += len(lines) * fitted * PT * leading
        self.line_of_text("　　" + closing, x=x, y=y + (line_h - size * PT * 1.4) / 2, w=w, size=size,
                          family="serif", align=Align.L)
        y += line_h * 1.5 + 4
        sign_x, sign_w = x + w * 0.3, w * 0.7 - 6
        fitted, lines = self.fit(signer, "serif", sign_w, 2 * size * PT * 1.4, size=size, leading=1.4)
        self._draw_lines(lines, "serif", fitted, sign_x, y + 4, sign_w, len(lines) * fitted * PT * 1.4,
                         align=Align.R, leading=1.4)
        y += 4 + max(7.0, len(lines) * fitted * PT * 1.4) + 4
        self.line_of_text("年　　月　　日", x=sign_x, y=y, w=sign_w, size=size, family="serif", align=Align.R)

    def cut_line(self, *, y: float, x: float, w: float) -> None:
        pdf = self.pdf
        pdf.set_draw_color(120, 120, 120)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.line(x, y, x + w, y)
        pdf.set_dash_pattern()
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.3)

    def footer(self, note: str) -> None:
        pdf = self.pdf
        pdf.set_text_color(90, 90, 90)
        width = PAGE_W - 2 * MARGIN
        self.line_of_text(note, x=MARGIN, y=PAGE_H - 16, w=width, size=8, family="sans", align=Align.L)
        self.line_of_text(f"申请编号：{self.app.id}", x=MARGIN, y=PAGE_H - 11.5, w=width / 2, size=8,
                          family="sans", align=Align.L)
        self.line_of_text(f"生成时间：{self.generated_text}", x=MARGIN + width / 2, y=PAGE_H - 11.5, w=width / 2,
                          size=8, family="sans", align=Align.R)
        pdf.set_text_color(0, 0, 0)

    # ---- table cells

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.pdf.rect(x, y, w, h)

    def label_cell(self, x: float, y: float, w: float, h: float, text: str) -> None:
        self.box(x, y, w, h)
        self.pdf.set_fill_color(242, 242, 242)
        self.pdf.rect(x + 0.15, y + 0.15, w - 0.3, h - 0.3, style="F")
        size, lines = self.fit(text, "sans", w - 2 * PAD, h - 2 * PAD, size=10, floor=FLOOR_PT)
        self._draw_lines(lines, "sans", size, x + PAD, y, w - 2 * PAD, h, align=Align.C)

    def value_cell(self, x: float, y: float, w: float, h: float, text: str) -> None:
        self.box(x, y, w, h)
        size, lines = self.fit(text, "serif", w - 2 * PAD, h - PAD)
        self._draw_lines(lines, "serif", size, x + PAD, y, w - 2 * PAD, h)

    def photo_cell(self, x: float, y: float, w: float, h: float, photo: bytes | None) -> None:
        self.box(x, y, w, h)
        frame_w = min(w - 4, (h - 4) * 3 / 4)
        frame_h = frame_w * 4 / 3
        fx, fy = x + (w - frame_w) / 2, y + (h - frame_h) / 2
        if photo:
            self.pdf.image(io.BytesIO(photo), x=fx, y=fy, w=frame_w, h=frame_h, keep_aspect_ratio=True)
            return
        self._draw_lines(["照片"], "sans", 10, x, y, w, h, align=Align.C)

    def history_cell(self, x: float, y: float, w: float, h: float, periods: Sequence[_Period]) -> None:
        """The work history, one period per row (period | employer and post), shrunk to fit the box; periods
        that still do not fit are left out and counted in a last line."""
        self.box(x, y, w, h)
        inner_w, inner_h, leading = w - 2 * PAD, h - 2 * PAD, 1.35

        def layout(size: float) -> tuple[float, list[tuple[_Period, list[str]]]]:
            self.pdf.set_font("serif", size=size)
            when_w = self.pdf.get_string_width("0000.00—0000.00") + size * PT * 1.2
            return when_w, [(p, self._lines(p.text, "serif", size, inner_w - (when_w if p.when else 0)) or [""])
                            for p in periods]

        size = BODY_PT
        when_w, rows = layout(size)
        while sum(len(lines) for _, lines in rows) * size * PT * leading > inner_h and size > FLOOR_PT:
            size = max(FLOOR_PT, size - 0.5)
            when_w, rows = layout(size)
        line_h = size * PT * leading
        room = int(inner_h // line_h)
        shown = rows
        if sum(len(lines) for _, lines in rows) > room:
            shown, used = [], 0
            for period, lines in rows:
                if used + len(lines) > room - 1:  # keep a line for the note
                    if not shown:  # a single period longer than the box: show what fits of it
                        cut = lines[: room - 1]
                        width = inner_w - (when_w if period.when else 0)
                        shown.append((period, [*cut[:-1], self._clip(cut[-1], "serif", size, width)]))
                    break
                shown.append((period, lines))
                used += len(lines)
        top = y + PAD
        self.pdf.set_font("serif", size=size)
        for period, lines in shown:
            text_x, text_w = (x + PAD + when_w, inner_w - when_w) if period.when else (x + PAD, inner_w)
            if period.when:
                self.pdf.set_xy(x + PAD, top)
                self.pdf.cell(w=when_w, h=line_h, text=period.when)
            for line in lines:
                self.pdf.set_xy(text_x, top)
                self.pdf.cell(w=text_w, h=line_h, text=line)
                top += line_h
        left_out = len(rows) - len(shown)
        if left_out:
            note = f"……（以下另有 {left_out} 段工作经历未能列出，共 {len(rows)} 段，见附页）"
            size_note, lines = self.fit(note, "sans", inner_w, line_h, size=size, floor=min(size, 6.0))
            self._draw_lines(lines[:1], "sans", size_note, x + PAD, top, inner_w, line_h, leading=leading)


Renderer = Callable[..., bytes]
RENDERERS: dict[str, Renderer] = {REGISTRATION_FORM: registration_form, INTRODUCTION_LETTER: introduction_letter}
"""Each FormDef id of a program, and the function that renders it."""
