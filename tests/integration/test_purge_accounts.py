"""ED-ACC-2 end to end on in-process moto: the purge function against a user pool holding every kind of account.

Self sign-ups left unconfirmed, self sign-ups confirmed (one of them disabled afterwards) and accounts an
administrator created are made now; then the function's clock (`intake.clock`, through the offset file named by
INTAKE_CLOCK_OFFSET_FILE) is moved. One minute short of a week nothing goes; at a week exactly the unconfirmed
self sign-ups go and nothing else, and a second run finds nothing left to do.

The pool is made here, shaped like template.yaml's (e-mail as username, e-mail auto-verified), rather than with
the `aws` fixture: this test needs only the pool, and moto creates users at the real time, so the test moves
the function's clock, not the pool's.
"""

from __future__ import annotations

import importlib
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from intake import clock
from tests.integration.conftest import REGION
from tests.integration.lambdas import Context

PASSWORD = "Passw0rd2024"  # letters and digits (ED-ACC-1)

#: More unconfirmed sign-ups than one ListUsers page (60) holds.
MANY = 62


@pytest.fixture
def handler(aws: Any, lambda_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ModuleType]:
    """The purge function with its template environment (the template's user pool), a fresh container's
    caches, and its clock file in tmp_path."""
    lambda_env("PurgeAccountsFunction")
    monkeypatch.setenv(clock.OFFSET_FILE_VARIABLE, str(tmp_path / "clock" / "offset"))
    module = importlib.import_module("purge_accounts.handler")
    module.settings.cache_clear()
    module.accounts.cache_clear()
    yield module
    module.settings.cache_clear()
    module.accounts.cache_clear()


def make_pool(cognito: Any) -> tuple[str, str]:
    """The template's user pool and its web client, as provisioned by the `aws` fixture."""
    pool_id = os.environ["USER_POOL_ID"]
    client_id = cognito.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"][0]["ClientId"]
    return pool_id, client_id


def sign_up(cognito: Any, client_id: str, email: str) -> str:
    response = cognito.sign_up(ClientId=client_id, Username=email, Password=PASSWORD,
                               UserAttributes=[{"Name": "email", "Value": email}])
    assert response["UserConfirmed"] is False
    return response["UserSub"]


def users_by_email(cognito: Any, pool_id: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool_id):
        for user in page["Users"]:
            attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
            found[attributes["email"]] = user
    return found


def move_clock_to(target: datetime) -> None:
    clock.write_offset(Path(os.environ[clock.OFFSET_FILE_VARIABLE]), target)


