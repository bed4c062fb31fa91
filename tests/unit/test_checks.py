"""check_material: file-level and header-level rules, on images generated in memory.

Pixel measurements (background, sharpness, colour content, editing software) are in test_checks_pixels.py.
"""

from __future__ import annotations

import random
import re

import pytest
from PIL import ImageFile

from intake.checks import CheckResult, FileSpec, check_material, measure
from intake.checks.engine import human_size
from intake.checks.sniff import detect_format
from tests.support import codes, spec_of
from tests.unit.imagegen import (
    ID_BLUE,
    compressible_png,
    declare_jpeg_size,
    document,
    document_image,
    encode,
    fit_to,
    pad_to,
    png_header_only,
    portrait,
    portrait_image,
    rgb48_png,
    set_jfif_density,
    truncated,
)

KB = 1024
MB = 1024 * 1024
CJK = re.compile(r"[\u4e00-\u9fff]")


PG_PHOTO = spec_of("pg-confirm-1104", "id_photo")
PG_OTHER = spec_of("pg-confirm-1104", "degree_certificate")
SC_CERT = spec_of("score-cert-return", "score_certificate")
CG_PHOTO = spec_of("cadre-grad-2023", "id_photo")
CG_SCAN = spec_of("cadre-grad-2023", "bachelor_diploma")
ED_PHOTO = spec_of("equiv-degree-2023", "id_photo")


def error_codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.errors]


def only(result: CheckResult, code: str):
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, codes(result)
    return found[0]


@pytest.fixture(scope="module")
def pg_ok() -> bytes:
    return portrait(300, 400)


@pytest.fixture(scope="module")
def ed_ok() -> bytes:
    return portrait(390, 567, ID_BLUE)


# --- sanity of the generated images ------------------------------------------------------------------


def test_generated_photos_pass_their_specs(pg_ok: bytes, ed_ok: bytes) -> None:
    for data, spec in ((pg_ok, PG_PHOTO), (ed_ok, ED_PHOTO), (fit_to(portrait_image(300, 400), 200 * KB), CG_PHOTO)):
        result = check_material(data, spec)
        assert result.ok, [f.message for f in result.findings]
        assert result.findings == []
        assert result.facts.decoded_pixels > 0


# --- 1. empty and unreadable input never raises ------------------------------------------------------


def test_zero_bytes_is_file_empty() -> None:
    result = check_material(b"", PG_PHOTO)
    assert codes(result) == ["file.empty"]
    assert result.facts.bytes == 0 and result.facts.decoded_pixels == 0
    assert CJK.search(result.findings[0].message_zh)


def test_one_byte_file_is_unknown_type() -> None:
    result = check_material(b"\xff", ED_PHOTO)
    assert codes(result) == ["file.unknown_type"]
    assert result.facts.format is None


