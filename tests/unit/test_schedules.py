"""The deadline schedules: made from program data, and kept in step with it on EventBridge Scheduler (moto)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from intake.programs import load_catalogue
from intake.schedules import desired_schedules, schedule_name, schedule_prefix, sync_schedules

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:intake-dev-CloseWindowFunction-ABC"
ROLE = "arn:aws:iam::123456789012:role/intake-dev-DeadlineSchedulerRole-ABC"
PREFIX = schedule_prefix("dev")


def desired(programs: Any = None) -> list[Any]:
    return desired_schedules(programs if programs is not None else load_catalogue(), stage="dev",
                             target_arn=TARGET, role_arn=ROLE)


def of_program(specs: list[Any], program_id: str) -> list[Any]:
    return [spec for spec in specs if spec.program_id == program_id]


def test_each_window_close_of_pg_becomes_an_at_schedule_in_shanghai_time():
    specs = of_program(desired(), "pg-confirm-1104")
    assert {(spec.window, spec.expression) for spec in specs} == {
        ("first_upload", "at(2023-11-04T14:00:00)"),
        ("supplement", "at(2023-11-04T16:00:00)"),
        ("review", "at(2023-11-04T17:00:00)"),
    }
    for spec in specs:
        assert spec.timezone == "Asia/Shanghai"
        assert spec.name == f"intake-dev-pg-confirm-1104-{spec.window}-close"
        assert spec.target_arn == TARGET and spec.role_arn == ROLE and spec.group == "default"
        assert json.loads(spec.input) == {"action": "close", "program_id": "pg-confirm-1104", "window": spec.window}
        arguments = spec.create_arguments()
        assert arguments["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert arguments["Target"] == {"Arn": TARGET, "RoleArn": ROLE, "Input": spec.input}


def test_sc_closes_at_two_moments():
    program = load_catalogue().get("score-cert-return")
    specs = of_program(desired(), "score-cert-return")
    windows = [w for w in ("first_upload", "supplement", "review", "results") if getattr(program.windows, w)]
    assert sorted(spec.window for spec in specs) == sorted(windows)
    assert {spec.expression for spec in specs} == {"at(2022-11-04T12:00:00)", "at(2022-11-07T12:00:00)"}


def test_programs_without_windows_have_no_schedules_and_every_name_is_valid():
    specs = desired()
    with_windows = {p.id for p in load_catalogue() if any(getattr(p.windows, w) for w in
                                                          ("first_upload", "supplement", "review", "results"))}
    assert {spec.program_id for spec in specs} == with_windows
    for spec in specs:
        assert re.fullmatch(r"[0-9a-zA-Z_.-]{1,64}", spec.name), spec.name
        assert spec.name.startswith(PREFIX)
    assert len({spec.name for spec in specs}) == len(specs)


def test_a_long_name_is_shortened_but_stays_unique_and_valid():
    long_id = "a" + "b" * 60 + "c"
    first, second = schedule_name("dev", long_id, "supplement"), schedule_name("dev", long_id + "x", "supplement")
    assert len(first) <= 64 and len(second) <= 64 and first != second
    assert first.startswith(PREFIX) and first.endswith("-supplement-close")


def test_a_fraction_of_a_second_rounds_the_schedule_up():
    program = load_catalogue().get("pg-confirm-1104")
    window = program.windows.first_upload.model_copy(
        update={"closes": datetime.fromisoformat("2023-11-04T06:00:00.250+00:00")})
    moved = program.model_copy(update={"windows": program.windows.model_copy(update={"first_upload": window})})
    (spec,) = [s for s in desired([moved]) if s.window == "first_upload"]
    assert spec.expression == "at(2023-11-04T14:00:01)"


# ------------------------------------------------------------------------------------------ against moto


@pytest.fixture
def scheduler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                            region_name="us-east-1").client("scheduler")


def held(client: Any) -> dict[str, dict[str, Any]]:
    names = [s["Name"] for s in client.list_schedules()["Schedules"]]
    return {name: client.get_schedule(Name=name) for name in names}


def with_window(program: Any, window: str, **changes: Any) -> Any:
    current = getattr(program.windows, window)
    replacement = current.model_copy(update=changes) if changes else None
    return program.model_copy(update={"windows": program.windows.model_copy(update={window: replacement})})


def test_sync_creates_every_schedule_then_changes_nothing(scheduler):
    specs = desired()
    report = sync_schedules(scheduler, specs, prefix=PREFIX)
    assert sorted(report.created) == sorted(spec.name for spec in specs)
    assert not report.updated and not report.deleted and not report.unchanged
    schedules = held(scheduler)
    for spec in specs:
        schedule = schedules[spec.name]
        assert schedule["ScheduleExpression"] == spec.expression
        assert schedule["ScheduleExpressionTimezone"] == "Asia/Shanghai"
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert schedule["Target"]["Arn"] == TARGET and schedule["Target"]["RoleArn"] == ROLE
        assert json.loads(schedule["Target"]["Input"])["window"] == spec.window
    again = sync_schedules(scheduler, desired(), prefix=PREFIX)
    assert not again.changed
    assert sorted(again.unchanged) == sorted(spec.name for spec in specs)


def test_a_moved_close_moves_its_schedule_and_a_removed_window_deletes_it(scheduler):
    catalogue = list(load_catalogue())
    sync_schedules(scheduler, desired(catalogue), prefix=PREFIX)
    pg = next(p for p in catalogue if p.id == "pg-confirm-1104")
    later = datetime.fromisoformat("2023-11-04T18:30:00+08:00")
    changed = [with_window(with_window(pg, "supplement", closes=later), "review") if p is pg else p
               for p in catalogue]
    report = sync_schedules(scheduler, desired(changed), prefix=PREFIX)
    supplement, review = (schedule_name("dev", pg.id, w) for w in ("supplement", "review"))
    assert report.updated == [supplement]
    assert report.deleted == [review]
    assert not report.created
    schedules = held(scheduler)
    assert schedules[supplement]["ScheduleExpression"] == "at(2023-11-04T18:30:00)"
    assert review not in schedules
    assert not sync_schedules(scheduler, desired(changed), prefix=PREFIX).changed


def test_a_changed_target_or_input_is_updated(scheduler):
    specs = desired()
    sync_schedules(scheduler, specs, prefix=PREFIX)
    name = specs[0].name
    scheduler.update_schedule(Name=name, ScheduleExpression=specs[0].expression, FlexibleTimeWindow={"Mode": "OFF"},
                              ScheduleExpressionTimezone="Asia/Shanghai",
                              Target={"Arn": TARGET, "RoleArn": ROLE, "Input": '{"action": "other"}'})
    assert sync_schedules(scheduler, specs, prefix=PREFIX).updated == [name]


def test_schedules_without_the_prefix_or_for_another_target_are_left_alone(scheduler):
    other = {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:other", "RoleArn": ROLE}
    scheduler.create_schedule(Name="CloseWindowFunctionAbandonSweep", ScheduleExpression="rate(15 minutes)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=other)
    scheduler.create_schedule(Name="intake-dev-2-pg-first_upload-close", ScheduleExpression="at(2030-01-01T00:00:00)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=other)
    report = sync_schedules(scheduler, [], prefix=PREFIX, target_arn=TARGET)
    assert not report.changed
    assert set(held(scheduler)) == {"CloseWindowFunctionAbandonSweep", "intake-dev-2-pg-first_upload-close"}
    sync_schedules(scheduler, desired(), prefix=PREFIX, target_arn=TARGET)
    report = sync_schedules(scheduler, [], prefix=PREFIX, target_arn=TARGET)
    assert sorted(report.deleted) == sorted(spec.name for spec in desired())
    assert set(held(scheduler)) == {"CloseWindowFunctionAbandonSweep", "intake-dev-2-pg-first_upload-close"}


def test_a_dry_run_reports_the_plan_and_changes_nothing(scheduler):
    report = sync_schedules(scheduler, desired(), prefix=PREFIX, dry_run=True)
    assert len(report.created) == len(desired())
    assert held(scheduler) == {}


# ------------------------------------------------------------------------------------------ the CLI


def test_intake_schedules_sync_reads_a_deployed_stack(scheduler, monkeypatch, capsys):
    from intake_tools.cli import main

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    template = {
        "Parameters": {"Stage": {"Type": "String"}},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"CloseWindowFunctionArn": {"Value": TARGET}, "DeadlineSchedulerRoleArn": {"Value": ROLE}},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="intake-dev", TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": "dev"}])
    names = sorted(spec.name for spec in desired())

    assert main(["schedules", "sync", "--stack-name", "intake-dev", "--dry-run"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["dry_run"] is True and sorted(plan["created"]) == names and held(scheduler) == {}

    assert main(["schedules", "sync", "--stack-name", "intake-dev"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stage"] == "dev" and report["target"] == TARGET and sorted(report["created"]) == names
    assert set(held(scheduler)) == set(names)

    assert main(["schedules", "sync", "--stack-name", "intake-dev"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert sorted(again["unchanged"]) == names and not (again["created"] or again["updated"] or again["deleted"])

    assert main(["schedules", "sync", "--stack-name", "intake-dev", "--stage", "prod"]) == 2
    assert "differs from the Stage" in capsys.readouterr().err
    assert main(["schedules", "sync", "--stack-name", "no-such-stack"]) == 1
