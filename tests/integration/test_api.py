"""The API handler in-process, on moto, with tables and buckets created from template.yaml."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from tests.integration.lambdas import call_api, reset_handler_caches
from tests.support import set_clock

APPLICANT = {"name": "李华", "phone": "13800138000"}
OPENAPI_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


@pytest.fixture(autouse=True)
def _fresh_handlers(aws, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2023-11-02T09:00:00+08:00")  # inside the round's windows
    reset_handler_caches()
    yield
    reset_handler_caches()


def create(program_id="equiv-degree-2023"):
    status, body = call_api("POST", "/applications", {"program_id": program_id, "applicant": APPLICANT})
    assert status == 201, body
    return body


def test_create_then_read_an_application_with_every_material_missing():
    created = create("cadre-grad-2023")
    assert created["status"] == "draft" and created["status_label"] == {"zh": "草稿", "en": "draft"}
    status, app = call_api("GET", f"/applications/{created['id']}")
    assert status == 200
    assert app["id"] == created["id"] and app["applicant"] == APPLICANT
    states = {m["id"]: m["state"] for m in app["materials"]}
    assert states["bachelor_diploma"] == "missing" and states["chsi_registration_form"] == "missing"
    assert all(m["latest"] is None for m in app["materials"])


def test_bad_bodies_get_field_level_reasons_in_both_languages():
    status, body = call_api("POST", "/applications", {"program_id": "equiv-degree-2023",
                                                      "applicant": {"name": "", "phone": "12345"}})
    assert status == 422
    fields = {f["field"]: f for f in body["error"]["fields"]}
    assert set(fields) == {"applicant.name", "applicant.phone"}
    assert fields["applicant.phone"]["message_zh"] == "格式不正确"
    assert "applicant.phone" in body["error"]["message"]

    status, body = call_api("POST", "/applications", raw_body="{not json")
    assert status == 422 and body["error"]["code"] == "request.invalid"


def test_unknown_program_lists_the_valid_ones():
    status, body = call_api("POST", "/applications", {"program_id": "gaokao-2099", "applicant": APPLICANT})
    assert status == 422
    assert body["error"]["code"] == "program.not_found"
    assert "pg-confirm-1104" in body["error"]["message_en"]


def test_unknown_application_and_material_are_404():
    status, body = call_api("GET", "/applications/01HEC8Z4T3M7Q9R2V5W8X0Y1Z6")
    assert status == 404 and body["error"]["code"] == "application.not_found"
    status, body = call_api("GET", "/applications/not-an-id")
    assert status == 422 and body["error"]["fields"][0]["field"] == "path.application_id"
    app = create()
    status, body = call_api("POST", f"/applications/{app['id']}/materials/diploma/upload-url", {})
    assert status == 404 and "id_photo" in body["error"]["message_en"]


def test_upload_url_is_a_presigned_post_whose_policy_fixes_key_type_size_and_expiry():
    app = create("pg-confirm-1104")
    before = datetime.now(UTC)
    status, ticket = call_api("POST", f"/applications/{app['id']}/materials/id_photo/upload-url", {})
    assert status == 201, ticket
    fields = ticket["fields"]
    assert fields["key"] == f"uploads/pg-confirm-1104/{app['id']}/id_photo/{ticket['upload_id']}"
    assert fields["Content-Type"] == "image/jpeg" == ticket["content_type"]

    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert {"key": fields["key"]} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 0 < (expires - before).total_seconds() <= 600 + 5  # UploadUrlTtlSeconds default: minutes


def test_a_material_accepting_png_signs_the_type_asked_for_and_refuses_others(monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2022-11-01T10:00:00+08:00")  # inside SC-WIN-1
    app = create("score-cert-return")
    path = f"/applications/{app['id']}/materials/score_certificate/upload-url"
    status, ticket = call_api("POST", path, {"content_type": "image/png"})
    assert status == 201 and ticket["fields"]["Content-Type"] == "image/png"
    assert ticket["max_bytes"] == 1024 * 1024
    status, body = call_api("POST", path, {"content_type": "application/pdf"})
    assert status == 422 and body["error"]["code"] == "upload.content_type"
    assert "image/png" in body["error"]["message_en"]


def test_keys_never_contain_anything_the_applicant_typed():
    app = create()
    status, ticket = call_api("POST", f"/applications/{app['id']}/materials/id_photo/upload-url",
                              {"content_type": "image/jpeg"})
    assert status == 201
    assert quote_plus(ticket["fields"]["key"]) == ticket["fields"]["key"].replace("/", "%2F")


def test_programs_are_served_for_pages_to_precheck_files():
    status, body = call_api("GET", "/programs")
    assert status == 200 and len(body["programs"]) == 4
    status, program = call_api("GET", "/programs/equiv-degree-2023")
    assert program["file_specs"]["degree_photo"]["exact_pixels"] == {"width": 390, "height": 567}
    status, body = call_api("GET", "/programs/nope")
    assert status == 404


def test_openapi_document_is_served_and_matches_the_committed_copy():
    status, served = call_api("GET", "/openapi.json")
    assert status == 200
    paths = set(served["paths"])
    assert {"/applications", "/applications/{application_id}",
            "/applications/{application_id}/materials/{material_id}/upload-url", "/programs"} <= paths
    committed = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert served == committed, "docs/openapi.json is stale: regenerate it (see tests/integration/test_api.py)"


if __name__ == "__main__":  # regenerate docs/openapi.json
    from intake_api.handler import openapi_document

    OPENAPI_FILE.parent.mkdir(exist_ok=True)
    OPENAPI_FILE.write_text(json.dumps(json.loads(openapi_document()), ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
