"""The local stack is built from template.yaml, and nothing in the template goes missing locally.

Each test reads what the template declares (independently of the code under test) and checks the local
counterpart exists: handlers, buckets, queues, tables, notifications, pollers, routes. The last class
runs the runtime's mechanics (workers, pollers, proxy events) on a small throwaway template.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import re
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
import requests

from intake_tools.local import LocalStack, ProvisioningError, provision
from intake_tools.local.apigateway import LOCAL_HEADER
from intake_tools.local.intrinsics import references
from tests.integration.conftest import REGION, translated_template
from tests.support import wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def declared(resource_type: str) -> dict[str, dict[str, Any]]:
    """The translated template's resources of one type, by logical id."""
    resources = translated_template().cloudformation["Resources"]
    return {lid: res for lid, res in resources.items() if res["Type"] == resource_type}


def declared_routes() -> list[tuple[str, str]]:
    """Every path × method of every REST API body that has an integration."""
    routes = []
    for api in declared("AWS::ApiGateway::RestApi").values():
        for path, operations in api["Properties"]["Body"]["paths"].items():
            for method, operation in operations.items():
                if isinstance(operation, dict) and "x-amazon-apigateway-integration" in operation:
                    verb = "GET" if method == "x-amazon-apigateway-any-method" else method.upper()
                    routes.append((verb, path))
    return routes


def declared_protected_routes() -> set[tuple[str, str]]:
    """The routes whose swagger ``security`` names a Cognito user pool authorizer."""
    protected = set()
    for api in declared("AWS::ApiGateway::RestApi").values():
        body = api["Properties"]["Body"]
        cognito = {
            name
            for name, definition in (body.get("securityDefinitions") or {}).items()
            if definition.get("x-amazon-apigateway-authtype") == "cognito_user_pools"
        }
        for path, operations in body["paths"].items():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "x-amazon-apigateway-integration" not in operation:
                    continue
                security = operation.get("security", body.get("security")) or []
                if any(name in cognito for requirement in security for name in requirement):
                    verb = "GET" if method == "x-amazon-apigateway-any-method" else method.upper()
                    protected.add((verb, path))
    return protected


# ------------------------------------------------------------------------------------------ in-process


def test_every_function_has_an_importable_handler_in_its_code_uri(aws):
    functions = declared("AWS::Lambda::Function")
    assert functions, "the template declares no functions"
    for logical_id in functions:
        spec = aws.functions[logical_id]
        module_name, _, attribute = spec.handler.rpartition(".")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute, None)), f"{logical_id}: {spec.handler} is not callable"
        assert spec.code_paths, f"{logical_id}: no local CodeUri"
        assert Path(module.__file__).resolve().is_relative_to(spec.code_paths[0]), (
            f"{logical_id}: {spec.handler} is imported from {module.__file__}, outside its CodeUri {spec.code_paths[0]}"
        )


def test_every_bucket_queue_and_table_exists_in_moto(aws):
    buckets = {bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]}
    queues = set(boto3.client("sqs").list_queues().get("QueueUrls", []))
    tables = set(boto3.client("dynamodb").list_tables()["TableNames"])
    for logical_id in declared("AWS::S3::Bucket"):
        assert aws.buckets.get(logical_id) in buckets, f"bucket {logical_id} is missing"
    for logical_id in declared("AWS::SQS::Queue"):
        assert aws.queues.get(logical_id) in queues, f"queue {logical_id} is missing"
    for logical_id in declared("AWS::DynamoDB::Table"):
        assert aws.tables.get(logical_id) in tables, f"table {logical_id} is missing"


