"""The local stack's own clock and its EventBridge Scheduler: the deadline schedules of the programs exist in
moto, ``/_local/clock`` shows and moves the clock, the workers read it, and moving it past a deadline fires the
schedule with its input, once."""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from intake.programs import load_catalogue
from intake.schedules import desired_schedules
from intake_tools.cli import main
from intake_tools.local import LocalStack
from intake_tools.local.apigateway import LOCAL_HEADER
from tests.support import wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

START = datetime.fromisoformat("2023-11-04T13:58:00+08:00")
PG_FIRST_UPLOAD = "intake-dev-pg-confirm-1104-first_upload-close"
CLOSER_CODE = Path(__file__).resolve().parents[2] / "functions" / "close_window" / "close_window" / "handler.py"


def seconds_apart(a: str | datetime, b: datetime) -> float:
    moment = datetime.fromisoformat(a) if isinstance(a, str) else a
    return abs((moment - b).total_seconds())


def deadline_names() -> set[str]:
    return {spec.name for spec in desired_schedules(load_catalogue(), stage="dev", target_arn="-", role_arn="-")}


def held_schedules(stack: LocalStack) -> dict[str, dict[str, Any]]:
    client = stack.client("scheduler")
    return {s["Name"]: client.get_schedule(Name=s["Name"]) for s in client.list_schedules()["Schedules"]}


# ------------------------------------------------------------------------------------------ template.yaml


