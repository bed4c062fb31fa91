"""The one error body every 4xx answer uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. applicant.phone.")
    type: str
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    code: str
    message_zh: str
    message_en: str
    message: str
    fields: list[FieldError] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorResponse(BaseModel):
    error: ErrorBody


_ZH_BY_TYPE = {
    "missing": "必填项缺失",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
}


def field_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",)]
        out.append(FieldError(
            field=".".join(loc) or "body",
            type=e.get("type", "invalid"),
            message_zh=_ZH_BY_TYPE.get(e.get("type", ""), "取值无效"),
            message_en=str(e.get("msg", "invalid value")),
        ))
    return out


def error_response(code: str, zh: str, en: str, fields: list[FieldError] | None = None,
                   details: dict[str, Any] | None = None) -> dict[str, Any]:
    body = ErrorBody(code=code, message_zh=zh, message_en=en, message=f"{zh} / {en}",
                     fields=fields or [], details=details or {})
    return ErrorResponse(error=body).model_dump(mode="json")
