"""The notify handler in-process on moto: decision events from the table's stream → one SMS each (X-NOTIFY-1),
however often the stream delivers them and whether or not SNS fails once. The table is template.yaml's,
provisioned on moto by the `aws` fixture.
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from intake.models import Application
from intake.notify_store import EventKey, NotifyStore
from intake.store import IntakeStore
from intake_tools.local.events import dynamodb_stream_event
from tests.integration.lambdas import Context, event

REGION = "us-east-1"
PHONE = "13800138000"
APPLICANT = {"name": "陈静", "phone": PHONE}
SC = "score-cert-return"
SEAL_NOTE = "印章不清晰，请重新扫描 / the seal is illegible"


@pytest.fixture
def table(aws: Any, lambda_env: Any) -> Iterator[Any]:
    """The table of template.yaml on moto, with NotifyFunction's own environment."""
    lambda_env("NotifyFunction")
    _fresh_handler()
    yield boto3.resource("dynamodb").Table(aws.table)
    _fresh_handler()


def _handler() -> Any:
    """notify.handler, imported once the environment is set (Powertools reads it on import), like the
    other handlers in tests.integration.lambdas."""
    return importlib.import_module("notify.handler")


def _fresh_handler() -> None:
    """The handler builds its collaborators once per container; each test is a new container."""
    handler = _handler()
    handler.load_notify_settings.cache_clear()
    handler.notifier.cache_clear()


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the function logs, one JSON object a line."""
    buffer = io.StringIO()
    handler = _handler().logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    monkeypatch.setattr(handler, "stream", buffer)
    return buffer


def sent() -> list[tuple[str, str]]:
    """Every SMS moto's SNS accepted: (phone number, text)."""
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def notify(batch: dict[str, Any]) -> dict[str, Any]:
    return _handler().lambda_handler(batch, Context(function_name="intake-notify"))


# ------------------------------------------------------------------------------------------------ data

def new_application(table: Any, app_id: str = "01HE8K3Z7Q4V2N6M9R5T1W0XYA", phone: str = PHONE) -> Application:
    now = datetime(2022, 11, 1, 2, 0, tzinfo=UTC)
    app = Application(id=app_id, program_id=SC, applicant={**APPLICANT, "phone": phone}, created_at=now,
                      updated_at=now, profile={"already_certified": False})
    IntakeStore(table).create_application(app)
    return app


def decided(table: Any, app: Application, *actions: tuple[str, str, dict[str, Any]]) -> Application:
    """Apply (action, to status, extra) in turn through the store, as the API does."""
    store = IntakeStore(table)
    when = datetime(2022, 11, 2, 6, 0, tzinfo=UTC)
    for i, (action, to, extra) in enumerate(actions):
        app = store.change_status(app, to, action=action, actor="0a1b2c3d-reviewer-1",
                                  role="applicant" if action in ("submit", "resubmit") else "reviewer",
                                  now=when + timedelta(minutes=i), **extra)
    return app


def supplement_requested(table: Any, app_id: str = "01HE8K3Z7Q4V2N6M9R5T1W0XYA", phone: str = PHONE) -> Application:
    return decided(table, new_application(table, app_id, phone),
                   ("submit", "pending_review", {}),
                   ("request_supplement", "supplement_required",
                    {"notes": {"score_certificate": SEAL_NOTE},
                     "changes": {"supplement_notes": {"score_certificate": SEAL_NOTE}}}))


def event_items(table: Any, app_id: str) -> list[dict[str, Any]]:
    return table.query(KeyConditionExpression="PK = :pk AND begins_with(SK, :e)",
                       ExpressionAttributeValues={":pk": f"APP#{app_id}", ":e": "EVENT#"},
                       ConsistentRead=True)["Items"]


def last_event(table: Any, app_id: str) -> dict[str, Any]:
    return event_items(table, app_id)[-1]


_sequence = iter(range(10**20, 10**21))


def stream_record(item: dict[str, Any], event_name: str = "INSERT") -> dict[str, Any]:
    """`item` as a stream record shaped like events/dynamodb/decision-inserted.json."""
    record = copy.deepcopy(event("dynamodb/decision-inserted")["Records"][0])
    serialize = TypeSerializer().serialize
    image = {name: serialize(value) for name, value in item.items()}
    sequence = str(next(_sequence))
    record.update(eventID=f"evt-{sequence}", eventName=event_name)
    record["dynamodb"].update(Keys={"PK": image["PK"], "SK": image["SK"]}, NewImage=image, SequenceNumber=sequence)
    return record


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def read_stream(table: Any) -> dict[str, Any]:
    """Everything on the table's stream so far, as Lambda's event source would send it."""
    # botocore's account-based endpoint (<account>.streams-ddb...) is not routed by moto 5.2: use the classic one.
    streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    arn = table.latest_stream_arn
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return dynamodb_stream_event(records, stream_arn=arn, region=REGION)


