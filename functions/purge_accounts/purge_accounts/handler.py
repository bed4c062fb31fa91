"""Daily (EventBridge Scheduler): delete applicant accounts still unconfirmed a week after sign-up (ED-ACC-2).

Lists the pool's UNCONFIRMED users, keeps those created at least `UNCONFIRMED_ACCOUNT_TTL` before
`intake.clock.now()` (see `intake.accounts`, which also explains the 24-hour half of the rule: Cognito's own
confirmation code expiry) and deletes them. A run is idempotent: a user already gone is skipped, and a run that
stops early for lack of time leaves the rest to the next one. Logs carry counts and usernames cut to their first
three characters, never a whole username or any attribute.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from pydantic import BaseModel, ConfigDict, Field

from intake import clock
from intake.accounts import UNCONFIRMED_ACCOUNT_TTL, CognitoAccounts, stale_unconfirmed
from intake.observability import logger, metrics, tracer

#: Stop deleting when less than this is left of the invocation; the next daily run picks up the rest.
TIME_RESERVE_MS = 15_000


class PurgeSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    user_pool_id: str = Field(alias="USER_POOL_ID", min_length=3)


@cache
def settings() -> PurgeSettings:
    return PurgeSettings.model_validate(dict(os.environ))


@cache
def accounts() -> CognitoAccounts:
    # ListUsers and AdminDeleteUser have low request quotas; let botocore back off on throttling.
    client = boto3.client("cognito-idp", config=Config(retries={"mode": "standard", "max_attempts": 8}))
    return CognitoAccounts(client, settings().user_pool_id)


def mask_username(username: str) -> str:
    """abc***: enough to find the account in a support case, never the whole name in a log line."""
    return f"{username[:3]}***"


@tracer.capture_method
def purge(context: LambdaContext | None = None) -> dict[str, int]:
    now = clock.now()
    unconfirmed = list(accounts().unconfirmed())  # the whole listing first: deleting between pages would move them
    stale = stale_unconfirmed(unconfirmed, now)
    deleted: list[str] = []
    already_gone = 0
    for user in stale:
        if context is not None and context.get_remaining_time_in_millis() < TIME_RESERVE_MS:
            logger.warning("time budget spent; the rest waits for the next run",
                           extra={"left": len(stale) - len(deleted) - already_gone})
            break
        username = user["Username"]
        if accounts().delete(username):
            deleted.append(mask_username(username))
        else:
            already_gone += 1
    metrics.add_metric(name="UnconfirmedAccountsDeleted", unit=MetricUnit.Count, value=len(deleted))
    logger.info("unconfirmed accounts purged",
                extra={"deleted": len(deleted), "checked": len(unconfirmed), "stale": len(stale),
                       "already_gone": already_gone, "usernames": deleted,
                       "cutoff": (now - UNCONFIRMED_ACCOUNT_TTL).isoformat()})
    return {"deleted": len(deleted), "checked": len(unconfirmed)}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return purge(context)
