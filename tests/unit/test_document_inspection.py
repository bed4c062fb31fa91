"""inspect_document: page geometry and legibility, the verification QR code and printed codes, on generated pages
(and two real scans) with known truth.

The labelled set is `tests/documents.py`: each picture is inspected once per session (two threads, since the OCR
runs in tesseract processes). Behaviour tests take single cases from it; the accuracy tests score every check
over all of it. `python -m tests.documents` prints the same table with timings.
"""

from __future__ import annotations

import json
import re
from unittest import mock

import cv2
import numpy as np
import pytest

from inspect_upload.documents import inspect_document
from intake.checks.inspection import DocumentRules, InspectionReport
from tests import documents as docs
from tests.documents import CHSI_RULES, CSCSE_RULES, ID_CARD_RULES, SCAN_RULES, SOCIAL_INSURANCE_RULES
from tests.support import errors, found, only

ALL_RULES = ("CG-MAT-1", "CG-MAT-3", "PG-MAT-8", "PG-MAT-11", "PG-MAT-12")


def report(name: str) -> InspectionReport:
    return docs.report(name)


def overlap(a: list[int], b: tuple[int, int, int, int] | list[int]) -> float:
    """Intersection over the smaller of two [x, y, w, h] boxes."""
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    return ix * iy / max(1, min(aw * ah, bw * bh))


def xywh(box: tuple[int, int, int, int]) -> list[int]:
    x0, y0, x1, y1 = box
    return [x0, y0, x1 - x0, y1 - y0]


@pytest.fixture
def no_tesseract():
    with mock.patch("inspect_upload.documents.shutil.which", return_value=None):
        yield


# ------------------------------------------------------------------------------------------------ QR code


@pytest.mark.rule("CG-MAT-1")
def test_the_registration_forms_qr_code_is_decoded_with_its_position():
    r = report("chsi clean")
    assert r.findings == []
    qr = r.measurements["qr"]
    page = docs.chsi_form()
    assert qr["found"] and qr["payload"] == page.qr_payload and qr["format"] == "QRCode"
    assert page.qr_box is not None
    x, y, w, h = page.qr_box
    quiet = 4 * 6  # the drawn box includes the quiet zone; zxing reports the symbol itself
    assert qr["box"] == pytest.approx([x + quiet, y + quiet, w - 2 * quiet, h - 2 * quiet], abs=8)
    assert len(qr["points"]) == 4


@pytest.mark.rule("CG-MAT-1")
def test_the_qr_code_of_a_phone_photo_is_placed_in_full_resolution_pixels():
    r = report("chsi photographed")
    assert errors(r) == []
    page = docs.chsi_form()
    assert r.measurements["qr"]["payload"] == page.qr_payload
    x, y, w, h = page.qr_box  # type: ignore[misc]
    corners = np.array([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]], np.float64)
    mapped = cv2.perspectiveTransform(corners, docs.photo_matrix(page.image.shape, (3000, 4000)))[0]
    expected = [mapped[:, 0].min(), mapped[:, 1].min(), np.ptp(mapped[:, 0]), np.ptp(mapped[:, 1])]
    assert overlap(r.measurements["qr"]["box"], [round(v) for v in expected]) > 0.8


@pytest.mark.rule("CG-MAT-1")
def test_a_form_without_its_qr_code_is_an_error_that_says_what_to_upload():
    r = report("chsi without QR")
    f = only(r, "document.qr_missing")
    assert f.severity == "error" and errors(r) == ["document.qr_missing"]
    assert "二维码" in f.message_zh and "QR code" in f.message_en and "whole and sharp" in f.message_en
    assert "CG-MAT-1" in f.details["rules"]
    assert f.details["region"] == [0, 0, 1654, 2339]
    assert r.measurements["qr"]["found"] is False


@pytest.mark.rule("CG-MAT-1")
def test_a_scribbled_over_qr_code_is_found_but_unreadable():
    r = report("chsi QR scribbled")
    f = only(r, "document.qr_unreadable")
    assert f.severity == "error"
    assert overlap(f.details["box"], docs.chsi_form(qr="scribbled").qr_box) > 0.7  # type: ignore[arg-type]
    assert "完整、清晰" in f.message_zh and "whole and sharp" in f.message_en