@pytest.mark.parametrize("magic", [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"], ids=["jpeg", "png"])
def test_random_bytes_after_a_valid_magic_are_an_error(magic: bytes) -> None:
    data = magic + random.Random(7).randbytes(5000)
    result = check_material(data, SC_CERT)
    assert not result.ok
    assert error_codes(result) == ["file.corrupt"]
    assert result.facts.decoded_pixels == 0


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("keep", [0.3, 0.7, 0.95])
def test_truncated_file_is_reported_not_raised(fmt: str, keep: float) -> None:
    data = truncated(portrait(240, 320, fmt=fmt), keep)
    result = check_material(data, SC_CERT)
    assert error_codes(result) == ["file.truncated"]
    finding = only(result, "file.truncated")
    assert "incomplete" in finding.message_en and "不完整" in finding.message_zh


def test_jpeg_missing_only_its_end_marker_counts_as_truncated(pg_ok: bytes) -> None:
    assert error_codes(check_material(pg_ok[:-2], PG_PHOTO)) == ["file.truncated"]


def test_fuzzed_files_never_raise() -> None:
    rng = random.Random(1104)
    seeds = [portrait(60, 80, quality=80), portrait(60, 80, fmt="PNG")]
    for i in range(300):
        data = bytearray(seeds[i % 2])
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        result = check_material(bytes(data), SC_CERT)
        assert isinstance(result, CheckResult)


# --- 2. byte size bounds -----------------------------------------------------------------------------


@pytest.mark.rule("PG-MAT-1")
def test_pg_mat_1_exactly_10_mb_passes_and_one_byte_more_fails(pg_ok: bytes) -> None:
    at_limit = check_material(pad_to(pg_ok, 10 * MB), PG_PHOTO)
    assert at_limit.ok, codes(at_limit)
    over = check_material(pad_to(pg_ok, 10 * MB + 1), PG_PHOTO)
    assert error_codes(over) == ["file.too_large"]
    finding = only(over, "file.too_large")
    assert finding.measured == 10 * MB + 1 and finding.limit == 10 * MB
    assert "10485761" in finding.message_en and "10485761" in finding.message_zh
    assert "10 MB" in finding.message_en and "10 MB" in finding.message_zh
    assert over.facts.decoded_pixels == 0


@pytest.mark.rule("PG-MAT-5")
def test_pg_mat_5_other_materials_2_mb_bound(pg_ok: bytes) -> None:
    assert check_material(pad_to(pg_ok, 2 * MB), PG_OTHER).ok
    assert error_codes(check_material(pad_to(pg_ok, 2 * MB + 1), PG_OTHER)) == ["file.too_large"]


@pytest.mark.rule("PG-MAT-5")
def test_pg_mat_5_other_materials_png_refused() -> None:
    result = check_material(document(300, 424, fmt="PNG"), PG_OTHER)
    assert error_codes(result) == ["file.format_not_allowed"]


@pytest.mark.rule("CG-MAT-2")
def test_cg_mat_2_100_kb_minus_one_fails_100_kb_passes() -> None:
    img = portrait_image(300, 400)
    below = check_material(fit_to(img, 100 * KB - 1), CG_PHOTO)
    assert error_codes(below) == ["file.too_small"]
    finding = only(below, "file.too_small")
    assert finding.measured == 100 * KB - 1 and finding.limit == 100 * KB
    assert "99.99 KB" in finding.message_en and "102399" in finding.message_zh
    assert below.facts.decoded_pixels == 0
    assert check_material(fit_to(img, 100 * KB), CG_PHOTO).ok


@pytest.mark.rule("CG-MAT-2")
def test_cg_mat_2_400_kb_passes_400_kb_plus_one_fails() -> None:
    img = portrait_image(300, 400)
    assert check_material(fit_to(img, 400 * KB), CG_PHOTO).ok
    assert error_codes(check_material(fit_to(img, 400 * KB + 1), CG_PHOTO)) == ["file.too_large"]


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_200_kb_bound(ed_ok: bytes) -> None:
    assert check_material(pad_to(ed_ok, 200 * KB), ED_PHOTO).ok
    assert error_codes(check_material(pad_to(ed_ok, 200 * KB + 1), ED_PHOTO)) == ["file.too_large"]


@pytest.mark.rule("SC-MAT-1")
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_sc_mat_1_jpg_or_png_up_to_1_mb(fmt: str) -> None:
    data = document(500, 700, fmt=fmt)
    assert check_material(pad_to(data, MB), SC_CERT).ok
    assert error_codes(check_material(pad_to(data, MB + 1), SC_CERT)) == ["file.too_large"]


def test_size_problems_and_type_problems_are_reported_together() -> None:
    data = pad_to(portrait(300, 400, fmt="PNG"), 10 * MB + 5)
    assert error_codes(check_material(data, PG_PHOTO)) == ["file.too_large", "file.format_not_allowed"]


def test_human_size_uses_1024_and_never_rounds_up_to_the_limit() -> None:
    assert human_size(100 * KB) == "100 KB"
    assert human_size(100 * KB - 1) == "99.99 KB"
    assert human_size(10 * MB) == "10 MB"
    assert human_size(10 * MB + 1) == "10.00 MB"
    assert human_size(1536) == "1.50 KB"
    assert human_size(12) == "12 B"


# --- 3. type by content ------------------------------------------------------------------------------


@pytest.mark.rule("ED-MAT-1")
@pytest.mark.rule("X-FILE-1")
def test_ed_mat_1_png_named_jpg_is_refused_by_content() -> None:
    png = portrait(390, 567, ID_BLUE, fmt="PNG")  # what an applicant gets by renaming photo.png to photo.jpg
    result = check_material(png, ED_PHOTO)
    assert error_codes(result)[-1] == "file.format_not_allowed"  # a PNG photo is also larger than 200 KB
    finding = only(result, "file.format_not_allowed")
    assert finding.measured == "PNG" and finding.limit == ["JPEG"]
    assert "文件实际类型为 PNG" in finding.message_zh and "JPEG" in finding.message_zh
    assert "file content is PNG, only JPEG accepted" in finding.message_en
    assert result.facts.format == "PNG"
    assert result.facts.decoded_pixels == 0


@pytest.mark.rule("X-FILE-1")
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"GIF89a" + b"\x00" * 64, "GIF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "WEBP"),
        (b"BM" + b"\x00" * 12 + bytes([40]) + b"\x00" * 64, "BMP"),
        (b"II*\x00" + b"\x00" * 64, "TIFF"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "HEIC"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "PDF"),
    ],
)
def test_x_file_1_other_image_types_are_named(data: bytes, name: str) -> None:
    assert detect_format(data) == name
    result = check_material(data, SC_CERT)
    assert error_codes(result) == ["file.format_not_allowed"]
    assert f"file content is {name}" in result.findings[0].message_en
    assert name in result.findings[0].message_zh