def test_buckets_queues_and_tables_have_the_templates_settings(aws):
    s3, sqs, dynamodb = boto3.client("s3"), boto3.client("sqs"), boto3.client("dynamodb")
    for logical_id, resource in declared("AWS::S3::Bucket").items():
        props, name = resource["Properties"], aws.buckets[logical_id]
        if "VersioningConfiguration" in props:
            status = s3.get_bucket_versioning(Bucket=name).get("Status")
            assert status == props["VersioningConfiguration"]["Status"]
        if "PublicAccessBlockConfiguration" in props:
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
            assert block == props["PublicAccessBlockConfiguration"]
        if "LifecycleConfiguration" in props:
            rules = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
            assert [rule["ID"] for rule in rules] == [rule["Id"] for rule in props["LifecycleConfiguration"]["Rules"]]
        if "BucketEncryption" in props:
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
            expected = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            assert [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules] == [
                r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in expected
            ]
        if "CorsConfiguration" in props:
            rules = s3.get_bucket_cors(Bucket=name)["CORSRules"]
            assert [r["AllowedMethods"] for r in rules] == [
                r["AllowedMethods"] for r in props["CorsConfiguration"]["CorsRules"]
            ]
    for logical_id, resource in declared("AWS::SQS::Queue").items():
        props = resource["Properties"]
        attributes = sqs.get_queue_attributes(QueueUrl=aws.queues[logical_id], AttributeNames=["All"])["Attributes"]
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                assert attributes[key] == str(props[key]), f"{logical_id}.{key}"
        if "RedrivePolicy" in props:
            redrive = json.loads(attributes["RedrivePolicy"])
            (dead_letter,) = references(props["RedrivePolicy"], set(declared("AWS::SQS::Queue")))
            assert redrive["deadLetterTargetArn"] == aws.attribute(dead_letter, "Arn")
            assert int(redrive["maxReceiveCount"]) == int(props["RedrivePolicy"]["maxReceiveCount"])
    for logical_id, resource in declared("AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        table = dynamodb.describe_table(TableName=aws.tables[logical_id])["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        assert sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])) == sorted(
            i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])
        )
        if "StreamSpecification" in props:
            assert table["StreamSpecification"]["StreamViewType"] == props["StreamSpecification"]["StreamViewType"]
        if props.get("TimeToLiveSpecification", {}).get("Enabled"):
            ttl = dynamodb.describe_time_to_live(TableName=aws.tables[logical_id])["TimeToLiveDescription"]
            assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]


def test_every_user_pool_client_and_group_exists_in_moto_with_the_templates_settings(aws):
    cognito = boto3.client("cognito-idp")
    pools = declared("AWS::Cognito::UserPool")
    assert pools, "the template declares no user pool"
    for logical_id, resource in pools.items():
        props = resource["Properties"]
        pool = cognito.describe_user_pool(UserPoolId=aws.user_pools[logical_id])["UserPool"]
        assert pool["Arn"] == aws.attribute(logical_id, "Arn")
        assert aws.attribute(logical_id, "ProviderURL") == f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
        assert pool.get("UsernameAttributes") == props.get("UsernameAttributes")
        assert pool.get("AutoVerifiedAttributes") == props.get("AutoVerifiedAttributes")
        declared_policy = props["Policies"]["PasswordPolicy"]
        policy = pool["Policies"]["PasswordPolicy"]
        assert {key: policy[key] for key in declared_policy} == declared_policy
    for logical_id, resource in declared("AWS::Cognito::UserPoolClient").items():
        props = resource["Properties"]
        (pool_logical_id,) = references(props["UserPoolId"], set(pools))
        client = cognito.describe_user_pool_client(
            UserPoolId=aws.user_pools[pool_logical_id], ClientId=aws.user_pool_clients[logical_id]
        )["UserPoolClient"]
        assert sorted(client["ExplicitAuthFlows"]) == sorted(props["ExplicitAuthFlows"])
        assert "ClientSecret" not in client or props.get("GenerateSecret")
    groups = declared("AWS::Cognito::UserPoolGroup")
    assert groups, "the template declares no user pool groups"
    for resource in groups.values():
        props = resource["Properties"]
        (pool_logical_id,) = references(props["UserPoolId"], set(pools))
        group = cognito.get_group(UserPoolId=aws.user_pools[pool_logical_id], GroupName=props["GroupName"])["Group"]
        assert group["Precedence"] == props["Precedence"]
    assert aws.user_pool_id == next(iter(aws.user_pools.values()))
    assert aws.user_pool_client_id == next(iter(aws.user_pool_clients.values()))


