"""`intake`: check files, profiles and scores against a program's rules; list programs; run the stack locally.

Exit codes: 0 all good (every file ok, the profile eligible and valid, every subject passed), 1 some problem
was found, 2 bad usage or unreadable input. Never a traceback for anything the user typed or supplied.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from intake.checks import check_material
from intake.inspections import Inspector, with_report
from intake.programs import ProgramCatalogue, load_catalogue
from intake.rules.assessment import assess
from intake.rules.recognition import RecognitionRequest, recognise

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"intake: {message}\n")


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `intake programs | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = _Parser(prog="intake", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="check files against a material's spec and print JSON findings")
    check.add_argument("--program", required=True, help="program id (see `intake programs`)")
    check.add_argument("--material", required=True, help="material id within the program")
    check.add_argument("files", nargs="+", metavar="FILE")

    programs = sub.add_parser("programs", help="list programs, their materials and file specs")
    programs.add_argument("--json", action="store_true", help="print the full definitions as JSON")

    rules = sub.add_parser("rules", help="eligibility, required materials and field problems for a profile")
    rules.add_argument("--program", required=True, help="program id (see `intake programs`)")
    rules.add_argument("--profile", required=True, type=Path, metavar="FILE.json", help="profile answers as JSON")
    rules.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="evaluate as of this date (default: today in the program's time zone)")

    recognize = sub.add_parser("recognize", help="score recognition (SC-RULE-1…3) for a list of subjects")
    recognize.add_argument("--subjects", required=True, type=Path, metavar="FILE.json",
                           help='a list of subjects, or {"subjects": [...], "already_certified": false, ...}')

    local = sub.add_parser("local", help="run the whole application on this machine (moto, no AWS, no Docker)")
    local.add_argument("--port", type=int, default=8000, help="API port on 127.0.0.1 (default 8000)")
    local.add_argument("--state-file", type=Path, default=Path(".intake-local/state.json"),
                       help="where to write the JSON state file (default .intake-local/state.json)")
    local.add_argument("--template", type=Path, default=None, help="SAM template (default: the repository's)")
    local.add_argument("--clock", type=_moment, default=None, metavar="ISO",
                       help="start the stack's own clock at this instant, e.g. 2023-11-04T13:58:00+08:00 "
                            "(default: now; `intake clock` moves it)")

    clock = sub.add_parser("clock", help="show or move the local stack's clock (`intake local`)",
                           description="Show the running local stack's clock, set it, or move it forward "
                                       "(or back, with a negative duration). Schedules due on the new time "
                                       "fire at once.")
    clock.add_argument("--state-file", type=Path, default=Path(".intake-local/state.json"),
                       help="the local stack's state file (default .intake-local/state.json)")
    clock.add_argument("action", nargs="?", default="show", choices=("show", "set", "advance"),
                       help="show (default), set ISO, or advance DURATION (90s, 15m, 2h, 1d)")
    clock.add_argument("value", nargs="?", default=None, metavar="ISO|DURATION")

    schedules = sub.add_parser("schedules", help="the programs' deadline schedules on EventBridge Scheduler")
    schedules_sub = schedules.add_subparsers(dest="schedules_command", required=True, parser_class=_Parser)
    sync = schedules_sub.add_parser(
        "sync", help="create, move and delete the one-time schedules at each program window's close",
        description="Make EventBridge Scheduler hold one one-time schedule per program window close "
                    "(intake-STAGE-PROGRAM-WINDOW-close), invoking the stack's CloseWindowFunction. "
                    "Prints a JSON report of what was created, updated, deleted and left unchanged.")
    source = sync.add_mutually_exclusive_group()
    source.add_argument("--stack-name", default=None,
                        help="a deployed CloudFormation stack: its CloseWindowFunctionArn and "
                             "DeadlineSchedulerRoleArn outputs and its Stage parameter")
    source.add_argument("--state-file", type=Path, default=None,
                        help="a running `intake local` stack's state file (talks to its AWS endpoint)")
    sync.add_argument("--stage", default=None, help="the stage (default: the stack's Stage parameter)")
    sync.add_argument("--region", default=None, help="AWS region of --stack-name (default: your configuration's)")
    sync.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")

    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(load_catalogue(), args.program, args.material, args.files)
    if args.command == "programs":
        return _programs(load_catalogue(), as_json=args.json)
    if args.command == "rules":
        return _rules(load_catalogue(), args.program, args.profile, args.today)
    if args.command == "recognize":
        return _recognize(args.subjects)
    if args.command == "clock":
        return _clock(args.state_file, args.action, args.value)
    if args.command == "schedules":
        return _schedules_sync(args)
    from intake_tools.local import run_local_stack  # imports moto: only when asked for

    return run_local_stack(port=args.port, state_file=args.state_file, template=args.template, clock=args.clock)


def _usage_error(message: str) -> int:
    print(f"intake: {message}", file=sys.stderr)
    return EXIT_USAGE


def _check(catalogue: ProgramCatalogue, program_id: str, material_id: str, files: list[str]) -> int:
    program, material = catalogue.lookup(program_id, material_id)
    if program is None:
        return _usage_error(f"unknown program {program_id!r}; valid programs: {', '.join(catalogue.ids)}")
    if material is None:
        return _usage_error(f"unknown material {material_id!r} in {program_id}; valid materials: "
                            f"{', '.join(m.id for m in program.materials)}")
    spec = program.spec_for(material)
    report: list[dict[str, Any]] = []
    for name in files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return _usage_error(f"cannot read {name}: {exc.strerror or exc}")
        result = check_material(data, spec)
        if result.ok and material.inspect is not None:
            result = with_report(result, _inspector()(data, material.inspect, spec))
        report.append({"file": name, "ok": result.ok,
                       "findings": [f.model_dump(mode="json") for f in result.findings],
                       "facts": result.facts.model_dump(mode="json")})
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK if all(r["ok"] for r in report) else EXIT_FINDINGS


def _inspector() -> Inspector:
    """The inspection function's own code (face, page, QR, codes), as the pipeline runs it after the file checks.
    It needs the `inspect` extra (OpenCV, zxing-cpp), which `./dev local` and `./dev test` install."""
    from inspect_upload.inspect import inspect_file

    return inspect_file


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time like 2023-11-04T13:58:00+08:00") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs its UTC offset, e.g. 2023-11-04T13:58:00+08:00")
    return moment


def _local_state(state_file: Path) -> dict[str, Any]:
    """The running local stack's state file; raises _BadInput when there is none."""
    if not state_file.exists():
        raise _BadInput(f"no local stack: {state_file} does not exist (start one with `intake local`)")
    state = _read_json(state_file)
    if not isinstance(state, dict) or not state.get("api_url"):
        raise _BadInput(f"{state_file} is not an `intake local` state file")
    return state


