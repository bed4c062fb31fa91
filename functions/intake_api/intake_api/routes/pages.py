"""The pages: the applicant's site at `/` and the staff console at `/staff`, plain HTML, CSS and JavaScript
served by this function (nothing to build, nothing to host elsewhere), and `/config.json`, which tells them
where to sign in.

Links inside the pages are relative, so the same files work at the stage path (`/v1/`) and at the local
stack's root.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from intake.errors import NotFound

router = APIGatewayRouter()
WEB = Path(__file__).resolve().parent.parent / "web"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
# The pages talk to this API, to Cognito and to the uploads bucket (presigned POSTs, short-lived GETs).
_SECURITY = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data: blob: https: http:; connect-src 'self' https: http:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSET_NAME = r"^[a-z][a-z0-9-]*\.(js|css|svg)$"


@cache
def _read(name: str) -> str:
    return (WEB / name).read_text(encoding="utf-8")


def _file(name: str, max_age: int) -> Response[str]:
    return Response(status_code=200, content_type=_TYPES[Path(name).suffix], body=_read(name),
                    headers={**_SECURITY, "Cache-Control": f"public, max-age={max_age}"})


@router.get("/", include_in_schema=False)
def applicant_site() -> Response[str]:
    return _file("applicant.html", 60)


@router.get("/staff", include_in_schema=False)
def staff_console() -> Response[str]:
    return _file("staff.html", 60)


@router.get("/assets/<name>", include_in_schema=False)
def asset(name: Annotated[str, PathParam(max_length=64)]) -> Response[str]:
    if not re.match(ASSET_NAME, name) or not (WEB / name).is_file():
        raise NotFound(f"没有文件 {name}", f"no file {name}", code="asset.not_found")
    return _file(name, 300)


class WebConfig(BaseModel):
    region: str
    user_pool_id: str
    client_id: str
    cognito_endpoint: str
    """Where the pages send Cognito's sign-up and sign-in calls (the regional endpoint when deployed)."""
    local: bool
    """True on the local stack: the pages also offer its clock and SMS outbox (`/_local/…`)."""


@router.get("/config.json", include_in_schema=False)
def web_config() -> WebConfig:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "cn-north-1"
    local_endpoint = os.environ.get("AWS_ENDPOINT_URL")  # set only by the local stack
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return WebConfig(region=region, user_pool_id=os.environ.get("USER_POOL_ID", ""),
                     client_id=os.environ.get("USER_POOL_CLIENT_ID", ""),
                     cognito_endpoint=local_endpoint or f"https://cognito-idp.{region}.{suffix}/",
                     local=bool(local_endpoint))
