"""Small helpers shared by the test suites."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from intake.checks import CheckResult, FileSpec
from intake.checks.inspection import InspectionReport
from intake.findings import Finding
from intake.programs import load_catalogue


def spec_of(program_id: str, material_id: str) -> FileSpec:
    """The file spec of one material of a program, as the catalogue defines it."""
    program = load_catalogue().get(program_id)
    assert program is not None
    material = program.material(material_id)
    assert material is not None
    return program.spec_for(material)


def codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.findings]


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "", interval: float = 0.2) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


def set_clock(monkeypatch: Any, directory: Any, moment: str) -> None:
    """Run the code under test at `moment` (ISO 8601 with offset), through the same offset file the local
    stack uses: every `intake.clock.now()` in this process then reads that time."""
    from datetime import datetime

    from intake import clock

    path = directory / "clock-offset"
    clock.write_offset(path, datetime.fromisoformat(moment))
    monkeypatch.setenv(clock.OFFSET_FILE_VARIABLE, str(path))


# Reading an inspection report: the findings of one code, the one finding, the errors.
def found(r: InspectionReport, code: str) -> list[Finding]:
    return [f for f in r.findings if f.code == code]


def only(r: InspectionReport, code: str) -> Finding:
    hits = found(r, code)
    assert len(hits) == 1, [(f.code, f.severity) for f in r.findings]
    return hits[0]


def errors(r: InspectionReport) -> list[str]:
    return [f.code for f in r.findings if f.severity == "error"]
