"""Domain errors: each carries a stable code, an HTTP-like status and a message in Chinese and English."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "request.invalid"

    def __init__(self, zh: str, en: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(en)
        self.message_zh = zh
        self.message_en = en
        if code:
            self.code = code
        self.details = details


class Unauthorized(DomainError):
    status = 401
    code = "auth.required"


class Forbidden(DomainError):
    status = 403
    code = "auth.forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    status = 422
    code = "request.invalid"


class WindowClosed(DomainError):
    status = 409
    code = "window.closed"


class ServiceClosed(DomainError):
    status = 410
    code = "service.closed"


class LimitReached(DomainError):
    status = 429
    code = "limit_reached"
