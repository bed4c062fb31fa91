"""Integration fixtures: the resources of template.yaml (storage, queues, tables and the Cognito user pool
with its client and groups), provisioned on in-process moto for each test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cache

import boto3
import pytest
from moto import mock_aws

from intake_tools.local import Deployment, TranslatedTemplate, provision, translate_file

REGION = "us-east-1"

#: Variables from a developer's shell that would send boto3 somewhere other than moto.
_FOREIGN_AWS_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


@cache
def translated_template() -> TranslatedTemplate:
    """template.yaml translated to CloudFormation, once per test session."""
    return translate_file(region=REGION)


@cache
def _session() -> boto3.Session:
    """One session for every test: its clients' service models load once (moto intercepts them anyway)."""
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def _shared_environment(deployment: Deployment) -> dict[str, str]:
    """Every function's variables together. Where functions disagree on a variable, the first function
    in logical-id order wins; use ``lambda_env`` for one function's exact environment."""
    merged: dict[str, str] = {}
    for logical_id in sorted(deployment.functions):
        for name, value in deployment.functions[logical_id].environment.items():
            merged.setdefault(name, value)
    return merged


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """moto with every bucket, queue, table, user pool, app client and group of template.yaml, and the
    functions' environment set.

    Yields the ``Deployment``: ``aws.bucket``/``aws.table`` (names), ``aws.queues`` (URLs by logical id),
    ``aws.user_pool_id``/``aws.user_pool_client_id`` (the Cognito pool and its app client; ``aws.user_pools``
    and ``aws.user_pool_clients`` by logical id), ``aws.functions`` (``FunctionSpec`` by logical id),
    ``aws.event_sources``, ``aws.routes`` (each with its ``authorizer``), ``aws.outputs``.
    """
    for name in _FOREIGN_AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    with mock_aws():
        deployment = provision(translated_template(), session_or_clients=_session(), region=REGION)
        for name, value in _shared_environment(deployment).items():
            monkeypatch.setenv(name, value)
        yield deployment


@pytest.fixture
def lambda_env(aws: Deployment, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], dict[str, str]]:
    """``lambda_env("ApiFunction")`` sets exactly that function's template environment and returns it."""

    def use(logical_id: str) -> dict[str, str]:
        environment = aws.functions[logical_id].environment
        for name in _shared_environment(aws):
            if name not in environment:
                monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return environment

    return use
