"""API Gateway's part: an HTTP server that turns requests into REST API proxy events.

The API is served at the server's root (``http://127.0.0.1:PORT/applications``), without the stage
prefix; each event still carries the template's stage name in ``requestContext.stage`` and the staged
path in ``requestContext.path``, as API Gateway sends them.

A method with a Cognito user pool authorizer runs only for a request whose authorizer header holds a valid
ID token (the raw JWT, no ``Bearer`` prefix); otherwise the answer is API Gateway's 401
``{"message": "Unauthorized"}``. The verified claims reach the function in
``requestContext.authorizer.claims``, as strings (see ``auth.api_gateway_claims``).

Paths under ``/_local/`` are the local stack's own admin routes (e.g. ``/_local/clock``), not the template's
API: the runtime answers them, and their answers carry the local marker header (``local-admin``).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from .auth import Unauthorized, api_gateway_claims
from .console import Console
from .functions import Invocation
from .resources import Route, RouteAuthorizer

__all__ = ["ApiServer", "RouteTable", "proxy_event"]

Invoke = Callable[[str, dict[str, Any]], Invocation]
#: Checks a token (the authorizer header's raw value, or None) for an authorizer: its claims, or ``Unauthorized``.
Authorize = Callable[[str | None, RouteAuthorizer], dict[str, Any]]
#: Answers a local admin request (method, path, body) with a status and a JSON body.
Admin = Callable[[str, str, bytes], tuple[int, Any]]

#: Where the local stack's own routes live; the template's API has nothing here.
LOCAL_ADMIN_PREFIX = "/_local/"

#: The header that marks answers from the local server itself (not from a function), with why:
#: ``route-not-found``, ``unauthorized`` (the authorizer refused the request), ``function-error`` (the
#: invocation failed), ``malformed-response``, or ``local-admin`` (a ``/_local/`` route of the local stack).
LOCAL_HEADER = "x-intake-local"


def _refuse_all(token: str | None, authorizer: RouteAuthorizer) -> dict[str, Any]:
    raise Unauthorized(f"no verifier for the {authorizer.name} authorizer")


class RouteTable:
    """Finds a request's route the way API Gateway does: resource first (most specific), then method."""

    def __init__(self, routes: list[Route]) -> None:
        by_path: dict[str, dict[str, Route]] = {}
        for route in routes:
            by_path.setdefault(route.path, {})[route.method] = route
        self._resources = sorted(by_path.items(), key=lambda item: next(iter(item[1].values())).specificity)

    def find(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        for _path, methods in self._resources:
            sample = next(iter(methods.values()))
            params = sample.match(raw_path)
            if params is None:
                continue
            route = methods.get(method) or methods.get("ANY")
            if route is None:
                return None
            return route, {name: unquote(value) for name, value in params.items()}
        return None


def _is_binary(content_type: str | None, binary_media_types: tuple[str, ...], body: bytes) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type and any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types):
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def proxy_event(
    route: Route,
    *,
    method: str,
    raw_path: str,
    query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    path_parameters: dict[str, str],
    source_ip: str,
    api_id: str,
    account_id: str,
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API (v1) Lambda proxy event; ``claims`` are a Cognito authorizer's, as strings."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    pairs = parse_qsl(query, keep_blank_values=True)
    query_single: dict[str, str] = {}
    query_multi: dict[str, list[str]] = {}
    for name, value in pairs:
        query_single[name] = value
        query_multi.setdefault(name, []).append(value)
    content_type = next((value for name, value in headers if name.lower() == "content-type"), None)
    is_base64 = bool(body) and _is_binary(content_type, route.binary_media_types, body)
    event_body: str | None
    if not body:
        event_body = None
    elif is_base64:
        event_body = base64.b64encode(body).decode()
    else:
        event_body = body.decode("utf-8")
    now = datetime.now(UTC)
    path = unquote(raw_path)
    host = single.get("Host") or next((value for name, value in headers if name.lower() == "host"), "")
    user_agent = next((value for name, value in headers if name.lower() == "user-agent"), None)
    event: dict[str, Any] = {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": path_parameters or None,
        "stageVariables": route.stage_variables or None,
        "requestContext": {
            "resourceId": hashlib.sha1(f"{route.api}{route.path}".encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": method,
            "extendedRequestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{route.stage}{path}",
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": route.stage,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": host,
            "apiId": api_id,
        },
        "body": event_body,
        "isBase64Encoded": is_base64,
    }
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    return event


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one access line per request is written by _handle instead

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        names = {name.lower() for name, _ in headers}
        for name, value in headers:
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _local(
        self, status: int, message: str, request_id: str, reason: str, *extra: tuple[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = [("x-amzn-RequestId", request_id), (LOCAL_HEADER, reason), *extra]
        return status, headers, json.dumps({"message": message}).encode()

    def _authorize(self, route: Route) -> dict[str, str] | None:
        """The claims for the function (None for a public method), or ``Unauthorized``."""
        if route.authorizer is None:
            return None
        wanted = route.authorizer.header.lower()
        token = next((value for name, value in self.headers.items() if name.lower() == wanted), None)
        return api_gateway_claims(self.server.authorize(token, route.authorizer))

    def _handle(self) -> None:
        started = time.monotonic()
        raw_path, _, query = self.path.partition("?")
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            status, headers, body = self._local(
                HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not supported", str(uuid.uuid4()), "chunked-body"
            )
            self.close_connection = True
        else:
            request_body = self.rfile.read(int(length)) if length else b""
            status, headers, body = self._dispatch(raw_path, query, request_body)
        self._send(status, headers, body)
        self.server.console.line(
            "api", f"{self.command} {self.path} -> {status} ({(time.monotonic() - started) * 1000:.0f} ms)"
        )

    def _dispatch(self, raw_path: str, query: str, request_body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        server = self.server
        request_id = str(uuid.uuid4())
        if raw_path.startswith(LOCAL_ADMIN_PREFIX) and server.admin is not None:
            status, answer = server.admin(self.command, raw_path, request_body)
            headers = [("x-amzn-RequestId", request_id), (LOCAL_HEADER, "local-admin")]
            return status, headers, json.dumps(answer, ensure_ascii=False).encode()
        found = server.routes.find(self.command, raw_path)
        if found is None:
            return self._local(
                HTTPStatus.NOT_FOUND, f"route not found: {self.command} {raw_path}", request_id, "route-not-found"
            )
        route, path_parameters = found
        try:
            claims = self._authorize(route)
        except Unauthorized as exc:
            # API Gateway answers before the integration runs, and says no more than this to the caller.
            server.console.line("api", f"{self.command} {raw_path}: unauthorized: {exc}")
            return self._local(
                HTTPStatus.UNAUTHORIZED,
                "Unauthorized",
                request_id,
                "unauthorized",
                ("x-amzn-ErrorType", "UnauthorizedException"),
            )
        if route.mock is not None:
            headers = [("x-amzn-RequestId", request_id), *route.mock.headers.items()]
            return route.mock.status, headers, route.mock.body.encode()
        assert route.function is not None
        event = proxy_event(
            route,
            method=self.command,
            raw_path=raw_path,
            query=query,
            headers=list(self.headers.items()),
            body=request_body,
            path_parameters=path_parameters,
            source_ip=self.client_address[0],
            api_id=server.api_ids.get(route.api, route.api),
            account_id=server.account_id,
            claims=claims,
        )
        request_id = event["requestContext"]["requestId"]
        invocation = server.invoke(route.function, event)
        if not invocation.ok:
            return self._local(HTTPStatus.BAD_GATEWAY, "Internal server error", request_id, "function-error")
        return self._response(invocation.result, request_id)

    def _response(self, result: Any, request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
        if not isinstance(result, dict) or "statusCode" not in result:
            self.server.console.line("api", "malformed Lambda proxy response (no statusCode)")
            return self._local(HTTPStatus.BAD_GATEWAY, "Internal server error", request_id, "malformed-response")
        try:
            status = int(result["statusCode"])
            headers: list[tuple[str, str]] = [("x-amzn-RequestId", request_id)]
            multi = result.get("multiValueHeaders") or {}
            for name, values in multi.items():
                headers.extend((name, str(value)) for value in values)
            for name, value in (result.get("headers") or {}).items():
                if name not in multi:
                    headers.append((name, str(value)))
            body = result.get("body") or ""
            payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
        except (TypeError, ValueError, AttributeError, binascii.Error) as exc:
            self.server.console.line("api", f"malformed Lambda proxy response: {exc}")
            return self._local(HTTPStatus.BAD_GATEWAY, "Internal server error", request_id, "malformed-response")
        return status, headers, payload

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: RouteTable
    invoke: Invoke
    api_ids: dict[str, str]
    account_id: str
    console: Console
    authorize: Authorize
    admin: Admin | None


class ApiServer:
    """The local REST API on ``host:port`` (port 0 picks a free one).

    The port is taken when the server is made, so a busy port fails before anything else starts; it
    serves once ``start`` gives it the routes.
    """

    def __init__(self, *, invoke: Invoke, console: Console, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.routes = RouteTable([])
        self._server.invoke = invoke
        self._server.api_ids = {}
        self._server.account_id = ""
        self._server.console = console
        self._server.authorize = _refuse_all
        self._server.admin = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(
        self,
        routes: list[Route],
        *,
        api_ids: dict[str, str],
        account_id: str,
        authorize: Authorize | None = None,
        admin: Admin | None = None,
    ) -> None:
        """Serve ``routes``; ``api_ids`` maps each API's logical id to its id in the events; ``authorize``
        checks tokens for routes with an authorizer (without it, every such request is refused); ``admin``
        answers the local stack's own ``/_local/`` routes."""
        self._server.routes = RouteTable(routes)
        self._server.authorize = authorize or _refuse_all
        self._server.admin = admin
        self._server.api_ids = dict(api_ids)
        self._server.account_id = account_id
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="api-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
