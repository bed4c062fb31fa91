"""The second stage of the upload pipeline on moto: validator → inspection queue → inspection function →
DynamoDB, and the dead-letter path that records what could not be inspected for staff."""

import json
import os

import boto3
import pytest

from tests.integration.lambdas import (
    Context,
    call_api,
    inspect_pending,
    receive_all,
    reset_handler_caches,
    sqs_event_for,
    validate,
)
from tests.support import set_clock
from tests.unit.imagegen import document

APPLICANT = {"name": "李华", "phone": "13800138000"}
PROGRAM, MATERIAL = "score-cert-return", "score_certificate"
SCAN = document(1240, 1754, quality=80)


@pytest.fixture(autouse=True)
def _fresh_handlers(aws, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2022-11-01T10:00:00+08:00")  # inside the score-certification window
    reset_handler_caches()
    yield
    reset_handler_caches()


def issue():
    status, app = call_api("POST", "/applications", {"program_id": PROGRAM, "applicant": APPLICANT})
    assert status == 201, app
    status, ticket = call_api("POST", f"/applications/{app['id']}/materials/{MATERIAL}/upload-url", {})
    assert status == 201, ticket
    return app["id"], ticket


def put(key, data, sequencer="00A1"):
    bucket = os.environ["BUCKET_NAME"]
    version = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=data).get("VersionId")
    return {"bucket": bucket, "key": key, "size": len(data), "version_id": version, "sequencer": sequencer}


def material(app_id):
    _, app = call_api("GET", f"/applications/{app_id}")
    return next(m for m in app["materials"] if m["id"] == MATERIAL), app


def test_a_file_that_passes_its_file_checks_waits_for_inspection_then_gets_its_verdict():
    app_id, ticket = issue()
    assert validate(sqs_event_for([put(ticket["fields"]["key"], SCAN)]), inspect=False) == {"batchItemFailures": []}
    m, app = material(app_id)
    assert (m["state"], m["latest"]["state"]) == ("checking", "inspecting")
    assert any(p["code"] == "material.checking" for p in app["blocking"])

    responses = inspect_pending()
    assert responses == [{"batchItemFailures": []}]
    m, _ = material(app_id)
    assert m["latest"]["state"] in ("passed", "failed")
    assert "document" in m["latest"]["facts"]["measurements"], "the inspection's measurements are kept for staff"


def test_a_file_that_fails_its_file_checks_is_not_inspected():
    app_id, ticket = issue()
    validate(sqs_event_for([put(ticket["fields"]["key"], b"%PDF-1.7 not an image")]), inspect=False)
    assert receive_all(os.environ["INSPECT_QUEUE_URL"]) == []
    m, _ = material(app_id)
    assert m["state"] == "failed"


def test_an_inspection_for_a_replaced_object_changes_nothing():
    app_id, ticket = issue()
    key = ticket["fields"]["key"]
    validate(sqs_event_for([put(key, SCAN, sequencer="0010")]), inspect=False)
    stale = receive_all(os.environ["INSPECT_QUEUE_URL"])
    # The applicant POSTs again with the same form before the inspection runs: a new object under the key
    validate(sqs_event_for([put(key, document(1240, 1754, quality=80, seed=3), sequencer="0020")]), inspect=False)
    from inspect_upload.handler import lambda_handler

    assert lambda_handler({"Records": stale}, Context()) == {"batchItemFailures": []}
    m, _ = material(app_id)
    assert m["latest"]["state"] == "inspecting", "the old object's inspection must not answer for the new one"
    inspect_pending()
    assert material(app_id)[0]["latest"]["state"] in ("passed", "failed")


def test_an_inspection_that_raises_becomes_a_warning_for_staff_not_a_failed_upload(monkeypatch):
    from inspect_upload import documents

    def broken(*_args, **_kwargs):
        raise MemoryError("simulated: the page could not be processed")

    monkeypatch.setattr(documents, "inspect_document", broken)
    app_id, ticket = issue()
    validate(sqs_event_for([put(ticket["fields"]["key"], SCAN)]))
    m, _ = material(app_id)
    finding = next(f for f in m["latest"]["findings"] if f["code"] == "inspection.failed")
    assert finding["severity"] == "warning" and "MemoryError" in finding["measured"]
    assert m["state"] == "passed"