def test_x_file_1_text_file_is_unknown_type() -> None:
    result = check_material("这不是图片 not an image".encode(), SC_CERT)
    assert error_codes(result) == ["file.unknown_type"]
    assert result.findings[0].details["head"]


# --- 4. decompression bombs --------------------------------------------------------------------------


def test_png_header_declaring_30000_squared_is_refused_before_decoding() -> None:
    data = png_header_only(30000, 30000)
    result = check_material(data, SC_CERT)
    assert error_codes(result) == ["image.too_many_pixels"]
    finding = result.findings[0]
    assert finding.measured == 900_000_000 and finding.limit == SC_CERT.max_pixels
    assert "30000x30000" in finding.message_en and "30000×30000" in finding.message_zh
    assert result.facts.decoded_pixels == 0


@pytest.mark.parametrize("side", [10_000, 30_000], ids=["pillow-warning", "pillow-error"])
def test_pillow_bomb_guard_is_caught_when_the_spec_allows_more(side: int) -> None:
    """100 MP is above Pillow's warning level (turned into an error), 900 MP above its error level."""
    generous = FileSpec(formats=("PNG",), max_bytes=MB, max_pixels=2_000_000_000)
    result = check_material(png_header_only(side, side), generous)
    assert error_codes(result) == ["image.too_many_pixels"]
    assert result.facts.decoded_pixels == 0


def test_highly_compressible_big_png_is_refused_from_its_header() -> None:
    data = compressible_png(6000, 6000)  # 36 MP of zeros in a few dozen KB
    assert len(data) < SC_CERT.max_bytes
    result = check_material(data, SC_CERT)
    assert error_codes(result) == ["image.too_many_pixels"]
    assert result.facts.decoded_pixels == 0


def test_jpeg_frame_header_declaring_a_huge_image_is_refused(pg_ok: bytes) -> None:
    result = check_material(declare_jpeg_size(pg_ok, 60000, 60000), PG_PHOTO)
    assert error_codes(result) == ["image.too_many_pixels"]
    assert result.facts.stored_width == 60000
    assert result.facts.decoded_pixels == 0


# --- 5./6. orientation, pixel size, aspect ratio -----------------------------------------------------


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_390x567_passes_390x568_fails(ed_ok: bytes) -> None:
    assert check_material(ed_ok, ED_PHOTO).ok
    result = check_material(portrait(390, 568, ID_BLUE), ED_PHOTO)
    assert error_codes(result) == ["image.dimensions_mismatch"]
    finding = result.findings[0]
    assert finding.measured == "390x568" and finding.limit == "390x567"
    assert "390x568" in finding.message_en and "390×568" in finding.message_zh
    assert result.facts.decoded_pixels == 0


