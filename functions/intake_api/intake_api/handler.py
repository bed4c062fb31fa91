"""API Gateway (REST, proxy) entry point: routing, validation, errors and the OpenAPI document."""

from __future__ import annotations

import json
import os
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from intake.errors import DomainError
from intake.observability import logger, metrics, tracer
from intake_api.errors import error_response, field_errors
from intake_api.routes import applications, pages, programs, staff

API_TITLE = "intake API"
API_VERSION = "1.0.0"

app = APIGatewayRestResolver(
    enable_validation=True,
    # Chinese stays readable in responses (JSON is UTF-8 by definition).
    serializer=partial(json.dumps, ensure_ascii=False, separators=(",", ":"), default=str),
    cors=CORSConfig(allow_origin=os.environ.get("ALLOWED_ORIGIN") or "*", max_age=600),
)
app.include_router(applications.router)
app.include_router(programs.router)
app.include_router(staff.router)
app.include_router(pages.router)


def openapi_document() -> str:
    return app.get_openapi_json_schema(
        title=API_TITLE,
        version=API_VERSION,
        description="Applicants create applications, upload materials through presigned POSTs and read the findings.",
    )


@app.get("/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_document())


@app.exception_handler(DomainError)
def handle_domain_error(exc: DomainError) -> Response[dict[str, Any]]:
    return Response(status_code=exc.status, content_type=content_types.APPLICATION_JSON,
                    body=error_response(exc.code, exc.message_zh, exc.message_en, details=exc.details))


@app.exception_handler(RequestValidationError)
def handle_validation_error(exc: RequestValidationError) -> Response[dict[str, Any]]:
    fields = field_errors(list(exc.errors()))
    names = ", ".join(f.field for f in fields)
    return Response(status_code=422, content_type=content_types.APPLICATION_JSON,
                    body=error_response("request.invalid", f"请求数据有误：{names}", f"invalid request: {names}",
                                        fields=fields))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
