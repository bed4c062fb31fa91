"""The closer at each deadline, over 10,000 applications in moto: it reads only the affected ones, running it
twice changes nothing more, and a run that stops half way is finished by the next."""

import os
from collections import Counter
from datetime import timedelta

import boto3
import pytest

from intake import clock
from intake.ids import new_id
from intake.models import Application
from intake.store import IntakeStore
from tests.integration.lambdas import Context, reset_handler_caches
from tests.support import set_clock

PG = "pg-confirm-1104"
DRAFTS, OTHERS = 1_000, 9_000  # the scale test: 10,000 applications, 1,000 affected
SMALL_DRAFTS, SMALL_OTHERS = 100, 400
CRASH_AFTER = 40


@pytest.fixture
def table(aws, monkeypatch, tmp_path, request):
    drafts, others = getattr(request, "param", (DRAFTS, OTHERS))
    # moto snapshots every table a transaction touches with a deep copy, so that it can roll back: a cost
    # proportional to the table's size on every transaction, which DynamoDB does not have. Here every
    # transaction succeeds or fails on its first condition, before anything is applied, so a shallow
    # snapshot keeps moto's behaviour for this test while letting 10,000 items fit in seconds.
    import copy as stdlib_copy

    import moto.dynamodb.models as moto_dynamodb

    shallow = type("ShallowSnapshots", (), {"deepcopy": staticmethod(stdlib_copy.copy)})
    monkeypatch.setattr(moto_dynamodb, "copy", shallow)
    set_clock(monkeypatch, tmp_path, "2023-11-03T10:00:00+08:00")
    reset_handler_caches()
    handler().closer.cache_clear()
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    now = clock.now()
    with table.batch_writer() as batch:
        for i in range(drafts + others):
            status = "draft" if i < drafts else ("pending_review" if i % 2 else "approved")
            app = Application(id=new_id(now + timedelta(microseconds=i)), program_id=PG, status=status,
                              owner=f"user-{i}", applicant={"name": "考生", "phone": "13800138000"},
                              created_at=now, updated_at=now, status_since=now)
            batch.put_item(Item=IntakeStore.application_item(app))
    yield table
    reset_handler_caches()
    handler().closer.cache_clear()


def handler():
    """Imported once the function's environment is set (Powertools reads it on import), as in Lambda."""
    from close_window import handler as module

    return module


@pytest.fixture
def calls(table):
    """Every DynamoDB call the code under test makes: (operation, index or table, key values asked for)."""
    seen: list[tuple[str, str, str]] = []

    def record(params, model, **_):
        pk = (params.get("ExpressionAttributeValues") or {}).get(":pk", "")
        pk = pk.get("S", "") if isinstance(pk, dict) else pk  # already typed by the resource layer
        seen.append((model.name, params.get("IndexName", "table"), pk))

    client = handler().closer()._store._table.meta.client  # the handler's own client
    client.meta.events.register("before-parameter-build.dynamodb", record)
    return seen


def close(window="first_upload"):
    return handler().lambda_handler({"action": "close", "program_id": PG, "window": window},
                                         Context(function_name="intake-close"))["reports"][0]


def statuses(table):
    items = table.scan(ProjectionExpression="#s, #t", ExpressionAttributeNames={"#s": "status", "#t": "type"})
    counted, kwargs = Counter(), {}
    while True:
        for item in items["Items"]:
            if item.get("type") == "application":
                counted[item["status"]] += 1
        if "LastEvaluatedKey" not in items:
            return counted
        items = table.scan(ExclusiveStartKey=items["LastEvaluatedKey"], **kwargs)