def test_bucket_notifications_reach_their_queues(aws):
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    queues = set(declared("AWS::SQS::Queue"))
    checked = 0
    for logical_id, resource in declared("AWS::S3::Bucket").items():
        notification = resource["Properties"].get("NotificationConfiguration") or {}
        for config in notification.get("QueueConfigurations") or []:
            (queue,) = references(config["Queue"], queues)
            rules = {
                rule["Name"]: rule["Value"]
                for rule in ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules", [])
            }
            key = f"{rules.get('prefix', '')}wiring check/{time.time_ns()}{rules.get('suffix', '')}"
            # When an object that matches the filter is created, its event arrives on the queue.
            s3.put_object(Bucket=aws.buckets[logical_id], Key=key, Body=b"wiring")
            if rules.get("prefix"):
                s3.put_object(Bucket=aws.buckets[logical_id], Key=f"elsewhere/{key}", Body=b"not for the queue")
            messages = sqs.receive_message(QueueUrl=aws.queues[queue], MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []
            )
            keys = [
                unquote_plus(record["s3"]["object"]["key"])
                for message in messages
                for record in json.loads(message["Body"]).get("Records", [])
            ]
            assert keys == [key], f"{logical_id} → {queue}: got {keys}"
            checked += 1
    assert checked, "the template declares no bucket notifications"


def test_an_unknown_resource_type_fails_provisioning_and_names_it(aws):
    cfn = {
        "Resources": {
            "Scratch": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "wiring-never-created"}},
            "Clicks": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        }
    }
    with pytest.raises(ProvisioningError, match=r"Clicks .*AWS::Kinesis::Stream"):
        provision(cfn, session_or_clients=boto3.Session(region_name=REGION), region=REGION)
    # Nothing is half-built: the check runs before the first resource is created.
    assert "wiring-never-created" not in {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}


def test_an_unapplied_property_fails_provisioning_and_names_it(aws):
    cfn = {
        "Resources": {
            "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 5, "SomeNewSetting": True}}
        }
    }
    with pytest.raises(ProvisioningError, match=r"Jobs \(AWS::SQS::Queue\).*SomeNewSetting"):
        provision(cfn, session_or_clients=boto3.Session(region_name=REGION), region=REGION)


def test_intrinsics_conditions_and_outputs_resolve_as_cloudformation_would(aws):
    cfn = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {
            "OnlyInProd": {"Type": "AWS::SQS::Queue", "Condition": "IsProd"},
            "Jobs": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": {"Fn::Sub": "${AWS::StackName}-${Stage}-jobs"},
                    "VisibilityTimeout": {"Fn::If": ["IsProd", 60, {"Ref": "AWS::NoValue"}]},
                },
            },
        },
        "Outputs": {
            "JobsName": {"Value": {"Fn::GetAtt": ["Jobs", "QueueName"]}},
            "Joined": {"Value": {"Fn::Join": ["/", [{"Ref": "AWS::Region"}, {"Ref": "Stage"}]]}},
            "Picked": {"Value": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}},
            "Arn": {"Value": {"Fn::Sub": ["${Arn}|${AWS::Partition}", {"Arn": {"Fn::GetAtt": ["Jobs", "Arn"]}}]}},
            "Prod": {"Condition": "IsProd", "Value": {"Ref": "OnlyInProd"}},
        },
    }
    deployment = provision(
        cfn, session_or_clients=boto3.Session(region_name=REGION), region=REGION, stack_name="wiring"
    )
    assert set(deployment.queues) == {"Jobs"}
    assert deployment.outputs == {
        "JobsName": "wiring-dev-jobs",
        "Joined": f"{REGION}/dev",
        "Picked": "b",
        "Arn": f"arn:aws:sqs:{REGION}:123456789012:wiring-dev-jobs|aws",
    }
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=deployment.queues["Jobs"], AttributeNames=["VisibilityTimeout"]
    )["Attributes"]
    assert attributes["VisibilityTimeout"] == "30"  # AWS::NoValue: the queue keeps SQS's default
    with pytest.raises(ProvisioningError, match="Stage='test'"):
        provision(
            cfn, session_or_clients=boto3.Session(region_name=REGION), region=REGION, parameters={"Stage": "test"}
        )


