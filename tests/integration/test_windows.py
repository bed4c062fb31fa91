"""Every door is exact to the second in Asia/Shanghai: 13:59:59 is in time, 14:00:00 is not."""

import base64
import json
import os
from datetime import datetime

import boto3
import pytest

from intake import clock
from tests.integration.lambdas import (
    ADMIN,
    APPLICANT_A,
    REVIEWER,
    call_api,
    reset_handler_caches,
    sqs_event_for,
    validate,
)
from tests.photos import good_photo_jpeg
from tests.support import set_clock
from tests.unit.imagegen import document

PG, SC, CG = "pg-confirm-1104", "score-cert-return", "cadre-grad-2023"
PHOTO = good_photo_jpeg("pg")


@pytest.fixture(autouse=True)
def _fresh_handlers(aws):
    reset_handler_caches()
    yield
    reset_handler_caches()


@pytest.fixture
def at(monkeypatch, tmp_path):
    """at("2023-11-04T13:59:59+08:00"): every clock in the code under test reads that instant from now on."""
    def move(moment: str) -> None:
        set_clock(monkeypatch, tmp_path, moment)
    return move


def create(program_id):
    status, app = call_api("POST", "/applications", {"program_id": program_id,
                                                     "applicant": {"name": "赵敏", "phone": "13800138000"}})
    assert status == 201, app
    return app["id"]


def upload_url(app_id, material="id_photo"):
    return call_api("POST", f"/applications/{app_id}/materials/{material}/upload-url", {})


@pytest.mark.rule("PG-WIN-1")
@pytest.mark.rule("PG-WIN-4")
def test_pg_win_1_upload_urls_to_the_second(at):
    at("2023-11-02T07:59:59+08:00")
    app_id = create(PG)
    status, body = upload_url(app_id)
    assert status == 409 and body["error"]["code"] == "window.closed"
    assert "尚未开始" in body["error"]["message_zh"] and "2023-11-02 08:00:00" in body["error"]["message_zh"]
    at("2023-11-02T08:00:00+08:00")
    assert upload_url(app_id)[0] == 201
    at("2023-11-04T13:59:59+08:00")
    assert upload_url(app_id)[0] == 201
    at("2023-11-04T14:00:00+08:00")
    status, body = upload_url(app_id)
    assert status == 409 and body["error"]["details"]["rule"] == "PG-WIN-1"
    assert "2023-11-04 14:00:00" in body["error"]["message"] and "has closed" in body["error"]["message_en"]


@pytest.mark.rule("PG-WIN-4")
def test_pg_win_4_a_presigned_post_never_outlives_the_window(at):
    at("2023-11-04T13:55:00+08:00")
    status, ticket = upload_url(create(PG))
    assert status == 201
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    # The policy's expiry is signed with the real clock; what matters is the lifetime the code asked for.
    assert datetime.fromisoformat(ticket["expires_at"]) == datetime.fromisoformat("2023-11-04T14:00:00+08:00")
    assert policy["expiration"]


@pytest.mark.rule("PG-WIN-4")
def test_pg_win_4_a_file_s3_received_at_the_deadline_does_not_count(at):
    at("2023-11-04T13:59:00+08:00")
    app_id = create(PG)
    bucket = os.environ["BUCKET_NAME"]
    results = {}
    for received in ("2023-11-04T05:59:59.999Z", "2023-11-04T06:00:00.000Z"):
        _, ticket = upload_url(app_id)
        boto3.client("s3").put_object(Bucket=bucket, Key=ticket["fields"]["key"], Body=PHOTO)
        validate(sqs_event_for([{"bucket": bucket, "key": ticket["fields"]["key"], "size": len(PHOTO),
                                 "event_time": received}]))
        _, app = call_api("GET", f"/applications/{app_id}")
        latest = next(m for m in app["materials"] if m["id"] == "id_photo")["latest"]
        results[received] = [f["code"] for f in latest["findings"]]
    assert "upload.late" not in results["2023-11-04T05:59:59.999Z"]
    assert results["2023-11-04T06:00:00.000Z"][0] == "upload.late"