@pytest.mark.rule("PG-WIN-1")
@pytest.mark.rule("PG-WIN-4")
def test_pg_win_4_drafts_expire_at_the_deadline_reading_only_drafts(table, calls, monkeypatch, tmp_path):
    # Before the deadline nothing happens.
    assert close()["skipped_reason"].startswith("the window closes at")
    assert calls == []

    set_clock(monkeypatch, tmp_path, "2023-11-04T14:00:00+08:00")
    report = close()
    assert len(report["changed"]) == DRAFTS and report["already_changed"] == 0
    operations = Counter(op for op, _, _ in calls)
    # One page of 100 per Query (perhaps one more, empty, at the end), one transaction per draft, nothing else.
    assert set(operations) == {"Query", "TransactWriteItems"} and operations["TransactWriteItems"] == DRAFTS
    assert DRAFTS // 100 <= operations["Query"] <= DRAFTS // 100 + 1
    assert {(index, pk) for op, index, pk in calls if op == "Query"} == {("GSI1", f"PROGRAM#{PG}#STATUS#draft")}
    assert statuses(table) == {"expired": DRAFTS, "pending_review": OTHERS // 2, "approved": OTHERS // 2}

    # A second run finds nothing left to do.
    calls.clear()
    assert close()["changed"] == []
    assert Counter(op for op, _, _ in calls) == {"Query": 1}


@pytest.mark.parametrize("table", [(SMALL_DRAFTS, SMALL_OTHERS)], indirect=True)
def test_an_interrupted_run_is_finished_by_the_next_without_doing_anything_twice(table, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2023-11-04T14:00:01+08:00")
    real = IntakeStore.change_status
    done = {"n": 0}

    def crash_after_400(self, *args, **kwargs):
        if done["n"] == CRASH_AFTER:
            raise RuntimeError("the function ran out of time")
        done["n"] += 1
        return real(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(IntakeStore, "change_status", crash_after_400)
        with pytest.raises(RuntimeError):
            close()
    assert statuses(table)["expired"] == CRASH_AFTER
    report = close()
    assert len(report["changed"]) == SMALL_DRAFTS - CRASH_AFTER
    events = Counter()
    scan = table.scan(FilterExpression="#t = :e", ExpressionAttributeNames={"#t": "type"},
                      ExpressionAttributeValues={":e": "event"})
    while True:
        events.update(item["PK"] for item in scan["Items"])
        if "LastEvaluatedKey" not in scan:
            break
        scan = table.scan(FilterExpression="#t = :e", ExpressionAttributeNames={"#t": "type"},
                          ExpressionAttributeValues={":e": "event"}, ExclusiveStartKey=scan["LastEvaluatedKey"])
    assert len(events) == SMALL_DRAFTS and set(events.values()) == {1}  # each draft expired exactly once


@pytest.mark.rule("PG-WIN-3")
@pytest.mark.parametrize("table", [(SMALL_DRAFTS, SMALL_OTHERS)], indirect=True)
def test_pg_win_3_at_the_end_of_review_waiting_applications_are_listed_not_dropped(table, monkeypatch, tmp_path):
    set_clock(monkeypatch, tmp_path, "2023-11-04T17:00:00+08:00")
    report = close("review")
    assert len(report["listed"]) == SMALL_OTHERS // 2 and report["changed"] == []
    assert statuses(table)["pending_review"] == SMALL_OTHERS // 2


@pytest.mark.rule("CG-FLOW-3")
@pytest.mark.parametrize("table", [(0, 0)], indirect=True)
def test_cg_flow_3_drafts_past_their_five_days_are_abandoned_by_the_sweep(table, calls, monkeypatch, tmp_path):
    store = IntakeStore(table)
    start = clock.now()
    ages = {"old": timedelta(days=5, seconds=1), "exact": timedelta(days=5), "young": timedelta(days=4, hours=23)}
    ids = {}
    for name, age in ages.items():
        created = start - age
        app = Application(id=new_id(created), program_id="cadre-grad-2023", owner=name, created_at=created,
                          updated_at=created, status_since=created, applicant={"name": "某", "phone": "13800138000"})
        store.create_application(app)
        ids[name] = app.id
    calls.clear()
    reports = handler().lambda_handler({"action": "abandon_sweep"}, Context(function_name="intake-close"))["reports"]
    assert [r["program_id"] for r in reports] == ["cadre-grad-2023"]
    assert sorted(reports[0]["changed"]) == sorted([ids["old"], ids["exact"]])
    assert {(op, index) for op, index, _ in calls if op == "Query"} == {("Query", "GSI1")}
    assert statuses(table) == {"abandoned": 2, "draft": 1}
