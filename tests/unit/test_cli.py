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


PG_ELIGIBLE = {
    "applying_unit": "北京交通大学", "applying_unit_in_beijing": True, "applying_unit_military": False,
    "candidate_type": "past_candidate", "undergrad_university": "某省某大学", "undergrad_university_in_beijing": False,
    "hukou_in_beijing": True, "special_plan": False, "current_graduate_or_second_bachelor": False,
    "education_verification": "passed", "id_document_type": "resident_id", "identity_verification": "passed",
}


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.rule("PG-ELIG-4")
def test_rules_prints_eligibility_materials_and_exits_0_for_an_eligible_valid_profile(capsys, tmp_path):
    path = _write(tmp_path, "p.json", PG_ELIGIBLE)
    code, out, _ = run(capsys, "rules", "--program", "pg-confirm-1104", "--profile", path, "--today", "2023-11-02")
    result = json.loads(out)
    assert code == 0, out
    assert result["eligible"] is True and result["invalid_fields"] == []
    required = {m["id"]: m["requirement"] for m in result["required_materials"]}
    assert required["degree_certificate"] == "required" and required["hukou_register"] == "required"
    assert any(r["rule"] == "PG-ELIG-4" for r in result["reasons"])


@pytest.mark.rule("PG-ELIG-6")
def test_rules_exits_1_with_reasons_when_not_eligible_or_invalid(capsys, tmp_path):
    path = _write(tmp_path, "p.json", PG_ELIGIBLE | {"applying_unit": "清华大学", "special_plan": "no"})
    code, out, _ = run(capsys, "rules", "--program", "pg-confirm-1104", "--profile", path, "--today", "2023-11-02")
    result = json.loads(out)
    assert code == 1
    assert result["eligible"] is False and result["reasons"][0]["rule"] == "PG-ELIG-6"
    assert [f["field"] for f in result["invalid_fields"]] == ["special_plan"]


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
])
def test_rules_refuses_unreadable_profiles_with_a_clear_message(capsys, tmp_path, content, expected):
    path = _write(tmp_path, "p.json", content)
    code, out, err = run(capsys, "rules", "--program", "pg-confirm-1104", "--profile", path)
    assert code == 2 and expected in err and "Traceback" not in err and out == ""


@pytest.mark.rule("SC-RULE-2")
@pytest.mark.rule("SC-RULE-3")
def test_recognize_prints_each_subject_and_why(capsys, tmp_path):
    subjects = [{"name": "数学", "score": 58.5, "full_score": 100},
                {"name": "艺术", "parts": [{"name": "音乐", "grade": "合格", "passing_grades": ["合格"]},
                                         {"name": "美术", "score": 90, "full_score": 150}]}]
    code, out, _ = run(capsys, "recognize", "--subjects", _write(tmp_path, "s.json", subjects))
    result = json.loads(out)
    assert code == 1  # one subject fails
    maths, art = result["subjects"]
    assert maths["passed"] is False and "58.5 < 60% × 100" in maths["reason_en"]
    assert art["passed"] is True and [p["passed"] for p in art["parts"]] == [True, True]


def test_recognize_names_unknown_fields_instead_of_crashing(capsys, tmp_path):
    path = _write(tmp_path, "s.json", {"subjects": [{"name": "数学", "score": 70, "full_score": 100, "bonus": 5}]})
    code, _, err = run(capsys, "recognize", "--subjects", path)
    assert code == 2 and "bonus" in err and "Traceback" not in err
