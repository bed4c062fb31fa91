"""Invoked by EventBridge Scheduler: at each program deadline ({"action": "close", "program_id", "window"}) and
periodically ({"action": "abandon_sweep"})."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, TypeAdapter

from intake import clock
from intake.closing import Closer, WindowName
from intake.observability import logger, metrics, tracer
from intake.programs import load_catalogue
from intake.settings import CloserSettings, load_settings
from intake.store import IntakeStore


class CloseEvent(BaseModel):
    action: Literal["close"]
    program_id: str
    window: WindowName


class SweepEvent(BaseModel):
    action: Literal["abandon_sweep"]


Event = TypeAdapter(Annotated[CloseEvent | SweepEvent, Field(discriminator="action")])


@cache
def closer() -> Closer:
    settings = load_settings(CloserSettings)
    return Closer(IntakeStore(boto3.resource("dynamodb").Table(settings.table_name)), load_catalogue(), clock.now)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = Event.validate_python(event)
    reports = [closer().close(request.program_id, request.window)] if isinstance(request, CloseEvent) \
        else closer().abandon_sweep()
    for report in reports:
        metrics.add_metric(name="ApplicationsClosed", unit=MetricUnit.Count, value=len(report.changed))
        logger.info("window closed", extra={"program_id": report.program_id, "window": report.window,
                                            "changed": len(report.changed), "already_changed": report.already_changed,
                                            "still_pending": report.listed, "skipped": report.skipped_reason})
    return {"reports": [r.model_dump() for r in reports]}