@pytest.mark.rule("CG-MAT-2")
def test_cg_mat_2_299x400_fails_300x400_passes() -> None:
    small = check_material(fit_to(portrait_image(299, 400), 150 * KB), CG_PHOTO)
    assert error_codes(small) == ["image.too_small_pixels"]
    assert small.findings[0].measured == "299x400" and small.findings[0].limit == "300x400"
    assert small.facts.decoded_pixels == 0
    assert check_material(fit_to(portrait_image(300, 400), 150 * KB), CG_PHOTO).ok


@pytest.mark.rule("CG-MAT-2")
def test_cg_mat_2_large_photos_are_fine() -> None:
    assert check_material(fit_to(portrait_image(900, 1200), 380 * KB, quality=80), CG_PHOTO).ok


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.parametrize(
    ("width", "ok"),
    [(300, True), (303, True), (297, True), (302, True), (304, False), (296, False), (225, False), (400, False)],
)
def test_pg_mat_1_aspect_ratio_3_4_within_1_percent(width: int, ok: bool) -> None:
    """303:400 is exactly +1 % (accepted, bounds inclusive), 304:400 +1.33 %, 296:400 -1.33 %."""
    result = check_material(portrait(width, 400), PG_PHOTO)
    assert result.ok is ok, codes(result)
    if not ok:
        assert error_codes(result) == ["image.aspect_ratio"]
        finding = result.findings[0]
        assert finding.limit == 0.75
        assert finding.measured == round(width / 400, 4)
        assert "3:4" in finding.message_en and "±1%" in finding.message_en and "3:4" in finding.message_zh
        assert result.facts.decoded_pixels == 0


def test_aspect_ratio_message_shows_the_measured_ratio() -> None:
    finding = check_material(portrait(400, 600), PG_PHOTO).findings[0]
    assert finding.message_en.startswith("aspect ratio 0.667")
    assert finding.message_zh.startswith("照片宽高比为 0.667")
    assert "(0.75)" in finding.message_en


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_pg_mat_1_landscape_stored_jpeg_displaying_portrait_passes(orientation: int) -> None:
    data = portrait(300, 400, exif_orientation=orientation)
    result = check_material(data, PG_PHOTO)
    assert result.ok, [f.message for f in result.findings]
    facts = result.facts
    assert (facts.stored_width, facts.stored_height) == (400, 300)
    assert (facts.width, facts.height) == (300, 400)
    assert facts.orientation == orientation
    # the pixel measurements ran on the displayed picture: the white border is on top, not on a side
    assert facts.measurements["background_rgb"][0] > 240


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.parametrize("orientation", [2, 3, 4])
def test_pg_mat_1_orientations_that_do_not_swap_keep_the_size(orientation: int) -> None:
    result = check_material(portrait(300, 400, exif_orientation=orientation), PG_PHOTO)
    assert result.ok, codes(result)
    assert (result.facts.width, result.facts.height) == (300, 400)


@pytest.mark.rule("PG-MAT-1")
def test_pg_mat_1_jpeg_displaying_landscape_fails() -> None:
    stored_landscape = check_material(portrait(400, 300), PG_PHOTO)
    assert error_codes(stored_landscape) == ["image.aspect_ratio"]
    # stored as a 3:4 portrait, but the orientation tag turns it on its side: as displayed it is 4:3
    turned = check_material(encode(portrait_image(400, 300), exif_orientation=6), PG_PHOTO)
    assert (turned.facts.stored_width, turned.facts.stored_height) == (300, 400)
    assert (turned.facts.width, turned.facts.height) == (400, 300)
    assert error_codes(turned) == ["image.aspect_ratio"]
    assert "orientation 6" in turned.findings[0].message_en
    assert turned.facts.decoded_pixels == 0


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_exact_size_is_checked_as_displayed() -> None:
    result = check_material(portrait(390, 567, ID_BLUE, exif_orientation=8), ED_PHOTO)
    assert result.ok, codes(result)
    assert (result.facts.stored_width, result.facts.stored_height) == (567, 390)


# --- 7. colour mode ----------------------------------------------------------------------------------

ED_ANY_FORMAT = ED_PHOTO.model_copy(update={"formats": ("JPEG", "PNG"), "background": None, "max_bytes": 4 * MB})


