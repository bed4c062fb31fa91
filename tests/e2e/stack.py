"""`intake local` as a separate process, for the end-to-end tests: started with a scrubbed environment and an
empty HOME (no AWS account, no ~/.aws), stopped when the test is done."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import wait_for

REPO = Path(__file__).resolve().parents[2]
#: What pyproject.toml puts on pytest's path, for a child process that may not have the package installed.
IMPORT_PATHS = ["layers/common/python", "functions/validate_upload", "functions/intake_api",
                "functions/inspect_upload", "infra", "."]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_open(url: str) -> bool:
    host, port = re.match(r"https?://([^:/]+):(\d+)", url).groups()  # type: ignore[union-attr]
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Stack:
    """The `intake local` process and what its state file says."""

    def __init__(self, process: subprocess.Popen[bytes], state_file: Path, log: Path) -> None:
        self.process = process
        self.state_file = state_file
        self.log = log
        self.state: dict[str, Any] = {}
        #: The signed-in demo applicant's ID token, for the Authorization header.
        self.token = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": self.token}

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-6000:]

    @property
    def api(self) -> str:
        return self.state["api_url"]

    def account(self, role: str) -> dict[str, str]:
        """The first demo account with this role (reviewer, admin, applicant)."""
        return next(a for a in self.state["cognito"]["demo_accounts"] if a["role"] == role)


@contextmanager
def running_stack(root: Path, *extra_args: str) -> Iterator[Stack]:
    home = root / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["HOME"] = str(home)  # no ~/.aws to fall back on
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / path) for path in IMPORT_PATHS] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    state_file = root / "state.json"
    log = root / "intake-local.log"
    command = [sys.executable, "-m", "intake_tools.cli", "local", "--port", str(free_port()),
               "--state-file", str(state_file), *extra_args]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT)
    running = Stack(process, state_file, log)
    try:
        wait_for(lambda: state_file.exists() or process.poll() is not None, 60, "the state file")
        assert process.poll() is None, f"`intake local` exited with {process.returncode}:\n{running.output()}"
        running.state = json.loads(state_file.read_text(encoding="utf-8"))
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
