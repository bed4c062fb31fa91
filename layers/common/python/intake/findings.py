"""A finding: one reason a file, a form or a rule did not fully pass, in Chinese and English."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

Severity = Literal["error", "warning"]
"""`error` blocks the material; `warning` is shown to staff and never blocks."""

Scalar = int | float | str | bool | None
Measure = Scalar | list[Scalar] | dict[str, Scalar]


class Finding(BaseModel):
    """One problem, stated so an applicant can fix it without asking anybody.

    `code` is stable (clients and staff filters key on it); `measured` and `limit` are the facts
    behind the message; `details` carries extra measurements (regions, samples) for the staff console.
    """

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    severity: Severity
    measured: Measure = None
    limit: Measure = None
    message_zh: str
    message_en: str
    details: dict[str, Any] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


def error(code: str, zh: str, en: str, measured: Measure = None, limit: Measure = None, **details: Any) -> Finding:
    return Finding(code=code, severity="error", measured=measured, limit=limit,
                   message_zh=zh, message_en=en, details=details)


def warning(code: str, zh: str, en: str, measured: Measure = None, limit: Measure = None, **details: Any) -> Finding:
    return Finding(code=code, severity="warning", measured=measured, limit=limit,
                   message_zh=zh, message_en=en, details=details)