def test_requests_the_inspection_kept_failing_are_recorded_for_staff_from_the_dead_letter_queue(aws):
    app_id, ticket = issue()
    validate(sqs_event_for([put(ticket["fields"]["key"], SCAN)]), inspect=False)
    requests = receive_all(os.environ["INSPECT_QUEUE_URL"])
    # As if the inspection function had timed out on it three times: the queue's redrive moves it here
    dead_letter = aws.queues["InspectionDeadLetterQueue"]
    unreadable = {**requests[0], "messageId": "poison", "body": "{not json"}
    from validate_upload.unfinished import lambda_handler

    assert lambda_handler({"Records": [*requests, unreadable]}, Context()) == {"batchItemFailures": []}
    m, _ = material(app_id)
    assert m["state"] == "passed"
    finding = next(f for f in m["latest"]["findings"] if f["code"] == "inspection.unavailable")
    assert finding["severity"] == "warning"
    # Answered once: a second delivery of the same request changes nothing
    before = m["latest"]
    lambda_handler({"Records": requests}, Context())
    assert material(app_id)[0]["latest"] == before
    assert dead_letter  # the template declares it; the local stack and moto create it


def test_an_unreadable_inspection_request_fails_alone_and_goes_to_the_dead_letter_queue():
    from inspect_upload.handler import lambda_handler

    app_id, ticket = issue()
    validate(sqs_event_for([put(ticket["fields"]["key"], SCAN)]), inspect=False)
    good = receive_all(os.environ["INSPECT_QUEUE_URL"])
    poison = {**good[0], "messageId": "poison", "body": json.dumps({"key": "uploads/x"})}
    response = lambda_handler({"Records": [poison, *good]}, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert material(app_id)[0]["latest"]["state"] in ("passed", "failed")


@pytest.mark.rule("PG-MAT-2")
def test_an_applicant_learns_the_photos_eye_line_is_off_with_the_measurement_and_staff_get_the_geometry(
        monkeypatch, tmp_path):
    from PIL import Image

    from tests import photos
    from tests.unit.imagegen import encode

    set_clock(monkeypatch, tmp_path, "2023-11-02T09:00:00+08:00")  # inside PG-WIN-1
    _, app = call_api("POST", "/applications", {"program_id": "pg-confirm-1104", "applicant": APPLICANT})
    low = next(c for c in photos.cases() if c.name == "pg eye line 0.62").rgb
    for data, sequencer in ((encode(Image.fromarray(low), "JPEG", quality=90), "0001"),
                            (photos.good_photo_jpeg("pg"), "0002")):
        _, ticket = call_api("POST", f"/applications/{app['id']}/materials/id_photo/upload-url", {})
        validate(sqs_event_for([put(ticket["fields"]["key"], data, sequencer=sequencer)]))
        _, view = call_api("GET", f"/applications/{app['id']}")
        photo = next(m for m in view["materials"] if m["id"] == "id_photo")
        if sequencer == "0001":
            assert photo["state"] == "failed"
            finding = next(f for f in photo["latest"]["findings"] if f["code"] == "face.eye_line")
            assert finding["severity"] == "error" and finding["limit"] and finding["measured"]
            assert "62" in finding["message_zh"] and "30" in finding["message_zh"] and "eye" in finding["message_en"]
            assert "eye_line_y" in finding["details"], "staff draw the eye line from the finding"
            assert photo["latest"]["facts"]["measurements"]["face"]["face_box"]
        else:
            assert (photo["state"], photo["previous_uploads"]) == ("passed", 1)
            assert [f for f in photo["latest"]["findings"] if f["severity"] == "error"] == []