@pytest.mark.rule("CG-MAT-1")
@pytest.mark.parametrize("name", ["chsi QR torn", "chsi strong blur", "chsi cut off right"])
def test_a_torn_blurred_or_cut_qr_code_is_an_error(name):
    r = report(name)
    assert {"document.qr_missing", "document.qr_unreadable"} & set(errors(r))


@pytest.mark.rule("CG-MAT-1")
def test_other_documents_are_not_searched_for_a_qr_code():
    assert "qr" not in report("letter clean").measurements
    assert "qr" not in report("social insurance clean").measurements


# ------------------------------------------------------------------------------------------------ page


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize("name", ["chsi clean", "letter clean", "cscse clean", "social insurance clean",
                                  "letter 300 dpi", "social insurance 100 dpi"])
def test_clean_scans_have_no_findings(name):
    r = report(name)
    assert r.findings == []
    m = r.measurements
    assert m["orientation"]["quarter_turns_cw"] == 0 and m["orientation"]["sure"]
    assert abs(m["text"]["skew_deg"]) < 0.5
    assert m["exposure"]["paper_level"] > 200


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize("name", ["chsi photographed", "social insurance photographed",
                                  "letter photographed landscape"])
def test_phone_photos_of_a_whole_page_have_no_errors_and_report_the_page_outline(name):
    r = report(name)
    assert errors(r) == []
    quad = r.measurements["page"]["quad"]
    h, w = docs.case(name).image().shape[:2]
    assert quad is not None and len(quad) == 4
    assert all(0 <= x <= w and 0 <= y <= h for x, y in quad)
    assert r.measurements["page"]["outline_cut"] == {}


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize(("name", "turn"), [("chsi rotated 90", 90), ("letter rotated 180", 180),
                                            ("social insurance rotated 270", 270), ("cscse rotated 180", 180)])
def test_a_page_turned_a_quarter_or_half_round_is_an_error_naming_the_turn(name, turn):
    r = report(name)
    f = only(r, "document.rotated")
    assert f.severity == "error" and f.measured == turn and f.details["quarter_turns_cw"] == turn
    assert "°" in f.message_zh and "upright" in f.message_en
    assert errors(r) == ["document.rotated"]


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize(("name", "angle", "severity"), [
    ("letter skewed +3", 3, "warning"), ("chsi skewed -3", -3, "warning"),
    ("letter skewed +12", 12, "error"), ("cscse skewed -12", -12, "error"),
])
def test_a_tilt_is_measured_from_the_text_lines(name, angle, severity):
    r = report(name)
    f = only(r, "document.rotated")
    assert f.severity == severity
    assert f.measured == pytest.approx(angle, abs=0.5)
    assert r.measurements["text"]["skew_deg"] == pytest.approx(angle, abs=0.5)


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize(("name", "side"), [("letter cut off left", "left"), ("chsi cut off right", "right"),
                                            ("social insurance cut off bottom", "bottom"),
                                            ("letter photographed corner out", "left")])
def test_text_cut_by_the_picture_edge_is_an_error_naming_the_edge(name, side):
    r = report(name)
    f = only(r, "document.cut_off")
    assert f.severity == "error" and f.details["sides"] == [side]
    h, w = docs.case(name).image().shape[:2]
    assert f.details["boxes"] and all(0 <= x <= w and 0 <= y <= h and x + bw <= w + 1 and y + bh <= h + 1
                                      for x, y, bw, bh in f.details["boxes"])
    assert "截断" in f.message_zh and "cut off" in f.message_en


@pytest.mark.rule("CG-MAT-3")
def test_a_cut_through_blank_margin_or_a_page_along_the_picture_edge_is_not_an_error():
    assert "document.cut_off" not in errors(report("letter margin cut"))
    # a page laid in the scanner's corner: its outline lies along the top and left edges, and nothing is lost
    assert found(report("letter scanned with black border"), "document.cut_off") == []


@pytest.mark.rule("CG-MAT-3")
def test_a_dark_picture_is_an_error_and_a_dim_one_is_not():
    dark = only(report("letter dark"), "document.dark")
    assert dark.severity == "error" and dark.measured < dark.limit  # type: ignore[operator]
    assert "过暗" in dark.message_zh and "too dark" in dark.message_en
    assert "document.dark" not in errors(report("letter dim"))
    assert only(report("cscse photographed dark"), "document.dark").severity == "error"


