"""Program definitions are data: loaded, validated, and faithful to the notices' file rules."""

import json

import pytest
from pydantic import ValidationError

from intake.programs import Program, load_catalogue

MB, KB = 1024 * 1024, 1024


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def spec(catalogue, program_id, material_id):
    program = catalogue.get(program_id)
    return program.spec_for(program.material(material_id))


def test_the_four_programs_and_required_materials_exist(catalogue):
    assert catalogue.ids == ["cadre-grad-2023", "equiv-degree-2023", "pg-confirm-1104", "score-cert-return"]
    required = {
        "pg-confirm-1104": {"id_photo", "id_card_hold"},
        "score-cert-return": {"score_certificate"},
        "cadre-grad-2023": {"id_photo", "bachelor_diploma", "chsi_registration_form"},
        "equiv-degree-2023": {"id_photo"},
    }
    for program_id, materials in required.items():
        assert materials <= {m.id for m in catalogue.get(program_id).materials}


@pytest.mark.rule("PG-MAT-1")
def test_pg_mat_1_photo_spec(catalogue):
    s = spec(catalogue, "pg-confirm-1104", "id_photo")
    assert s.formats == ("JPEG",) and s.max_bytes == 10 * MB
    assert (s.aspect_ratio.width, s.aspect_ratio.height) == (3, 4)
    assert s.background == "white" and s.editing_software_warning


@pytest.mark.rule("PG-MAT-5")
def test_pg_mat_5_every_other_material_is_jpg_up_to_2mb(catalogue):
    program = catalogue.get("pg-confirm-1104")
    others = [m for m in program.materials if m.id != "id_photo"]
    assert len(others) >= 12
    for m in others:
        s = program.spec_for(m)
        assert s.formats == ("JPEG",) and s.max_bytes == 2 * MB, m.id


@pytest.mark.rule("SC-MAT-1")
def test_sc_mat_1_certificate_is_jpg_or_png_up_to_1mb(catalogue):
    s = spec(catalogue, "score-cert-return", "score_certificate")
    assert s.formats == ("JPEG", "PNG") and s.max_bytes == 1 * MB
    assert s.mime_types == ("image/jpeg", "image/png")


@pytest.mark.rule("CG-MAT-2")
def test_cg_mat_2_photo_spec(catalogue):
    s = spec(catalogue, "cadre-grad-2023", "id_photo")
    assert (s.min_bytes, s.max_bytes) == (100 * KB, 400 * KB)
    assert (s.min_pixels.width, s.min_pixels.height) == (300, 400)
    assert s.colour == "colour" and s.background == "white"


@pytest.mark.rule("CG-MAT-3")
def test_cg_mat_3_scans_spec(catalogue):
    program = catalogue.get("cadre-grad-2023")
    for m in program.materials:
        if m.id == "id_photo":
            continue
        s = program.spec_for(m)
        assert (s.min_bytes, s.max_bytes, s.min_dpi, s.colour) == (400 * KB, 600 * KB, 200, "colour"), m.id


@pytest.mark.rule("ED-MAT-1")
def test_ed_mat_1_photo_spec(catalogue):
    s = spec(catalogue, "equiv-degree-2023", "id_photo")
    assert (s.exact_pixels.width, s.exact_pixels.height) == (390, 567)
    assert s.max_bytes == 200 * KB and s.colour == "rgb24" and s.background == "blue"


def _definition():
    return {"id": "next-round", "name_zh": "下一轮", "name_en": "next round", "notice": "n.txt",
            "file_specs": {"photo": {"formats": ["JPEG"], "max_bytes": 1000}},
            "materials": [{"id": "id_photo", "name_zh": "照片", "name_en": "photo", "spec": "photo"}]}


def test_a_new_round_is_a_change_of_data():
    program = Program.model_validate(_definition())
    assert program.spec_for(program.material("id_photo")).max_bytes == 1000


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["materials"][0].update(spec="nope"), "undefined file_specs"),
    (lambda d: d["materials"].append(dict(d["materials"][0])), "duplicate material ids"),
    (lambda d: d["file_specs"]["photo"].update(formats=["GIF"]), "formats"),
    (lambda d: d["file_specs"]["photo"].update(min_bytes=2000), "min_bytes"),
    (lambda d: d.update(deadline="tomorrow"), "deadline"),
])
def test_invalid_definitions_fail_at_load_naming_the_problem(mutate, message):
    data = json.loads(json.dumps(_definition()))
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        Program.model_validate(data)