class TestTheClockOfTheRealStack:
    console = io.StringIO()
    #: Ten minutes before PG's first upload closes (the tests move the clock a little before the deadline test).
    start = datetime.fromisoformat("2023-11-04T13:50:00+08:00")

    @pytest.fixture(scope="class")
    def stack(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
        state_file = tmp_path_factory.mktemp("local") / "state.json"
        with LocalStack(console=self.console, state_file=state_file, clock=self.start) as stack:
            yield stack

    def test_the_state_file_shows_the_clock_and_its_offset_file(self, stack):
        state = json.loads(stack.state_file.read_text(encoding="utf-8"))
        assert seconds_apart(state["clock"], self.start) < 120
        assert Path(state["clock_offset_file"]).parent == stack.state_file.parent
        assert Path(state["clock_offset_file"]).is_file()
        assert state["parameters"]["Stage"] == "dev"

    def test_the_deadline_and_template_schedules_are_in_moto(self, stack):
        schedules = held_schedules(stack)
        closer = stack.deployment.functions["CloseWindowFunction"].arn
        role = stack.deployment.outputs["DeadlineSchedulerRoleArn"]
        assert deadline_names() <= set(schedules)
        first = schedules[PG_FIRST_UPLOAD]
        assert first["ScheduleExpression"] == "at(2023-11-04T14:00:00)"
        assert first["ScheduleExpressionTimezone"] == "Asia/Shanghai"
        assert first["Target"]["Arn"] == closer and first["Target"]["RoleArn"] == role
        sweep = schedules["CloseWindowFunctionAbandonSweep"]
        assert sweep["ScheduleExpression"] == "rate(15 minutes)" and sweep["Target"]["Arn"] == closer
        assert json.loads(sweep["Target"]["Input"]) == {"action": "abandon_sweep"}

    def test_get_and_post_local_clock(self, stack):
        response = requests.get(f"{stack.api_url}/_local/clock", timeout=10)
        assert response.status_code == 200 and response.headers[LOCAL_HEADER] == "local-admin"
        shown = response.json()
        assert shown["timezone"] == "Asia/Shanghai" and shown["now"].endswith("+08:00")
        moved = requests.post(f"{stack.api_url}/_local/clock", json={"advance_seconds": 30}, timeout=10).json()
        assert 25 < (datetime.fromisoformat(moved["now"]) - datetime.fromisoformat(shown["now"])).total_seconds() < 60
        no_offset, both = {"set": "2023-11-04T13:00:00"}, {"set": "x", "advance_seconds": 1}
        for bad in ({}, no_offset, {"advance_seconds": "soon"}, both):
            response = requests.post(f"{stack.api_url}/_local/clock", json=bad, timeout=10)
            assert response.status_code == 400, bad
            assert response.headers[LOCAL_HEADER] == "local-admin"
        assert requests.get(f"{stack.api_url}/_local/nothing", timeout=10).status_code == 404

    def test_intake_clock_and_schedules_sync_talk_to_the_running_stack(self, stack, capsys):
        assert main(["clock", "--state-file", str(stack.state_file)]) == 0
        before = json.loads(capsys.readouterr().out)
        assert main(["clock", "--state-file", str(stack.state_file), "advance", "1m"]) == 0
        after = json.loads(capsys.readouterr().out)
        assert 55 < (datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])).total_seconds() < 90
        state = json.loads(stack.state_file.read_text(encoding="utf-8"))
        assert seconds_apart(state["clock"], datetime.fromisoformat(after["now"])) < 5
        assert main(["clock", "--state-file", str(stack.state_file), "advance", "soon"]) == 2
        assert main(["clock", "--state-file", str(stack.state_file), "set"]) == 2
        assert main(["schedules", "sync", "--state-file", str(stack.state_file)]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["stage"] == "dev" and not (report["created"] or report["updated"] or report["deleted"])
        assert set(report["unchanged"]) == deadline_names()
        assert main(["schedules", "sync"]) == 2
        assert main(["schedules", "sync", "--state-file", str(stack.state_file.with_name("none.json"))]) == 2
        assert main(["schedules", "sync", "--state-file", str(stack.state_file), "--stage", "prod"]) == 2

    def test_passing_a_deadline_fires_its_schedule_at_the_closer(self, stack):
        if not CLOSER_CODE.exists():
            pytest.skip("the close-window function is not written yet")
        applicant = next(account for account in stack.demo_accounts if account.role == "applicant")
        auth = {"Authorization": stack.sign_in(applicant.email, applicant.password)}
        assert stack.clock.now() < datetime.fromisoformat("2023-11-04T13:59:00+08:00")
        created = requests.post(f"{stack.api_url}/applications", headers=auth, timeout=30, json={
            "program_id": "pg-confirm-1104", "applicant": {"name": "测试用户", "phone": "13800138000"}})
        assert created.status_code == 201, created.text
        draft = created.json()
        assert draft["status"] == "draft"

        stack.clock.set(datetime.fromisoformat("2023-11-04T14:00:30+08:00"))
        stack.scheduler.wake()
        firing = wait_for(lambda: next((f for f in stack.scheduler.firings if f.schedule == PG_FIRST_UPLOAD), None),
                          timeout=10)
        assert firing.function == "CloseWindowFunction"
        assert firing.event == {"action": "close", "program_id": "pg-confirm-1104", "window": "first_upload"}
        assert not [f for f in stack.scheduler.firings if f.schedule.endswith("supplement-close")]
        done = wait_for(lambda: next((f for f in stack.scheduler.firings
                                      if f.schedule == PG_FIRST_UPLOAD and f.invocation), None), timeout=60)
        assert done.invocation.ok, done.invocation.error_summary
        assert f"fired {PG_FIRST_UPLOAD} → CloseWindowFunction: ok" in self.console.getvalue()
        # The closer's effect: the draft not submitted before the deadline has expired.
        after = requests.get(f"{stack.api_url}/applications/{draft['id']}", headers=auth, timeout=30)
        assert after.status_code == 200, after.text
        assert after.json()["status"] == "expired"


# ------------------------------------------------------------------------------------------ probe template

PROBE_HANDLER = """
import json, os
from intake import clock

def handle(event, context):
    with open(os.environ["PROBE_LOG"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"event": event, "now": clock.now().isoformat()}) + "\\n")
    return {"now": clock.now().isoformat(), "offset_file": os.environ.get("INTAKE_CLOCK_OFFSET_FILE")}
"""

PROBE_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Resources:
  CloseWindowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: probe.handle
      Runtime: python3.11
      Timeout: 10
      Environment:
        Variables:
          PROBE_LOG: "{log}"
      Events:
        Sweep:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(15 minutes)
            Input: '{"action": "abandon_sweep"}'
  DeadlineSchedulerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: scheduler.amazonaws.com}
            Action: sts:AssumeRole