def flaky_sns(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[str]:
    """SNS clients whose first `failures` publishes are throttled; returns the numbers attempted."""
    attempts: list[str] = []
    real_client = boto3.client

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        made = real_client(service, *args, **kwargs)
        if service == "sns":
            publish = made.publish

            def flaky(**params: Any) -> Any:
                attempts.append(params["PhoneNumber"])
                if len(attempts) <= failures:
                    raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")
                return publish(**params)

            made.publish = flaky
        return made

    monkeypatch.setattr(boto3, "client", client)
    return attempts


# ------------------------------------------------------------------------------------------------ tests

@pytest.mark.rule("X-NOTIFY-1")
@pytest.mark.rule("SC-REV-1")
def test_the_sample_event_texts_the_applicant_once(table, logs):
    sample = event("dynamodb/decision-inserted")
    item = {k: TypeDeserializer().deserialize(v) for k, v in sample["Records"][0]["dynamodb"]["NewImage"].items()}
    app = new_application(table, app_id=item["PK"].removeprefix("APP#"))
    table.put_item(Item=item)

    assert notify(sample) == {"batchItemFailures": []}

    [(phone, text)] = sent()
    assert phone == "+8613800138000"
    assert text.startswith("【intake】您的“外省返京考生高中学业水平考试成绩认定”申请需补充材料：")
    assert f"加盖省级主管部门公章的学业水平考试成绩证明：{SEAL_NOTE}" in text
    assert "重新上传上述材料并再次提交" in text
    stored = table.get_item(Key={"PK": item["PK"], "SK": item["SK"]})["Item"]
    assert stored["notified_at"] and stored["sms_message_id"]

    # The log shows the text and the phone masked, never the whole number.
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]
    [line] = [entry for entry in lines if entry.get("message") == "sms sent"]
    assert line["phone"] == "138****8000" and line["sms"] == text and line["application_id"] == app.id
    assert PHONE not in logs.getvalue()


@pytest.mark.rule("X-NOTIFY-1")
def test_the_real_stream_of_a_submission_and_a_supplement_request_gives_one_sms(table):
    # Given the stream as the table wrote it: the application inserted and modified twice, a submit event and a
    # request_supplement event
    app = supplement_requested(table)
    stream = read_stream(table)
    assert [r["eventName"] for r in stream["Records"]].count("INSERT") == 3

    # When it is delivered
    assert notify(stream) == {"batchItemFailures": []}

    # Then only the decision is texted, and only the decision's event is claimed
    [(phone, text)] = sent()
    assert phone == "+8613800138000" and SEAL_NOTE in text
    submit_event, supplement_event = event_items(table, app.id)
    assert submit_event["action"] == "submit" and "notified_at" not in submit_event
    assert supplement_event["action"] == "request_supplement" and "notified_at" in supplement_event

    # And the claim's own MODIFY record, delivered with the whole stream again, texts nobody
    again = read_stream(table)
    assert any(r["eventName"] == "MODIFY" and r["dynamodb"]["Keys"]["SK"]["S"].startswith("EVENT#")
               for r in again["Records"])
    assert notify(again) == {"batchItemFailures": []}
    assert len(sent()) == 1


@pytest.mark.rule("X-NOTIFY-1")
def test_the_same_record_delivered_twice_in_a_batch_and_again_later_is_texted_once(table):
    app = supplement_requested(table)
    record = stream_record(last_event(table, app.id))

    assert notify(batch(record, copy.deepcopy(record))) == {"batchItemFailures": []}
    assert len(sent()) == 1
    _fresh_handler()  # a new container
    assert notify(batch(copy.deepcopy(record))) == {"batchItemFailures": []}
    assert len(sent()) == 1