@pytest.mark.rule("ED-MAT-1")
@pytest.mark.parametrize(
    ("fmt", "mode", "zh", "en"),
    [
        ("JPEG", "CMYK", "CMYK 印刷色彩模式", "CMYK (print colour model)"),
        ("JPEG", "L", "8 位灰度", "8-bit greyscale"),
        ("PNG", "P", "调色板", "palette"),
        ("PNG", "RGBA", "透明", "RGBA"),
        ("PNG", "LA", "透明", "greyscale with transparency"),
        ("PNG", "1", "1 位黑白", "1-bit"),
        ("PNG", "I;16", "16 位灰度", "16-bit greyscale"),
    ],
)
def test_ed_mat_1_only_24_bit_rgb(fmt: str, mode: str, zh: str, en: str) -> None:
    spec = ED_PHOTO if fmt == "JPEG" else ED_ANY_FORMAT
    result = check_material(portrait(390, 567, ID_BLUE, fmt=fmt, mode=mode), spec)
    assert error_codes(result) == ["image.colour_mode"]
    finding = result.findings[0]
    assert finding.measured == mode and finding.limit == "RGB"
    assert zh in finding.message_zh and "24 位 RGB" in finding.message_zh
    assert en in finding.message_en and "24-bit RGB" in finding.message_en
    assert result.facts.mode == mode
    assert result.facts.decoded_pixels == 0


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_palette_and_alpha_png_are_refused_by_the_real_spec_as_png() -> None:
    for mode in ("P", "RGBA"):
        result = check_material(portrait(390, 567, ID_BLUE, fmt="PNG", mode=mode), ED_PHOTO)
        assert error_codes(result)[-1] == "file.format_not_allowed"


def test_rgb24_refuses_48_bit_png() -> None:
    result = check_material(rgb48_png(40, 40), ED_ANY_FORMAT.model_copy(update={"exact_pixels": None}))
    assert error_codes(result) == ["image.colour_mode"]
    assert "48-bit RGB" in result.findings[0].message_en


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_rgb_passes_the_mode_check(ed_ok: bytes) -> None:
    result = check_material(ed_ok, ED_PHOTO)
    assert result.facts.mode == "RGB" and "image.colour_mode" not in codes(result)


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.rule("CG-MAT-2")
@pytest.mark.parametrize("spec", [PG_PHOTO, CG_PHOTO], ids=["pg", "cg"])
def test_colour_rule_refuses_greyscale_files(spec: FileSpec) -> None:
    data = fit_to(portrait_image(300, 400), 150 * KB, mode="L")
    result = check_material(data, spec)
    assert error_codes(result) == ["image.greyscale"]
    finding = result.findings[0]
    assert finding.measured == "L" and "greyscale" in finding.message_en and "灰度" in finding.message_zh
    assert result.facts.decoded_pixels == 0


def test_colour_rule_accepts_cmyk_and_palette_as_colour() -> None:
    spec = PG_PHOTO.model_copy(update={"formats": ("JPEG", "PNG")})
    for fmt, mode in (("JPEG", "CMYK"), ("PNG", "P")):
        result = check_material(portrait(300, 400, fmt=fmt, mode=mode), spec)
        assert "image.greyscale" not in codes(result) and "image.colour_mode" not in codes(result)


@pytest.mark.rule("SC-MAT-1")
@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "1", "I;16", "L"])
def test_sc_mat_1_png_in_any_mode_is_measured(mode: str) -> None:
    result = check_material(document(600, 848, fmt="PNG", mode=mode, noise=0), SC_CERT)
    assert result.ok, codes(result)
    assert result.facts.mode == mode
    assert result.facts.measurements["work_size"] == "362x512"
    assert result.facts.measurements["sharpness"] > measure.BLUR_WARN_BELOW


def test_any_colour_rule_accepts_greyscale() -> None:
    result = check_material(document(500, 700, mode="L"), SC_CERT)
    assert result.ok, codes(result)