# ------------------------------------------------------------------------------------------ the real stack


class TestTheLocalStackOfTemplateYaml:
    @pytest.fixture(scope="class")
    def stack(self) -> Iterator[LocalStack]:
        with LocalStack(console=io.StringIO()) as stack:
            yield stack

    def test_every_event_source_mapping_has_a_running_poller(self, stack):
        mappings = declared("AWS::Lambda::EventSourceMapping")
        functions = set(declared("AWS::Lambda::Function"))
        pollers = {poller.source.logical_id: poller for poller in stack.pollers}
        for logical_id, resource in mappings.items():
            assert logical_id in pollers, f"no poller for {logical_id}"
            assert pollers[logical_id].is_alive()
            assert {pollers[logical_id].source.function} == references(
                resource["Properties"]["FunctionName"], functions
            )

    def test_every_function_worker_loads_its_handler(self, stack):
        for logical_id in declared("AWS::Lambda::Function"):
            assert stack.workers[logical_id].wait_ready() == {"ready": True}

    def test_every_api_route_is_served(self, stack):
        routes = declared_routes()
        protected = declared_protected_routes()
        assert routes, "the template declares no API routes"
        assert protected, "the template protects no API route"
        applicant = next(account for account in stack.demo_accounts if account.role == "applicant")
        token = stack.sign_in(applicant.email, applicant.password)
        for method, path in routes:
            url = stack.api_url + re.sub(r"\{[^}]+\}", "wiring-check", path)
            body = {} if method in {"POST", "PUT", "PATCH"} else None
            if (method, path) in protected:
                refused = requests.request(method, url, json=body, timeout=30)
                assert refused.status_code == 401, f"{method} {path} answers {refused.status_code} without a token"
                assert refused.headers.get(LOCAL_HEADER) == "unauthorized"
                assert refused.json() == {"message": "Unauthorized"}
            headers = {"Authorization": token} if (method, path) in protected else {}
            response = requests.request(method, url, json=body, headers=headers, timeout=30)
            served_by = response.headers.get(LOCAL_HEADER)
            assert served_by != "route-not-found", f"{method} {path} is not served locally"
            assert served_by is None, f"{method} {path}: {served_by} ({response.status_code} {response.text})"
            if method == "OPTIONS":
                assert response.status_code == 200 and "Access-Control-Allow-Origin" in response.headers

    def test_a_path_outside_the_template_is_a_json_404(self, stack):
        response = requests.get(f"{stack.api_url}/no/such/route", timeout=10)
        assert response.status_code == 404
        assert response.headers[LOCAL_HEADER] == "route-not-found"
        assert "route not found" in response.json()["message"]

    def test_the_state_describes_every_queue_function_and_route(self, stack):
        state = stack.state()
        assert set(state["queues"]) == set(declared("AWS::SQS::Queue"))
        assert set(state["functions"]) == set(declared("AWS::Lambda::Function"))
        assert {(route["method"], route["path"]) for route in state["routes"]} == set(declared_routes())
        guarded = {(route["method"], route["path"]) for route in state["routes"] if route["authorizer"]}
        assert guarded == declared_protected_routes()
        assert state["api_url"] == stack.api_url and state["aws_endpoint"] == stack.aws_endpoint

    def test_the_state_names_the_user_pool_and_demo_accounts_that_can_sign_in(self, stack):
        cognito = stack.state()["cognito"]
        (pool_logical_id,) = declared("AWS::Cognito::UserPool")
        (client_logical_id,) = declared("AWS::Cognito::UserPoolClient")
        assert cognito["user_pool_id"] == stack.deployment.user_pools[pool_logical_id]
        assert cognito["client_id"] == stack.deployment.user_pool_clients[client_logical_id]
        assert cognito["issuer"].endswith("/" + cognito["user_pool_id"]) and cognito["region"] == REGION
        accounts = cognito["demo_accounts"]
        assert sorted(account["role"] for account in accounts) == ["admin", "applicant", "applicant", "reviewer"]
        groups = {"reviewer": ["reviewers"], "admin": ["admins"], "applicant": []}
        idp = stack.client("cognito-idp")
        for account in accounts:
            assert account["password"].isalnum() and account["phone"].startswith("+86")
            token = stack.sign_in(account["email"], account["password"])
            assert token.count(".") == 2
            memberships = idp.admin_list_groups_for_user(UserPoolId=cognito["user_pool_id"], Username=account["email"])
            assert [group["GroupName"] for group in memberships["Groups"]] == groups[account["role"]]


