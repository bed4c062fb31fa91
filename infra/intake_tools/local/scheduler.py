"""EventBridge Scheduler's part, on the local stack's own clock.

``LocalClock`` is the stack's clock: the real time plus an offset kept in a file (the format of
``intake.clock``: seconds as text). Every function worker gets the file's path in ``INTAKE_CLOCK_OFFSET_FILE``,
so the handlers' ``intake.clock.now()`` reads the same time as the scheduler. The clock can be set or moved
forward and back at will (``POST /_local/clock``, ``intake clock``); nothing stops it going backwards past a
schedule that already fired (that schedule does not fire again).

``LocalScheduler`` is a thread that, about once a second, lists the schedules held in moto and fires each
whose time has come on the local clock, as EventBridge Scheduler would:

- ``at(...)``: once, at that time in its ``ScheduleExpressionTimezone`` (UTC when none). The expression is read
  afresh on every tick, so a schedule changed before it fired fires at its new time. A one-time schedule whose
  time was already past on the local clock when the stack started does not fire (deadlines before the start
  count as handled); one whose time is after the start fires as soon as the clock reaches it, even when it was
  created after that moment. ``ActionAfterCompletion: DELETE`` deletes it once fired.
- ``rate(N minute|minutes|hour|hours|day|days)``: every N on the local clock, first N after the stack's start
  (or after the schedule first appeared, or changed). When the clock jumps over several periods the schedule
  fires once, and keeps its phase.
- ``cron(...)``: not fired locally (said once on the console).

A firing invokes the target function's worker with the schedule's ``Input`` parsed as JSON (``{}`` when there
is none), on a thread of its own (Scheduler invokes asynchronously), without retries; the console says
``[scheduler] fired NAME → FUNCTION`` and how it went.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .console import Console
from .functions import Invocation

__all__ = ["DEFAULT_TIMEZONE", "Firing", "LocalClock", "LocalScheduler", "parse_duration"]

#: The time zone the clock is shown in (the programs').
DEFAULT_TIMEZONE = "Asia/Shanghai"

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_DURATION = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*([smhd]?)$")


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``15m``, ``2h``, ``1d`` or a plain number of seconds; ValueError otherwise."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 2h or 1d")
    factor = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[found.group(2)]
    return float(found.group(1)) * factor


class LocalClock:
    """The stack's clock: real time plus the offset in ``path`` (which every worker reads too)."""

    def __init__(self, path: Path, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.path = Path(path)
        self.timezone = timezone
        self._lock = threading.Lock()

    def offset_seconds(self) -> float:
        try:
            return float(self.path.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset_seconds())

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("the time needs its UTC offset, e.g. 2023-11-04T13:58:00+08:00")
        from intake.clock import write_offset  # the format every reader of the time shares

        with self._lock:
            write_offset(self.path, moment)
        return self.now()

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            target = self.now() + timedelta(seconds=seconds)
        return self.set(target)

    def describe(self) -> dict[str, Any]:
        return {
            "now": self.now().astimezone(ZoneInfo(self.timezone)).isoformat(timespec="seconds"),
            "timezone": self.timezone,
            "offset_seconds": round(self.offset_seconds(), 3),
        }


@dataclass(frozen=True)
class Firing:
    """One time a schedule fired."""

    schedule: str
    function: str
    at: datetime
    """On the local clock."""
    event: Any
    invocation: Invocation | None = None


def _at_time(expression: str, timezone: str | None) -> datetime | None:
    found = _AT.fullmatch(expression)
    if found is None:
        return None
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.fromisoformat(found.group(1)).replace(tzinfo=zone)


def _rate_seconds(expression: str) -> int | None:
    found = _RATE.fullmatch(expression)
    if found is None:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2).rstrip("s")]


