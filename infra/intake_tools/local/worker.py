"""One Lambda function's sandbox: ``python -m intake_tools.local.worker MODULE.FUNCTION``.

The worker imports the handler once (the cold start), then serves invocations over its standard streams,
one JSON object per line:

- it first writes ``{"ready": true}`` (or ``{"ready": false, "error": {...}}`` when the import fails);
- each request is ``{"id", "event", "request_id", "deadline_ms"}``;
- each reply is ``{"id", "ok": true, "result"}`` or ``{"id", "ok": false, "error": {"errorType",
  "errorMessage", "stackTrace"}}`` — a handler exception is a Lambda-style error, not a dead worker.

The protocol owns the original stdout and stdin. Everything else the function writes (``print``,
Powertools' JSON logs and EMF metrics, which go to stdout by default) is redirected to stderr, which the
local stack forwards to its console.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from typing import Any, TextIO

from intake_tools.local.protocol import OUTPUT_MARK


class LambdaContext:
    """The context object the Python runtime passes, with the attributes Powertools reads."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("INTAKE_LOCAL_FUNCTION_ARN", "")
        # The Python runtime reads this from the environment, so it is a string there too.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def _take_standard_streams() -> tuple[TextIO, TextIO]:
    """Keep stdin/stdout for the protocol; point the function's stdin at nothing and stdout at stderr."""
    protocol_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol_in, protocol_out


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()


def _load(handler_name: str) -> Any:
    module_name, _, function_name = handler_name.rpartition(".")
    if not module_name:
        raise ImportError(f"handler {handler_name!r} must be MODULE.FUNCTION")
    module = importlib.import_module(module_name)
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise AttributeError(f"module {module_name!r} has no callable {function_name!r}")
    return handler


def serve(handler_name: str) -> int:
    # The local stack decides when a worker ends (it closes the worker's stdin); a Ctrl-C in the terminal
    # reaches the whole process group and must not kill an invocation half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol_in, protocol_out = _take_standard_streams()
    try:
        handler = _load(handler_name)
    except Exception as exc:
        error_type = "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.HandlerNotFound"
        traceback.print_exc()
        _send(protocol_out, {"ready": False, "error": _error(exc, error_type)})
        return 1
    _send(protocol_out, {"ready": True})
    for line in protocol_in:
        if not line.strip():
            continue
        request = json.loads(line)
        context = LambdaContext(request["request_id"], int(request["deadline_ms"]))
        try:
            result = handler(request["event"], context)
        except Exception as exc:
            traceback.print_exc()
            reply = {"id": request["id"], "ok": False, "error": _error(exc)}
        else:
            try:
                reply = {"id": request["id"], "ok": True, "result": json.loads(json.dumps(result))}
            except (TypeError, ValueError) as exc:
                reply = {"id": request["id"], "ok": False, "error": _error(exc, "Runtime.MarshalError")}
        # Mark the end of this invocation's output, so the local stack prints it before the REPORT line.
        sys.stderr.write(f"{OUTPUT_MARK}{request['id']}\n")
        sys.stderr.flush()
        _send(protocol_out, reply)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m intake_tools.local.worker MODULE.FUNCTION", file=sys.stderr)
        return 2
    return serve(args[0])


if __name__ == "__main__":
    sys.exit(main())
