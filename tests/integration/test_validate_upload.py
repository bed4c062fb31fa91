"""The validation handler in-process: S3 events from SQS → checks → DynamoDB, on moto."""

import os

import boto3
import pytest

from tests.integration.lambdas import call_api, event, reset_handler_caches, sqs_event_for, validate
from tests.photos import good_photo_jpeg
from tests.support import set_clock
from tests.unit.imagegen import ID_BLUE, portrait

APPLICANT = {"name": "李华", "phone": "13800138000"}
GOOD = good_photo_jpeg("ed")
WRONG_SIZE = portrait(400, 600, background=ID_BLUE, quality=85)


@pytest.fixture(autouse=True)
def _fresh_handlers(aws, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2023-11-02T09:00:00+08:00")  # inside the round's windows
    reset_handler_caches()
    yield
    reset_handler_caches()


def issue(program_id="equiv-degree-2023", material_id="id_photo"):
    _, app = call_api("POST", "/applications", {"program_id": program_id, "applicant": APPLICANT})
    status, ticket = call_api("POST", f"/applications/{app['id']}/materials/{material_id}/upload-url", {})
    assert status == 201
    return app["id"], ticket


def put(key, data):
    """Store the object as the browser's POST would, and describe it as S3's event would."""
    bucket = os.environ["BUCKET_NAME"]
    version = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=data).get("VersionId")
    return {"bucket": bucket, "key": key, "size": len(data), "version_id": version}


def material(app_id, material_id="id_photo"):
    _, app = call_api("GET", f"/applications/{app_id}")
    return next(m for m in app["materials"] if m["id"] == material_id)


@pytest.mark.rule("ED-MAT-1")
def test_a_failing_file_is_recorded_with_its_findings_and_a_good_one_passes():
    app_id, ticket = issue()
    obj = put(ticket["fields"]["key"], WRONG_SIZE)
    assert validate(sqs_event_for([obj])) == {"batchItemFailures": []}
    m = material(app_id)
    assert m["state"] == "failed"
    finding = next(f for f in m["latest"]["findings"] if f["code"] == "image.dimensions_mismatch")
    assert finding["severity"] == "error" and finding["measured"] == "400x600" and "390" in finding["message"]

    _, ticket2 = call_api("POST", f"/applications/{app_id}/materials/id_photo/upload-url", {})
    validate(sqs_event_for([put(ticket2["fields"]["key"], GOOD) | {"event_time": "2023-11-02T01:20:00.000Z"}]))
    m = material(app_id)
    assert (m["state"], m["latest"]["upload_id"], m["previous_uploads"]) == ("passed", ticket2["upload_id"], 1)


def test_a_duplicate_event_changes_nothing():
    app_id, ticket = issue()
    obj = put(ticket["fields"]["key"], WRONG_SIZE) | {"sequencer": "00AA"}
    validate(sqs_event_for([obj]))
    first = material(app_id)["latest"]
    validate(sqs_event_for([obj, obj]))
    assert material(app_id)["latest"] == first


def test_an_older_object_under_the_same_key_never_overwrites_a_newer_result():
    # Given the applicant POSTed twice with the same form: S3 keeps both versions, events arrive newest first
    app_id, ticket = issue()
    key = ticket["fields"]["key"]
    old = put(key, WRONG_SIZE) | {"sequencer": "0055"}
    new = put(key, GOOD) | {"sequencer": "0066"}
    validate(sqs_event_for([new]))
    # When the older event arrives late
    validate(sqs_event_for([old]))
    # Then the newer file's verdict stands
    m = material(app_id)
    assert m["state"] == "passed"


def test_objects_under_keys_never_issued_are_ignored():
    app_id, ticket = issue()
    forged = ticket["fields"]["key"][:-26] + "01HEC8Z9K2N4P6R8T0V2X4Z6B8"
    result = validate(sqs_event_for([put(forged, GOOD), put("uploads/readme.txt", b"hello")]))
    assert result == {"batchItemFailures": []}
    assert material(app_id)["state"] == "missing"


def test_a_poisoned_message_fails_alone_and_the_rest_of_the_batch_is_recorded():
    app_id, ticket = issue()
    good = put(ticket["fields"]["key"], GOOD)
    result = validate(sqs_event_for(["this is not json", good, '{"Records": [{"eventName": 1}]}']))
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-2"}]}
    assert material(app_id)["state"] == "passed"


def test_s3_test_event_is_ignored():
    assert validate(event("sqs/s3-test-event")) == {"batchItemFailures": []}


def test_the_sample_mixed_batch_reports_only_its_unparseable_message():
    batch = event("sqs/mixed-batch")
    poisoned = batch["Records"][1]["messageId"]
    assert validate(batch) == {"batchItemFailures": [{"itemIdentifier": poisoned}]}


@pytest.mark.rule("X-FILE-1")
def test_corrupt_empty_and_renamed_files_are_findings_not_retries():
    app_id, ticket = issue("pg-confirm-1104", "id_photo")
    png = portrait(300, 400, fmt="PNG")
    assert validate(sqs_event_for([put(ticket["fields"]["key"], png)])) == {"batchItemFailures": []}
    codes = [f["code"] for f in material(app_id)["latest"]["findings"]]
    assert "file.format_not_allowed" in codes

    for data, code in ((b"", "file.empty"), (GOOD[: len(GOOD) // 2], "file.truncated")):
        _, t = call_api("POST", f"/applications/{app_id}/materials/id_card_hold/upload-url", {})
        assert validate(sqs_event_for([put(t["fields"]["key"], data)])) == {"batchItemFailures": []}
        m = material(app_id, "id_card_hold")
        assert m["state"] == "failed" and code in [f["code"] for f in m["latest"]["findings"]]


def test_a_transient_failure_is_retried_not_recorded(monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    from intake.blobs import UploadsBucket

    app_id, ticket = issue()
    obj = put(ticket["fields"]["key"], GOOD)

    def unreachable(self, key, version_id=None):
        raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    with monkeypatch.context() as patch:
        patch.setattr(UploadsBucket, "read", unreachable)
        assert validate(sqs_event_for([obj])) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert material(app_id)["state"] == "checking"  # claimed, not decided: the retry finishes it
    assert validate(sqs_event_for([obj])) == {"batchItemFailures": []}
    assert material(app_id)["state"] == "passed"


def test_events_from_another_bucket_are_ignored():
    app_id, ticket = issue()
    obj = put(ticket["fields"]["key"], GOOD) | {"bucket": "somebody-elses-bucket"}
    assert validate(sqs_event_for([obj])) == {"batchItemFailures": []}
    assert material(app_id)["state"] == "missing"


def test_an_object_far_over_its_limit_is_judged_from_its_size_without_being_read(monkeypatch):
    # Given a bucket that did not enforce the POST policy (moto, or a misconfiguration)
    from intake.blobs import UploadsBucket

    app_id, ticket = issue()
    obj = put(ticket["fields"]["key"], b"\xff\xd8" + bytes(500 * 1024))

    def must_not_read(self, key, version_id=None):
        raise AssertionError("an object this large must not be downloaded")

    monkeypatch.setattr(UploadsBucket, "read", must_not_read)
    assert validate(sqs_event_for([obj])) == {"batchItemFailures": []}
    m = material(app_id)
    finding = m["latest"]["findings"][0]
    assert m["state"] == "failed" and finding["code"] == "file.too_large"
    assert (finding["measured"], finding["limit"]) == (500 * 1024 + 2, 200 * 1024)
