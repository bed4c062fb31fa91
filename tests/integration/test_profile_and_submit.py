"""Saving a profile, seeing eligibility and required materials, and submitting, through the API on moto."""

import os

import boto3
import pytest

from tests.integration.lambdas import call_api, reset_handler_caches, sqs_event_for, validate
from tests.photos import good_photo_jpeg
from tests.support import set_clock
from tests.unit.imagegen import document, fit_to

APPLICANT = {"name": "王芳", "phone": "13912345678"}
CG_PROFILE = {
    "education_level": "bachelor", "graduating_school": "某省师范大学", "graduation_date": "2015.7",
    "employer": "某市某区某街道办事处", "work_start": "2015.7", "post_title": "副主任科员",
    "work_history": "2015.7-2017.3，某街道办事处，科员\n2017.4至今，某街道办事处，副主任科员",
}
CG_REQUIRED = ["id_photo", "id_card_front", "id_card_back", "bachelor_diploma", "appointment_documents",
               "professional_title", "chsi_registration_form"]


@pytest.fixture(autouse=True)
def _fresh_handlers(aws, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2023-11-02T09:00:00+08:00")  # inside the round's windows
    reset_handler_caches()
    yield
    reset_handler_caches()


def new_application(program_id="cadre-grad-2023"):
    status, app = call_api("POST", "/applications", {"program_id": program_id, "applicant": APPLICANT})
    assert status == 201
    return app["id"]


def upload_passing_files(app_id, materials):
    """Upload a file that meets each material's spec and run the validator on it."""
    photo = good_photo_jpeg("cg", 150 * 1024)
    scan = fit_to(_scan_image(), 500 * 1024, dpi=(300, 300))
    bucket = os.environ["BUCKET_NAME"]
    objects = []
    for material in materials:
        _, ticket = call_api("POST", f"/applications/{app_id}/materials/{material}/upload-url", {})
        data = photo if material == "id_photo" else scan
        boto3.client("s3").put_object(Bucket=bucket, Key=ticket["fields"]["key"], Body=data)
        objects.append({"bucket": bucket, "key": ticket["fields"]["key"], "size": len(data)})
    assert validate(sqs_event_for(objects)) == {"batchItemFailures": []}


def _scan_image():
    from io import BytesIO

    from PIL import Image

    return Image.open(BytesIO(document(1654, 2339))).convert("RGB")


@pytest.mark.rule("CG-FLOW-1")
def test_saving_a_partial_draft_keeps_everything_and_names_each_problem():
    app_id = new_application()
    partial = {"education_level": "bachelor", "graduation_date": "2015.13", "work_start": "2015.7"}
    status, view = call_api("PUT", f"/applications/{app_id}/profile", partial)
    assert status == 200
    assert view["profile"] == partial  # kept as entered, the invalid month included
    invalid = {f["field"]: f for f in view["assessment"]["invalid_fields"]}
    assert list(invalid) == ["graduation_date"] and invalid["graduation_date"]["code"] == "field.month"
    missing = {f["field"] for f in view["assessment"]["missing_fields"]}
    assert missing == {"graduating_school", "employer", "post_title", "work_history"}
    assert view["can_submit"] is False

    _, again = call_api("GET", f"/applications/{app_id}")
    assert again["profile"] == partial and again["version"] == view["version"]


@pytest.mark.rule("CG-MAT-1")
def test_the_view_shows_eligibility_and_each_material_with_requirement_and_state():
    app_id = new_application()
    _, view = call_api("PUT", f"/applications/{app_id}/profile", CG_PROFILE)
    assert view["assessment"]["eligible"] is True and view["assessment"]["profile_valid"] is True
    materials = {m["id"]: m for m in view["materials"]}
    assert [m for m in materials if materials[m]["requirement"] == "required"] == CG_REQUIRED
    assert materials["master_degree_certificate"]["requirement"] == "optional"
    assert {m["state"] for m in materials.values()} == {"missing"}


@pytest.mark.rule("PG-MAT-7")
def test_a_waived_material_shows_waived_with_its_reason():
    app_id = new_application("pg-confirm-1104")
    profile = {"applying_unit": "北京交通大学", "applying_unit_in_beijing": True, "applying_unit_military": False,
               "candidate_type": "past_candidate", "undergrad_university": "某大学",
               "undergrad_university_in_beijing": False, "hukou_in_beijing": True, "hukou_verified": True,
               "special_plan": False, "current_graduate_or_second_bachelor": False,
               "education_verification": "passed", "id_document_type": "resident_id",
               "identity_verification": "passed"}
    _, view = call_api("PUT", f"/applications/{app_id}/profile", profile)
    hukou = next(m for m in view["materials"] if m["id"] == "hukou_register")
    assert (hukou["requirement"], hukou["state"]) == ("waived", "waived")
    assert hukou["requirement_reasons"][0]["rule"] == "PG-MAT-7"
    assert "户籍信息比对已通过" in hukou["requirement_reasons"][0]["message_zh"]


@pytest.mark.rule("CG-FORM-1")
@pytest.mark.rule("CG-FORM-2")
def test_submit_refuses_with_every_reason_at_once():
    app_id = new_application()
    call_api("PUT", f"/applications/{app_id}/profile", CG_PROFILE | {
        "education_level": "junior_college",
        "work_history": "2015.7-2016.3，某街道办事处，科员\n2017.4至今，某街道办事处，副主任科员",
    })
    status, body = call_api("POST", f"/applications/{app_id}/submit")
    assert status == 422 and body["error"]["code"] == "submit.blocked"
    reasons = body["error"]["details"]["reasons"]
    kinds = {(r["kind"], r.get("material") or r.get("field") or r.get("rule")) for r in reasons}
    assert any(r["kind"] == "eligibility" and r["rule"] == "CG-FORM-1" for r in reasons)
    assert all(r["rule"] == "CG-MAT-1" for r in reasons if r["kind"] == "material")
    assert ("field", "work_history") in kinds
    assert {("material", m) for m in CG_REQUIRED} <= kinds
    gap = next(r for r in reasons if r.get("field") == "work_history")
    assert "2016.04–2017.03" in gap["message"]
    _, view = call_api("GET", f"/applications/{app_id}")
    assert view["status"] == "draft"


@pytest.mark.rule("CG-FLOW-1")
def test_submit_moves_draft_to_pending_review_once_everything_passes_and_then_locks_the_profile():
    app_id = new_application()
    call_api("PUT", f"/applications/{app_id}/profile", CG_PROFILE)
    upload_passing_files(app_id, CG_REQUIRED)
    _, view = call_api("GET", f"/applications/{app_id}")
    assert view["blocking"] == [], view["blocking"]

    status, submitted = call_api("POST", f"/applications/{app_id}/submit")
    assert status == 200, submitted
    assert submitted["status"] == "pending_review" and submitted["status_label"]["zh"] == "待审核"
    assert submitted["submitted_at"] is not None

    status, body = call_api("POST", f"/applications/{app_id}/submit")
    assert status == 409 and body["error"]["details"]["status"] == "pending_review"
    status, body = call_api("PUT", f"/applications/{app_id}/profile", CG_PROFILE)
    assert status == 409
    _, history = call_api("GET", f"/applications/{app_id}/history")
    assert [(e["from_status"], e["to_status"], e["action"], e["actor_role"]) for e in history["events"]] == [
        ("draft", "pending_review", "submit", "applicant")]


@pytest.mark.rule("SC-RULE-2")
def test_score_recognition_route():
    status, result = call_api("POST", "/programs/score-cert-return/recognition", {
        "subjects": [{"name": "数学", "score": 90, "full_score": 150},
                     {"name": "化学", "grade": "E", "passing_grades": ["A", "B", "C", "D"]}]})
    assert status == 200
    assert [s["passed"] for s in result["subjects"]] == [True, False]
    assert result["route"] == "online"
    status, body = call_api("POST", "/programs/cadre-grad-2023/recognition", {"subjects": []})
    assert status in (404, 422)
    status, body = call_api("POST", "/programs/score-cert-return/recognition", {"subjects": [{"name": "x"}]})
    assert status == 422 and body["error"]["fields"]
