"""check_material: measurements on decoded pixels (background, sharpness, colour content) and metadata warnings."""

from __future__ import annotations

import pytest
from PIL import ImageDraw

from intake.checks import CheckResult, check_material, measure
from tests.support import codes, spec_of
from tests.unit.imagegen import (
    GREY,
    ID_BLUE,
    ROYAL_BLUE,
    WHITE,
    document,
    document_image,
    encode,
    fit_to,
    insert_jpeg_segments,
    jpeg_segment,
    portrait,
    portrait_image,
    with_photoshop_block,
)

KB = 1024


PG_PHOTO = spec_of("pg-confirm-1104", "id_photo")
CG_PHOTO = spec_of("cadre-grad-2023", "id_photo")
CG_SCAN = spec_of("cadre-grad-2023", "bachelor_diploma")
ED_PHOTO = spec_of("equiv-degree-2023", "id_photo")


def only(result: CheckResult, code: str):
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, codes(result)
    return found[0]


# --- background --------------------------------------------------------------------------------------


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.parametrize("colour", [WHITE, (238, 236, 230), (215, 218, 222)], ids=["white", "warm-white", "dim-white"])
def test_pg_mat_1_white_backgrounds_pass(colour) -> None:
    result = check_material(portrait(300, 400, colour), PG_PHOTO)
    assert result.ok and codes(result) == []
    assert result.facts.measurements["background_rgb"] == pytest.approx(list(colour), abs=2)


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.parametrize(
    "colour", [ID_BLUE, GREY, (170, 170, 170), (173, 216, 230), (250, 220, 200)],
    ids=["blue", "grey", "light-grey", "powder-blue", "peach"],
)
def test_pg_mat_1_non_white_backgrounds_fail(colour) -> None:
    result = check_material(portrait(300, 400, colour), PG_PHOTO)
    assert codes(result) == ["photo.background_colour"]
    finding = result.findings[0]
    expected_hex = "#{:02x}{:02x}{:02x}".format(*colour)
    assert finding.limit == "white"
    assert abs(int(str(finding.measured)[1:3], 16) - colour[0]) <= 2, (finding.measured, expected_hex)
    assert "白色" in finding.message_zh and "required white" in finding.message_en
    assert str(finding.measured) in finding.message_zh and str(finding.measured) in finding.message_en
    # what a console needs to draw the sampled regions
    regions = {r["name"]: r["box"] for r in finding.details["regions"]}
    assert set(regions) == {"top", "left", "right"}
    assert all(0 <= v <= 1 for box in regions.values() for v in box)
    assert regions["left"][3] <= 0.6 and regions["right"][3] <= 0.6  # the bottom is not sampled
    assert len(finding.details["mean_rgb"]) == 3 and "spread" in finding.details


@pytest.mark.rule("ED-MAT-1")
@pytest.mark.parametrize(
    "colour", [ID_BLUE, ROYAL_BLUE, (0, 56, 168), (100, 160, 230)], ids=["id", "royal", "dark", "sky"]
)
def test_ed_mat_1_blue_backgrounds_pass(colour) -> None:
    result = check_material(portrait(390, 567, colour), ED_PHOTO)
    assert result.ok and codes(result) == [], [f.message for f in result.findings]


@pytest.mark.rule("ED-MAT-1")
@pytest.mark.parametrize(
    "colour", [WHITE, GREY, (173, 216, 230), (0, 170, 170), (120, 40, 200), (10, 10, 40), (200, 40, 40)],
    ids=["white", "grey", "powder-blue", "teal", "violet", "near-black", "red"],
)
def test_ed_mat_1_non_blue_backgrounds_fail(colour) -> None:
    result = check_material(portrait(390, 567, colour), ED_PHOTO)
    assert codes(result) == ["photo.background_colour"]
    finding = result.findings[0]
    assert finding.limit == "blue" and "蓝色" in finding.message_zh and "required blue" in finding.message_en


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.rule("CG-MAT-2")
def test_room_behind_the_person_is_uneven() -> None:
    result = check_material(portrait(300, 400, backdrop="room"), PG_PHOTO)
    assert "photo.background_uneven" in codes(result)
    finding = only(result, "photo.background_uneven")
    assert finding.measured > measure.BG_UNEVEN_MAX_STD and finding.limit == measure.BG_UNEVEN_MAX_STD
    assert "不均匀" in finding.message_zh and "not uniform" in finding.message_en
    assert f"{finding.measured:.1f}" in finding.message_en


