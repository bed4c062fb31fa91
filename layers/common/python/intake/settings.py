"""Typed configuration per function, read from the environment once. Missing values fail at start."""

from __future__ import annotations

import os
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field


class _FromEnv(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ValidatorSettings(_FromEnv):
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    bucket_name: str = Field(alias="BUCKET_NAME", min_length=3)
    inspect_queue_url: str | None = Field(default=None, alias="INSPECT_QUEUE_URL")
    """Where files go for their vision checks; unset, the file checks' verdict is final."""


class InspectorSettings(_FromEnv):
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    bucket_name: str = Field(alias="BUCKET_NAME", min_length=3)


class ApiSettings(_FromEnv):
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    bucket_name: str = Field(alias="BUCKET_NAME", min_length=3)
    upload_url_ttl_seconds: int = Field(alias="UPLOAD_URL_TTL_SECONDS", ge=60, le=3600)


S = TypeVar("S", bound=_FromEnv)


@cache
def load_settings(model: type[S]) -> S:
    return model.model_validate(dict(os.environ))


class CloserSettings(_FromEnv):
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