# ------------------------------------------------------------------------------------------ mechanics

PROBE_HANDLER = """
import base64, json, os, sys

def _log(record):
    with open(os.environ["PROBE_LOG"], "a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\\n")

def handle(event, context):
    print("hello from the probe")  # must reach the console, not the worker protocol
    if "httpMethod" in event:
        return api(event, context)
    failures = []
    for record in event["Records"]:
        if record.get("eventSource") == "aws:dynamodb":
            _log({"stream": record["eventName"], "image": record["dynamodb"].get("NewImage")})
            continue
        body = record["body"]
        _log({"sqs": body, "receive_count": record["attributes"]["ApproximateReceiveCount"],
              "source": record["eventSourceARN"]})
        if body.startswith("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
        elif body.startswith("crash"):
            raise RuntimeError("the probe crashed on purpose")
        elif body.startswith("exit"):
            os._exit(3)
    return {"batchItemFailures": failures}

def api(event, context):
    seen = {
        "event": event,
        "context": {
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
        "env": {key: os.environ.get(key) for key in (
            "LEDGER", "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME", "POWERTOOLS_TRACE_DISABLED",
            "INTAKE_WIRING_SENTINEL")},
    }
    if event["path"].endswith("/binary"):
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"X-Probe": ["one", "two"]}, "body": json.dumps(seen, ensure_ascii=False)}
"""

PROBE_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 1
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDeadLetters.Arn
        maxReceiveCount: 2
  JobsDeadLetters:
    Type: AWS::SQS::Queue
  Ledger:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Probe:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: probe.handle
      Runtime: python3.11
      Timeout: 5
      Environment:
        Variables:
          LEDGER: !Ref Ledger
          PROBE_LOG: "{log}"
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Ledger.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
        Echo:
          Type: Api
          Properties:
            Path: /echo/{proxy+}
            Method: any
