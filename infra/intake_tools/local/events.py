"""Lambda's event-source mappings: poll a queue or a stream, invoke the function, settle the batch."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .console import Console
from .functions import Invocation
from .resources import EventSource

__all__ = ["SqsPoller", "StreamPoller", "dynamodb_stream_event", "sqs_event"]

Invoke = Callable[[str, dict[str, Any]], Invocation]

#: How long one receive waits, which is also how quickly a poller notices it should stop.
POLL_WAIT_SECONDS = 1


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary,
        "stringListValues": list(value.get("StringListValues") or []),
        "binaryListValues": [base64.b64encode(item).decode() for item in value.get("BinaryListValues") or []],
        "dataType": value.get("DataType"),
    }


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS poller sends for a batch of received messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": {
                    name: _message_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def _plain(value: Any) -> Any:
    """boto3's parsed stream record back into the JSON Lambda sends (bytes as base64, times as epoch)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return value


def dynamodb_stream_event(records: list[dict[str, Any]], *, stream_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda sends for a batch of DynamoDB stream records."""
    return {
        "Records": [
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": _plain(record["dynamodb"]),
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


def matches(pattern: dict[str, Any], record: Any) -> bool:
    """Lambda event filtering for the subset the local stack accepts: every key of the pattern must be in
    the record; a nested pattern matches a nested object, a list lists the exact values allowed."""
    if not isinstance(record, dict):
        return False
    for key, wanted in pattern.items():
        if key not in record:
            return False
        if isinstance(wanted, dict):
            if not matches(wanted, record[key]):
                return False
        elif record[key] not in wanted:
            return False
    return True


def _selected(source: EventSource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not source.filter_patterns:
        return records
    return [r for r in records if any(matches(p, r) for p in source.filter_patterns)]


def _on_local_clock(message: dict[str, Any], offset: float) -> dict[str, Any]:
    """moto stamps S3 notifications with the real time; the local stack's S3 runs on its own clock, so a
    notification's eventTime is shifted by the clock's offset (deadlines compare against it)."""
    if not offset:
        return message
    try:
        body = json.loads(message["Body"])
        for record in body.get("Records") or []:
            when = datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")) + timedelta(seconds=offset)
            record["eventTime"] = when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (ValueError, KeyError, TypeError, AttributeError):
        return message  # not an S3 notification: delivered as it is
    return {**message, "Body": json.dumps(body)}


def _failed_items(invocation: Invocation, identifiers: list[str]) -> set[str] | None:
    """The identifiers a ReportBatchItemFailures response names; None means the whole batch failed."""
    result = invocation.result
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    named = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in identifiers:
            return None  # Lambda treats a malformed or unknown identifier as a failure of the whole batch
        named.add(identifier)
    return named


class _Poller(threading.Thread):
    def __init__(self, source: EventSource, *, invoke: Invoke, region: str, console: Console) -> None:
        super().__init__(name=f"poller-{source.logical_id}", daemon=True)
        self.source = source
        self._invoke = invoke
        self._region = region
        self._console = console
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def log(self, text: str) -> None:
        self._console.line(self.source.logical_id, text)

    def run(self) -> None:
        self.log(f"polling {self.source.source_arn} for {self.source.function}")
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception as exc:
                if self._stopping.is_set():
                    break
                self.log(f"poll failed, retrying: {type(exc).__name__}: {exc}")
                self._stopping.wait(1.0)

    def poll_once(self) -> None:
        raise NotImplementedError


class SqsPoller(_Poller):
    """Receives batches like Lambda's SQS event source and deletes what the function processed."""

    def __init__(self, source: EventSource, *, sqs: Any, invoke: Invoke, region: str, console: Console,
                 clock_offset: Callable[[], float] | None = None) -> None:
        super().__init__(source, invoke=invoke, region=region, console=console)
        self._sqs = sqs
        self._clock_offset = clock_offset

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=max(1, min(count, 10)),
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages") or [])

    def _collect(self) -> list[dict[str, Any]]:
        messages = self._receive(self.source.batch_size, POLL_WAIT_SECONDS)
        if not messages:
            return []
        window_ends = time.monotonic() + self.source.maximum_batching_window
        while len(messages) < self.source.batch_size and not self._stopping.is_set():
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            more = self._receive(self.source.batch_size - len(messages), 0)
            if more:
                messages.extend(more)
            else:
                self._stopping.wait(min(remaining, 0.1))
        return messages

    def poll_once(self) -> None:
        messages = self._collect()
        if self.source.filter_patterns and messages:
            # Lambda deletes messages that match no filter without invoking the function.
            def as_record(m: dict[str, Any]) -> dict[str, Any]:
                try:
                    body: Any = json.loads(m["Body"])
                except ValueError:
                    body = m["Body"]
                return {"body": body, "attributes": m.get("Attributes", {})}

            kept = [m for m in messages if any(matches(p, as_record(m)) for p in self.source.filter_patterns)]
            for m in messages:
                if m not in kept:
                    self._sqs.delete_message(QueueUrl=self.source.queue_url, ReceiptHandle=m["ReceiptHandle"])
            messages = kept
        if not messages:
            return
        if self._clock_offset is not None:
            messages = [_on_local_clock(m, self._clock_offset()) for m in messages]
        event = sqs_event(messages, queue_arn=self.source.source_arn, region=self._region)
        invocation = self._invoke(self.source.function, event)
        if not invocation.ok:
            # Nothing is deleted: the batch comes back after the visibility timeout, and the queue's
            # redrive policy moves it to the dead-letter queue after maxReceiveCount receives.
            self.log(f"{len(messages)} message(s) stay on the queue: {invocation.error_summary}")
            return
        ids = [message["MessageId"] for message in messages]
        failed = _failed_items(invocation, ids) if self.source.reports_batch_item_failures else set()
        if failed is None:
            self.log(f"malformed batchItemFailures; all {len(messages)} message(s) stay on the queue")
            return
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            response = self._sqs.delete_message_batch(
                QueueUrl=self.source.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(chunk)
                ],
            )
            for failure in response.get("Failed") or []:
                self.log(f"could not delete a message: {failure.get('Message', failure)}")
        if failed:
            self.log(f"{len(failed)} of {len(messages)} message(s) reported as failed stay on the queue")


