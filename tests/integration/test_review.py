"""Review workflow through the API on moto: decisions, supplements, resubmission, conflicts, the queue,
history and who may do what."""

import os
import threading
from datetime import timedelta

import boto3
import pytest

from intake import clock
from tests.integration.lambdas import (
    ADMIN,
    ANONYMOUS,
    APPLICANT_A,
    APPLICANT_B,
    REVIEWER,
    REVIEWER_2,
    call_api,
    reset_handler_caches,
    sqs_event_for,
    validate,
)
from tests.support import set_clock
from tests.unit.imagegen import document

SC = "score-cert-return"
SC_PROFILE = {"already_certified": False, "tested_in_beijing": False, "records_transferred_to_beijing": False}
CERTIFICATE = document(800, 1100, quality=80)


@pytest.fixture(autouse=True)
def _fresh_handlers(aws, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2022-11-01T10:00:00+08:00")  # inside the round's windows
    reset_handler_caches()
    yield
    reset_handler_caches()


def upload(app_id, material="score_certificate", caller=APPLICANT_A, data=CERTIFICATE, when=None):
    status, ticket = call_api("POST", f"/applications/{app_id}/materials/{material}/upload-url", {}, caller=caller)
    assert status == 201, ticket
    bucket = os.environ["BUCKET_NAME"]
    boto3.client("s3").put_object(Bucket=bucket, Key=ticket["fields"]["key"], Body=data)
    obj = {"bucket": bucket, "key": ticket["fields"]["key"], "size": len(data)}
    if when:
        obj["event_time"] = when.isoformat().replace("+00:00", "Z")
    assert validate(sqs_event_for([obj])) == {"batchItemFailures": []}


def submitted(caller=APPLICANT_A, name="陈静", data=CERTIFICATE):
    status, app = call_api("POST", "/applications", {"program_id": SC, "applicant": {"name": name,
                                                                                     "phone": "13800138000"}},
                           caller=caller)
    assert status == 201, app
    call_api("PUT", f"/applications/{app['id']}/profile", SC_PROFILE, caller=caller)
    upload(app["id"], caller=caller, data=data)
    status, view = call_api("POST", f"/applications/{app['id']}/submit", caller=caller)
    assert status == 200, view
    return view


def decide(app_id, version, action, caller=REVIEWER, **extra):
    return call_api("POST", f"/staff/applications/{app_id}/decision", {"action": action, "version": version, **extra},
                    caller=caller)


@pytest.mark.rule("PG-REV-1")
@pytest.mark.rule("X-AUD-1")
def test_supplement_resubmit_approve_with_notes_and_history():
    view = submitted()
    app_id = view["id"]
    assert view["status"] == "pending_review"

    # The reviewer asks for a clearer certificate.
    status, decided = decide(app_id, view["version"], "request_supplement",
                             notes={"score_certificate": "印章不清晰，请重新扫描 / the seal is illegible"})
    assert status == 200, decided
    assert decided["status"] == "supplement_required" and decided["status_label"]["zh"] == "需补充材料"

    # The applicant sees the note; resubmitting without a new file is refused, naming the material.
    _, mine = call_api("GET", f"/applications/{app_id}")
    assert mine["supplement_notes"] == {"score_certificate": "印章不清晰，请重新扫描 / the seal is illegible"}
    assert mine["allowed_actions"] == ["resubmit"] and "by" not in mine["decision"]
    status, body = call_api("POST", f"/applications/{app_id}/submit")
    assert status == 422
    assert [r["code"] for r in body["error"]["details"]["reasons"]] == ["material.supplement_missing"]

    upload(app_id, when=clock.now() + timedelta(seconds=1))
    status, resubmitted = call_api("POST", f"/applications/{app_id}/submit")
    assert status == 200, resubmitted
    assert resubmitted["status"] == "pending_review" and resubmitted["supplement_notes"] == {}

    status, approved = decide(app_id, resubmitted["version"], "approve")
    assert status == 200 and approved["status"] == "approved" and approved["status_label"]["zh"] == "审核通过"

    # Every change is in the history; the applicant does not see which reviewer acted, staff do.
    _, applicant_view = call_api("GET", f"/applications/{app_id}/history")
    steps = [(e["action"], e["from_status"], e["to_status"], e["actor_role"]) for e in applicant_view["events"]]
    assert steps == [("submit", "draft", "pending_review", "applicant"),
                     ("request_supplement", "pending_review", "supplement_required", "reviewer"),
                     ("resubmit", "supplement_required", "pending_review", "applicant"),
                     ("approve", "pending_review", "approved", "reviewer")]
    assert all(e["actor"] is None for e in applicant_view["events"])
    assert applicant_view["events"][1]["notes"]["score_certificate"].startswith("印章不清晰")
    _, staff_view = call_api("GET", f"/applications/{app_id}/history", caller=REVIEWER)
    assert staff_view["events"][1]["actor"] == REVIEWER["sub"]


@pytest.mark.rule("PG-REV-1")
def test_reject_needs_a_reason_and_refused_transitions_name_the_allowed_actions():
    view = submitted()
    status, body = decide(view["id"], view["version"], "reject")
    assert status == 422 and "needs a reason" in body["error"]["fields"][0]["message_en"]
    status, rejected = decide(view["id"], view["version"], "reject", reason="成绩证明未加盖省级公章")
    assert status == 200 and rejected["status_label"]["zh"] == "审核未通过"

    status, body = decide(view["id"], rejected["version"], "approve")
    assert status == 409
    assert body["error"]["details"]["status"] == "rejected" and body["error"]["details"]["allowed_actions"] == []
    status, body = call_api("POST", f"/applications/{view['id']}/submit")
    assert status == 409 and body["error"]["code"] == "application.transition"


def test_two_reviewers_on_one_version_the_second_learns_who_decided_first():
    view = submitted()
    status, _ = decide(view["id"], view["version"], "approve", caller=REVIEWER)
    assert status == 200
    status, body = decide(view["id"], view["version"], "reject", caller=REVIEWER_2, reason="重复")
    assert status == 409
    details = body["error"]["details"]
    assert details["status"] == "approved"
    assert details["decision"]["action"] == "approve" and details["decision"]["by"] == REVIEWER["sub"]


@pytest.fixture
def atomic_items(monkeypatch):
    """DynamoDB handles each request atomically (a conditional write with its condition); moto in-process
    does not lock, and even its reads break when another thread writes. Serialise each moto call, and nothing
    more: our code's own read → check → write window still interleaves freely across threads."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "transact_write_items", "get_item", "query"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


@pytest.mark.usefixtures("atomic_items")
def test_concurrent_decisions_have_exactly_one_winner_and_one_event():
    view = submitted()
    results = []
    barrier = threading.Barrier(8)

    def attempt(i):
        reviewer = {**REVIEWER, "sub": f"reviewer-{i}"}
        barrier.wait()
        status, _ = decide(view["id"], view["version"], "approve" if i % 2 else "reject", caller=reviewer,
                           reason="x")
        results.append(status)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7
    _, history = call_api("GET", f"/applications/{view['id']}/history", caller=REVIEWER)
    assert len([e for e in history["events"] if e["actor_role"] == "reviewer"]) == 1


def test_the_queue_is_oldest_first_paginated_counted_and_filterable():
    ids = [submitted(name=f"考生{i}")["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        query = {"program_id": SC, "status": "pending_review", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        status, page = call_api("GET", "/staff/queue", caller=REVIEWER, query=query)
        assert status == 200, page
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids  # oldest submission first, every one exactly once
    status, counts = call_api("GET", "/staff/counts", caller=ADMIN, query={"program_id": SC})
    assert counts["counts"]["pending_review"] == 5 and counts["counts"]["approved"] == 0
    assert counts["review_sla_hours"] == 72

    status, body = call_api("GET", "/staff/queue", caller=REVIEWER, query={"program_id": SC, "cursor": "garbage"})
    assert status == 422 and body["error"]["code"] == "queue.cursor"


@pytest.mark.rule("SC-REV-1")
def test_sc_rev_1_applications_waiting_over_72_hours_are_listed_as_overdue():
    old, new = submitted(name="早"), submitted(name="晚")
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    long_ago = (clock.now() - timedelta(hours=73)).isoformat()
    table.update_item(Key={"PK": f"APP#{old['id']}", "SK": "APP"},
                      UpdateExpression="SET status_since = :t, GSI1SK = :k",
                      ExpressionAttributeValues={":t": long_ago, ":k": f"{long_ago}#{old['id']}"})
    _, page = call_api("GET", "/staff/queue", caller=REVIEWER,
                       query={"program_id": SC, "overdue_only": "true"})
    assert [i["id"] for i in page["items"]] == [old["id"]]
    assert page["items"][0]["overdue"] is True and page["items"][0]["waiting_hours"] >= 73
    _, page = call_api("GET", "/staff/queue", caller=REVIEWER, query={"program_id": SC})
    assert {i["id"]: i["overdue"] for i in page["items"]} == {old["id"]: True, new["id"]: False}


def test_staff_get_short_lived_links_to_materials():
    view = submitted()
    upload_id = view["materials"][0]["latest"]["upload_id"]
    path = f"/staff/applications/{view['id']}/materials/score_certificate/uploads/{upload_id}/download-url"
    status, link = call_api("GET", path, caller=REVIEWER)
    assert status == 200 and link["expires_in"] == 300
    assert upload_id in link["url"] and "Signature" in link["url"]
    status, _ = call_api("GET", path, caller=APPLICANT_A)
    assert status == 403


def test_authorization_matrix():
    view = submitted(caller=APPLICANT_A)
    app_id, version = view["id"], view["version"]
    upload_id = view["materials"][0]["latest"]["upload_id"]
    routes = {
        "create": ("POST", "/applications", {"program_id": SC, "applicant": {"name": "某", "phone": "13800138000"}}),
        "list mine": ("GET", "/applications", None),
        "read": ("GET", f"/applications/{app_id}", None),
        "history": ("GET", f"/applications/{app_id}/history", None),
        "profile": ("PUT", f"/applications/{app_id}/profile", SC_PROFILE),
        "upload url": ("POST", f"/applications/{app_id}/materials/score_certificate/upload-url", {}),
        "submit": ("POST", f"/applications/{app_id}/submit", None),
        "queue": ("GET", "/staff/queue?program_id=x", None),
        "counts": ("GET", "/staff/counts", None),
        "decide": ("POST", f"/staff/applications/{app_id}/decision", {"action": "approve", "version": version + 99}),
        "download": ("GET", f"/staff/applications/{app_id}/materials/score_certificate/uploads/{upload_id}"
                            "/download-url", None),
        "programs": ("GET", "/programs", None),
        "program": ("GET", f"/programs/{SC}", None),
        "recognition": ("POST", f"/programs/{SC}/recognition",
                        {"subjects": [{"name": "数学", "score": 70, "full_score": 100}]}),
        "openapi": ("GET", "/openapi.json", None),
    }
    public = {"programs": 200, "program": 200, "recognition": 200, "openapi": 200}
    # Expected status per caller; the owner's writes answer 409 because the application is already submitted.
    expected = {
        "anonymous": dict.fromkeys(routes, 401) | public,
        "applicant A (owner)": {"create": 201, "list mine": 200, "read": 200, "history": 200, "profile": 409,
                                "upload url": 409, "submit": 409, "queue": 403, "counts": 403, "decide": 403,
                                "download": 403} | public,
        "applicant B": {"create": 201, "list mine": 200, "read": 404, "history": 404, "profile": 404,
                        "upload url": 404, "submit": 404, "queue": 403, "counts": 403, "decide": 403,
                        "download": 403} | public,
        "reviewer": {"create": 403, "list mine": 403, "read": 200, "history": 200, "profile": 403,
                     "upload url": 403, "submit": 403, "queue": 200, "counts": 200, "decide": 409,
                     "download": 200} | public,
    }
    expected["admin"] = expected["reviewer"]
    callers = {"anonymous": ANONYMOUS, "applicant A (owner)": APPLICANT_A, "applicant B": APPLICANT_B,
               "reviewer": REVIEWER, "admin": ADMIN}
    got = {}
    for who, claims in callers.items():
        for name, (method, path, body) in routes.items():
            query = None
            if "?" in path:
                path, _, qs = path.partition("?")
                query = dict(p.split("=") for p in qs.split("&"))
            if name in ("queue", "counts"):
                query = {"program_id": SC}
            status, _ = call_api(method, path, body, caller=claims, query=query)
            got[(who, name)] = status
    assert got == {(who, name): code for who, codes in expected.items() for name, code in codes.items()}


def test_an_applicant_lists_only_their_own_applications():
    a = submitted(caller=APPLICANT_A)
    call_api("POST", "/applications", {"program_id": SC, "applicant": {"name": "乙", "phone": "13800138001"}},
             caller=APPLICANT_B)
    _, mine = call_api("GET", "/applications", caller=APPLICANT_A)
    assert [x["id"] for x in mine["applications"]] == [a["id"]]


@pytest.mark.usefixtures("atomic_items")
def test_concurrent_resubmissions_from_two_tabs_have_exactly_one_winner():
    view = submitted()
    decide(view["id"], view["version"], "request_supplement", notes={"score_certificate": "请重新上传"})
    upload(view["id"], when=clock.now() + timedelta(seconds=1))
    results, barrier = [], threading.Barrier(6)

    def resubmit():
        barrier.wait()
        results.append(call_api("POST", f"/applications/{view['id']}/submit")[0])

    threads = [threading.Thread(target=resubmit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 5
    _, history = call_api("GET", f"/applications/{view['id']}/history")
    assert [e["action"] for e in history["events"]] == ["submit", "request_supplement", "resubmit"]


CG_PROFILE = {
    "education_level": "bachelor", "graduating_school": "某省师范大学", "graduation_date": "2015.7",
    "employer": "某市某区某街道办事处", "party_entry": "2014.6", "work_start": "2015.7", "post_title": "副主任科员",
    "work_history": "2015.7-2017.3，某街道办事处，科员\n2017.4至今，某街道办事处，副主任科员",
}


@pytest.mark.rule("CG-FLOW-2")
def test_cg_flow_2_approval_generates_the_forms_and_the_applicant_gets_links():
    import io
    import shutil
    import subprocess

    from PIL import Image

    from tests.photos import good_photo_jpeg
    from tests.unit.imagegen import fit_to

    _, app = call_api("POST", "/applications", {"program_id": "cadre-grad-2023",
                                                "applicant": {"name": "王芳", "phone": "13912345678"}})
    call_api("PUT", f"/applications/{app['id']}/profile", CG_PROFILE)
    scan = fit_to(Image.open(io.BytesIO(document(1654, 2339))).convert("RGB"), 500 * 1024, dpi=(300, 300))
    for material in ("id_card_front", "id_card_back", "bachelor_diploma", "appointment_documents",
                     "professional_title", "chsi_registration_form"):
        upload(app["id"], material, data=scan)
    upload(app["id"], "id_photo", data=good_photo_jpeg("cg", 150 * 1024))
    status, view = call_api("POST", f"/applications/{app['id']}/submit")
    assert status == 200, view
    assert view["forms"] == []

    status, approved = decide(app["id"], view["version"], "approve")
    assert status == 200, approved
    _, mine = call_api("GET", f"/applications/{app['id']}")
    assert [f["id"] for f in mine["forms"]] == ["registration_form", "introduction_letter"]
    assert mine["forms"][0]["name"]["zh"] == "报名登记表" and "Signature" in mine["forms"][0]["url"]

    bucket = boto3.client("s3")
    for form in mine["forms"]:
        key = f"forms/cadre-grad-2023/{app['id']}/{form['id']}.pdf"
        pdf = bucket.get_object(Bucket=os.environ["BUCKET_NAME"], Key=key)["Body"].read()
        assert pdf.startswith(b"%PDF") and b"/Count 1" in pdf
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
            assert "王芳" in text and "某市某区某街道办事处" in text


def out_of_focus(data: bytes) -> bytes:
    """The same scan, blurred enough to be doubtful but not refused: a warning for staff."""
    import io

    from PIL import Image, ImageFilter

    out = io.BytesIO()
    Image.open(io.BytesIO(data)).filter(ImageFilter.GaussianBlur(3)).save(out, "JPEG", quality=85)
    return out.getvalue()


def queue_ids(**query):
    status, page = call_api("GET", "/staff/queue", caller=REVIEWER, query={"program_id": SC, **query})
    assert status == 200, page
    return [item["id"] for item in page["items"]]


def test_reviewers_narrow_the_queue_by_name_id_finding_and_clean_checks():
    clean = submitted(name="王小明")
    warned = submitted(name="李华", data=out_of_focus(CERTIFICATE))
    warnings = {f["code"] for f in warned["materials"][0]["latest"]["findings"]}
    assert "image.maybe_blurred" in warnings

    assert queue_ids(q="小明") == [clean["id"]]           # part of the name
    assert queue_ids(q=warned["id"]) == [warned["id"]]    # the application id
    assert queue_ids(finding="image.maybe_blurred") == [warned["id"]]
    assert queue_ids(clean_only="true") == [clean["id"]]
    assert queue_ids(q="nobody") == []
    _, page = call_api("GET", "/staff/queue", caller=REVIEWER, query={"program_id": SC})
    item = next(i for i in page["items"] if i["id"] == warned["id"])
    assert item["finding_codes"] == sorted(warnings) and item["checks_clean"] is False


@pytest.mark.rule("PG-REV-1")
def test_batch_approval_approves_only_clean_applications_on_the_version_seen():
    first, second = submitted(name="甲"), submitted(name="乙")
    warned = submitted(name="丙", data=out_of_focus(CERTIFICATE))

    items = [{"id": first["id"], "version": first["version"]},
             {"id": second["id"], "version": second["version"] - 1},   # a stale page
             {"id": warned["id"], "version": warned["version"]}]
    status, result = call_api("POST", "/staff/batch-approve", {"items": items}, caller=REVIEWER)
    assert status == 200, result
    assert result["approved"] == 1 and result["refused"] == 2
    outcomes = {o["id"]: o for o in result["outcomes"]}
    assert outcomes[first["id"]]["approved"] is True
    assert outcomes[second["id"]]["code"] == "application.version"
    assert outcomes[warned["id"]]["code"] == "batch.not_clean" and outcomes[warned["id"]]["message_zh"]
    statuses = {i: call_api("GET", f"/applications/{i}", caller=REVIEWER)[1]["status"]
                for i in (first["id"], second["id"], warned["id"])}
    assert statuses == {first["id"]: "approved", second["id"]: "pending_review", warned["id"]: "pending_review"}
    status, _ = call_api("POST", "/staff/batch-approve", {"items": items}, caller=APPLICANT_A)
    assert status == 403


def test_a_replaced_upload_stays_visible_to_staff_as_an_earlier_upload():
    view = submitted()
    first_upload = view["materials"][0]["latest"]["upload_id"]
    status, _ = decide(view["id"], view["version"], "request_supplement", notes={"score_certificate": "请重新扫描"})
    assert status == 200
    upload(view["id"])
    _, again = call_api("GET", f"/applications/{view['id']}", caller=REVIEWER)
    material = again["materials"][0]
    assert material["previous_uploads"] == 1
    assert [u["upload_id"] for u in material["earlier"]] == [first_upload]
    assert material["latest"]["upload_id"] != first_upload
