"""DynamoDB stream consumer: each INSERT of an event item (one per status change) may text the applicant.

The event source mapping already filters for INSERTs of items whose `type` is "event"; anything else that
arrives all the same (another item, a MODIFY, such as the notifier's own claim) is skipped quietly. A record whose
text cannot be sent raises: Lambda retries from that record (ReportBatchItemFailures), records after it
included, which the claim on each event item turns into duplicates that are skipped. After the retries the
record goes to the on-failure queue.

Logs name the phone masked, never the whole number, and carry the text (the local stack's console shows it).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from intake import clock
from intake.notify_store import EventKey, NotifyStore
from intake.observability import logger, mask_phone, metrics, tracer
from intake.programs import load_catalogue
from notify.service import Notifier, Outcome, SnsTexter
from notify.settings import load_notify_settings

# Every failed record is reported, even when all of a batch fail (see validate_upload.handler).
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


@cache
def notifier() -> Notifier:
    settings = load_notify_settings()
    return Notifier(
        store=NotifyStore(boto3.resource("dynamodb").Table(settings.table_name)),
        texter=SnsTexter(boto3.client("sns"), settings.sms_sender_id),
        catalogue=load_catalogue(),
        clock=clock.now,
        signature=settings.sms_sender_id,
    )


def _event_item(record: DynamoDBRecord) -> tuple[EventKey, dict[str, Any]] | None:
    """The key and new image of an inserted event item; None for any other record."""
    stream = record.dynamodb
    if record.event_name != DynamoDBRecordEventName.INSERT or stream is None:
        return None
    image = stream.new_image
    if image.get("type") != "event":
        return None
    key = EventKey.of(stream.keys or image)
    return (key, image) if key else None


@tracer.capture_method(capture_response=False)
def record_handler(record: DynamoDBRecord) -> None:
    logger.remove_keys(["application_id", "event_sk"])
    logger.append_keys(event_id=record.event_id)
    found = _event_item(record)
    if found is None:
        logger.debug("not an inserted event item", extra={"event_name": record.get("eventName")})
        return
    key, image = found
    logger.append_keys(application_id=key.application_id, event_sk=key.sk)
    try:
        result = notifier().handle(key, image)
    except Exception:
        metrics.add_metric(name="Sms_failed", unit=MetricUnit.Count, value=1)
        raise
    sent = result.outcome is Outcome.SENT
    metrics.add_metric(name="Sms_sent" if sent else "Sms_skipped", unit=MetricUnit.Count, value=1)
    if result.sms is None:
        logger.debug("no sms for this action", extra={"outcome": result.outcome.value, "action": result.action})
        return
    logger.info("sms sent" if sent else "sms already sent for this event",
                extra={"outcome": result.outcome.value, "action": result.action, "phone": mask_phone(result.sms.phone),
                       "sms": result.sms.text, "sms_chars": len(result.sms.text), "message_id": result.message_id})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
