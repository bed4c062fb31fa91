"""Collaborators of the API, built once per container on first use (so tests can patch the environment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from intake.applications import ApplicationService
from intake.auth import Caller
from intake.blobs import UploadsBucket
from intake.programs import load_catalogue
from intake.review import ReviewService
from intake.settings import ApiSettings, load_settings
from intake.store import IntakeStore


@cache
def applications() -> ApplicationService:
    settings = load_settings(ApiSettings)
    return ApplicationService(
        store=IntakeStore(boto3.resource("dynamodb").Table(settings.table_name)),
        presigner=UploadsBucket(boto3.client("s3"), settings.bucket_name),
        catalogue=load_catalogue(),
        clock=lambda: datetime.now(UTC),
        upload_ttl=timedelta(seconds=settings.upload_url_ttl_seconds),
    )


@cache
def review() -> ReviewService:
    settings = load_settings(ApiSettings)
    return ReviewService(
        store=IntakeStore(boto3.resource("dynamodb").Table(settings.table_name)),
        presigner=UploadsBucket(boto3.client("s3"), settings.bucket_name),
        catalogue=load_catalogue(),
        clock=lambda: datetime.now(UTC),
    )


def caller(app: APIGatewayRestResolver) -> Caller:
    """The caller API Gateway's Cognito authorizer verified (anonymous on public routes)."""
    return Caller.from_claims(app.current_event.request_context.authorizer.claims)