# --- 8. pixel density --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scan_image():
    return document_image(1000, 1414)


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_199_dpi_fails_200_dpi_passes(scan_image) -> None:
    low = check_material(fit_to(scan_image, 450 * KB, dpi=(199, 199)), CG_SCAN)
    assert error_codes(low) == ["scan.resolution_low"]
    finding = low.findings[0]
    assert finding.measured == 199 and finding.limit == 200
    assert "199 dpi" in finding.message_en and "199 DPI" in finding.message_zh
    assert (low.facts.dpi, low.facts.dpi_source) == (199, "file")
    assert low.facts.decoded_pixels == 0
    ok = check_material(fit_to(scan_image, 450 * KB, dpi=(200, 200)), CG_SCAN)
    assert ok.ok, codes(ok)
    assert (ok.facts.dpi, ok.facts.dpi_source) == (200, "file")


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_density_in_dots_per_cm(scan_image) -> None:
    base = fit_to(scan_image, 450 * KB, dpi=(300, 300))
    at_79 = check_material(set_jfif_density(base, 2, 79), CG_SCAN)  # 200.66 dpi
    assert at_79.ok and at_79.facts.dpi == pytest.approx(200.66)
    assert error_codes(check_material(set_jfif_density(base, 2, 78), CG_SCAN)) == ["scan.resolution_low"]


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_smaller_axis_counts(scan_image) -> None:
    data = fit_to(scan_image, 450 * KB, dpi=(300, 150))
    assert error_codes(check_material(data, CG_SCAN)) == ["scan.resolution_low"]


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_exif_resolution_is_used_without_jfif_density(scan_image) -> None:
    result = check_material(fit_to(scan_image, 450 * KB, exif_dpi=300), CG_SCAN)
    assert result.ok
    assert (result.facts.dpi, result.facts.dpi_source) == (300, "file")


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [(1654, 2339, True), (1653, 2339, False), (1700, 2337, False)],
    ids=["a4-at-200", "short-side-1px-less", "long-side-short"],
)
def test_cg_mat_3_missing_density_is_inferred_as_a4(width: int, height: int, ok: bool) -> None:
    """No density (JFIF unit 0): dpi = min(short side / 8.27 in, long side / 11.69 in)."""
    data = fit_to(document_image(width, height), 560 * KB, quality=80, exif_orientation=1)  # EXIF, no resolution
    result = check_material(data, CG_SCAN)
    assert result.facts.dpi_source == "inferred"
    assert result.facts.dpi == pytest.approx(min(width / 8.27, height / 11.69), abs=0.01)
    assert result.ok is ok, codes(result)
    if not ok:
        finding = only(result, "scan.resolution_low")
        assert "inferred" in finding.message_en and "A4" in finding.message_en
        assert "推算" in finding.message_zh and "A4" in finding.message_zh
        assert finding.details["dpi_source"] == "inferred"


def test_jfif_aspect_only_density_is_no_density(scan_image) -> None:
    data = set_jfif_density(fit_to(scan_image, 450 * KB, dpi=(300, 300)), 0, 1)
    result = check_material(data, CG_SCAN)
    assert result.facts.dpi_source == "inferred"
    assert error_codes(result) == ["scan.resolution_low"]  # 1000 px wide is ~121 dpi on A4


def test_density_is_not_checked_when_the_spec_has_no_minimum(pg_ok: bytes) -> None:
    result = check_material(pg_ok, PG_PHOTO)
    assert result.facts.dpi is None and result.facts.dpi_source is None


