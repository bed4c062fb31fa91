"""ED-ACC-2, the one-week half: which accounts the daily purge chooses, and how it talks to the user pool.

The policy is checked on plain ListUsers-shaped dicts; `CognitoAccounts` against a stub client that records its
calls (pagination, the filter, the re-check of UserStatus, an already deleted user).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from intake.accounts import UNCONFIRMED_ACCOUNT_TTL, CognitoAccounts, stale_unconfirmed

NOW = datetime(2024, 3, 10, 2, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def user(name: str, status: str, age: timedelta, enabled: bool = True) -> dict[str, Any]:
    return {"Username": name, "UserStatus": status, "UserCreateDate": NOW - age, "Enabled": enabled,
            "Attributes": [{"Name": "sub", "Value": name}]}


def names(users: list[Any]) -> list[str]:
    return [u["Username"] for u in users]


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_ttl_is_one_week() -> None:
    assert UNCONFIRMED_ACCOUNT_TTL == WEEK


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_only_unconfirmed_accounts_a_week_old_are_chosen() -> None:
    users = [
        user("unconfirmed-old", "UNCONFIRMED", WEEK + timedelta(days=3)),
        user("unconfirmed-exactly-a-week", "UNCONFIRMED", WEEK),
        user("unconfirmed-disabled-old", "UNCONFIRMED", WEEK + timedelta(days=1), enabled=False),
        user("unconfirmed-young", "UNCONFIRMED", WEEK - timedelta(minutes=1)),
        user("unconfirmed-new", "UNCONFIRMED", timedelta(hours=2)),
        user("confirmed-old", "CONFIRMED", timedelta(days=300)),
        user("confirmed-disabled-old", "CONFIRMED", timedelta(days=30), enabled=False),
        user("admin-created-old", "FORCE_CHANGE_PASSWORD", timedelta(days=30)),
        user("imported-old", "RESET_REQUIRED", timedelta(days=30)),
        user("external-old", "EXTERNAL_PROVIDER", timedelta(days=30)),
        user("unknown-old", "UNKNOWN", timedelta(days=30)),
        user("lowercase-status", "unconfirmed", timedelta(days=30)),
    ]
    assert names(stale_unconfirmed(users, NOW)) == ["unconfirmed-old", "unconfirmed-exactly-a-week",
                                                     "unconfirmed-disabled-old"]


@pytest.mark.rule("ED-ACC-2")
@pytest.mark.parametrize(("age", "chosen"), [
    (WEEK - timedelta(seconds=1), False),
    (WEEK - timedelta(days=1), False),
    (WEEK, True),
    (WEEK + timedelta(seconds=1), True),
])
def test_ed_acc_2_boundary_is_seven_days_to_the_second(age: timedelta, chosen: bool) -> None:
    assert bool(stale_unconfirmed([user("u", "UNCONFIRMED", age)], NOW)) is chosen


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_without_a_creation_date_nothing_is_chosen() -> None:
    undated = {"Username": "undated", "UserStatus": "UNCONFIRMED"}
    bad = {"Username": "bad", "UserStatus": "UNCONFIRMED", "UserCreateDate": "2020-01-01"}
    no_status = {"Username": "no-status", "UserCreateDate": NOW - timedelta(days=30)}
    assert stale_unconfirmed([undated, bad, no_status], NOW) == []


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_time_zones_are_compared_as_instants() -> None:
    # Created 2024-03-03 09:30 in Beijing = 01:30 UTC: exactly a week plus 30 minutes before NOW.
    beijing = timezone(timedelta(hours=8))
    created = datetime(2024, 3, 3, 9, 30, tzinfo=beijing)
    u = {"Username": "bj", "UserStatus": "UNCONFIRMED", "UserCreateDate": created}
    assert names(stale_unconfirmed([u], NOW)) == ["bj"]
    assert stale_unconfirmed([u], NOW - timedelta(minutes=31)) == []
    # A naive datetime is taken as UTC, on either side.
    assert names(stale_unconfirmed([u], NOW.replace(tzinfo=None))) == ["bj"]
    naive = {**u, "UserCreateDate": datetime(2024, 3, 3, 2, 0)}
    assert names(stale_unconfirmed([naive], NOW)) == ["bj"]


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_empty_pool_chooses_nothing() -> None:
    assert stale_unconfirmed([], NOW) == []
    assert stale_unconfirmed(iter([]), NOW) == []


# --------------------------------------------------------------------------------------------- CognitoAccounts


class StubCognito:
    """list_users pages (each a list of users) and admin_delete_user, recording every call."""

    def __init__(self, pages: list[list[dict[str, Any]]], gone: set[str] = frozenset(),
                 failing: dict[str, str] | None = None) -> None:
        self.pages = pages
        self.gone = set(gone)
        self.failing = failing or {}
        self.list_calls: list[dict[str, Any]] = []
        self.deleted: list[tuple[str, str]] = []

    def list_users(self, **params: Any) -> dict[str, Any]:
        self.list_calls.append(params)
        index = int(params.get("PaginationToken", "0"))
        response: dict[str, Any] = {"Users": self.pages[index]}
        if index + 1 < len(self.pages):
            response["PaginationToken"] = str(index + 1)
        return response

    def admin_delete_user(self, UserPoolId: str, Username: str) -> dict[str, Any]:
        if Username in self.failing:
            code = self.failing[Username]
            raise ClientError({"Error": {"Code": code, "Message": code}}, "AdminDeleteUser")
        if Username in self.gone:
            raise ClientError({"Error": {"Code": "UserNotFoundException", "Message": "User does not exist."}},
                              "AdminDeleteUser")
        self.deleted.append((UserPoolId, Username))
        self.gone.add(Username)
        return {}


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_unconfirmed_follows_every_page_with_the_status_filter() -> None:
    stub = StubCognito([
        [user("a", "UNCONFIRMED", WEEK), user("b", "UNCONFIRMED", timedelta(0))],
        [],  # Cognito may return an empty page with a token
        [user("c", "UNCONFIRMED", WEEK)],
    ])
    listed = list(CognitoAccounts(stub, "us-east-1_pool").unconfirmed())
    assert names(listed) == ["a", "b", "c"]
    assert len(stub.list_calls) == 3
    first, *rest = stub.list_calls
    assert first["UserPoolId"] == "us-east-1_pool"
    assert first["Filter"] == 'cognito:user_status = "UNCONFIRMED"'
    assert "PaginationToken" not in first
    assert [call["PaginationToken"] for call in rest] == ["1", "2"]
    assert all(call["Filter"] == first["Filter"] and call["Limit"] <= 60 for call in stub.list_calls)


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_unconfirmed_rechecks_status_despite_the_filter() -> None:
    stub = StubCognito([[user("a", "UNCONFIRMED", WEEK), user("b", "CONFIRMED", WEEK),
                         user("c", "FORCE_CHANGE_PASSWORD", WEEK), {"Username": "d"}]])
    assert names(list(CognitoAccounts(stub, "p").unconfirmed())) == ["a"]


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_delete_tolerates_a_user_already_gone() -> None:
    stub = StubCognito([[]], gone={"ghost"})
    accounts = CognitoAccounts(stub, "us-east-1_pool")
    assert accounts.delete("alive") is True
    assert accounts.delete("alive") is False
    assert accounts.delete("ghost") is False
    assert stub.deleted == [("us-east-1_pool", "alive")]


@pytest.mark.rule("ED-ACC-2")
def test_ed_acc_2_delete_raises_other_errors() -> None:
    stub = StubCognito([[]], failing={"x": "TooManyRequestsException", "y": "NotAuthorizedException"})
    accounts = CognitoAccounts(stub, "p")
    for username in ("x", "y"):
        with pytest.raises(ClientError):
            accounts.delete(username)
    assert stub.deleted == []
