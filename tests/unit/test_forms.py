"""CG-FLOW-2: the registration form and the introduction / party-membership letter, each one A4 page.

Page count and size are read from the PDF itself (with pypdf when it is installed, else from fpdf2's plain page
tree). What the page says and looks like is checked with poppler (`pdftotext`, `pdftoppm`), skipped where
poppler-utils is not installed. Set INTAKE_FORMS_PREVIEW to a folder to keep a PNG of each form there.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from intake import forms
from intake.models import Applicant, Application
from intake.programs.catalogue import load_catalogue

A4_POINTS = (595.28, 841.89)
GENERATED_AT = datetime(2023, 5, 4, 2, 20, tzinfo=UTC)  # 10:20 in Beijing
HISTORY = (
    "2012.7-2015.6，青川县示例乡人民政府，科员\n"
    "2015.7-2019.12，青川县示例乡人民政府党政综合办公室，副主任（主持工作）\n"
    "2020.1至今，青川县虚构街道办事处，副主任科员"
)
PROFILE = {
    "education_level": "bachelor",
    "graduating_school": "示例师范大学",
    "graduation_date": "2012.7",
    "employer": "青川县虚构街道办事处",
    "party_entry": "2010年6月",
    "work_start": "2012.7",
    "post_title": "副主任科员",
    "work_history": HISTORY,
}


@pytest.fixture(scope="module")
def program():
    return load_catalogue().get("cadre-grad-2023")


def application(name: str = "林晓梅", **profile) -> Application:
    return Application(
        id="app_formtest01", program_id="cadre-grad-2023", status="approved",
        applicant=Applicant(name=name, phone="13800138000"),
        created_at=GENERATED_AT - timedelta(days=3), updated_at=GENERATED_AT, submitted_at=GENERATED_AT,
        profile={**PROFILE, **profile},
    )


def long_history(lines: int) -> str:
    """`lines` consecutive half-year periods from 1980 on, the last one open."""
    out = []
    for i in range(lines):
        year, first_half = 1980 + i // 2, i % 2 == 0
        start = f"{year}.{1 if first_half else 7}"
        end = "至今" if i == lines - 1 else f"-{year}.{6 if first_half else 12}"
        out.append(f"{start}{end}，示例单位第{i + 1}号虚构机构，科员")
    return "\n".join(out)


@pytest.fixture(scope="module")
def rendered(program):
    app = application()
    return {
        "registration_form": forms.registration_form(app, program, generated_at=GENERATED_AT),
        "introduction_letter": forms.introduction_letter(app, program, generated_at=GENERATED_AT),
    }


# ------------------------------------------------------------------------------------------------ helpers

def page_facts(pdf: bytes) -> tuple[int, list[tuple[float, float]]]:
    """(number of pages, each page's width and height in points)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", pdf, re.S)]
        counts += [int(c) for c in re.findall(rb"/Count\s+(\d+).*?/Type\s*/Pages\b", pdf, re.S)]
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
        assert counts and all(c == pages for c in counts), (counts, pages)
        boxes = [tuple(float(v) for v in box.split()[2:]) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)]
        return pages, boxes  # type: ignore[return-value]
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def assert_one_a4_page(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    pages, boxes = page_facts(pdf)
    assert pages == 1
    assert boxes and all(box == pytest.approx(A4_POINTS, abs=0.5) for box in boxes)


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (Debian package poppler-utils): cannot read the rendered page")
    return path


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The page's text with all white space (including U+3000) removed, as pdftotext reads it."""
    tool = need("pdftotext")
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([tool, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True, timeout=60)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def page_images(pdf: bytes, tmp_path: Path, name: str) -> list[Path]:
    tool = need("pdftoppm")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool, "-r", "50", "-png", str(source), str(tmp_path / name)], check=True, timeout=60)
    images = sorted(tmp_path.glob(f"{name}*.png"))
    preview = os.environ.get("INTAKE_FORMS_PREVIEW")
    if preview and images:
        Path(preview).mkdir(parents=True, exist_ok=True)
        shutil.copy(images[0], Path(preview) / f"{name}.png")
    return images


# ------------------------------------------------------------------------------------------------ the documents

@pytest.mark.rule("CG-FLOW-2")
@pytest.mark.parametrize("form", ["registration_form", "introduction_letter"])
def test_cg_flow_2_each_form_is_one_a4_page(rendered, form):
    assert_one_a4_page(rendered[form])


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_registration_form_shows_the_applicants_data(rendered, tmp_path):
    text = text_of(rendered["registration_form"], tmp_path)
    for expected in ("报名登记表", "2023年在职干部研究生报名", "林晓梅", "13800138000", "大学本科", "示例师范大学",
                     "2012年7月", "青川县虚构街道办事处", "2010年6月", "副主任科员",
                     "2015.07—2019.12", "青川县示例乡人民政府党政综合办公室", "2020.01—至今",
                     "所在单位组织人事部门意见（盖章）", "app_formtest01", "2023-05-0410:20（北京时间）"):
        assert expected in text, expected
    assert "bachelor" not in text  # the choice's Chinese label, not its value


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_introduction_letter_introduces_and_certifies(rendered, tmp_path):
    text = text_of(rendered["introduction_letter"], tmp_path)
    for expected in ("介绍信", "党员关系证明信", "研究生招生办公室：", "兹介绍青川县虚构街道办事处林晓梅同志",
                     "副主任科员", "报名参加2023年在职干部研究生学习", "于2010年6月加入中国共产党", "党组织（盖章）",
                     "年月日", "app_formtest01"):
        assert expected in text, expected


