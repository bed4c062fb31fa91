"""SQS consumer: each message asks for the vision checks of one uploaded file (see intake.inspections).

Transient failures (S3 or DynamoDB unavailable) raise, and Lambda retries that message alone; a request
that keeps failing goes to the inspection dead-letter queue, whose consumer records the file for staff
to check by hand. This is the only function that imports OpenCV; it runs as a container image.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from inspect_upload.inspect import inspect_file
from intake.inspections import InspectionRequest, InspectionService
from intake.observability import logger, metrics, tracer
from intake.sqs import SqsMessage, handle_each

# one per container, built on the first message
service = cache(InspectionService.from_environment)


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
