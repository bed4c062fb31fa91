"""One Logger, Tracer and Metrics per process; the service name comes from POWERTOOLS_SERVICE_NAME."""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# An invocation with nothing to count (S3's test event, a read-only API call) is normal here.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def mask_phone(phone: str) -> str:
    """138****8000: enough for support, never the whole number in a log line."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