@pytest.mark.rule("CG-FLOW-2")
@pytest.mark.parametrize("form", ["registration_form", "introduction_letter"])
def test_cg_flow_2_page_renders_as_one_a4_image(rendered, tmp_path, form):
    images = page_images(rendered[form], tmp_path, form)
    assert len(images) == 1
    with Image.open(images[0]) as page:
        width, height = page.size
        assert height / width == pytest.approx(297 / 210, rel=0.01)
        # Something is drawn on it: a page of text and rules is far from blank.
        dark = sum(page.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
        assert dark > 2000


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_a_forty_line_history_still_fits_one_page(program, tmp_path):
    app = application(work_history=long_history(40), work_start="1980.1")
    pdf = forms.registration_form(app, program, generated_at=GENERATED_AT)
    assert_one_a4_page(pdf)
    text = text_of(pdf, tmp_path)
    assert "1980.01—1980.06示例单位第1号虚构机构，科员" in text
    assert "第40号虚构机构" not in text
    shown = len(re.findall(r"第\d+号虚构机构", text))
    assert 25 <= shown < 40  # shrunk to the floor before anything was left out
    assert f"以下另有{40 - shown}段工作经历未能列出，共40段，见附页" in text
    assert len(page_images(pdf, tmp_path, "registration_form_40_lines")) == 1


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_a_long_history_shrinks_before_it_is_cut(program, tmp_path):
    app = application(work_history=long_history(24), work_start="1980.1")
    text = text_of(forms.registration_form(app, program, generated_at=GENERATED_AT), tmp_path)
    assert "第24号虚构机构" in text and "见附页" not in text


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_the_longest_values_allowed_stay_on_one_page(program, tmp_path):
    employer = "示例省虚构市某某区人民政府办公室" * 5  # 80 characters, the field's maximum
    app = application(name="欧阳" * 25, employer=employer, graduating_school="示" * 60,
                      post_title="副主任科员、经济师" * 6 + "经济师", work_history="2012.7至今，" + "很长的说明" * 400)
    form = forms.registration_form(app, program, generated_at=GENERATED_AT)
    letter = forms.introduction_letter(app, program, generated_at=GENERATED_AT)
    for pdf in (form, letter):
        assert_one_a4_page(pdf)
        assert employer[:16] in text_of(pdf, tmp_path)
    assert "很长的说明很长的说明" in text_of(form, tmp_path) and "…" in text_of(form, tmp_path)  # cut, visibly
    assert employer + "（盖章）" in text_of(letter, tmp_path)  # the signer wraps rather than being cut


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_no_party_entry_leaves_the_date_to_fill_in(program, tmp_path):
    app = application(party_entry=None)
    pdf = forms.introduction_letter(app, program, generated_at=GENERATED_AT)
    assert_one_a4_page(pdf)
    assert "系中国共产党党员，于年月加入中国共产党" in text_of(pdf, tmp_path)


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_the_approved_photo_goes_into_the_photo_box(program):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (240, 240, 240)).save(buffer, "JPEG")
    pdf = forms.registration_form(application(), program, generated_at=GENERATED_AT, photo=buffer.getvalue())
    assert_one_a4_page(pdf)
    assert b"/Subtype /Image" in pdf


def test_rendering_is_deterministic(program, rendered):
    again = forms.registration_form(application(), program, generated_at=GENERATED_AT)
    assert again == rendered["registration_form"]


def test_generation_time_is_printed_in_the_programs_timezone(program, tmp_path):
    later = datetime(2023, 5, 4, 23, 5, tzinfo=timezone(timedelta(hours=-5)))  # 2023-05-05 12:05 in Beijing
    pdf = forms.introduction_letter(application(), program, generated_at=later)
    assert "2023-05-0512:05（北京时间）" in text_of(pdf, tmp_path)


def test_a_naive_generation_time_is_refused(program):
    with pytest.raises(ValueError, match="timezone-aware"):
        forms.registration_form(application(), program, generated_at=datetime(2023, 5, 4, 10, 20))


def test_a_program_without_the_form_is_refused(program):
    other = next(p for p in load_catalogue() if not p.forms)
    with pytest.raises(ValueError, match="does not generate"):
        forms.registration_form(application(), other, generated_at=GENERATED_AT)


def test_a_missing_font_package_fails_clearly(program, monkeypatch):
    monkeypatch.setattr(forms, "FONT_PACKAGE", "intake_no_such_font_package")
    with pytest.raises(forms.FormFontMissing, match="pylopdf-fonts-zh-cn"):
        forms.introduction_letter(application(), program, generated_at=GENERATED_AT)


def test_the_font_comes_from_the_package():
    assert forms.fonts_available()
    with forms._font_files() as paths:
        assert set(paths) == {"sans", "serif"}
        assert all("pylopdf_fonts_zh_cn" in str(p) and p.stat().st_size > 1_000_000 for p in paths.values())


# ------------------------------------------------------------------------------------------------ line breaking

def width_in_chars(text: str) -> float:
    return float(len(text))


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("一二三四五六", 3, ["一二三", "四五六"]),
    ("一二三，四五", 3, ["一二", "三，四", "五"]),  # a comma never starts a line
    ("一二（三四五", 3, ["一二", "（三四", "五"]),  # an opening bracket never ends one
    ("单位abc2023年", 6, ["单位", "abc202", "3年"]),  # a Latin run stays whole when it fits a line
    ("单位ab12年", 6, ["单位ab12", "年"]),
    ("一二\n三", 5, ["一二", "三"]),
    ("", 5, []),
])
def test_wrap_follows_chinese_line_breaking(text, width, expected):
    lines = forms.wrap(text, width, width_in_chars)
    assert lines == expected
    assert all(len(line) <= width for line in lines)