@pytest.mark.rule("CG-MAT-3")
def test_blur_is_judged_against_the_text_height():
    assert found(report("letter mild blur"), "document.blurred") == []
    assert only(report("letter moderate blur"), "document.blurred").severity == "warning"
    strong = only(report("letter strong blur"), "document.blurred")
    assert strong.severity == "error" and strong.measured > strong.limit  # type: ignore[operator]
    ratio = {n: report(n).measurements["sharpness"]["edge_width_ratio"]
             for n in ("letter clean", "letter 300 dpi", "letter photographed landscape")}
    # the same print at 200 DPI, 300 DPI and in a 12 MP photo measures alike
    assert max(ratio.values()) - min(ratio.values()) < 0.06, ratio


@pytest.mark.rule("CG-MAT-3")
def test_a_blank_page_is_a_warning_for_staff():
    r = inspect_document(np.full((2339, 1654, 3), 250, np.uint8), SCAN_RULES)
    assert [(f.code, f.severity) for f in r.findings] == [("document.no_text", "warning")]


@pytest.mark.rule("CG-MAT-3")
@pytest.mark.parametrize("name", ["astronaut", "grass", "brick", "camera"])
def test_pictures_that_are_not_documents_get_no_page_errors(name):
    from skimage import data

    image = getattr(data, name)()
    rgb = image if image.ndim == 3 else docs.greyscale_rgb(image)
    r = inspect_document(rgb, SCAN_RULES)
    assert [f.code for f in r.findings if f.severity == "error" and f.code != "document.dark"] == []


@pytest.mark.rule("CG-MAT-3")
def test_only_the_page_checks_asked_for_run():
    r = inspect_document(docs.case("letter rotated 180").image(), DocumentRules(page=False))
    assert r.findings == [] and "orientation" not in r.measurements and r.measurements["ocr"]["calls"] == 0


# ------------------------------------------------------------------------------------------------ ID card


@pytest.mark.rule("PG-MAT-12")
def test_an_id_card_photographed_whole_passes():
    assert errors(report("id card photographed")) == []


@pytest.mark.rule("PG-MAT-12")
def test_an_id_card_whose_text_runs_out_of_the_picture_is_an_error():
    f = only(report("id card cut through text"), "document.cut_off")
    assert f.severity == "error" and f.details["sides"] == ["right"]
    assert "PG-MAT-12" in f.details["rules"]


@pytest.mark.rule("PG-MAT-12")
def test_an_id_card_with_only_its_blank_edge_out_of_the_picture_is_left_to_staff():
    f = only(report("id card edge out"), "document.cut_off")
    assert f.severity == "warning" and "right" in f.details["sides"]


# ------------------------------------------------------------------------------------------------ printed codes


@pytest.mark.rule("PG-MAT-8")
def test_the_serial_number_and_check_code_are_read_where_they_are_printed():
    r = report("social insurance clean")
    assert r.findings == []
    page = docs.social_insurance()
    for code_id, value in page.codes.items():
        read = r.measurements["codes"][code_id]
        assert read["value"] == value and read["found_by"] == "label"
        assert overlap(read["box"], xywh(page.code_boxes[code_id])) > 0.8


@pytest.mark.rule("PG-MAT-8")
def test_a_missing_check_code_is_a_warning_for_staff_pointing_at_the_page():
    r = report("social insurance without check code")
    f = only(r, "document.code_unreadable")
    assert f.severity == "warning" and f.details["code_id"] == "check_code"
    assert f.details["region"] == [0, 0, 1654, 2339]
    assert "校验码" in f.message_zh and "check code" in f.message_en
    assert r.measurements["codes"]["serial_number"]["value"] == docs.social_insurance().codes["serial_number"]
    assert errors(r) == []


@pytest.mark.rule("PG-MAT-8")
def test_codes_are_read_on_a_page_turned_sideways_and_placed_in_the_picture_as_uploaded():
    r = report("social insurance rotated 270")
    page = docs.social_insurance()
    ph = page.image.shape[0]
    for code_id, value in page.codes.items():
        read = r.measurements["codes"][code_id]
        assert read["value"] == value
        x0, y0, x1, y1 = page.code_boxes[code_id]
        # turned 270 degrees clockwise: page (x, y) shows at (y, width - 1 - x) ... of the turned picture
        turned = [y0, page.image.shape[1] - x1, y1 - y0, x1 - x0]
        assert overlap(read["box"], turned) > 0.8, (read["box"], turned, ph)