@pytest.mark.rule("CG-MAT-2")
@pytest.mark.parametrize("falloff", [40, 80])
def test_mildly_uneven_studio_backdrop_passes(falloff: int) -> None:
    img = portrait_image(300, 400, backdrop="gradient", falloff=falloff)
    result = check_material(fit_to(img, 150 * KB), CG_PHOTO)
    assert result.ok and codes(result) == [], [f.message for f in result.findings]
    assert 3 < result.facts.measurements["background_spread"] < measure.BG_UNEVEN_MAX_STD / 2


def test_hair_reaching_into_the_top_strip_does_not_spoil_the_background() -> None:
    img = portrait_image(300, 400)
    ImageDraw.Draw(img).ellipse((110, -20, 190, 40), fill=(30, 25, 20))  # a tall hairdo touching the top
    result = check_material(encode(img), PG_PHOTO)
    assert result.ok and codes(result) == []
    assert result.facts.measurements["background_rgb"][0] > 240


def test_shoulders_at_the_bottom_are_not_sampled() -> None:
    img = portrait_image(300, 400)
    ImageDraw.Draw(img).rectangle((0, 260, 300, 400), fill=(20, 20, 60))  # broad dark shoulders / desk
    assert check_material(encode(img), PG_PHOTO).ok


def test_background_is_not_measured_when_the_spec_has_no_rule() -> None:
    result = check_material(document(500, 700), spec_of("score-cert-return", "score_certificate"))
    assert "background_rgb" not in result.facts.measurements


# --- sharpness ---------------------------------------------------------------------------------------


@pytest.mark.rule("PG-MAT-2")
@pytest.mark.parametrize(("width", "height"), [(300, 400), (390, 520), (900, 1200)])
@pytest.mark.parametrize("quality", [60, 85, 95])
def test_sharp_photos_pass_with_margin(width: int, height: int, quality: int) -> None:
    result = check_material(portrait(width, height, quality=quality), PG_PHOTO)
    assert result.ok and codes(result) == []
    assert result.facts.measurements["sharpness"] > 2 * measure.BLUR_WARN_BELOW


@pytest.mark.rule("PG-MAT-2")
@pytest.mark.parametrize(("width", "height", "radius"), [(300, 400, 3), (390, 520, 4), (1200, 1600, 3 * 1600 / 512)])
def test_clearly_blurred_photo_is_refused(width: int, height: int, radius: float) -> None:
    result = check_material(portrait(width, height, blur=radius), PG_PHOTO)
    assert codes(result) == ["image.blurred"]
    finding = result.findings[0]
    assert finding.severity == "error" and finding.measured < measure.BLUR_ERROR_BELOW
    assert finding.limit == measure.BLUR_ERROR_BELOW
    assert "模糊" in finding.message_zh and "blurred" in finding.message_en
    assert finding.details["region"] == list(measure.SHARP_REGION)


@pytest.mark.rule("PG-MAT-2")
def test_borderline_blur_is_only_a_warning() -> None:
    result = check_material(portrait(390, 520, blur=1.5), PG_PHOTO)
    assert result.ok
    assert codes(result) == ["image.maybe_blurred"]
    finding = result.findings[0]
    assert finding.severity == "warning"
    assert measure.BLUR_ERROR_BELOW <= finding.measured < measure.BLUR_WARN_BELOW


def test_slight_softness_passes() -> None:
    assert codes(check_material(portrait(390, 520, blur=1.0), PG_PHOTO)) == []


@pytest.mark.rule("PG-MAT-2")
def test_sharpness_does_not_depend_on_the_source_resolution() -> None:
    """The same scene at 600x800 and 2400x3200 measures alike (both measured at the 512 px working size)."""
    small = check_material(portrait(600, 800), PG_PHOTO).facts.measurements["sharpness"]
    large = check_material(portrait(2400, 3200, quality=80), PG_PHOTO).facts
    assert large.decoded_pixels == 600 * 800  # decoded at 1/4 scale
    assert abs(small - large.measurements["sharpness"]) / small < 0.35


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_sharp_scan_passes_and_blurred_scan_is_refused() -> None:
    sharp = check_material(fit_to(document_image(1000, 1414), 450 * KB, dpi=(300, 300)), CG_SCAN)
    assert sharp.ok and codes(sharp) == []
    assert sharp.facts.measurements["sharpness"] > 4 * measure.BLUR_WARN_BELOW
    blurred = check_material(fit_to(document_image(1000, 1414, blur=8), 450 * KB, dpi=(300, 300)), CG_SCAN)
    assert codes(blurred) == ["image.blurred"]


