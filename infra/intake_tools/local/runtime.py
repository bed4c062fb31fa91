"""The whole local stack: moto's server, the template's resources, the functions, pollers and the API.

``LocalStack`` starts it all (and stops everything it started); ``run_local_stack`` is what
``intake local`` runs: start, print where things are, block until Ctrl-C or SIGTERM, shut down.
When the template has a Cognito user pool, ``LocalStack`` creates demo accounts in it (a reviewer, an admin
and two applicants, in the state file and on the console) and ``LocalStack.sign_in`` gets their ID tokens.
The stack runs on a clock of its own (``clock``: start at that instant; ``scheduler.LocalClock``), which every
function reads through ``INTAKE_CLOCK_OFFSET_FILE`` and the local-only ``/_local/clock`` route shows and moves.
At start-up the deadline schedules of the programs are synced into moto's EventBridge Scheduler, and a scheduler
thread fires every schedule when its time comes on that clock.
No AWS account, no Docker, no network beyond 127.0.0.1, no ~/.aws files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TextIO

from botocore.config import Config

from .apigateway import ApiServer
from .auth import CognitoVerifier, DemoAccount, create_demo_accounts, sign_in
from .console import Console
from .events import SqsPoller, StreamPoller
from .functions import FunctionWorker, Invocation
from .intrinsics import IntrinsicError
from .resources import Deployment, ProvisioningError, provision
from .scheduler import DEFAULT_TIMEZONE, LocalClock, LocalScheduler
from .template import TemplateError, TranslatedTemplate, default_template_path, translate_file

__all__ = ["DEFAULT_REGION", "LocalStack", "LocalStackError", "run_local_stack"]

DEFAULT_REGION = "us-east-1"
#: The environment variable that tells ``intake.clock`` where the local clock's offset is.
CLOCK_OFFSET_VARIABLE = "INTAKE_CLOCK_OFFSET_FILE"
#: Where the deadline schedules go, and which function they invoke (logical ids of template.yaml).
CLOSER_FUNCTION, DEADLINE_ROLE = "CloseWindowFunction", "DeadlineSchedulerRole"
#: Credentials moto accepts; nothing else ever sees them.
_DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class LocalStackError(Exception):
    """The local stack could not start."""


class LocalStack:
    """The local stack as a context manager.

    ``port`` is the API's port and ``aws_port`` moto's (0 picks a free one). ``template`` defaults to the
    repository's ``template.yaml``; ``parameters`` override its parameter defaults. ``clock`` is the instant
    the stack's clock starts at (default: now); its offset file lives beside the state file (or in a
    temporary directory without one).
    """

    def __init__(
        self,
        template: Path | None = None,
        *,
        port: int = 0,
        aws_port: int = 0,
        host: str = "127.0.0.1",
        region: str = DEFAULT_REGION,
        stack_name: str = "intake-local",
        parameters: dict[str, Any] | None = None,
        state_file: Path | None = None,
        console: TextIO | None = None,
        clock: datetime | None = None,
        timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        if clock is not None and clock.tzinfo is None:
            raise LocalStackError("the clock's start needs its UTC offset, e.g. 2023-11-04T13:58:00+08:00")
        self.template_path = Path(template) if template is not None else default_template_path()
        self.port = port
        self.aws_port = aws_port
        self.host = host
        self.region = region
        self.stack_name = stack_name
        self.parameters = dict(parameters or {})
        self.state_file = Path(state_file) if state_file is not None else None
        self.console = Console(console)
        self.translated: TranslatedTemplate | None = None
        self.deployment: Deployment | None = None
        self.workers: dict[str, FunctionWorker] = {}
        self.pollers: list[SqsPoller | StreamPoller] = []
        self.api: ApiServer | None = None
        #: Checks the tokens of API methods with a Cognito authorizer.
        self.verifier: CognitoVerifier | None = None
        #: The accounts made in the template's user pool at start-up (empty without exactly one pool).
        self.demo_accounts: list[DemoAccount] = []
        self._client_id: str | None = None
        self.started_at: datetime | None = None
        self._moto: Any = None
        self._clients: dict[str, Any] = {}
        self._state_written = False
        self.clock_start = clock
        self.timezone = timezone
        #: The stack's clock (from start to stop).
        self.clock: LocalClock | None = None
        self._clock_dir: Path | None = None
        #: Fires the schedules held in moto on the stack's clock.
        self.scheduler: LocalScheduler | None = None
        #: What syncing the programs' deadline schedules did at start-up (None when the template has no closer).
        self.schedule_sync: dict[str, Any] | None = None

    # ------------------------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def aws_endpoint(self) -> str:
        if self._moto is None:
            raise LocalStackError("the local stack is not running")
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        if self.api is None:
            raise LocalStackError("the local stack is not running")
        return self.api.url

    def client(self, service: str) -> Any:
        """A boto3 client for the local AWS endpoint (no profile, config or credentials file is read)."""
        if service not in self._clients:
            self._clients[service] = _local_session(self.region).client(
                service,
                endpoint_url=self.aws_endpoint,
                config=Config(retries={"max_attempts": 2, "mode": "standard"}),
            )
        return self._clients[service]

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        started = time.monotonic()
        self.started_at = datetime.now(UTC)
        try:
            self.api = ApiServer(invoke=self.invoke, console=self.console, host=self.host, port=self.port)
        except OSError as exc:
            raise LocalStackError(f"cannot serve the API on {self.host}:{self.port}: {exc.strerror or exc}") from exc
        self._start_clock()
        self._start_moto()
        try:
            self.translated = translate_file(self.template_path, region=self.region, parameters=self.parameters)
            self.deployment = provision(
                self.translated,
                session_or_clients=self.client,
                region=self.region,
                stack_name=self.stack_name,
                parameters=self.parameters,
            )
        except (TemplateError, ProvisioningError, IntrinsicError) as exc:
            raise LocalStackError(f"{self.template_path}: {exc}") from exc
        self._set_up_sign_in()
        for note in self.deployment.notes:
            self.console.line("local", note)
        assert self.clock is not None
        for function in self.deployment.functions.values():
            # The only addition to a function's environment: where the stack's clock is (intake.clock reads it).
            clocked = dataclasses.replace(
                function, environment={**function.environment, CLOCK_OFFSET_VARIABLE: str(self.clock.path)}
            )
            worker = FunctionWorker(clocked, aws_endpoint=self.aws_endpoint, region=self.region, console=self.console)
            self.workers[function.logical_id] = worker
            worker.start()
        self._wait_for_workers()
        for source in self.deployment.event_sources:
            if not source.enabled:
                self.console.line(source.logical_id, "disabled in the template; not polling")
                continue
            if source.kind == "sqs":
                clock = self.clock
                poller: SqsPoller | StreamPoller = SqsPoller(
                    source, sqs=self.client("sqs"), invoke=self.invoke, region=self.region, console=self.console,
                    clock_offset=clock.offset_seconds if clock is not None else None,
                )
            else:
                poller = StreamPoller(
                    source,
                    streams=self.client("dynamodbstreams"),
                    sqs=self.client("sqs"),
                    invoke=self.invoke,
                    region=self.region,
                    console=self.console,
                )
            self.pollers.append(poller)
            poller.start()
        api_ids = {
            lid: res.physical_id
            for lid, res in self.deployment.resources.items()
            if res.type == "AWS::ApiGateway::RestApi"
        }
        self._sync_deadline_schedules()
        self.scheduler = LocalScheduler(
            client=lambda: self.client("scheduler"),
            clock=self.clock,
            functions={spec.arn: lid for lid, spec in self.deployment.functions.items()},
            invoke=self.invoke,
            console=self.console,
        )
        self.scheduler.start()
        assert self.api is not None
        self.api.start(
            self.deployment.routes,
            api_ids=api_ids,
            account_id=self.deployment.account_id,
            authorize=self.verifier.verify if self.verifier is not None else None,
            admin=self._admin,
        )
        if self.state_file is not None:
            self._write_state()
        self.console.line("local", f"started in {time.monotonic() - started:.1f} s")

    def _start_clock(self) -> None:
        if self.state_file is not None:
            directory = self.state_file.parent
        else:
            directory = self._clock_dir = Path(tempfile.mkdtemp(prefix="intake-local-clock-"))
        self.clock = LocalClock(directory / "clock-offset", timezone=self.timezone)
        self.clock.set(self.clock_start or datetime.now(UTC))
        self.console.line("clock", f"local time {self.clock.describe()['now']} ({self.timezone})")

    def _sync_deadline_schedules(self) -> None:
        """The programs' deadline schedules (``intake.schedules``), in moto, invoking the template's closer."""
        deployment = self.deployment
        assert deployment is not None
        function = deployment.functions.get(CLOSER_FUNCTION)
        role = deployment.resources.get(DEADLINE_ROLE)
        if function is None or role is None:
            return
        from intake.programs import load_catalogue
        from intake.schedules import desired_schedules, schedule_prefix, sync_schedules

        stage = str(deployment.parameters.get("Stage") or "local")
        target = str(deployment.outputs.get("CloseWindowFunctionArn") or function.arn)
        role_arn = str(deployment.outputs.get("DeadlineSchedulerRoleArn") or role.attributes["Arn"])
        desired = desired_schedules(load_catalogue(), stage=stage, target_arn=target, role_arn=role_arn)
        report = sync_schedules(self.client("scheduler"), desired, prefix=schedule_prefix(stage), target_arn=target)
        self.schedule_sync = {"stage": stage, **report.as_dict()}
        self.console.line(
            "scheduler", f"{len(desired)} deadline schedules for {CLOSER_FUNCTION} (intake-{stage}-*-close)"
        )

    def _admin(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The local-only routes under ``/_local/`` (not part of the template's API): the clock, and the SMS
        outbox (every text the notifier sent through moto's SNS, newest first, numbers masked)."""
        route = path.rstrip("/")
        if route == "/_local/sms":
            if method != "GET":
                return 405, {"message": f"{method} /_local/sms: use GET"}
            return 200, {"messages": self.sms_outbox()}
        if route != "/_local/clock":
            return 404, {"message": f"no local route {path}; there are /_local/clock and /_local/sms"}
        return self._clock_admin(method, body)

    def sms_outbox(self) -> list[dict[str, str]]:
        from moto.sns.models import sns_backends

        from intake.observability import mask_phone

        assert self.deployment is not None
        sent = sns_backends[self.deployment.account_id][self.region].sms_messages
        return [{"message_id": message_id, "phone": mask_phone(phone), "text": text}
                for message_id, (phone, text) in reversed(list(sent.items()))]

    def _clock_admin(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        clock = self.clock
        if clock is None:
            return 503, {"message": "the local stack is not running"}
        if method == "GET":
            return 200, clock.describe()
        if method != "POST":
            return 405, {"message": f"{method} /_local/clock: use GET or POST"}
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return 400, {"message": "the body must be JSON: {\"set\": ISO} or {\"advance_seconds\": n}"}
        if not isinstance(request, dict) or len(set(request) & {"set", "advance_seconds"}) != 1:
            return 400, {"message": 'give exactly one of {"set": ISO time with offset} or {"advance_seconds": n}'}
        before = clock.describe()["now"]
        try:
            if "set" in request:
                moment = datetime.fromisoformat(str(request["set"]))
                if moment.tzinfo is None:
                    raise ValueError(f"{request['set']!r} has no UTC offset (e.g. +08:00)")
                clock.set(moment)
            else:
                seconds = request["advance_seconds"]
                if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
                    raise ValueError("advance_seconds must be a number of seconds")
                clock.advance(float(seconds))
        except (ValueError, OverflowError) as exc:
            return 400, {"message": str(exc)}
        now = clock.describe()
        self.console.line("clock", f"{before} → {now['now']}")
        if self.scheduler is not None:
            self.scheduler.wake()
        if self._state_written and self.state_file is not None:
            self._write_state()
        return 200, {**now, "previous": before}

    def _set_up_sign_in(self) -> None:
        """The authorizer's token verifier, and the demo accounts when the template has one user pool."""
        assert self.deployment is not None
        endpoint = self.aws_endpoint

        def client_ids(pool_id: str) -> list[str]:
            listing = self.client("cognito-idp").list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
            return [client["ClientId"] for client in listing["UserPoolClients"]]

        self.verifier = CognitoVerifier(
            jwks_url=lambda pool_id: f"{endpoint}/{pool_id}/.well-known/jwks.json", client_ids=client_ids
        )
        pools = self.deployment.user_pools
        if not pools:
            return
        if len(pools) > 1:
            self.deployment.notes.append(
                f"no demo accounts: the template has {len(pools)} user pools ({', '.join(pools)})"
            )
            return
        pool_id = self.deployment.user_pool_id
        of_pool = set(client_ids(pool_id))
        self._client_id = next((cid for cid in self.deployment.user_pool_clients.values() if cid in of_pool), None)
        accounts, notes = create_demo_accounts(self.client("cognito-idp"), pool_id)
        self.demo_accounts = accounts
        self.deployment.notes.extend(notes)

    @property
    def user_pool_client_id(self) -> str | None:
        """The app client that demo sign-ins use: the template's (first) client of its only user pool."""
        return self._client_id

    def sign_in(self, email: str, password: str) -> str:
        """An ID token for a user of the template's user pool (e.g. a demo account), to send in ``Authorization``."""
        client_id = self.user_pool_client_id
        if client_id is None:
            raise LocalStackError("the template has no single user pool with an app client to sign in with")
        return sign_in(self.aws_endpoint, self.region, client_id, email, password)

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        # moto's server logs every request through werkzeug; the API server writes its own access lines.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=self.host, port=self.aws_port, verbose=False)
        try:
            if self.aws_port:
                # ThreadedMotoServer.start() waits forever when its port is taken: find out first.
                with socket.socket() as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((self.host, self.aws_port))
            server.start()
        except OSError as exc:
            raise LocalStackError(f"cannot serve AWS on {self.host}:{self.aws_port}: {exc.strerror or exc}") from exc
        self._moto = server

    def _wait_for_workers(self) -> None:
        if not self.workers:
            return
        with ThreadPoolExecutor(max_workers=len(self.workers)) as pool:
            ready = dict(
                zip(self.workers, pool.map(lambda worker: worker.wait_ready(), self.workers.values()), strict=True)
            )
        failed = {lid: status["error"] for lid, status in ready.items() if not status.get("ready")}
        for logical_id, error in failed.items():
            # Like Lambda, a function whose init fails is retried on its next invocation; the stack runs on.
            self.console.line(
                logical_id, f"handler failed to load: {error.get('errorType')}: {error.get('errorMessage')}"
            )

    def stop(self) -> None:
        """Stop everything this stack started, newest first. Safe to call more than once."""
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None
        for poller in self.pollers:
            poller.stop()  # they finish their current receive or invocation, then end
        if self.api is not None:
            self.api.stop()
            self.api = None
        # Workers stop side by side while the pollers finish their last receive. A worker lets an invocation
        # in flight finish for a moment, then ends it (its messages stay on the queue, as with Lambda).
        stopping = [threading.Thread(target=worker.stop, name=f"stop-{lid}") for lid, worker in self.workers.items()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        for poller in self.pollers:
            poller.join(timeout=5)
        self.pollers = []
        self.workers = {}
        if self._moto is not None:
            self._stop_moto()
        self._clients = {}
        self.verifier = None
        if self._state_written and self.state_file is not None:
            self.state_file.unlink(missing_ok=True)
            self._state_written = False
        if self.clock is not None:
            self.clock.path.unlink(missing_ok=True)
            self.clock = None
        if self._clock_dir is not None:
            shutil.rmtree(self._clock_dir, ignore_errors=True)
            self._clock_dir = None

    def _stop_moto(self) -> None:
        # The in-process moto server keeps its state in module globals: clear what this stack created so a
        # later stack (or mock_aws) in the same process starts clean.
        try:
            request = urllib.request.Request(f"{self.aws_endpoint}/moto-api/reset", method="POST")
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5).close()
        except OSError as exc:
            self.console.line("local", f"could not reset moto's state: {exc}")
        self._moto.stop()
        inner = getattr(self._moto, "_server", None)
        if inner is not None:
            inner.server_close()  # ThreadedMotoServer.stop() leaves the listening socket open
        self._moto = None

    # ------------------------------------------------------------------------------------ use

    def invoke(self, function: str, event: dict[str, Any]) -> Invocation:
        """Invoke a function by logical id, as Lambda's Invoke would (RequestResponse)."""
        worker = self.workers.get(function)
        if worker is not None:
            return worker.invoke(event)
        if self.deployment is not None and function in self.deployment.functions:
            return Invocation(
                str(uuid.uuid4()),
                False,
                error={
                    "errorType": "Runtime.Stopped",
                    "errorMessage": "the local stack is not running",
                },
            )
        known = ", ".join(self.deployment.functions) if self.deployment else "none"
        raise KeyError(f"no function {function!r}; the template has {known}")

    def state(self) -> dict[str, Any]:
        """What the state file holds: where everything is."""
        deployment = self.deployment
        if deployment is None or self.api is None:
            raise LocalStackError("the local stack is not running")
        buckets, tables = deployment.buckets, deployment.tables
        return {
            "api_url": self.api_url,
            "aws_endpoint": self.aws_endpoint,
            "region": self.region,
            "account_id": deployment.account_id,
            "stack_name": deployment.stack_name,
            "bucket": next(iter(buckets.values())) if len(buckets) == 1 else None,
            "table": next(iter(tables.values())) if len(tables) == 1 else None,
            "buckets": buckets,
            "tables": tables,
            "queues": {
                logical_id: {"url": res.physical_id, "arn": res.attributes["Arn"], "name": res.attributes["QueueName"]}
                for logical_id, res in deployment.of_type("AWS::SQS::Queue").items()
            },
            "functions": {
                logical_id: {
                    "name": spec.name,
                    "handler": spec.handler,
                    "pid": self.workers[logical_id].pid if logical_id in self.workers else None,
                }
                for logical_id, spec in deployment.functions.items()
            },
            "event_sources": [
                {
                    "id": source.logical_id,
                    "function": source.function,
                    "source": source.source_arn,
                    "polling": any(poller.source is source for poller in self.pollers),
                }
                for source in deployment.event_sources
            ],
            "routes": [
                {
                    "method": route.method,
                    "path": route.path,
                    "target": route.function if route.function else "mock",
                    "authorizer": route.authorizer.name if route.authorizer else None,
                }
                for route in deployment.routes
            ],
            "outputs": deployment.outputs,
            "parameters": deployment.parameters,
            "cognito": self._cognito_state(),
            "clock": self.clock.describe()["now"] if self.clock else None,
            "clock_offset_file": str(self.clock.path) if self.clock else None,
            "timezone": self.timezone,
            "schedules": self.schedule_sync,
            "template": str(self.template_path),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "pid": os.getpid(),
        }

    def _cognito_state(self) -> dict[str, Any] | None:
        deployment = self.deployment
        if deployment is None or len(deployment.user_pools) != 1:
            return None
        (pool_logical_id,) = deployment.user_pools
        return {
            "user_pool_id": deployment.user_pool_id,
            "client_id": self.user_pool_client_id,
            "region": self.region,
            "issuer": deployment.attribute(pool_logical_id, "ProviderURL"),
            "demo_accounts": [account.as_dict() for account in self.demo_accounts],
        }

    def _write_state(self) -> None:
        assert self.state_file is not None
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_name(self.state_file.name + ".partial")
        partial.write_text(json.dumps(self.state(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        partial.replace(self.state_file)  # readers never see half a file
        self._state_written = True


def _local_session(region: str) -> Any:
    """A boto3 session that reads no AWS_PROFILE, ~/.aws/config or ~/.aws/credentials: only moto is talked to."""
    import boto3
    import botocore.session

    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    return boto3.Session(botocore_session=core, region_name=region, **_DUMMY_CREDENTIALS)


def run_local_stack(
    port: int,
    state_file: Path,
    template: Path | None = None,
    *,
    aws_port: int = 0,
    region: str = DEFAULT_REGION,
    parameters: dict[str, Any] | None = None,
    clock: datetime | None = None,
) -> int:
    """Run the local stack until Ctrl-C or SIGTERM; returns the process exit status (0 after a clean stop).

    The API is served at the root of ``http://127.0.0.1:PORT`` (no ``/v1`` prefix).
    """
    stopping = threading.Event()
    previous: dict[int, Any] = {}
    in_main_thread = threading.current_thread() is threading.main_thread()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    if in_main_thread:
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, request_stop)
    try:
        try:
            stack = LocalStack(
                template,
                port=port,
                aws_port=aws_port,
                region=region,
                parameters=parameters,
                state_file=Path(state_file),
                clock=clock,
            ).start()
        except (LocalStackError, OSError) as exc:
            print(f"intake local: {exc}", file=sys.stderr)
            return 1
        try:
            print(f"API:          {stack.api_url}  (served at the root, no /{_stage(stack)} prefix)", flush=True)
            print(f"AWS endpoint: {stack.aws_endpoint}  (region {region})", flush=True)
            print(f"State file:   {state_file}", flush=True)
            if stack.clock is not None:
                print(f"Local clock:  {stack.clock.describe()['now']}  (`intake clock` shows and moves it)", flush=True)
            for line in _demo_account_table(stack):
                print(line, flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            while not stopping.wait(0.5):
                pass
            print("Stopping...", flush=True)
        finally:
            stack.stop()
        print("Stopped.", flush=True)
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _demo_account_table(stack: LocalStack) -> list[str]:
    """The demo accounts, one a line, for the start-up banner (names last: their width varies)."""
    if not stack.demo_accounts or stack.deployment is None:
        return []
    lines = [
        f"Demo accounts (user pool {stack.deployment.user_pool_id}, app client {stack.user_pool_client_id}); "
        "send the ID token as the raw Authorization header:"
    ]
    rows = [("role", "e-mail", "password", "phone", "name")] + [
        (account.role, account.email, account.password, account.phone, account.name) for account in stack.demo_accounts
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        lines.append("  " + "  ".join([*cells, row[4]]))
    return lines


def _stage(stack: LocalStack) -> str:
    stages = {route.stage for route in (stack.deployment.routes if stack.deployment else [])}
    return next(iter(stages)) if len(stages) == 1 else "stage"
