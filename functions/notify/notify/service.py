"""One event item in, at most one SMS out: decide whether the event tells the applicant anything, compose the
text, claim the event, publish, and give the claim back if publishing fails (see intake.notify_store for what
the claim guarantees and what it does not)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from intake.models import Application
from intake.notifications import NOTIFIED_ACTIONS, Sms, compose_sms
from intake.notify_store import EventKey, NotifyStore
from intake.observability import logger, mask_phone
from intake.programs import Program, ProgramCatalogue

SMS_TYPE = "Transactional"
"""Review results are time-critical texts, not marketing."""


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    """This event was texted (or claimed) by an earlier delivery."""
    NOT_NOTIFIED = "not_notified"
    """The event's action tells the applicant nothing (submit, resubmit)."""


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    action: str
    sms: Sms | None = None
    message_id: str | None = None


class Undeliverable(Exception):
    """The event refers to an application or program that is not there: retried, then kept on the failure
    destination for someone to look at."""


class SnsTexter:
    """Sends one SMS through SNS's direct publish to a phone number."""

    def __init__(self, client: Any, sender_id: str) -> None:
        self._client = client
        self._sender_id = sender_id

    def send(self, sms: Sms) -> str:
        response = self._client.publish(
            PhoneNumber=sms.e164,
            Message=sms.text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": SMS_TYPE},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
            },
        )
        return str(response["MessageId"])


class Notifier:
    def __init__(self, store: NotifyStore, texter: SnsTexter, catalogue: ProgramCatalogue,
                 clock: Callable[[], datetime], signature: str) -> None:
        self._store = store
        self._texter = texter
        self._catalogue = catalogue
        self._clock = clock
        self._signature = signature

    def handle(self, key: EventKey, event: Mapping[str, Any]) -> Result:
        """Text the applicant about the event item `event` (stored under `key`), unless it needs no text or was
        texted already. Raises when the text could not be sent; the claim is then given back."""
        action = str(event.get("action", ""))
        if action not in NOTIFIED_ACTIONS:
            return Result(Outcome.NOT_NOTIFIED, action)
        app = self._store.get_application(key.application_id)
        if app is None:
            raise Undeliverable(f"event {key.sk} of application {key.application_id}: no application item")
        program = self._catalogue.get(app.program_id)
        if program is None:
            raise Undeliverable(f"application {app.id}: program {app.program_id} is not in the catalogue")
        sms = compose_sms(event, app, program, deadline=self._deadline(app, program, event),
                          signature=self._signature)
        if sms is None:
            return Result(Outcome.NOT_NOTIFIED, action)

        token = self._store.claim(key, self._clock())
        if token is None:
            return Result(Outcome.DUPLICATE, action, sms)
        try:
            message_id = self._texter.send(sms)
        except Exception:
            self._give_back(key, token, sms)
            raise
        try:
            self._store.mark_sent(key, token, message_id)
        except Exception:  # the text is out; the id is only for support, so this must not cause a resend
            logger.exception("sms sent but its message id was not recorded", extra={"message_id": message_id})
        return Result(Outcome.SENT, action, sms, message_id)

    def _give_back(self, key: EventKey, token: str, sms: Sms) -> None:
        try:
            released = self._store.release(key, token)
        except Exception:
            logger.exception("sms failed and its claim could not be released: it will not be retried",
                             extra={"event_sk": key.sk, "phone": mask_phone(sms.phone), "sms_action": sms.action})
            return
        if not released:
            logger.error("sms failed and the event no longer holds this claim", extra={"event_sk": key.sk})

    @staticmethod
    def _deadline(app: Application, program: Program, event: Mapping[str, Any]) -> datetime | None:
        """By when the applicant must act on this event. Programs do not carry their windows yet (supplement
        window, PG-REV-1); once they do, this is where the supplement deadline is found."""
        return None
