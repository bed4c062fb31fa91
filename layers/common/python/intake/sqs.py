"""Partial batch responses for SQS consumers (ReportBatchItemFailures).

Each message is handled on its own: one that raises is reported as failed, so Lambda returns only it to the
queue (and, after the queue's maxReceiveCount, to its dead-letter queue), while the rest of the batch
counts as done. This is all the upload consumers need of a batch framework; Powertools' BatchProcessor
does the same but imports asyncio and its data classes, about 80 ms of every cold start of the validator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.observability import logger

SqsMessage = dict[str, Any]
"""One record of an SQS event: messageId, body, attributes (ApproximateReceiveCount...), ..."""


def handle_each(event: dict[str, Any], handle: Callable[[SqsMessage], None]) -> dict[str, Any]:
    failures = []
    for message in event.get("Records") or []:
        try:
            handle(message)
        except Exception:
            logger.exception("message failed; it will be retried", extra={"message_id": message.get("messageId")})
            failures.append({"itemIdentifier": message.get("messageId")})
    return {"batchItemFailures": failures}


def receive_count(message: SqsMessage) -> int:
    return int((message.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
