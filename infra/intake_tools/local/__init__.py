"""``intake local``: the whole application on one machine, built from ``template.yaml``.

- ``template``: load template.yaml (CloudFormation short tags) and translate SAM offline.
- ``resources``: ``provision()`` creates the template's S3/SQS/DynamoDB/Cognito resources through any boto3 clients
  (moto's server, or ``mock_aws`` in tests) and describes functions, event sources and routes.
- ``functions``/``worker``: each Lambda function in its own worker process.
- ``events``: SQS and DynamoDB-stream pollers that invoke functions with Lambda-shaped events.
- ``apigateway``: the REST API as a local HTTP server producing API Gateway proxy events.
- ``auth``: the API's Cognito authorizer (ID-token verification against the pool's JWKS on moto), the demo
  accounts made at start-up, and ``sign_in`` (an ID token for a user of the local pool).
- ``scheduler``: the stack's own clock (``LocalClock``, read by every worker through INTAKE_CLOCK_OFFSET_FILE) and
  ``LocalScheduler``, which fires the EventBridge Scheduler schedules held in moto on that clock.
- ``runtime``: ``LocalStack`` and ``run_local_stack`` tie it together.

The names below load on first use, so a worker process (``python -m intake_tools.local.worker``) imports
nothing of the local stack but its own module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import CognitoVerifier, DemoAccount, SignInError, sign_in
    from .resources import (
        SKIPPED_TYPES,
        Deployment,
        EventSource,
        FunctionSpec,
        ProvisioningError,
        Route,
        RouteAuthorizer,
        provision,
        supported_types,
    )
    from .runtime import LocalStack, LocalStackError, run_local_stack
    from .template import TemplateError, TranslatedTemplate, default_template_path, load_template, translate_file

_EXPORTS = {
    "CognitoVerifier": "auth",
    "DemoAccount": "auth",
    "SignInError": "auth",
    "sign_in": "auth",
    "RouteAuthorizer": "resources",
    "SKIPPED_TYPES": "resources",
    "Deployment": "resources",
    "EventSource": "resources",
    "FunctionSpec": "resources",
    "ProvisioningError": "resources",
    "Route": "resources",
    "provision": "resources",
    "supported_types": "resources",
    "LocalStack": "runtime",
    "LocalStackError": "runtime",
    "run_local_stack": "runtime",
    "TemplateError": "template",
    "TranslatedTemplate": "template",
    "default_template_path": "template",
    "load_template": "template",
    "translate_file": "template",
}

__all__ = [
    "SKIPPED_TYPES",
    "CognitoVerifier",
    "DemoAccount",
    "Deployment",
    "EventSource",
    "FunctionSpec",
    "LocalStack",
    "LocalStackError",
    "ProvisioningError",
    "Route",
    "RouteAuthorizer",
    "SignInError",
    "TemplateError",
    "TranslatedTemplate",
    "default_template_path",
    "load_template",
    "provision",
    "run_local_stack",
    "sign_in",
    "supported_types",
    "translate_file",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