"""


class TestRuntimeMechanics:
    """Workers, pollers and proxy events, on a throwaway template with a probe function."""

    @pytest.fixture(scope="class")
    def probe(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
        root = tmp_path_factory.mktemp("probe")
        (root / "code").mkdir()
        (root / "code" / "probe.py").write_text(textwrap.dedent(PROBE_HANDLER), encoding="utf-8")
        log = root / "probe.log"
        log.touch()
        (root / "template.yaml").write_text(PROBE_TEMPLATE.replace("{log}", str(log)), encoding="utf-8")
        console = io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("INTAKE_WIRING_SENTINEL", "must not leak into a worker")
            with LocalStack(root / "template.yaml", console=console) as stack:
                yield {"stack": stack, "log": log, "console": console}

    @staticmethod
    def logged(probe: dict[str, Any]) -> list[dict[str, Any]]:
        lines = probe["log"].read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def send(self, probe: dict[str, Any], body: str) -> None:
        stack = probe["stack"]
        stack.client("sqs").send_message(QueueUrl=stack.deployment.queues["Jobs"], MessageBody=body)

    def dead_letters(self, probe: dict[str, Any]) -> list[str]:
        stack = probe["stack"]
        response = stack.client("sqs").receive_message(
            QueueUrl=stack.deployment.queues["JobsDeadLetters"],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=0,
        )
        return [message["Body"] for message in response.get("Messages", [])]

    def test_a_processed_message_is_deleted_and_a_reported_failure_goes_to_the_dead_letter_queue(self, probe):
        self.send(probe, "ok-1")
        self.send(probe, "fail-1")
        wait_for(lambda: "fail-1" in self.dead_letters(probe), timeout=30)
        deliveries = [entry["sqs"] for entry in self.logged(probe) if "sqs" in entry]
        assert deliveries.count("ok-1") == 1
        assert deliveries.count("fail-1") == 2  # maxReceiveCount receives, then the redrive policy moves it
        assert "ok-1" not in self.dead_letters(probe)

    def test_a_crashing_invocation_deletes_nothing_and_the_worker_lives_on(self, probe):
        worker = probe["stack"].workers["Probe"]
        pid = worker.pid
        self.send(probe, "crash-1")
        wait_for(lambda: "crash-1" in self.dead_letters(probe), timeout=30)
        assert worker.pid == pid
        assert "RuntimeError: the probe crashed on purpose" in probe["console"].getvalue()

    def test_a_worker_that_dies_is_restarted(self, probe):
        worker = probe["stack"].workers["Probe"]
        pid = worker.pid
        self.send(probe, "exit-1")
        wait_for(lambda: "exit-1" in self.dead_letters(probe), timeout=30)
        self.send(probe, "ok-after-exit")
        wait_for(lambda: any(entry.get("sqs") == "ok-after-exit" for entry in self.logged(probe)))
        assert worker.pid != pid

    def test_table_stream_records_reach_the_function(self, probe):
        stack = probe["stack"]
        stack.client("dynamodb").put_item(TableName=stack.deployment.tables["Ledger"], Item={"id": {"S": "stream-1"}})
        entry = wait_for(lambda: next((e for e in self.logged(probe) if "stream" in e), None))
        assert entry == {"stream": "INSERT", "image": {"id": {"S": "stream-1"}}}

    def test_an_api_request_becomes_a_rest_proxy_event(self, probe):
        stack = probe["stack"]
        response = requests.post(
            f"{stack.api_url}/echo/a%20b/c?q=1&q=2&name=%E6%B5%8B%E8%AF%95",
            json={"name": "测试用户"},
            headers={"X-Trace": "t-1"},
            timeout=30,
        )
        assert response.status_code == 200
        assert response.headers["X-Probe"] == "one, two"
        seen = response.json()
        event, context, env = seen["event"], seen["context"], seen["env"]
        assert event["resource"] == "/echo/{proxy+}" and event["httpMethod"] == "POST"
        assert event["path"] == "/echo/a b/c" and event["pathParameters"] == {"proxy": "a b/c"}
        assert event["queryStringParameters"] == {"q": "2", "name": "测试"}
        assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "name": ["测试"]}
        assert event["headers"]["X-Trace"] == "t-1" and event["multiValueHeaders"]["X-Trace"] == ["t-1"]
        assert json.loads(event["body"]) == {"name": "测试用户"} and event["isBase64Encoded"] is False
        request_context = event["requestContext"]
        assert request_context["stage"] == "Prod" and request_context["resourcePath"] == "/echo/{proxy+}"
        assert request_context["path"] == "/Prod/echo/a b/c" and request_context["identity"]["sourceIp"]
        assert context["function_name"] == stack.deployment.functions["Probe"].name
        assert context["invoked_function_arn"] == stack.deployment.functions["Probe"].arn
        assert 0 < context["remaining_ms"] <= 5000 and context["aws_request_id"]
        assert env["LEDGER"] == stack.deployment.tables["Ledger"]
        assert env["AWS_ENDPOINT_URL"] == stack.aws_endpoint and env["POWERTOOLS_TRACE_DISABLED"] == "true"
        assert env["INTAKE_WIRING_SENTINEL"] is None
        assert "[Probe] hello from the probe" in probe["console"].getvalue()

    def test_binary_bodies_travel_base64_both_ways(self, probe):
        stack = probe["stack"]
        payload = bytes(range(256))
        response = requests.put(
            f"{stack.api_url}/echo/binary",
            data=payload,
            headers={"Content-Type": "application/octet-stream"},
            timeout=30,
        )
        assert response.status_code == 200 and response.content == payload
        response = requests.put(f"{stack.api_url}/echo/upload", data=payload, timeout=30)
        event = response.json()["event"]
        assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == payload
