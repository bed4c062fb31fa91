"""`intake check` and `intake programs`: JSON out, exit codes 0/1/2, never a traceback."""

import json

import pytest

from intake_tools.cli import main
from tests.unit.imagegen import ID_BLUE, portrait


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(portrait(390, 567, background=ID_BLUE, quality=85))
    renamed_png = tmp_path / "renamed.jpg"
    renamed_png.write_bytes(portrait(390, 567, background=ID_BLUE, fmt="PNG"))
    return good, renamed_png


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_good_file_exits_0_with_json(capsys, files):
    good, _ = files
    code, out, _ = run(capsys, "check", "--program", "equiv-degree-2023", "--material", "id_photo", str(good))
    report = json.loads(out)
    assert code == 0, out
    assert report[0]["file"] == str(good) and report[0]["ok"] is True
    assert not [f for f in report[0]["findings"] if f["severity"] == "error"]


@pytest.mark.rule("X-FILE-1")
def test_any_file_with_an_error_exits_1_and_names_the_problem(capsys, files):
    good, renamed_png = files
    code, out, _ = run(capsys, "check", "--program", "equiv-degree-2023", "--material", "id_photo",
                       str(good), str(renamed_png))
    report = json.loads(out)
    assert code == 1
    assert [r["ok"] for r in report] == [True, False]
    finding = next(f for f in report[1]["findings"] if f["code"] == "file.format_not_allowed")
    assert finding["severity"] == "error"
    assert "PNG" in finding["message"] and " / " in finding["message"]


@pytest.mark.parametrize("argv, expected", [
    (["check", "--program", "gaokao", "--material", "id_photo", "x.jpg"], "valid programs: cadre-grad-2023"),
    (["check", "--program", "equiv-degree-2023", "--material", "diploma", "x.jpg"], "valid materials: id_photo"),
    (["check", "--program", "equiv-degree-2023", "--material", "id_photo", "/nonexistent/x.jpg"], "cannot read"),
    (["check", "--program", "equiv-degree-2023"], "required"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_usage_exits_2_with_a_clear_message(capsys, argv, expected):
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(argv))
    _, err = capsys.readouterr()
    assert exited.value.code == 2
    assert expected in err and "Traceback" not in err


def test_programs_lists_every_program_and_material(capsys):
    code, out, _ = run(capsys, "programs")
    assert code == 0
    assert "pg-confirm-1104" in out and "chsi_registration_form" in out and "390×567" in out
    code, out, _ = run(capsys, "programs", "--json")
    assert {p["id"] for p in json.loads(out)} == {"pg-confirm-1104", "score-cert-return", "cadre-grad-2023",
                                                  "equiv-degree-2023"}