"""


class TestSchedulesFireOnTheLocalClock:
    """A probe stands in for the closer: it logs every event it gets, with the time it reads."""

    @pytest.fixture(scope="class")
    def probe(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
        root = tmp_path_factory.mktemp("clock-probe")
        (root / "code").mkdir()
        (root / "code" / "probe.py").write_text(textwrap.dedent(PROBE_HANDLER), encoding="utf-8")
        log = root / "probe.log"
        log.touch()
        (root / "template.yaml").write_text(PROBE_TEMPLATE.replace("{log}", str(log)), encoding="utf-8")
        with LocalStack(root / "template.yaml", console=io.StringIO(), clock=START) as stack:
            yield {"stack": stack, "log": log}

    @staticmethod
    def events(probe: dict[str, Any]) -> list[dict[str, Any]]:
        lines = probe["log"].read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["event"] for line in lines if line.strip()]

    def advance_to(self, probe: dict[str, Any], moment: str) -> None:
        stack = probe["stack"]
        stack.clock.set(datetime.fromisoformat(moment))
        stack.scheduler.wake()

    def settle(self, probe: dict[str, Any], count: int) -> list[dict[str, Any]]:
        """The probe's events once `count` have arrived, after a moment for any unexpected extra ones."""
        wait_for(lambda: len(self.events(probe)) >= count, timeout=20)
        stack = probe["stack"]
        stack.scheduler.tick()
        wait_for(lambda: all(f.invocation for f in stack.scheduler.firings), timeout=20)
        return self.events(probe)

    def test_1_workers_read_the_local_clock(self, probe):
        stack = probe["stack"]
        invocation = stack.invoke("CloseWindowFunction", {"action": "what time is it"})
        assert invocation.ok, invocation.error_summary
        assert seconds_apart(invocation.result["now"], START) < 120
        assert invocation.result["offset_file"] == str(stack.clock.path)
        assert self.settle(probe, 1) == [{"action": "what time is it"}]

    def test_2_nothing_fires_before_its_time(self, probe):
        stack = probe["stack"]
        stack.scheduler.tick()
        assert stack.scheduler.firings == []

    def test_3_passing_a_deadline_fires_its_schedule_once_with_its_input(self, probe):
        self.advance_to(probe, "2023-11-04T14:00:05+08:00")
        events = self.settle(probe, 2)
        assert events[1:] == [{"action": "close", "program_id": "pg-confirm-1104", "window": "first_upload"}]
        probe["stack"].scheduler.tick()
        assert self.settle(probe, 2) == events

    def test_4_a_moved_schedule_fires_at_its_new_time(self, probe):
        stack = probe["stack"]
        client = stack.client("scheduler")
        name = "intake-dev-pg-confirm-1104-supplement-close"
        held = client.get_schedule(Name=name)
        client.update_schedule(Name=name, ScheduleExpression="at(2023-11-04T14:05:00)",
                               ScheduleExpressionTimezone=held["ScheduleExpressionTimezone"],
                               FlexibleTimeWindow={"Mode": "OFF"}, Target=held["Target"])
        self.advance_to(probe, "2023-11-04T14:05:10+08:00")
        events = self.settle(probe, 3)
        assert events[2:] == [{"action": "close", "program_id": "pg-confirm-1104", "window": "supplement"}]

    def test_5_a_rate_schedule_fires_every_period_but_once_per_jump(self, probe):
        stack = probe["stack"]
        started = stack.scheduler.started_at
        self.advance_to(probe, (started + timedelta(minutes=15, seconds=5)).isoformat())
        events = self.settle(probe, 4)
        assert events[3:] == [{"action": "abandon_sweep"}]
        # Two hours later: the sweep fires once (not eight times); the review deadline at 17:00 fires too.
        self.advance_to(probe, (started + timedelta(hours=3, minutes=10)).isoformat())
        events = self.settle(probe, 6)
        assert sorted(json.dumps(e, sort_keys=True) for e in events[4:]) == sorted(
            json.dumps(e, sort_keys=True) for e in [
                {"action": "abandon_sweep"},
                {"action": "close", "program_id": "pg-confirm-1104", "window": "review"},
            ]
        )

    def test_6_setting_the_clock_back_fires_no_deadline_again(self, probe):
        count = len(self.events(probe))
        self.advance_to(probe, "2023-11-04T13:00:00+08:00")
        probe["stack"].scheduler.tick()
        self.advance_to(probe, "2023-11-04T17:20:00+08:00")
        probe["stack"].scheduler.tick()
        # Four hours passed on the clock again: the sweep fires (once); the deadlines that fired do not.
        assert self.settle(probe, count + 1)[count:] == [{"action": "abandon_sweep"}]
