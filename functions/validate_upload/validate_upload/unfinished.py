"""Consumer of the inspection dead-letter queue: inspections that kept failing.

The inspection function retried each of these requests and gave up (a timeout, memory exhausted, a crash
on some file). The upload must not wait for ever: its file checks' verdict is recorded with a warning that
staff look at the file themselves. A request already answered, or for an object since replaced, changes
nothing. Only a failure a retry can cure (DynamoDB unavailable) raises, and then only for that message.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from intake.inspections import InspectionRequest, InspectionService
from intake.observability import logger, metrics
from intake.sqs import SqsMessage, handle_each, receive_count

# one per container, built on the first message
service = cache(InspectionService.from_environment)


def record_handler(record: SqsMessage) -> None:
    try:
        request = InspectionRequest.model_validate_json(record["body"])
    except ValidationError:
        # Not a request this system sent: no retry can help, and no upload can be named.
        logger.error("unreadable inspection request dropped", extra={"body": record["body"][:1000]})
        return
    receives = receive_count(record)
    outcome = service().give_up(request, "inspection failed repeatedly")
    metrics.add_metric(name="InspectionGivenUp", unit=MetricUnit.Count, value=1)
    logger.warning("inspection given up", extra={"outcome": outcome.value, "key": request.key,
                                                  "receives": receives})


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_each(event, record_handler)
