"""Calling the real handlers in-process with the sample events from events/."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"


@dataclass
class Context:
    function_name: str = "intake-test"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:intake-test"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/intake-test"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def reset_handler_caches() -> None:
    """Handlers build their collaborators once per container; each test is a new container."""
    from inspect_upload import handler as inspector_handler
    from intake.settings import load_settings
    from intake_api import deps
    from validate_upload import handler as validator_handler
    from validate_upload import unfinished

    load_settings.cache_clear()
    for factory in (deps.applications, deps.review, deps._store, deps._bucket):
        factory.cache_clear()
    validator_handler.validator.cache_clear()
    inspector_handler.service.cache_clear()
    unfinished.service.cache_clear()


APPLICANT_A = {"sub": "0a1b2c3d-applicant-a", "email": "a@example.cn", "cognito:groups": ""}
APPLICANT_B = {"sub": "0a1b2c3d-applicant-b", "email": "b@example.cn", "cognito:groups": ""}
REVIEWER = {"sub": "0a1b2c3d-reviewer-1", "email": "r1@example.cn", "cognito:groups": "reviewers"}
REVIEWER_2 = {"sub": "0a1b2c3d-reviewer-2", "email": "r2@example.cn", "cognito:groups": "reviewers"}
ADMIN = {"sub": "0a1b2c3d-admin-1", "email": "admin@example.cn", "cognito:groups": "admins"}
ANONYMOUS: dict[str, str] | None = None


@cache
def _route_templates() -> list[tuple[re.Pattern[str], str]]:
    from intake_api.handler import openapi_document

    routes = []
    for template in json.loads(openapi_document())["paths"]:
        pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    return routes


def call_api(method: str, path: str, body: Any = None, raw_body: str | None = None,
             caller: dict[str, str] | None = APPLICANT_A, query: dict[str, str] | None = None) -> tuple[int, Any]:
    """Build a REST proxy event (shaped like events/apigateway/*.json) and call the API handler. `caller`'s
    claims go where API Gateway's Cognito authorizer puts them; None is an anonymous caller."""
    response = api_response(method, path, body, raw_body, caller, query)
    text = response["body"]
    return response["statusCode"], json.loads(text) if text else None


def api_response(method: str, path: str, body: Any = None, raw_body: str | None = None,
                 caller: dict[str, str] | None = APPLICANT_A, query: dict[str, str] | None = None,
                 ) -> dict[str, Any]:
    """The handler's whole proxy response (status, headers, body as text) for a request like `call_api`'s."""
    from intake_api.handler import lambda_handler

    resource, params = path, None
    for pattern, template in _route_templates():
        m = pattern.match(path)
        if m:
            resource, params = template, m.groupdict() or None
            break
    ev = copy.deepcopy(event("apigateway/create-application"))
    ev.update(httpMethod=method, path=path, resource=resource, pathParameters=params, queryStringParameters=query,
              multiValueQueryStringParameters={k: [v] for k, v in (query or {}).items()} or None)
    ev["requestContext"].update(httpMethod=method, path=f"/v1{path}", resourcePath=resource)
    ev["requestContext"].pop("authorizer", None)
    if caller is not None:
        ev["requestContext"]["authorizer"] = {"claims": dict(caller)}
    ev["body"] = raw_body if raw_body is not None else (None if body is None else json.dumps(body, ensure_ascii=False))
    return lambda_handler(ev, Context())


def sqs_event_for(objects: list[dict[str, Any]] | list[str]) -> dict[str, Any]:
    """An SQS batch shaped like events/sqs/s3-object-created.json, one message per item: a dict describes
    an S3 object (key, size, sequencer, version_id, event_time); a string is sent as the raw body."""
    template_record = event("sqs/s3-object-created")["Records"][0]
    notification = event("s3/object-created")
    records = []
    for i, item in enumerate(objects):
        record = copy.deepcopy(template_record)
        record["messageId"] = f"msg-{i}"
        if isinstance(item, str):
            record["body"] = item
        else:
            body = copy.deepcopy(notification)
            s3 = body["Records"][0]["s3"]
            s3["bucket"]["name"] = item["bucket"]
            s3["object"].update(key=item["key"], size=item["size"], sequencer=item.get("sequencer", "00A1"),
                                versionId=item.get("version_id"))
            body["Records"][0]["eventTime"] = item.get("event_time") or _now_z()
            record["body"] = json.dumps(body)
        records.append(record)
    return {"Records": records}


def _now_z() -> str:
    from intake import clock

    return clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def validate(batch: dict[str, Any], *, inspect: bool = True) -> dict[str, Any]:
    """The upload pipeline: the validation handler on `batch`, then (unless `inspect` is False) the inspection
    handler on every request the validator queued, as Lambda's SQS event source would deliver them."""
    from validate_upload.handler import lambda_handler

    response = lambda_handler(batch, Context())
    if inspect:
        inspect_pending()
    return response


def receive_all(queue_url: str) -> list[dict[str, Any]]:
    """Take every message off a queue, as SQS event records."""
    import boto3

    sqs, records = boto3.client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return records
        for m in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                            "attributes": {"ApproximateReceiveCount": m["Attributes"].get("ApproximateReceiveCount",
                                                                                          "1")},
                            "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:inspection",
                            "awsRegion": "us-east-1"})


def inspect_pending() -> list[dict[str, Any]]:
    """Run the inspection handler on every queued inspection request; returns its batch responses."""
    import os

    from inspect_upload.handler import lambda_handler

    records = receive_all(os.environ["INSPECT_QUEUE_URL"])
    return [lambda_handler({"Records": records[i:i + 5]}, Context()) for i in range(0, len(records), 5)]
