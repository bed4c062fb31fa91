"""SQS consumer: each message asks for the vision checks of one uploaded file (see intake.inspections).

Transient failures (S3 or DynamoDB unavailable) raise, and Lambda retries that message alone; a request
that keeps failing goes to the inspection dead-letter queue, whose consumer records the file for staff
to check by hand. This is the only function that imports OpenCV; it runs as a container image.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from inspect_upload.inspect import inspect_file
from intake import clock
from intake.blobs import UploadsBucket
from intake.inspections import InspectionRequest, InspectionService
from intake.observability import logger, metrics, tracer
from intake.programs import load_catalogue
from intake.settings import InspectorSettings, load_settings
from intake.sqs import SqsMessage, handle_each
from intake.store import IntakeStore


@cache
def service() -> InspectionService:
    settings = load_settings(InspectorSettings)
    return InspectionService(
        store=IntakeStore(boto3.resource("dynamodb").Table(settings.table_name)),
        objects=UploadsBucket(boto3.client("s3"), settings.bucket_name),
        catalogue=load_catalogue(),
        clock=clock.now,
    )


@tracer.capture_method
def record_handler(record: SqsMessage) -> None:
    request = InspectionRequest.model_validate_json(record["body"])
    logger.append_keys(message_id=record["messageId"], key=request.key)
    outcome = service().inspect(request, inspect_file)
    metrics.add_metric(name=f"Inspection_{outcome.value}", unit=MetricUnit.Count, value=1)
    logger.info("upload inspected", extra={"outcome": outcome.value, "material": request.material_id})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_each(event, record_handler)