def _clock(state_file: Path, action: str, value: str | None) -> int:
    from intake_tools.local.scheduler import parse_duration

    if action == "show" and value is not None:
        return _usage_error(f"`intake clock show` takes no value (got {value!r})")
    if action != "show" and value is None:
        what = "an ISO time like 2023-11-04T13:58:00+08:00" if action == "set" else "a duration like 90s, 15m, 2h, 1d"
        return _usage_error(f"`intake clock {action}` needs {what}")
    body: dict[str, Any] | None = None
    try:
        if action == "set":
            body = {"set": _moment(str(value)).isoformat()}
        elif action == "advance":
            body = {"advance_seconds": parse_duration(str(value))}
        state = _local_state(state_file)
    except (argparse.ArgumentTypeError, ValueError, _BadInput) as exc:
        return _usage_error(str(exc))
    import urllib.error
    import urllib.request

    url = f"{state['api_url'].rstrip('/')}/_local/clock"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(detail).get("message", detail)
        print(f"intake: the local stack refused: {detail}", file=sys.stderr)
        return EXIT_USAGE if exc.code == 400 else EXIT_FINDINGS
    except (OSError, ValueError) as exc:
        print(f"intake: cannot reach the local stack at {url}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return EXIT_FINDINGS
    _print_json(answer)
    return EXIT_OK


def _schedules_sync(args: argparse.Namespace) -> int:
    """`intake schedules sync`: the deadline schedules of every program, for one stack."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from intake.schedules import desired_schedules, schedule_prefix, sync_schedules

    if args.stack_name is None and args.state_file is None:
        return _usage_error("schedules sync: give --stack-name (a deployed stack) or --state-file (a local stack)")
    try:
        if args.state_file is not None:
            if args.region is not None:
                return _usage_error("schedules sync: --region goes with --stack-name (a local stack has its own)")
            state = _local_state(args.state_file)
            outputs, stage_parameter = state.get("outputs") or {}, (state.get("parameters") or {}).get("Stage")
            session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=state.get("region") or "us-east-1")
            client = session.client("scheduler", endpoint_url=state["aws_endpoint"])
            where = f"local stack {args.state_file}"
        else:
            session = boto3.Session(region_name=args.region)
            stacks = session.client("cloudformation").describe_stacks(StackName=args.stack_name)["Stacks"]
            outputs = {o["OutputKey"]: o.get("OutputValue") for o in stacks[0].get("Outputs") or []}
            stage_parameter = next((p.get("ParameterValue") for p in stacks[0].get("Parameters") or []
                                    if p["ParameterKey"] == "Stage"), None)
            client = session.client("scheduler")
            where = f"stack {args.stack_name}"
    except _BadInput as exc:
        return _usage_error(str(exc))
    except (BotoCoreError, ClientError) as exc:
        print(f"intake: cannot read {args.stack_name}: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    missing = [key for key in ("CloseWindowFunctionArn", "DeadlineSchedulerRoleArn") if not outputs.get(key)]
    if missing:
        return _usage_error(f"{where} has no {' or '.join(missing)} output; is it the intake stack?")
    if args.stage is not None and stage_parameter is not None and args.stage != stage_parameter:
        return _usage_error(f"--stage {args.stage} differs from the Stage of {where} ({stage_parameter})")
    stage = args.stage or stage_parameter
    if not stage:
        return _usage_error(f"{where} has no Stage parameter; give --stage")
    target = str(outputs["CloseWindowFunctionArn"])
    desired = desired_schedules(load_catalogue(), stage=stage, target_arn=target,
                                role_arn=str(outputs["DeadlineSchedulerRoleArn"]))
    try:
        report = sync_schedules(client, desired, prefix=schedule_prefix(stage), target_arn=target,
                                dry_run=args.dry_run)
    except (BotoCoreError, ClientError) as exc:
        print(f"intake: schedules sync against {where} failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    _print_json({
        "stage": stage,
        "prefix": schedule_prefix(stage),
        "target": target,
        "dry_run": args.dry_run,
        **report.as_dict(),
        "schedules": [{"name": spec.name, "expression": spec.expression, "timezone": spec.timezone,
                       "input": json.loads(spec.input)} for spec in desired],
    })
    return EXIT_OK


def _read_json(path: Path) -> Any:
    """The JSON in `path`; raises _BadInput with a one-line reason."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _BadInput(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _BadInput(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


class _BadInput(Exception):
    pass


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _rules(catalogue: ProgramCatalogue, program_id: str, profile_path: Path, today: date | None) -> int:
    program = catalogue.get(program_id)
    if program is None:
        return _usage_error(f"unknown program {program_id!r}; valid programs: {', '.join(catalogue.ids)}")
    try:
        profile = _read_json(profile_path)
    except _BadInput as exc:
        return _usage_error(str(exc))
    if not isinstance(profile, dict):
        return _usage_error(f"{profile_path} must hold a JSON object of field id → value, not {type(profile).__name__}")
    day = today or datetime.now(ZoneInfo(program.timezone)).date()
    result = assess(program, profile, today=day)
    _print_json({
        "program": program.id,
        "as_of": day.isoformat(),
        "eligible": result.eligible,
        "reasons": [r.model_dump(mode="json") | {"message": r.message} for r in result.eligibility.reasons],
        "rules": [r.model_dump(mode="json") for r in result.eligibility.rules],
        "categories": result.categories,
        "required_materials": [m.model_dump(mode="json") for m in result.materials
                               if m.requirement in ("required", "waived")],
        "optional_materials": [m.id for m in result.materials if m.requirement == "optional"],
        "invalid_fields": [f.model_dump(mode="json") for f in [*result.invalid_fields, *result.missing_fields]],
    })
    return EXIT_OK if result.eligible and result.profile_valid else EXIT_FINDINGS


def _recognize(path: Path) -> int:
    try:
        data = _read_json(path)
    except _BadInput as exc:
        return _usage_error(str(exc))
    if isinstance(data, list):
        data = {"subjects": data}
    try:
        request = RecognitionRequest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors())
        return _usage_error(f"{path}: {problems}")
    result = recognise(request)
    _print_json(result.model_dump(mode="json"))
    return EXIT_OK if result.all_passed else EXIT_FINDINGS


