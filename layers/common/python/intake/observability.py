"""One Logger, Metrics and Tracer per process; the service name comes from POWERTOOLS_SERVICE_NAME.

The Tracer is made on first use (`from intake.observability import tracer`): it imports the X-Ray SDK, about
a quarter of a second of every cold start, so functions that take many cold starts in a rush (the upload
validator) do without it and rely on Lambda's own active tracing of their invocations.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

# An invocation with nothing to count (S3's test event, a read-only API call) is normal here.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()


@cache
def _tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer()


def __getattr__(name: str) -> Any:
    if name == "tracer":
        return _tracer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def mask_phone(phone: str) -> str:
    """138****8000: enough for support, never the whole number in a log line."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