class StreamPoller(_Poller):
    """Reads a DynamoDB stream shard by shard like Lambda's stream event source, in order."""

    def __init__(self, source: EventSource, *, streams: Any, invoke: Invoke, region: str, console: Console,
                 sqs: Any = None) -> None:
        super().__init__(source, invoke=invoke, region=region, console=console)
        self._streams = streams
        self._sqs = sqs
        self._iterators: dict[str, str | None] = {}
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._attempts: dict[str, int] = {}
        self._last_describe = 0.0

    def _discover_shards(self) -> None:
        if time.monotonic() - self._last_describe < 5 and self._iterators:
            return
        self._last_describe = time.monotonic()
        description = self._streams.describe_stream(StreamArn=self.source.source_arn)["StreamDescription"]
        for shard in description.get("Shards") or []:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self.source.source_arn,
                    ShardId=shard_id,
                    ShardIteratorType=self.source.starting_position or "LATEST",
                )["ShardIterator"]
                self._pending[shard_id] = []

    def poll_once(self) -> None:
        self._discover_shards()
        busy = False
        for shard_id, iterator in list(self._iterators.items()):
            if not self._pending[shard_id] and iterator is not None:
                response = self._streams.get_records(ShardIterator=iterator, Limit=self.source.batch_size)
                self._iterators[shard_id] = response.get("NextShardIterator")
                self._pending[shard_id] = _selected(self.source, list(response.get("Records") or []))
            if self._pending[shard_id]:
                busy = True
                self._deliver(shard_id)
        if not busy:
            self._stopping.wait(POLL_WAIT_SECONDS)

    def _send_to_failure_destination(self, shard_id: str, records: list[dict[str, Any]], attempts: int,
                                     reason: str) -> None:
        """What Lambda sends to an on-failure destination: where the batch was, not the records themselves."""
        if not self.source.on_failure_queue_url or self._sqs is None:
            return
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        self._sqs.send_message(QueueUrl=self.source.on_failure_queue_url, MessageBody=json.dumps({
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts,
                               "functionArn": self.source.function},
            "responseContext": {"functionError": reason},
            "DDBStreamBatchInfo": {"shardId": shard_id, "startSequenceNumber": numbers[0],
                                   "endSequenceNumber": numbers[-1], "batchSize": len(records),
                                   "streamArn": self.source.source_arn},
        }))

    def _deliver(self, shard_id: str) -> None:
        records = self._pending[shard_id]
        event = dynamodb_stream_event(records, stream_arn=self.source.source_arn, region=self._region)
        invocation = self._invoke(self.source.function, event)
        numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        failed: set[str] | None = (
            None
            if not invocation.ok
            else (_failed_items(invocation, numbers) if self.source.reports_batch_item_failures else set())
        )
        if failed == set():
            self._pending[shard_id] = []
            self._attempts.pop(shard_id, None)
            return
        # Retry from the first failed record, in order, as Lambda does for streams.
        first = 0 if failed is None else min(numbers.index(number) for number in failed)
        self._pending[shard_id] = records[first:]
        attempts = self._attempts.get(shard_id, 0) + 1
        self._attempts[shard_id] = attempts
        limit = self.source.maximum_retry_attempts
        reason = invocation.error_summary if not invocation.ok else "batch item failures"
        if 0 <= limit < attempts:
            self.log(f"discarding {len(records) - first} record(s) after {attempts} attempts: {reason}")
            self._send_to_failure_destination(shard_id, records[first:], attempts, reason)
            self._pending[shard_id] = []
            self._attempts.pop(shard_id, None)
            return
        self.log(f"retrying {len(records) - first} record(s) (attempt {attempts}): {reason}")
        self._stopping.wait(min(2**attempts, 30))
