"""SQS consumer: each message is an S3 ObjectCreated notification for an applicant's upload.

A file that fails its checks is a normal, recorded outcome. Only failures that a retry can cure (S3 or
DynamoDB unavailable, throttling) or a message that cannot be parsed raise; Lambda then retries that
message alone (ReportBatchItemFailures) and, after the queue's maxReceiveCount, moves it to the
dead-letter queue, so one poisoned message never blocks the rest of its batch.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from intake import clock
from intake.blobs import UploadsBucket
from intake.inspections import InspectionQueue
from intake.observability import logger, metrics
from intake.programs import load_catalogue
from intake.settings import ValidatorSettings, load_settings
from intake.sqs import SqsMessage, handle_each
from intake.store import IntakeStore
from intake.validation import Outcome, UploadValidator
from validate_upload.events import S3Notification


@cache
def validator() -> UploadValidator:
    """Built on the first message, with the AWS SDK: its import and client set-up (~0.4 s together) are paid
    once per container, after the import the cold start benchmark measures (tests/benchmarks)."""
    import boto3

    settings = load_settings(ValidatorSettings)
    return UploadValidator(
        store=IntakeStore(boto3.resource("dynamodb").Table(settings.table_name)),
        objects=UploadsBucket(boto3.client("s3"), settings.bucket_name),
        catalogue=load_catalogue(),
        clock=clock.now,
        inspections=(InspectionQueue(boto3.client("sqs"), settings.inspect_queue_url)
                     if settings.inspect_queue_url else None),
    )


def record_handler(record: SqsMessage) -> None:
    logger.append_keys(message_id=record["messageId"])
    notification = S3Notification.model_validate_json(record["body"])
    if notification.is_test_event:
        logger.info("s3 test event ignored")
        return
    for s3_record in notification.Records:
        obj = s3_record.to_object()
        outcome = validator().process(obj)
        metrics.add_metric(name=f"Upload_{outcome.value}", unit=MetricUnit.Count, value=1)
        unexpected = outcome in (Outcome.FOREIGN_BUCKET, Outcome.FOREIGN_KEY, Outcome.NEVER_ISSUED)
        log = logger.warning if unexpected else logger.info
        log("upload processed", extra={"outcome": outcome.value, "key": obj.key, "size": obj.size,
                                       "event": s3_record.eventName})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_each(event, record_handler)