class LocalScheduler:
    """Fires the schedules held in moto on the local clock (see the module's docstring)."""

    def __init__(
        self,
        *,
        client: Callable[[], Any],
        clock: LocalClock,
        functions: dict[str, str],
        invoke: Callable[[str, dict[str, Any]], Invocation],
        console: Console,
        interval: float = 1.0,
    ) -> None:
        """``client`` gives the scheduler client; ``functions`` maps each function ARN to its logical id."""
        self._client = client
        self.clock = clock
        self._functions = dict(functions)
        self._invoke = invoke
        self._console = console
        self._interval = interval
        self.started_at = clock.now()
        self._first_tick = True
        self._fired_once: set[tuple[str, str, str, str]] = set()
        self._rates: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._said: set[str] = set()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="scheduler-fire")
        self._lock = threading.Lock()
        #: Every firing so far, newest last (with its invocation once it has returned).
        self.firings: list[Firing] = []

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the schedules now (after the clock moved), not at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception as exc:  # moto going away at shutdown, or a bad schedule: keep ticking
                if not self._stopping.is_set():
                    self._say_once(f"tick:{type(exc).__name__}", f"could not read the schedules: {exc}")
            self._wake.wait(self._interval)
            self._wake.clear()

    def _say_once(self, key: str, text: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self._console.line("scheduler", text)

    def _schedules(self) -> list[dict[str, Any]]:
        client = self._client()
        found = []
        for page in client.get_paginator("list_schedules").paginate():
            for summary in page.get("Schedules", []):
                found.append(client.get_schedule(Name=summary["Name"], GroupName=summary.get("GroupName") or "default"))
        return found

    def tick(self) -> None:
        """Fire whatever is due now on the local clock."""
        with self._lock:
            now = self.clock.now()
            first, self._first_tick = self._first_tick, False
            for schedule in self._schedules():
                if self._stopping.is_set():
                    return
                if (schedule.get("State") or "ENABLED") != "ENABLED":
                    continue
                self._consider(schedule, now, first)

    def _consider(self, schedule: dict[str, Any], now: datetime, first: bool) -> None:
        name, group = schedule["Name"], schedule.get("GroupName") or "default"
        expression = str(schedule.get("ScheduleExpression") or "").strip()
        timezone = schedule.get("ScheduleExpressionTimezone") or "UTC"
        moment = _at_time(expression, timezone)
        if moment is not None:
            key = (group, name, expression, timezone)
            if key not in self._fired_once and self.started_at < moment <= now:
                self._fired_once.add(key)
                self._fire(schedule, now)
                if schedule.get("ActionAfterCompletion") == "DELETE":
                    self._client().delete_schedule(Name=name, GroupName=group)
            return
        period = _rate_seconds(expression)
        if period is not None:
            step = timedelta(seconds=period)
            held = self._rates.get((group, name))
            if held is None or held[0] != expression:
                anchor = self.started_at if first and held is None else now
                held = (expression, anchor + step)
            due = held[1]
            if due - now > step:  # the clock went back: the next firing is one period away
                due = now + step
            if due <= now:
                self._fire(schedule, now)
                while due <= now:  # one firing for however many periods the clock jumped
                    due += step
            self._rates[(group, name)] = (expression, due)
            return
        self._say_once(f"expr:{group}/{name}:{expression}",
                       f"{name}: {expression} is not fired locally (only at() and rate() are)")

    def _fire(self, schedule: dict[str, Any], now: datetime) -> None:
        name = schedule["Name"]
        target = schedule.get("Target") or {}
        arn = str(target.get("Arn") or "")
        function = self._functions.get(arn) or self._functions.get(arn.rsplit(":", 1)[0])
        if function is None:
            self._say_once(f"target:{name}", f"{name}: target {arn} is not a function of the stack; not fired")
            return
        raw = target.get("Input")
        try:
            event = json.loads(raw) if raw else {}
        except ValueError:
            event = raw
        firing_index = len(self.firings)
        self.firings.append(Firing(name, function, now, event))

        def run() -> None:
            started = time.monotonic()
            invocation = self._invoke(function, event)
            self.firings[firing_index] = Firing(name, function, now, event, invocation)
            outcome = "ok" if invocation.ok else f"error: {invocation.error_summary}"
            elapsed = (time.monotonic() - started) * 1000
            self._console.line("scheduler", f"fired {name} → {function}: {outcome} ({elapsed:.0f} ms)")

        self._pool.submit(run)
