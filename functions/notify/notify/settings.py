"""The notifier's configuration, read from the environment once (the pattern of intake.settings)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class NotifySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    sms_sender_id: str = Field(alias="SMS_SENDER_ID", pattern=r"^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$",
                               max_length=11)
    """SNS's SenderID: 1 to 11 letters and digits, at least one letter. Also the signature in 【】."""


@cache
def load_notify_settings() -> NotifySettings:
    return NotifySettings.model_validate(dict(os.environ))
