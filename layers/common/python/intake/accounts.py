"""Applicant accounts that were never activated (ED-ACC-2).

ED-ACC-2 has two halves:

* "Activate within 24 hours" is enforced by Cognito itself. The confirmation code (or link) that Cognito sends
  when an applicant signs up is valid for 24 hours; the Cognito developer guide states that period and the user
  pool has no setting to change it. ConfirmSignUp with an expired code fails with ExpiredCodeException, and the
  applicant then asks for a new code (ResendConfirmationCode), which is again valid for 24 hours. Nothing here
  duplicates that check.
* "Accounts not activated are deleted after one week" is this module: `stale_unconfirmed` chooses the accounts,
  `CognitoAccounts` lists and deletes them. The week is counted from the account's creation (UserCreateDate),
  not from the latest code, and time comes only from the caller (`intake.clock.now()` in the function).

Only self sign-ups still in UserStatus UNCONFIRMED are ever chosen. Confirmed accounts (enabled or disabled),
accounts an administrator created (FORCE_CHANGE_PASSWORD until first sign-in), imported, external and any other
status are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

UNCONFIRMED_ACCOUNT_TTL = timedelta(days=7)

UNCONFIRMED = "UNCONFIRMED"

#: ListUsers returns at most 60 users a page.
_PAGE_SIZE = 60


def stale_unconfirmed(users: Iterable[Mapping[str, Any]], now: datetime) -> list[Mapping[str, Any]]:
    """The users (ListUsers' UserType dicts) whose UserStatus is exactly UNCONFIRMED and whose UserCreateDate is
    at least `UNCONFIRMED_ACCOUNT_TTL` before `now`. A user without a creation date is never chosen: its age
    cannot be shown. A naive datetime (ours or Cognito's) is taken as UTC."""
    cutoff = _aware(now) - UNCONFIRMED_ACCOUNT_TTL
    chosen = []
    for user in users:
        created = user.get("UserCreateDate")
        if user.get("UserStatus") != UNCONFIRMED or not isinstance(created, datetime):
            continue
        if _aware(created) <= cutoff:
            chosen.append(user)
    return chosen


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class CognitoAccounts:
    """The few user pool calls the purge needs: ListUsers and AdminDeleteUser."""

    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._user_pool_id = user_pool_id

    def unconfirmed(self) -> Iterator[dict[str, Any]]:
        """Every user the pool reports as UNCONFIRMED, all pages. The filter only narrows the listing; each user's
        UserStatus is checked again here (and again by `stale_unconfirmed`). Only the `sub` attribute is asked
        for: the purge needs no e-mail address, name or phone number."""
        params: dict[str, Any] = {
            "UserPoolId": self._user_pool_id,
            "Filter": f'cognito:user_status = "{UNCONFIRMED}"',
            "AttributesToGet": ["sub"],
            "Limit": _PAGE_SIZE,
        }
        while True:
            page = self._client.list_users(**params)
            for user in page.get("Users", []):
                if user.get("UserStatus") == UNCONFIRMED:
                    yield user
            token = page.get("PaginationToken")
            if not token:
                return
            params["PaginationToken"] = token

    def delete(self, username: str) -> bool:
        """Delete one user. True if this call deleted it, False if it was already gone (not an error: a run that
        was retried, or two runs at once)."""
        try:
            self._client.admin_delete_user(UserPoolId=self._user_pool_id, Username=username)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UserNotFoundException":
                return False
            raise
        return True
