"""Lambda's part: each function runs in its own worker process with the environment the template gives it."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .console import Console
from .protocol import OUTPUT_MARK
from .resources import FunctionSpec

__all__ = ["FunctionWorker", "Invocation", "worker_environment"]

#: How long a worker may take to import its handler (Lambda allows 10 s of init; imports are slower cold).
INIT_TIMEOUT_SECONDS = 60.0
#: The directory that holds the ``intake_tools`` package, so a worker can import its own entry point.
_TOOLS_ROOT = Path(__file__).resolve().parents[2]

_EOF = object()


@dataclass(frozen=True)
class Invocation:
    """What one invocation returned: a result, or a Lambda-style error (errorType, errorMessage…)."""

    request_id: str
    ok: bool
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0

    @property
    def error_summary(self) -> str:
        error = self.error or {}
        return f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}"


def worker_environment(spec: FunctionSpec, *, aws_endpoint: str, region: str) -> dict[str, str]:
    """Exactly the function's template environment plus what Lambda and the local stack set."""
    log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
    python_path = [str(path) for path in spec.code_paths] + [str(_TOOLS_ROOT)]
    runtime_env = {
        # Where the local AWS lives, and credentials it accepts. No ~/.aws files are read.
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # What the Lambda Python runtime sets.
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": str(spec.code_paths[0]) if spec.code_paths else os.getcwd(),
        "TZ": "UTC",
        "LANG": "C.UTF-8",
        "PYTHONUTF8": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(python_path),
        "PATH": os.environ.get("PATH", os.defpath),
        # X-Ray has no daemon locally.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "INTAKE_LOCAL_FUNCTION_ARN": spec.arn,
    }
    return {**spec.environment, **runtime_env}