def _programs(catalogue: ProgramCatalogue, *, as_json: bool) -> int:
    if as_json:
        json.dump([p.model_dump(mode="json") for p in catalogue], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for program in catalogue:
        print(f"{program.id}  {program.name_zh}")
        print(f"    {program.name_en}")
        for m in program.materials:
            spec = program.spec_for(m)
            print(f"    - {m.id:<26} {m.name_zh}  [{describe_spec(spec)}]")
        print()
    return EXIT_OK


def describe_spec(spec: Any) -> str:
    parts = ["/".join(spec.formats)]
    bounds = f"{_size(spec.min_bytes)}–{_size(spec.max_bytes)}" if spec.min_bytes > 1 else f"≤{_size(spec.max_bytes)}"
    parts.append(bounds)
    if spec.exact_pixels:
        parts.append(f"exactly {spec.exact_pixels.width}×{spec.exact_pixels.height}px")
    if spec.min_pixels:
        parts.append(f"≥{spec.min_pixels.width}×{spec.min_pixels.height}px")
    if spec.aspect_ratio:
        parts.append(f"{spec.aspect_ratio.width}:{spec.aspect_ratio.height}±{spec.aspect_ratio.tolerance:.0%}")
    if spec.colour != "any":
        parts.append(spec.colour)
    if spec.min_dpi:
        parts.append(f"≥{spec.min_dpi}dpi")
    if spec.background:
        parts.append(f"{spec.background} background")
    return ", ".join(parts)


def _size(n: int) -> str:
    return f"{n / 1048576:g} MB" if n >= 1048576 else f"{n / 1024:g} KB"


if __name__ == "__main__":
    sys.exit(main())