# --- 9./10. pixels are decoded only when the header passed, and small --------------------------------


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.rule("ED-MAT-1")
@pytest.mark.parametrize(
    ("case", "spec"),
    [("wrong_format", ED_PHOTO), ("too_large", PG_PHOTO), ("wrong_dimensions", ED_PHOTO), ("cmyk", ED_PHOTO)],
)
def test_rejected_from_the_header_without_decoding_pixels(case: str, spec: FileSpec, ed_ok: bytes) -> None:
    data = {
        "wrong_format": lambda: portrait(390, 567, ID_BLUE, fmt="PNG"),
        "too_large": lambda: pad_to(portrait(300, 400), 10 * MB + 1),
        "wrong_dimensions": lambda: portrait(391, 567, ID_BLUE),
        "cmyk": lambda: portrait(390, 567, ID_BLUE, mode="CMYK"),
    }[case]()
    result = check_material(data, spec)
    assert not result.ok
    assert result.facts.decoded_pixels == 0
    assert "sharpness" not in result.facts.measurements


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_header_checks_never_touch_the_pixel_data(fmt: str) -> None:
    """A file whose pixel data is cut off but whose header is wrong reports the header problem only: reading
    the header (EXIF included) did not decode anything."""
    data = truncated(portrait(391, 567, ID_BLUE, fmt=fmt, exif_orientation=1, software="x"), 0.6)
    result = check_material(data, ED_ANY_FORMAT)
    assert error_codes(result) == ["image.dimensions_mismatch"]
    assert result.facts.orientation == 1 and result.facts.decoded_pixels == 0


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("with_exif", [True, False])
def test_header_rejection_never_calls_a_decoder(fmt: str, with_exif: bool, monkeypatch) -> None:
    loads: list[str] = []
    original = ImageFile.ImageFile.load

    def counting_load(self):
        if self.tile:  # pixel data still to decode (load() on a loaded image returns at once)
            loads.append(self.format)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    data = portrait(391, 567, ID_BLUE, fmt=fmt, exif_orientation=1 if with_exif else None)
    result = check_material(data, ED_ANY_FORMAT)
    assert error_codes(result) == ["image.dimensions_mismatch"]
    assert loads == []
    check_material(portrait(390, 567, ID_BLUE, fmt=fmt), ED_ANY_FORMAT)
    assert loads == [fmt]  # a file that passes the header is decoded exactly once


def test_big_jpeg_is_decoded_at_a_reduced_dct_scale() -> None:
    result = check_material(portrait(1500, 2000, quality=80), PG_PHOTO)
    assert result.ok, codes(result)
    facts = result.facts
    assert facts.decoded_pixels == 750 * 1000  # 1/2 scale: 1/4 would give a long side under 512
    assert facts.measurements["work_size"] == "384x512"


def test_png_is_decoded_in_full_then_reduced() -> None:
    result = check_material(document(700, 990, fmt="PNG", noise=1), SC_CERT)
    assert result.ok, codes(result)
    assert result.facts.decoded_pixels == 700 * 990
    assert result.facts.measurements["work_size"] == "362x512"


def test_tiny_image_is_not_measured_but_does_not_fail() -> None:
    result = check_material(portrait(9, 12), PG_PHOTO)
    assert result.ok
    assert result.facts.measurements["skipped"]


# --- messages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "spec", "code", "zh", "en"),
    [
        (lambda: pad_to(portrait(300, 400), 10 * MB + 1), PG_PHOTO, "file.too_large", "10485761 字节", "10485761 b"),
        (lambda: portrait(390, 568, ID_BLUE), ED_PHOTO, "image.dimensions_mismatch", "390×568", "390x568"),
        (lambda: portrait(304, 400), PG_PHOTO, "image.aspect_ratio", "0.76", "0.76"),
        (lambda: portrait(390, 567, ID_BLUE, fmt="PNG"), ED_PHOTO, "file.format_not_allowed", "PNG", "PNG"),
        (lambda: portrait(390, 567, ID_BLUE, mode="CMYK"), ED_PHOTO, "image.colour_mode", "CMYK", "CMYK"),
        (lambda: portrait(390, 567), ED_PHOTO, "photo.background_colour", "#fefefe", "#fefefe"),
        (lambda: portrait(300, 400, blur=4), PG_PHOTO, "image.blurred", "清晰度", "sharpness"),
        (lambda: document(1000, 1414, dpi=(150, 150)), CG_SCAN, "scan.resolution_low", "150 DPI", "150 dpi"),
    ],
    ids=["size", "dimensions", "ratio", "format", "mode", "background", "blur", "dpi"],
)
def test_error_messages_are_bilingual_and_state_the_measured_value(
    data, spec: FileSpec, code: str, zh: str, en: str
) -> None:
    result = check_material(data(), spec)
    finding = only(result, code)
    assert finding.severity == "error"
    assert CJK.search(finding.message_zh) and not CJK.search(finding.message_en)
    assert zh in finding.message_zh and en in finding.message_en
    assert finding.message == f"{finding.message_zh} / {finding.message_en}"
    assert finding.measured is not None and finding.limit is not None
    assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", finding.code)
