"""The deadline schedules: one EventBridge Scheduler one-time schedule per program window close.

`desired_schedules` turns program data into the schedules that should exist (pure); `sync_schedules` makes an
EventBridge Scheduler (boto3 ``scheduler`` client: AWS, or moto for the local stack) hold exactly those among
the schedules whose names start with the stage's prefix. `intake schedules sync` runs it after a deploy or a
change of program data; the local stack runs it at start-up.

Each schedule invokes the close-window function with ``{"action": "close", "program_id": ..., "window": ...}``
at the window's close, written as ``at(YYYY-MM-DDTHH:MM:SS)`` in the program's time zone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "WINDOWS",
    "ScheduleSpec",
    "SyncReport",
    "desired_schedules",
    "schedule_name",
    "schedule_prefix",
    "sync_schedules",
]

#: The windows that get a schedule at their close, in the order they are listed.
WINDOWS = ("first_upload", "supplement", "review", "results")
GROUP = "default"
_NAME_MAX = 64
_NAME_PATTERN = re.compile(r"^[0-9a-zA-Z_.-]{1,64}$")


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule as EventBridge Scheduler should hold it."""

    name: str
    expression: str
    timezone: str
    target_arn: str
    role_arn: str
    input: str
    """The target's input: JSON text (keys sorted, so equal inputs compare equal)."""
    program_id: str
    window: str
    closes: datetime
    group: str = GROUP
    description: str = ""

    def create_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``create_schedule`` / ``update_schedule``."""
        return {
            "Name": self.name,
            "GroupName": self.group,
            "Description": self.description,
            "ScheduleExpression": self.expression,
            "ScheduleExpressionTimezone": self.timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": self.target_arn, "RoleArn": self.role_arn, "Input": self.input},
            "State": "ENABLED",
        }

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["closes"] = self.closes.isoformat()
        return data


@dataclass
class SyncReport:
    """Schedule names by what `sync_schedules` did (or, with ``dry_run``, would do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def as_dict(self) -> dict[str, list[str]]:
        return asdict(self)


def schedule_prefix(stage: str) -> str:
    return f"intake-{stage}-"


def schedule_name(stage: str, program_id: str, window: str) -> str:
    """``intake-{stage}-{program_id}-{window}-close``; a name over 64 characters keeps a hash of the program id."""
    name = f"{schedule_prefix(stage)}{program_id}-{window}-close"
    if len(name) > _NAME_MAX:
        digest = hashlib.sha256(program_id.encode()).hexdigest()[:8]
        room = _NAME_MAX - len(f"{schedule_prefix(stage)}-{digest}-{window}-close")
        if room < 1:
            raise ValueError(f"stage {stage!r} is too long for schedule names")
        name = f"{schedule_prefix(stage)}{program_id[:room]}-{digest}-{window}-close"
    if not _NAME_PATTERN.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid schedule name")
    return name


def at_expression(moment: datetime, timezone: str) -> str:
    """``at(...)`` for `moment` in `timezone`, to the second; a fraction of a second rounds up (never early)."""
    local = moment.astimezone(ZoneInfo(timezone))
    if local.microsecond:
        local = local.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({local:%Y-%m-%dT%H:%M:%S})"


def desired_schedules(catalogue: Iterable[Any], *, stage: str, target_arn: str, role_arn: str) -> list[ScheduleSpec]:
    """One schedule per window close of each program in `catalogue` (Program objects), sorted by name."""
    specs = []
    for program in catalogue:
        for window in WINDOWS:
            definition = getattr(program.windows, window)
            if definition is None:
                continue
            payload = {"action": "close", "program_id": program.id, "window": window}
            specs.append(
                ScheduleSpec(
                    name=schedule_name(stage, program.id, window),
                    expression=at_expression(definition.closes, program.timezone),
                    timezone=program.timezone,
                    target_arn=target_arn,
                    role_arn=role_arn,
                    input=json.dumps(payload, sort_keys=True),
                    program_id=program.id,
                    window=window,
                    closes=definition.closes,
                    description=f"{program.id}: {definition.name_en} ({definition.rule}) closes",
                )
            )
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"two windows share a schedule name: {duplicates}")
    return sorted(specs, key=lambda spec: spec.name)


def _existing(client: Any, prefix: str) -> list[dict[str, Any]]:
    names: list[tuple[str, str]] = []
    for page in client.get_paginator("list_schedules").paginate(NamePrefix=prefix):
        for summary in page.get("Schedules", []):
            if summary["Name"].startswith(prefix):
                names.append((summary.get("GroupName") or GROUP, summary["Name"]))
    return [client.get_schedule(GroupName=group, Name=name) for group, name in sorted(set(names))]


def _same_input(held: str | None, wanted: str) -> bool:
    try:
        return json.loads(held or "null") == json.loads(wanted)
    except ValueError:
        return False


def _differs(held: dict[str, Any], spec: ScheduleSpec) -> bool:
    target = held.get("Target") or {}
    return (
        held.get("ScheduleExpression") != spec.expression
        or (held.get("ScheduleExpressionTimezone") or "UTC") != spec.timezone
        or target.get("Arn") != spec.target_arn
        or target.get("RoleArn") != spec.role_arn
        or not _same_input(target.get("Input"), spec.input)
        or (held.get("FlexibleTimeWindow") or {}).get("Mode") != "OFF"
        or (held.get("State") or "ENABLED") != "ENABLED"
    )


def sync_schedules(
    scheduler_client: Any,
    desired: list[ScheduleSpec],
    *,
    prefix: str,
    target_arn: str | None = None,
    dry_run: bool = False,
) -> SyncReport:
    """Make the schedules whose names start with `prefix` exactly `desired`.

    Creates the missing, updates those whose expression, time zone, target, role or input differ, and deletes
    those no longer desired. With `target_arn`, only schedules targeting it are deleted (a stage named like
    another stage's prefix, ``dev`` and ``dev-2``, keeps its own). Idempotent: a second run changes nothing.
    With `dry_run`, reports the plan and changes nothing.
    """
    outside = [spec.name for spec in desired if not spec.name.startswith(prefix)]
    if outside:
        raise ValueError(f"schedules {outside} do not start with the prefix {prefix!r}")
    report = SyncReport()
    held = {schedule["Name"]: schedule for schedule in _existing(scheduler_client, prefix)}
    for spec in desired:
        current = held.pop(spec.name, None)
        if current is None:
            if not dry_run:
                scheduler_client.create_schedule(**spec.create_arguments(), ActionAfterCompletion="NONE")
            report.created.append(spec.name)
        elif _differs(current, spec):
            if not dry_run:
                scheduler_client.update_schedule(**spec.create_arguments())
            report.updated.append(spec.name)
        else:
            report.unchanged.append(spec.name)
    for name, schedule in sorted(held.items()):
        if target_arn is not None and (schedule.get("Target") or {}).get("Arn") != target_arn:
            continue
        if not dry_run:
            scheduler_client.delete_schedule(Name=name, GroupName=schedule.get("GroupName") or GROUP)
        report.deleted.append(name)
    return report