def test_sharpness_is_skipped_when_the_spec_says_so() -> None:
    spec = PG_PHOTO.model_copy(update={"sharpness": False})
    result = check_material(portrait(300, 400, blur=4), spec)
    assert result.ok and "sharpness" not in result.facts.measurements


# --- colour content ----------------------------------------------------------------------------------


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.rule("CG-MAT-2")
def test_rgb_file_with_grey_content_is_only_a_warning() -> None:
    grey_rgb = portrait_image(300, 400).convert("L").convert("RGB")
    result = check_material(fit_to(grey_rgb, 150 * KB), CG_PHOTO)
    assert result.ok
    assert codes(result) == ["image.looks_greyscale"]
    finding = result.findings[0]
    assert finding.severity == "warning" and finding.measured < measure.GREY_MEAN_CHROMA
    assert "灰度" in finding.message_zh and "looks greyscale" in finding.message_en


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_black_text_scan_with_a_red_seal_is_colour() -> None:
    img = document_image(1000, 1414, paper=(250, 250, 250))
    result = check_material(fit_to(img, 450 * KB, dpi=(300, 300)), CG_SCAN)
    assert result.ok and codes(result) == []


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_colourless_scan_gets_a_warning_not_an_error() -> None:
    img = document_image(1000, 1414, paper=(250, 250, 250), stamp=False).convert("L").convert("RGB")
    result = check_material(fit_to(img, 450 * KB, dpi=(300, 300)), CG_SCAN)
    assert result.ok
    assert codes(result) == ["image.looks_greyscale"]


def test_colour_measurements_are_recorded() -> None:
    facts = check_material(portrait(300, 400), PG_PHOTO).facts
    assert facts.measurements["mean_chroma"] > measure.GREY_MEAN_CHROMA
    assert facts.measurements["work_size"] == "300x400"


# --- editing software --------------------------------------------------------------------------------


@pytest.mark.rule("PG-MAT-1")
@pytest.mark.parametrize(
    "software",
    ["Adobe Photoshop 25.0 (Windows)", "GIMP 2.10.34", "美图秀秀", "Snapseed 2.0", "PicsArt", "醒图", "Meitu"],
)
def test_pg_mat_1_editing_software_tag_is_a_warning_only(software: str) -> None:
    result = check_material(portrait(300, 400, software=software), PG_PHOTO)
    assert result.ok
    assert codes(result) == ["photo.edited"]
    finding = result.findings[0]
    assert finding.severity == "warning" and finding.measured == software
    assert software in finding.message_zh and software in finding.message_en
    assert result.facts.software == software


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_photoshop_app13_block_is_a_warning() -> None:
    data = with_photoshop_block(portrait(390, 567, ID_BLUE))
    result = check_material(data, ED_PHOTO)
    assert result.ok
    assert codes(result) == ["photo.edited"]
    assert "Photoshop" in str(result.findings[0].measured)


def test_gimp_comment_is_recognised() -> None:
    data = insert_jpeg_segments(portrait(300, 400), jpeg_segment(0xFE, b"Created with GIMP"))
    assert codes(check_material(data, PG_PHOTO)) == ["photo.edited"]


@pytest.mark.parametrize("software", ["HDR+ 1.0.540104767zd", "iOS 17.1", "Ver.1.00", "MediaTek Camera Application"])
def test_camera_firmware_is_not_editing(software: str) -> None:
    assert codes(check_material(portrait(300, 400, software=software), PG_PHOTO)) == []


def test_editing_warning_only_where_the_spec_asks() -> None:
    data = fit_to(portrait_image(300, 400), 150 * KB, software="Adobe Photoshop 25.0")
    assert codes(check_material(data, CG_PHOTO)) == []


def test_editing_warning_accompanies_header_errors() -> None:
    result = check_material(portrait(390, 568, ID_BLUE, software="Adobe Photoshop"), ED_PHOTO)
    assert codes(result) == ["image.dimensions_mismatch", "photo.edited"]
    assert result.facts.decoded_pixels == 0