@pytest.mark.rule("X-NOTIFY-1")
def test_when_sns_fails_the_record_is_retried_and_texted_exactly_once(table, monkeypatch):
    attempts = flaky_sns(monkeypatch, failures=1)
    app = supplement_requested(table)
    item = last_event(table, app.id)
    record = stream_record(item)

    # The first attempt fails: the record is reported, nothing is sent and the claim is given back
    assert notify(batch(record)) == {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    assert attempts == ["+8613800138000"] and sent() == []
    released = table.get_item(Key={"PK": item["PK"], "SK": item["SK"]}, ConsistentRead=True)["Item"]
    assert "notified_at" not in released and "sms_message_id" not in released

    # Lambda's retry sends it; a further duplicate does not
    assert notify(batch(copy.deepcopy(record))) == {"batchItemFailures": []}
    assert notify(batch(copy.deepcopy(record))) == {"batchItemFailures": []}
    assert len(attempts) == 2
    [(phone, text)] = sent()
    assert phone == "+8613800138000" and SEAL_NOTE in text


@pytest.mark.rule("X-NOTIFY-1")
def test_a_retry_from_the_failed_record_resends_nothing_that_went_out(table, monkeypatch):
    # Lambda retries a stream batch from the first failed record on, later records included.
    attempts = flaky_sns(monkeypatch, failures=1)
    first = supplement_requested(table, app_id="01HE8K3Z7Q4V2N6M9R5T1W0XY1", phone="13900139000")
    second = decided(table, new_application(table, app_id="01HE8K3Z7Q4V2N6M9R5T1W0XY2", phone="13700137000"),
                     ("submit", "pending_review", {}),
                     ("reject", "rejected", {"reason": "成绩证明未加盖省级主管部门公章"}))
    records = [stream_record(last_event(table, first.id)), stream_record(last_event(table, second.id))]

    response = notify(batch(*records))
    assert response == {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
    assert [phone for phone, _ in sent()] == ["+8613700137000"]

    assert notify(batch(*copy.deepcopy(records))) == {"batchItemFailures": []}
    assert sorted(phone for phone, _ in sent()) == ["+8613700137000", "+8613900139000"]
    assert len(attempts) == 3
    rejection = next(text for phone, text in sent() if phone == "+8613700137000")
    assert "审核未通过，原因：成绩证明未加盖省级主管部门公章。" in rejection


def test_a_submit_event_and_records_that_are_not_inserted_events_text_nobody(table, logs):
    app = decided(table, new_application(table), ("submit", "pending_review", {}))
    submit_event = last_event(table, app.id)
    application_item = table.get_item(Key={"PK": f"APP#{app.id}", "SK": "APP"})["Item"]
    modified_event = stream_record(submit_event, event_name="MODIFY")

    response = notify(batch(stream_record(submit_event), stream_record(application_item), modified_event))

    assert response == {"batchItemFailures": []}
    assert sent() == []
    assert "notified_at" not in last_event(table, app.id)
    assert PHONE not in logs.getvalue()


def test_an_event_of_an_application_that_is_not_there_fails_without_claiming(table):
    app = supplement_requested(table)
    item = last_event(table, app.id)
    table.delete_item(Key={"PK": f"APP#{app.id}", "SK": "APP"})
    record = stream_record(item)

    assert notify(batch(record)) == {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    assert sent() == []
    assert "notified_at" not in last_event(table, app.id)


def test_a_claim_is_taken_once_released_only_by_its_holder_and_never_creates_an_item(table):
    store = NotifyStore(table)
    app = supplement_requested(table)
    key = EventKey.of(last_event(table, app.id))
    assert key is not None and key.application_id == app.id
    t1, t2 = datetime(2022, 11, 2, 7, 0, tzinfo=UTC), datetime(2022, 11, 2, 7, 1, tzinfo=UTC)

    token = store.claim(key, t1)
    assert token == t1.isoformat()
    assert store.claim(key, t2) is None
    assert store.release(key, t2.isoformat()) is False  # not this caller's claim: it stays
    assert last_event(table, app.id)["notified_at"] == token
    assert store.release(key, token) is True
    assert store.claim(key, t2) == t2.isoformat()

    missing = EventKey(f"APP#{app.id}", "EVENT#2099-01-01T00:00:00+00:00#000009")
    assert store.claim(missing, t1) is None
    assert table.get_item(Key=missing.as_key()).get("Item") is None
    assert store.get_application("01HE8K3Z7Q4V2N6M9R5T1W0XYZ") is None
    read = store.get_application(app.id)
    assert read is not None and read.applicant.phone == PHONE and read.profile == {}