@pytest.mark.rule("SC-WIN-1")
def test_sc_win_1_submission_closes_at_12_00(at):
    at("2022-11-01T10:00:00+08:00")
    app_id = create(SC)
    call_api("PUT", f"/applications/{app_id}/profile", {"already_certified": False, "tested_in_beijing": False,
                                                        "records_transferred_to_beijing": False})
    _, ticket = upload_url(app_id, "score_certificate")
    data = document(800, 1100, quality=80)
    bucket = os.environ["BUCKET_NAME"]
    boto3.client("s3").put_object(Bucket=bucket, Key=ticket["fields"]["key"], Body=data)
    validate(sqs_event_for([{"bucket": bucket, "key": ticket["fields"]["key"], "size": len(data)}]))
    # SC-WIN-1 closes 2022-11-04 12:00: submitting at 11:59:59 works, at 12:00:00 it does not.
    at("2022-11-04T12:00:00+08:00")
    status, body = call_api("POST", f"/applications/{app_id}/submit")
    assert status == 409 and body["error"]["details"]["rule"] == "SC-WIN-1"
    at("2022-11-04T11:59:59+08:00")
    assert call_api("POST", f"/applications/{app_id}/submit")[0] == 200


@pytest.mark.rule("PG-WIN-3")
def test_pg_win_3_decisions_after_the_review_window_only_by_an_admin_with_a_reason(at, monkeypatch):
    from intake.models import Application
    from intake.store import IntakeStore

    at("2023-11-04T16:59:59+08:00")
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    store = IntakeStore(table)
    now = clock.now()
    ids = []
    for i in range(3):
        app = Application(id=f"01HEC8Z4T3M7Q9R2V5W8X0Y1Z{i}", program_id=PG, owner="x", created_at=now,
                          updated_at=now, status_since=now, status="pending_review",
                          applicant={"name": "某", "phone": "13800138000"})
        store.create_application(app)
        ids.append(app.id)
    decide = lambda app_id, caller, **extra: call_api(  # noqa: E731
        "POST", f"/staff/applications/{app_id}/decision", {"action": "approve", "version": 1, **extra}, caller=caller)
    assert decide(ids[0], REVIEWER)[0] == 200
    at("2023-11-04T17:00:00+08:00")
    status, body = decide(ids[1], REVIEWER)
    assert status == 409 and body["error"]["details"]["rule"] == "PG-WIN-3"
    assert decide(ids[1], ADMIN)[0] == 409  # an admin must say why
    status, _ = decide(ids[2], ADMIN, reason="考生材料在截止前已提交，系统故障延误审核")
    assert status == 200
    _, history = call_api("GET", f"/applications/{ids[2]}/history", caller=REVIEWER)
    assert "admin decision outside the review window" in history["events"][-1]["reason"]


@pytest.mark.rule("SC-WIN-2")
def test_sc_win_2_results_are_served_until_the_service_closes(at):
    at("2022-11-01T10:00:00+08:00")
    app_id = create(SC)
    at("2022-11-07T11:59:59+08:00")
    assert call_api("GET", f"/applications/{app_id}")[0] == 200
    at("2022-11-07T12:00:00+08:00")
    status, body = call_api("GET", f"/applications/{app_id}")
    assert status == 410 and body["error"]["code"] == "service.closed"
    assert call_api("GET", f"/applications/{app_id}", caller=REVIEWER)[0] == 200


@pytest.mark.rule("CG-FLOW-3")
def test_cg_flow_3_uploads_within_five_days_of_confirmation(at):
    at("2023-03-01T09:00:00+08:00")
    app_id = create(CG)
    at("2023-03-06T08:59:59+08:00")
    assert upload_url(app_id)[0] == 201
    at("2023-03-06T09:00:01+08:00")
    status, body = upload_url(app_id)
    assert status == 409 and body["error"]["details"]["rule"] == "CG-FLOW-3"


def test_the_clock_is_in_asia_shanghai_not_utc(at):
    at("2023-11-04T06:00:00+00:00")  # the same instant as 14:00 in Beijing
    status, body = upload_url(create(PG))
    assert status == 409 and "2023-11-04 14:00:00" in body["error"]["message"]
    assert datetime.fromisoformat(body["error"]["details"]["now"]).utcoffset().total_seconds() == 0


@pytest.mark.rule("PG-WIN-2")
def test_pg_win_2_supplementary_uploads_close_at_16_00_not_14_00(at):
    from intake.models import Application
    from intake.store import IntakeStore

    at("2023-11-04T14:30:00+08:00")  # the first-upload window is over; the supplement window is not
    now = clock.now()
    app = Application(id="01HEC8Z4T3M7Q9R2V5W8X0Y1ZS", program_id=PG, owner=APPLICANT_A["sub"], created_at=now,
                      updated_at=now, status_since=now, status="supplement_required",
                      applicant={"name": "某", "phone": "13800138000"})
    IntakeStore(boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])).create_application(app)
    assert upload_url(app.id)[0] == 201
    at("2023-11-04T15:59:59+08:00")
    assert upload_url(app.id)[0] == 201
    at("2023-11-04T16:00:00+08:00")
    status, body = upload_url(app.id)
    assert status == 409 and body["error"]["details"]["rule"] == "PG-WIN-2"