@pytest.mark.rule("PG-MAT-8")
def test_without_tesseract_orientation_and_codes_are_left_to_staff(no_tesseract):
    r = inspect_document(docs.case("social insurance clean").image(), SOCIAL_INSURANCE_RULES)
    assert [(f.code, f.severity) for f in r.findings] == [("document.ocr_unavailable", "warning")]
    assert r.measurements["codes"] == {} and r.measurements["ocr"]["calls"] == 0
    # upside down cannot be told without OCR; sideways still can, from the lines alone
    assert errors(inspect_document(docs.case("letter rotated 180").image(), SCAN_RULES)) == []
    sideways = only(inspect_document(docs.case("chsi rotated 90").image(), SCAN_RULES), "document.rotated")
    assert sideways.severity == "error" and sideways.details["quarter_turns_cw"] is None


@pytest.mark.rule("PG-MAT-11")
def test_the_verification_code_and_certification_number_are_read():
    r = report("cscse clean")
    assert r.findings == []
    for code_id, value in docs.cscse_report().codes.items():
        assert r.measurements["codes"][code_id]["value"] == value


@pytest.mark.rule("PG-MAT-11")
def test_either_code_is_enough():
    r = report("cscse certification number only")
    assert r.findings == []
    codes = r.measurements["codes"]
    assert codes["certification_number"]["value"] == docs.cscse_report(verification=False).codes[
        "certification_number"]
    assert codes["online_verification_code"]["value"] is None


@pytest.mark.rule("PG-MAT-11")
def test_a_report_without_either_code_is_two_warnings_never_an_error():
    r = report("cscse without codes")
    assert errors(r) == []
    hits = found(r, "document.code_unreadable")
    assert {f.details["code_id"] for f in hits} == {"online_verification_code", "certification_number"}
    assert all(f.severity == "warning" and f.details["codes_needed"] == "any" for f in hits)


# ------------------------------------------------------------------------------------------------ accuracy


@pytest.mark.rule(*ALL_RULES)
def test_every_clear_cut_error_is_caught_and_no_error_is_raised_otherwise():
    scores, _ = docs.score(docs.reports())
    table = docs.table(scores, docs.score(docs.reports())[1])
    mistakes = [m for s in scores.values() for m in s.mistakes]
    assert mistakes == [], f"\n{table}\n" + "\n".join(mistakes)
    for check, s in scores.items():
        assert s.tp > 0, check  # each check has clear-cut errors in the set
        assert s.precision == 1.0 and s.recall == 1.0


@pytest.mark.rule("PG-MAT-8", "PG-MAT-11")
def test_printed_codes_are_read_correctly_or_not_at_all():
    _, codes = docs.score(docs.reports())
    assert codes.printed >= 15
    assert codes.wrong == 0 and codes.phantom == 0, codes.mistakes
    assert codes.read / codes.printed >= 0.9, codes.mistakes


@pytest.mark.rule(*ALL_RULES)
def test_reports_are_json_ready_with_stable_codes_bilingual_messages_and_few_ocr_runs():
    code = re.compile(r"^document\.[a-z0-9_]+$")
    for name, (r, _) in docs.reports().items():
        json.dumps(r.measurements)
        assert r.measurements["ocr"]["calls"] <= 3, name
        for f in r.findings:
            assert code.match(f.code) and f.message_zh and f.message_en, (name, f.code)
            assert f.details["rules"] == list(docs.case(name).rules.rules), (name, f.code)
            json.dumps(f.model_dump())


def test_the_labelled_set_covers_every_check_with_errors_and_non_errors():
    labels = [c.labels for c in docs.cases()]
    for check in docs.CHECKS:
        values = [lab[check] for lab in labels if check in lab]
        assert values.count("error") >= 2 and values.count("pass") >= 3, check
    assert any(c.rules is ID_CARD_RULES for c in docs.cases())
    assert {c.rules for c in docs.cases()} >= {CHSI_RULES, SCAN_RULES, SOCIAL_INSURANCE_RULES, CSCSE_RULES}
