"""The intake table as the notifier sees it: read an application, claim and release the right to text about one
event item. (Key shapes and the item layout are those of intake.store.)

Exactly-once, as far as it goes
-------------------------------
The stream delivers an event at least once, and Lambda retries a failed record together with the records after
it. So before texting, the notifier *claims* the event item: ``SET notified_at = :now`` on condition that
``notified_at`` does not exist yet. Only the caller whose claim succeeds publishes; every later delivery of the
same event finds the claim and skips. If publishing fails, the claim is *released* (``REMOVE notified_at`` on
condition that it still holds the value this caller set) and the record fails, so the retry can claim again.
After a successful publish SNS's message id is recorded as ``sms_message_id``, for support.

The window this leaves is at-most-once, not exactly-once:

* a crash (timeout, out of memory, a killed sandbox) after the claim and before the release or the publish
  leaves the claim in place, and every retry skips: **that SMS is lost**. Such items are visible: they have
  ``notified_at`` but no ``sms_message_id`` long after ``notified_at``;
* a failed release (DynamoDB unavailable right after SNS failed) has the same effect, and is logged as an error;
* conversely, a publish that SNS accepted but whose response never arrived (a read timeout) is released and
  retried, so that one text may arrive twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake.models import Application
from intake.store import conditional_update

_APP_PREFIX = "APP#"
_EVENT_PREFIX = "EVENT#"
# What a text needs of an application: not the profile (it is neither needed nor worth reading).
_APPLICATION_ATTRIBUTES = ("id", "program_id", "status", "applicant", "supplement_notes", "decision",
                           "created_at", "updated_at", "version")


@dataclass(frozen=True, slots=True)
class EventKey:
    """The key of one event item: PK=APP#<application id>, SK=EVENT#<time>#<version>."""

    pk: str
    sk: str

    @classmethod
    def of(cls, item: dict[str, Any]) -> EventKey | None:
        """The key of `item` when it is shaped like an event item's key, else None."""
        pk, sk = item.get("PK"), item.get("SK")
        if not (isinstance(pk, str) and pk.startswith(_APP_PREFIX) and len(pk) > len(_APP_PREFIX)
                and isinstance(sk, str) and sk.startswith(_EVENT_PREFIX)):
            return None
        return cls(pk, sk)

    @property
    def application_id(self) -> str:
        return self.pk.removeprefix(_APP_PREFIX)

    def as_key(self) -> dict[str, str]:
        return {"PK": self.pk, "SK": self.sk}




class NotifyStore:
    """`table` is a boto3 DynamoDB Table resource."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get_application(self, application_id: str) -> Application | None:
        """The application item (without its profile), or None when there is none."""
        names = {f"#a{i}": name for i, name in enumerate(_APPLICATION_ATTRIBUTES)}
        item = self._table.get_item(
            Key={"PK": f"{_APP_PREFIX}{application_id}", "SK": "APP"},
            ConsistentRead=True,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        ).get("Item")
        return Application.model_validate(item) if item else None

    def claim(self, key: EventKey, now: datetime) -> str | None:
        """Take the right to text about this event. Returns the claim's token (the `notified_at` written),
        or None when the event was claimed before (a duplicate delivery) or its item does not exist."""
        token = now.isoformat()
        written = conditional_update(
            self._table,
            Key=key.as_key(),
            UpdateExpression="SET notified_at = :token",
            # attribute_exists(PK): an UpdateItem on a missing key would otherwise create a stray item.
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(notified_at)",
            ExpressionAttributeValues={":token": token},
        )
        return token if written else None

    def release(self, key: EventKey, token: str) -> bool:
        """Give a claim back so that a retry can text. False when the item no longer holds this claim."""
        return conditional_update(
            self._table,
            Key=key.as_key(),
            UpdateExpression="REMOVE notified_at",
            ConditionExpression="notified_at = :token",
            ExpressionAttributeValues={":token": token},
        )

    def mark_sent(self, key: EventKey, token: str, message_id: str) -> bool:
        """Record SNS's message id on a claimed event. False when the item no longer holds this claim."""
        return conditional_update(
            self._table,
            Key=key.as_key(),
            UpdateExpression="SET sms_message_id = :id",
            ConditionExpression="notified_at = :token",
            ExpressionAttributeValues={":id": message_id, ":token": token},
        )
