"""Collaborators of the API, built once per container on first use (so tests can patch the environment)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from intake import clock
from intake.applications import ApplicationService
from intake.auth import Caller
from intake.blobs import UploadsBucket
from intake.programs import load_catalogue
from intake.review import ReviewService
from intake.settings import ApiSettings, load_settings
from intake.store import IntakeStore


@cache
def _store() -> IntakeStore:
    return IntakeStore(boto3.resource("dynamodb").Table(load_settings(ApiSettings).table_name))


@cache
def _bucket() -> UploadsBucket:
    return UploadsBucket(boto3.client("s3"), load_settings(ApiSettings).bucket_name)


def _now() -> datetime:
    return clock.now()


@cache
def applications() -> ApplicationService:
    return ApplicationService(store=_store(), presigner=_bucket(), catalogue=load_catalogue(), clock=_now,
                              upload_ttl=timedelta(seconds=load_settings(ApiSettings).upload_url_ttl_seconds))


@cache
def review() -> ReviewService:
    return ReviewService(store=_store(), presigner=_bucket(), catalogue=load_catalogue(), clock=_now)


def caller(app: APIGatewayRestResolver) -> Caller:
    """The caller API Gateway's Cognito authorizer verified (anonymous on public routes)."""
    return Caller.from_claims(app.current_event.request_context.authorizer.claims)