def log_records(out: str) -> list[dict[str, Any]]:
    records = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_purge_deletes_only_unconfirmed_sign_ups_after_one_week(
        handler: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id, client_id = make_pool(cognito)
    monkeypatch.setenv("USER_POOL_ID", pool_id)

    unconfirmed = [f"pending{i:02d}@example.cn" for i in range(MANY)]
    for email in unconfirmed:
        sign_up(cognito, client_id, email)
    # Not activated and disabled by an administrator: still not activated.
    cognito.admin_disable_user(UserPoolId=pool_id, Username=unconfirmed[0])

    confirmed = ["confirmed@example.cn", "confirmed-disabled@example.cn"]
    for email in confirmed:
        sign_up(cognito, client_id, email)
        cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    cognito.admin_disable_user(UserPoolId=pool_id, Username="confirmed-disabled@example.cn")

    admin_created = ["invited@example.cn", "invited-and-set@example.cn"]
    for email in admin_created:
        cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": email},
                                                  {"Name": "email_verified", "Value": "true"}])
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="invited-and-set@example.cn",
                                    Password=PASSWORD, Permanent=True)

    before = users_by_email(cognito, pool_id)
    assert {email: u["UserStatus"] for email, u in before.items() if email not in unconfirmed} == {
        "confirmed@example.cn": "CONFIRMED",
        "confirmed-disabled@example.cn": "CONFIRMED",
        "invited@example.cn": "FORCE_CHANGE_PASSWORD",
        "invited-and-set@example.cn": "CONFIRMED",
    }
    assert {before[email]["UserStatus"] for email in unconfirmed} == {"UNCONFIRMED"}
    assert before["confirmed-disabled@example.cn"]["Enabled"] is False
    created_last = max(u["UserCreateDate"] for u in before.values())
    created_first = min(u["UserCreateDate"] for u in before.values())
    assert datetime.now(UTC) - created_first < timedelta(seconds=30)  # so "a minute short" is short for all

    # One minute short of a week after the first sign-up: nothing is old enough.
    move_clock_to(created_first + timedelta(days=6, hours=23, minutes=59))
    assert handler.lambda_handler({}, Context()) == {"deleted": 0, "checked": MANY}
    assert users_by_email(cognito, pool_id).keys() == before.keys()

    # A week after the last account was made: exactly the unconfirmed sign-ups go.
    move_clock_to(created_last + timedelta(days=7))
    log = io.StringIO()  # the JSON lines CloudWatch would get from the logger
    monkeypatch.setattr(handler.logger.registered_handler, "stream", log)
    capsys.readouterr()
    assert handler.lambda_handler({}, Context()) == {"deleted": MANY, "checked": MANY}
    out = log.getvalue() + capsys.readouterr().out  # metrics are printed

    after = users_by_email(cognito, pool_id)
    assert sorted(after) == sorted(confirmed + admin_created)
    for email, user in after.items():
        assert user["UserStatus"] == before[email]["UserStatus"]
        assert user["Enabled"] == before[email]["Enabled"]
        assert user["Username"] == before[email]["Username"]

    # The log counts and masks; no whole username or e-mail address appears anywhere in the output.
    records = log_records(out)
    summary = next(r for r in records if r.get("message") == "unconfirmed accounts purged")
    assert summary["deleted"] == MANY and summary["checked"] == MANY
    assert sorted(summary["usernames"]) == sorted(f"{before[e]['Username'][:3]}***" for e in unconfirmed)
    for email in unconfirmed:
        assert email not in out
        assert before[email]["Username"] not in out
    metric_docs = [r for r in records if "_aws" in r]
    assert any(r.get("UnconfirmedAccountsDeleted") == [MANY] for r in metric_docs)

    # Run again (the next day, or a retried schedule): nothing left to delete, nothing else touched.
    move_clock_to(created_last + timedelta(days=8))
    assert handler.lambda_handler({}, Context()) == {"deleted": 0, "checked": 0}
    assert sorted(users_by_email(cognito, pool_id)) == sorted(confirmed + admin_created)


class ShortContext(Context):
    def get_remaining_time_in_millis(self) -> int:
        return 1_000


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_purge_out_of_time_leaves_the_rest_to_the_next_run(
        handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id, client_id = make_pool(cognito)
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    for i in range(3):
        sign_up(cognito, client_id, f"late{i}@example.cn")
    move_clock_to(datetime.now(UTC) + timedelta(days=7, minutes=1))
    assert handler.lambda_handler({}, ShortContext()) == {"deleted": 0, "checked": 3}
    assert handler.lambda_handler({}, Context()) == {"deleted": 3, "checked": 3}
    assert users_by_email(cognito, pool_id) == {}


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_purge_on_a_fresh_pool_and_without_clock_file(
        handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployed there is no offset file: the function runs on the system clock, and a day-old pool loses nothing."""
    monkeypatch.delenv(clock.OFFSET_FILE_VARIABLE)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id, client_id = make_pool(cognito)
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    assert handler.lambda_handler({}, Context()) == {"deleted": 0, "checked": 0}
    sign_up(cognito, client_id, "fresh@example.cn")
    assert handler.lambda_handler({}, Context()) == {"deleted": 0, "checked": 1}
    assert list(users_by_email(cognito, pool_id)) == ["fresh@example.cn"]


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_purge_refuses_to_start_without_a_user_pool(handler: ModuleType,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USER_POOL_ID", raising=False)
    with pytest.raises(ValueError, match="USER_POOL_ID"):
        handler.lambda_handler({}, Context())