class FunctionWorker:
    """One function's worker process, restarted when it dies; invocations are serialised."""

    def __init__(
        self, spec: FunctionSpec, *, aws_endpoint: str, region: str, console: Console, python: str = sys.executable
    ) -> None:
        self.spec = spec
        self._env = worker_environment(spec, aws_endpoint=aws_endpoint, region=region)
        self._console = console
        self._python = python
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[Any] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._ready: dict[str, Any] | None = None
        self._next_id = 0
        self._stopped = False
        self._output_done = threading.Condition()
        self._output_done_id = 0

    # ------------------------------------------------------------------------------------ process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Spawn the worker; it imports the handler in the background (``wait_ready`` to wait)."""
        with self._lock:
            if self._stopped:
                raise RuntimeError(f"{self.spec.logical_id}: the worker was stopped")
            if not self._alive():
                self._spawn()

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _spawn(self) -> None:
        self._reap()
        self._replies = queue.Queue()
        self._ready = None
        self._next_id = self._output_done_id = 0
        self._process = subprocess.Popen(
            [self._python, "-m", "intake_tools.local.worker", self.spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env,
            cwd=self._env["LAMBDA_TASK_ROOT"],
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._threads = [
            threading.Thread(
                target=self._read_replies,
                args=(self._process.stdout, self._replies),
                name=f"{self.spec.logical_id}-replies",
                daemon=True,
            ),
            threading.Thread(
                target=self._forward_output,
                args=(self._process.stderr,),
                name=f"{self.spec.logical_id}-output",
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()
        self._console.line(self.spec.logical_id, f"worker started (pid {self._process.pid})")

    @staticmethod
    def _read_replies(stream: IO[str], replies: queue.Queue[Any]) -> None:
        for line in stream:
            if line.strip():
                try:
                    replies.put(json.loads(line))
                except json.JSONDecodeError:
                    replies.put({"protocol_error": line.strip()})
        replies.put(_EOF)

    def _forward_output(self, stream: IO[str]) -> None:
        for line in stream:
            text, mark, message_id = line.partition(OUTPUT_MARK)
            if text.strip():  # output the handler left without a final newline shares the mark's line
                self._console.line(self.spec.logical_id, text)
            if mark:
                with self._output_done:
                    self._output_done_id = int(message_id)
                    self._output_done.notify_all()

    def _wait_for_output(self, message_id: int) -> None:
        """Let the console catch up with an invocation's output (briefly: it is only cosmetic)."""
        with self._output_done:
            self._output_done.wait_for(lambda: self._output_done_id >= message_id, timeout=1.0)

    def _wait_ready_locked(self, timeout: float) -> dict[str, Any]:
        if self._ready is None:
            try:
                message = self._replies.get(timeout=timeout)
            except queue.Empty:
                message = {
                    "ready": False,
                    "error": {
                        "errorType": "Runtime.InitTimeout",
                        "errorMessage": f"the handler did not load within {timeout:.0f} seconds",
                    },
                }
                self._kill()
            if message is _EOF:
                message = {
                    "ready": False,
                    "error": {
                        "errorType": "Runtime.ExitError",
                        "errorMessage": f"the worker exited during init ({self._exit_code()})",
                    },
                }
            self._ready = message
        return self._ready

    def wait_ready(self, timeout: float = INIT_TIMEOUT_SECONDS) -> dict[str, Any]:
        """``{"ready": True}``, or ``{"ready": False, "error": {...}}`` when the handler failed to load."""
        with self._lock:
            if not self._alive() and self._ready is None:
                self._spawn()
            return self._wait_ready_locked(timeout)

    def _exit_code(self) -> str:
        if self._process is None:
            return "never started"
        try:
            return f"exit status {self._process.wait(timeout=2)}"
        except subprocess.TimeoutExpired:
            return "still running"

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def _reap(self) -> None:
        """Forget a dead process: close its pipes and let its reader threads finish."""
        if self._process is None:
            return
        self._kill()
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            if stream is not None:
                # Closing a pipe whose other end died can fail; there is nothing left to release then.
                with contextlib.suppress(OSError):
                    stream.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._process = None
        self._threads = []

    def stop(self, timeout: float = 2.0) -> None:
        """Close the worker's input (it exits when its stdin ends), kill it if it does not, reap it.

        An invocation still running after ``timeout`` is cut short, as Lambda does when a sandbox goes away:
        its caller gets an error (a queue message then stays on the queue).
        """
        self._stopped = True
        if not self._lock.acquire(timeout=timeout):
            process = self._process
            if process is not None and process.poll() is None:
                process.kill()
            self._lock.acquire()
        try:
            process = self._process
            if process is None:
                return
            if process.poll() is None:
                try:
                    assert process.stdin is not None
                    process.stdin.close()
                    process.wait(timeout=timeout)
                except (OSError, subprocess.TimeoutExpired):
                    process.terminate()
                    try:
                        process.wait(timeout=timeout)
                    except subprocess.TimeoutExpired:
                        process.kill()
            self._reap()
        finally:
            self._lock.release()

    # ------------------------------------------------------------------------------------ invoke

    def invoke(self, event: Any, *, request_id: str | None = None) -> Invocation:
        request_id = request_id or str(uuid.uuid4())
        started = time.monotonic()
        with self._lock:
            if self._stopped:
                return self._failed(request_id, started, "Runtime.Stopped", "the local stack is stopping")
            if not self._alive():
                if self._process is not None:
                    self._console.line(self.spec.logical_id, f"worker died ({self._exit_code()}); restarting")
                self._spawn()
            ready = self._wait_ready_locked(INIT_TIMEOUT_SECONDS)
            if not ready.get("ready"):
                error = ready.get("error") or {}
                self._reap()  # the next invocation starts a fresh worker, as Lambda retries init
                return self._failed(
                    request_id,
                    started,
                    error.get("errorType", "Runtime.InitError"),
                    error.get("errorMessage", "the handler could not be loaded"),
                )
            invocation = self._invoke_locked(event, request_id, started)
        self._report(invocation)
        return invocation

    def _invoke_locked(self, event: Any, request_id: str, started: float) -> Invocation:
        self._next_id += 1
        message_id = self._next_id
        deadline_ms = int(time.time() * 1000) + self.spec.timeout * 1000
        request = {"id": message_id, "event": event, "request_id": request_id, "deadline_ms": deadline_ms}
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            self._process.stdin.flush()
        except OSError as exc:
            return self._failed(request_id, started, "Runtime.ExitError", f"the worker is gone: {exc}")
        wait_until = time.monotonic() + self.spec.timeout + 1.0
        while True:
            try:
                reply = self._replies.get(timeout=max(wait_until - time.monotonic(), 0.0))
            except queue.Empty:
                self._kill()
                return self._failed(
                    request_id, started, "Sandbox.Timedout", f"Task timed out after {self.spec.timeout:.2f} seconds"
                )
            if reply is _EOF:
                return self._failed(
                    request_id,
                    started,
                    "Runtime.ExitError",
                    f"the worker exited during the invocation ({self._exit_code()})",
                )
            if "protocol_error" in reply:
                self._kill()
                return self._failed(
                    request_id,
                    started,
                    "Runtime.ProtocolError",
                    f"unexpected worker output: {reply['protocol_error'][:200]}",
                )
            if reply.get("id") != message_id:
                continue  # a late reply to an invocation that already timed out
            duration = (time.monotonic() - started) * 1000
            self._wait_for_output(message_id)
            if reply.get("ok"):
                return Invocation(request_id, True, result=reply.get("result"), duration_ms=duration)
            return Invocation(request_id, False, error=reply.get("error"), duration_ms=duration)

    @staticmethod
    def _failed(request_id: str, started: float, error_type: str, message: str) -> Invocation:
        return Invocation(
            request_id,
            False,
            error={"errorType": error_type, "errorMessage": message},
            duration_ms=(time.monotonic() - started) * 1000,
        )

    def _report(self, invocation: Invocation) -> None:
        outcome = "" if invocation.ok else f" Error: {invocation.error_summary}"
        self._console.line(
            self.spec.logical_id,
            f"REPORT RequestId: {invocation.request_id} Duration: {invocation.duration_ms:.1f} ms{outcome}",
        )
