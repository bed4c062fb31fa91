"""Create a translated template's resources against moto, the way CloudFormation would.

``provision`` walks the resources in dependency order. Storage, messaging, sign-in and scheduling resources (S3,
SQS, DynamoDB, Cognito user pools, EventBridge Scheduler schedules) are created through the boto3 clients the
caller supplies, so the same code serves moto's server (``intake local``) and in-process ``mock_aws``
(integration tests); the runtime's scheduler thread fires the schedules. Lambda functions, event-source
mappings and the REST API become plain records (``FunctionSpec``, ``EventSource``, ``Route`` with its
``RouteAuthorizer``) that the runtime plays locally. Every other resource type is either skipped from an
explicit allow-list that says why, or refused with an error naming it: the template cannot grow something
the local stack silently ignores.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .intrinsics import IntrinsicError, Resolver, references
from .template import TranslatedTemplate

__all__ = [
    "SKIPPED_TYPES",
    "Deployment",
    "EventSource",
    "FunctionSpec",
    "MockResponse",
    "ProvisionedResource",
    "ProvisioningError",
    "Route",
    "RouteAuthorizer",
    "provision",
    "supported_types",
    "user_pool_issuer",
]


class ProvisioningError(Exception):
    """The template asks for something the local stack cannot build."""


#: Resource types with no local counterpart, and why leaving them out changes nothing locally.
SKIPPED_TYPES: dict[str, str] = {
    "AWS::IAM::Role": "IAM is not enforced locally; every function uses the local stack's dummy credentials",
    "AWS::Lambda::Permission": "only the local stack's own dispatchers invoke functions",
    "AWS::Lambda::LayerVersion": "layer code goes straight onto each function's import path",
    "AWS::ApiGateway::Deployment": "the local HTTP server serves the API definition directly",
    "AWS::ApiGateway::Stage": "the local HTTP server serves the one stage; its name goes into each event",
    "AWS::Logs::LogGroup": "function output goes to the local stack's console",
    "AWS::CloudWatch::Alarm": "there are no metrics locally",
}


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function as the local runtime runs it."""

    logical_id: str
    name: str
    arn: str
    handler: str
    runtime: str
    #: The function's environment variables, resolved, as Lambda would pass them (strings).
    environment: dict[str, str]
    timeout: int
    memory_size: int
    #: Directories to import from, in order: the function's code, then its layers'.
    code_paths: tuple[Path, ...] = ()


@dataclass(frozen=True)
class EventSource:
    """An ``AWS::Lambda::EventSourceMapping``: a queue or stream that feeds a function."""

    logical_id: str
    function: str
    kind: str  # "sqs" | "dynamodb"
    source_arn: str
    queue_url: str | None
    batch_size: int
    maximum_batching_window: float
    function_response_types: tuple[str, ...]
    enabled: bool = True
    starting_position: str | None = None
    maximum_retry_attempts: int = -1
    filter_patterns: tuple[dict[str, Any], ...] = ()
    """Lambda event filtering: a record is delivered only when it matches one of these (or there are none)."""
    on_failure_queue_url: str | None = None
    """Where a stream batch goes once its retries are exhausted (DestinationConfig.OnFailure)."""

    @property
    def reports_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class MockResponse:
    """What an API Gateway mock integration (e.g. the CORS ``OPTIONS`` method) answers."""

    status: int
    headers: dict[str, str]
    body: str


def user_pool_issuer(pool_arn: str) -> str:
    """The ``iss`` of the tokens a Cognito user pool issues (and its ``ProviderURL``), from the pool's ARN.

    ``arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc`` →
    ``https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc``. Cognito and moto write the same value.
    """
    parts = pool_arn.split(":")
    if len(parts) < 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise ValueError(f"not a Cognito user pool ARN: {pool_arn}")
    region, pool_id = parts[3], parts[5].split("/", 1)[1]
    domain = "amazonaws.com.cn" if parts[1] == "aws-cn" else "amazonaws.com"
    return f"https://cognito-idp.{region}.{domain}/{pool_id}"


@dataclass(frozen=True)
class RouteAuthorizer:
    """A method's API Gateway authorizer. Only Cognito user pool authorizers (ID tokens) are served locally."""

    name: str
    #: The request header that carries the token (the header value is the raw JWT).
    header: str
    #: The user pools whose ID tokens are accepted.
    provider_arns: tuple[str, ...]
    kind: str = "cognito_user_pools"

    @property
    def issuers(self) -> dict[str, str]:
        """Each accepted ``iss`` → its user pool id."""
        return {user_pool_issuer(arn): arn.rsplit("/", 1)[1] for arn in self.provider_arns}


@dataclass(frozen=True)
class Route:
    """One path × method of a REST API."""

    api: str
    method: str  # upper case; "ANY" for x-amazon-apigateway-any-method
    path: str  # the API Gateway resource path, e.g. /applications/{application_id}
    stage: str
    function: str | None = None  # logical id, for aws_proxy integrations
    mock: MockResponse | None = None
    binary_media_types: tuple[str, ...] = ()
    stage_variables: dict[str, str] | None = None
    #: None for a public method (``security: [{NONE: []}]``, no security, or a CORS preflight mock).
    authorizer: RouteAuthorizer | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts, names = [], []
        for segment in [segment for segment in self.path.split("/") if segment]:
            if segment.startswith("{") and segment.endswith("+}"):
                names.append(segment[1:-2])
                parts.append("(.+)")
            elif segment.startswith("{") and segment.endswith("}"):
                names.append(segment[1:-1])
                parts.append("([^/]+)")
            else:
                parts.append(re.escape(segment))
        object.__setattr__(self, "_pattern", re.compile("^/" + "/".join(parts) + "/?$"))
        object.__setattr__(self, "_names", tuple(names))

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Orders candidate routes as API Gateway does: literal segments beat parameters beat greedy."""
        segments = [segment for segment in self.path.split("/") if segment]
        greedy = sum(segment.endswith("+}") for segment in segments)
        params = sum(segment.startswith("{") for segment in segments) - greedy
        return (greedy, -(len(segments) - params - greedy), params)

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters (still URL-encoded) if the request path ``path`` is this route's resource."""
        found = self._pattern.match(path)
        return None if found is None else dict(zip(self._names, found.groups(), strict=True))

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class ProvisionedResource:
    logical_id: str
    type: str
    #: What ``Ref`` returns.
    physical_id: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    #: True when the resource exists in moto; False for records and skipped types.
    created: bool = False
    skipped_reason: str | None = None


@dataclass
class Deployment:
    """What ``provision`` built: resources, functions, event sources, routes and outputs."""

    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, Any]
    resources: dict[str, ProvisionedResource] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    event_sources: list[EventSource] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    #: Things provisioning could not apply exactly, for the console (e.g. a setting moto refuses).
    notes: list[str] = field(default_factory=list)

    def of_type(self, resource_type: str) -> dict[str, ProvisionedResource]:
        return {lid: res for lid, res in self.resources.items() if res.type == resource_type}

    @property
    def buckets(self) -> dict[str, str]:
        """Bucket names by logical id."""
        return {lid: res.physical_id for lid, res in self.of_type("AWS::S3::Bucket").items()}

    @property
    def tables(self) -> dict[str, str]:
        """DynamoDB table names by logical id."""
        return {lid: res.physical_id for lid, res in self.of_type("AWS::DynamoDB::Table").items()}

    @property
    def queues(self) -> dict[str, str]:
        """SQS queue URLs by logical id."""
        return {lid: res.physical_id for lid, res in self.of_type("AWS::SQS::Queue").items()}

    @property
    def user_pools(self) -> dict[str, str]:
        """Cognito user pool ids by logical id."""
        return {lid: res.physical_id for lid, res in self.of_type("AWS::Cognito::UserPool").items()}

    @property
    def user_pool_clients(self) -> dict[str, str]:
        """Cognito app client ids by logical id."""
        return {lid: res.physical_id for lid, res in self.of_type("AWS::Cognito::UserPoolClient").items()}

    @property
    def user_pool_id(self) -> str:
        """The template's only user pool (an error if it has none or several)."""
        return _only(self.user_pools, "Cognito user pool")

    @property
    def user_pool_client_id(self) -> str:
        """The template's only user pool client (an error if it has none or several)."""
        return _only(self.user_pool_clients, "Cognito user pool client")

    @property
    def bucket(self) -> str:
        """The template's only bucket (an error if it has several)."""
        return _only(self.buckets, "S3 bucket")

    @property
    def table(self) -> str:
        """The template's only table (an error if it has several)."""
        return _only(self.tables, "DynamoDB table")

    def ref(self, logical_id: str) -> Any:
        return self.resources[logical_id].physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        return self.resources[logical_id].attributes[name]


def _only(named: dict[str, str], what: str) -> str:
    if len(named) != 1:
        raise LookupError(f"the template has {len(named)} {what}s ({', '.join(named)}); pick one by logical id")
    return next(iter(named.values()))


# ---------------------------------------------------------------------------------------------- clients

ClientSource = Any  # a boto3 Session, a mapping service → client, or a callable service → client


def _client_factory(source: ClientSource, region: str) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def get(service: str) -> Any:
        if service not in cache:
            if isinstance(source, Mapping):
                if service not in source:
                    raise ProvisioningError(f"no {service} client was given to provision()")
                cache[service] = source[service]
            elif hasattr(source, "client"):
                cache[service] = source.client(service, region_name=region)
            elif callable(source):
                cache[service] = source(service)
            else:
                raise TypeError("session_or_clients must be a boto3 Session, a dict of clients or a callable")
        return cache[service]

    return get


# ---------------------------------------------------------------------------------------------- helpers


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _suffix(length: int = 12) -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(length))


def generated_name(
    stack_name: str, logical_id: str, *, max_length: int, lowercase: bool = False, suffix: str = ""
) -> str:
    """A CloudFormation-like physical name: ``{stack}-{LogicalId}-{RANDOM}``, within ``max_length``."""
    random_part = _suffix()
    room = max_length - len(random_part) - len(suffix) - 2
    stack_part = stack_name[: max(room // 2, 1)]
    logical_part = logical_id[: max(room - len(stack_part), 1)]
    name = f"{stack_part}-{logical_part}-{random_part}{suffix}"
    return name.lower() if lowercase else name


def _check_properties(
    logical_id: str,
    resource_type: str,
    properties: Mapping[str, Any],
    handled: set[str],
    ignored: Mapping[str, str] | None = None,
) -> None:
    unknown = sorted(set(properties) - handled - set(ignored or {}))
    if unknown:
        raise ProvisioningError(
            f"{logical_id} ({resource_type}): the local stack does not apply {', '.join(unknown)}; "
            "teach intake_tools/local/resources.py to, so local and deployed behaviour stay the same"
        )


def _tags(properties: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(tag["Key"]), "Value": _text(tag["Value"])} for tag in properties.get("Tags") or []]


# ---------------------------------------------------------------------------------------------- provisioner


class _Provisioner:
    def __init__(
        self,
        translated: TranslatedTemplate,
        *,
        clients: Callable[[str], Any],
        region: str,
        account_id: str,
        stack_name: str,
        parameters: Mapping[str, Any],
    ) -> None:
        self.translated = translated
        self.template = translated.cloudformation
        self.clients = clients
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.template_resources: dict[str, dict[str, Any]] = self.template.get("Resources") or {}
        self.deployment = Deployment(
            stack_name=stack_name,
            region=region,
            account_id=account_id,
            parameters=self._parameter_values(parameters),
        )
        self.resolver = Resolver(
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            stack_id=f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/{uuid.uuid4()}",
            parameters=self.deployment.parameters,
            conditions=self.template.get("Conditions"),
            mappings=self.template.get("Mappings"),
            ref=self._ref,
            get_att=self._get_att,
            is_resource=lambda name: name in self.template_resources,
        )
        self.partition = self.resolver.pseudo["AWS::Partition"]

    # ------------------------------------------------------------------------------- parameters

    def _parameter_values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        declared: dict[str, dict[str, Any]] = self.template.get("Parameters") or {}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise ProvisioningError(f"parameters not declared in the template: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in given:
                raw = given[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise ProvisioningError(f"parameter {name} has no default and no value was given")
            values[name] = self._check_parameter(name, spec, raw)
        return values

    @staticmethod
    def _check_parameter(name: str, spec: Mapping[str, Any], raw: Any) -> Any:
        kind = str(spec.get("Type", "String"))
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            return raw if isinstance(raw, list) else [item.strip() for item in str(raw).split(",")]
        value = _text(raw)
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in [_text(item) for item in allowed]:
            raise ProvisioningError(f"parameter {name}={value!r} is not one of {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and not re.fullmatch(pattern, value):
            raise ProvisioningError(f"parameter {name}={value!r} does not match {pattern}")
        if kind == "Number":
            try:
                number = float(value)
            except ValueError as exc:
                raise ProvisioningError(f"parameter {name}={value!r} is not a number") from exc
            low, high = spec.get("MinValue"), spec.get("MaxValue")
            if (low is not None and number < float(low)) or (high is not None and number > float(high)):
                raise ProvisioningError(f"parameter {name}={value!r} is outside [{low}, {high}]")
        return value

    # ------------------------------------------------------------------------------- references

    def _record(self, logical_id: str) -> ProvisionedResource:
        record = self.deployment.resources.get(logical_id)
        if record is None:
            raise IntrinsicError(f"{logical_id} is referenced before it exists (or its condition is false)")
        return record

    def _ref(self, logical_id: str) -> Any:
        return self._record(logical_id).physical_id

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        record = self._record(logical_id)
        if attribute not in record.attributes:
            known = ", ".join(sorted(record.attributes)) or "none"
            raise IntrinsicError(
                f"Fn::GetAtt {logical_id}.{attribute}: the local stack knows only these attributes of "
                f"{record.type}: {known}"
            )
        return record.attributes[attribute]

    def resolve(self, logical_id: str, value: Any) -> Any:
        try:
            return self.resolver.resolve(value)
        except IntrinsicError as exc:
            raise ProvisioningError(f"{logical_id}: {exc}") from exc

    # ------------------------------------------------------------------------------- order

    def _active(self) -> dict[str, dict[str, Any]]:
        active = {}
        for logical_id, resource in self.template_resources.items():
            condition = resource.get("Condition")
            try:
                if condition is None or self.resolver.condition(condition):
                    active[logical_id] = resource
            except IntrinsicError as exc:
                raise ProvisioningError(f"{logical_id}: {exc}") from exc
        return active

    def _order(self, active: dict[str, dict[str, Any]]) -> list[str]:
        depends: dict[str, set[str]] = {}
        for logical_id, resource in active.items():
            explicit = resource.get("DependsOn") or []
            explicit = [explicit] if isinstance(explicit, str) else list(explicit)
            missing = [name for name in explicit if name not in self.template_resources]
            if missing:
                raise ProvisioningError(f"{logical_id}: DependsOn names unknown resources {missing}")
            implicit = references(resource.get("Properties") or {}, self.template_resources)
            depends[logical_id] = {name for name in (*explicit, *implicit) if name in active} - {logical_id}
        ordered: list[str] = []
        placed: set[str] = set()
        while len(ordered) < len(active):
            ready = [lid for lid in active if lid not in placed and depends[lid] <= placed]
            if not ready:
                cycle = sorted(lid for lid in active if lid not in placed)
                raise ProvisioningError(f"circular dependency among {', '.join(cycle)}")
            ordered.extend(ready)
            placed.update(ready)
        return ordered

    # ------------------------------------------------------------------------------- run

    def run(self) -> Deployment:
        active = self._active()
        for logical_id, resource in active.items():
            resource_type = resource.get("Type")
            if resource_type not in _BUILDERS and resource_type not in SKIPPED_TYPES:
                raise ProvisioningError(
                    f"{logical_id} has resource type {resource_type}, which the local stack does not know. "
                    "Add it to intake_tools/local/resources.py: build it on moto, or skip it with a reason "
                    "in SKIPPED_TYPES."
                )
        for logical_id in self._order(active):
            resource = active[logical_id]
            resource_type = resource["Type"]
            builder = _BUILDERS.get(resource_type)
            if builder is None:
                record = self._skipped(logical_id, resource)
            else:
                record = builder(self, logical_id, resource.get("Properties") or {})
            self.deployment.resources[logical_id] = record
        self._build_routes(active)
        self._outputs()
        return self.deployment

    def _outputs(self) -> None:
        for name, output in (self.template.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition is not None and not self.resolver.condition(condition):
                continue
            self.deployment.outputs[name] = self.resolve(f"Outputs.{name}", output.get("Value"))

    # ------------------------------------------------------------------------------- skipped types

    def _skipped(self, logical_id: str, resource: dict[str, Any]) -> ProvisionedResource:
        resource_type = resource["Type"]
        properties = resource.get("Properties") or {}
        record = ProvisionedResource(
            logical_id, resource_type, physical_id=None, skipped_reason=SKIPPED_TYPES[resource_type]
        )
        region, account, partition = self.region, self.account_id, self.partition

        def name(prop: str, max_length: int = 64) -> str:
            given = self.resolve(logical_id, properties.get(prop)) if prop in properties else None
            return str(given) if given else generated_name(self.stack_name, logical_id, max_length=max_length)

        if resource_type == "AWS::IAM::Role":
            record.physical_id = name("RoleName")
            record.attributes = {
                "Arn": f"arn:{partition}:iam::{account}:role/{record.physical_id}",
                "RoleId": "AROA" + _suffix(17),
            }
        elif resource_type == "AWS::Lambda::LayerVersion":
            layer = name("LayerName", 140)
            record.physical_id = f"arn:{partition}:lambda:{region}:{account}:layer:{layer}:1"
            record.attributes = {"LayerVersionArn": record.physical_id}
        elif resource_type == "AWS::Logs::LogGroup":
            record.physical_id = name("LogGroupName", 512)
            record.attributes = {"Arn": f"arn:{partition}:logs:{region}:{account}:log-group:{record.physical_id}:*"}
        elif resource_type == "AWS::CloudWatch::Alarm":
            record.physical_id = name("AlarmName", 255)
            record.attributes = {"Arn": f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{record.physical_id}"}
        elif resource_type == "AWS::ApiGateway::Stage":
            record.physical_id = str(self.resolve(logical_id, properties.get("StageName")))
        else:
            record.physical_id = _suffix(10).lower()
        return record

    # ------------------------------------------------------------------------------- S3

    def bucket(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::S3::Bucket",
            properties,
            {
                "BucketName",
                "BucketEncryption",
                "PublicAccessBlockConfiguration",
                "OwnershipControls",
                "VersioningConfiguration",
                "LifecycleConfiguration",
                "CorsConfiguration",
                "NotificationConfiguration",
                "Tags",
            },
        )
        props = self.resolve(logical_id, properties)
        s3 = self.clients("s3")
        name = props.get("BucketName") or generated_name(self.stack_name, logical_id, max_length=63, lowercase=True)
        create: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        s3.create_bucket(**create)
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    key: _bool(value) for key, value in props["PublicAccessBlockConfiguration"].items()
                },
            )
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(
                Bucket=name,
                VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
            )
        if "BucketEncryption" in props:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        _encryption_rule(rule)
                        for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if "CorsConfiguration" in props:
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    "CORSRules": [_cors_rule(logical_id, rule) for rule in props["CorsConfiguration"]["CorsRules"]]
                },
            )
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [_lifecycle_rule(logical_id, rule) for rule in props["LifecycleConfiguration"]["Rules"]]
                },
            )
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(props)})
        if "NotificationConfiguration" in props:
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration=_notification_configuration(logical_id, props["NotificationConfiguration"]),
            )
        domain = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        return ProvisionedResource(
            logical_id,
            "AWS::S3::Bucket",
            name,
            created=True,
            attributes={
                "Arn": f"arn:{self.partition}:s3:::{name}",
                "DomainName": f"{name}.s3.{domain}",
                "RegionalDomainName": f"{name}.s3.{self.region}.{domain}",
                "DualStackDomainName": f"{name}.s3.dualstack.{self.region}.{domain}",
                "WebsiteURL": f"http://{name}.s3-website-{self.region}.{domain}",
            },
        )

    def bucket_policy(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(logical_id, "AWS::S3::BucketPolicy", properties, {"Bucket", "PolicyDocument"})
        props = self.resolve(logical_id, properties)
        document = dict(props["PolicyDocument"])
        statements = document.get("Statement") or []
        statements = [statements] if isinstance(statements, dict) else list(statements)
        # moto evaluates bucket policies on object requests but ignores their Conditions, so a conditional
        # Deny (e.g. aws:SecureTransport=false, which every plain-HTTP local request would also meet)
        # would deny everything. Those statements are left out locally, and the console says so.
        kept = [s for s in statements if not (s.get("Effect") == "Deny" and s.get("Condition"))]
        for statement in statements:
            if statement not in kept:
                self.deployment.notes.append(
                    f"{logical_id}: conditional Deny statement {statement.get('Sid', '(no Sid)')} is not "
                    "enforced locally (moto ignores policy conditions)"
                )
        if kept:
            document["Statement"] = kept
            self.clients("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
        return ProvisionedResource(logical_id, "AWS::S3::BucketPolicy", props["Bucket"], created=True)

    # ------------------------------------------------------------------------------- SQS

    _QUEUE_ATTRIBUTES = frozenset(
        {
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "RedrivePolicy",
            "RedriveAllowPolicy",
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
        }
    )

    def queue(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(logical_id, "AWS::SQS::Queue", properties, {"QueueName", "Tags", *self._QUEUE_ATTRIBUTES})
        props = self.resolve(logical_id, properties)
        sqs = self.clients("sqs")
        fifo = _bool(props.get("FifoQueue", False))
        name = props.get("QueueName") or generated_name(
            self.stack_name, logical_id, max_length=80, suffix=".fifo" if fifo else ""
        )
        attributes = {}
        for key in self._QUEUE_ATTRIBUTES & set(props):
            value = props[key]
            if key == "RedrivePolicy" and isinstance(value, dict):
                value = {**value, "maxReceiveCount": int(value["maxReceiveCount"])}
            attributes[key] = _text(value)
        create: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
        if props.get("Tags"):
            create["tags"] = {tag["Key"]: tag["Value"] for tag in _tags(props)}
        url = sqs.create_queue(**create)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return ProvisionedResource(
            logical_id,
            "AWS::SQS::Queue",
            url,
            created=True,
            attributes={
                "Arn": arn,
                "QueueName": name,
                "QueueUrl": url,
            },
        )

    def queue_policy(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(logical_id, "AWS::SQS::QueuePolicy", properties, {"Queues", "PolicyDocument"})
        props = self.resolve(logical_id, properties)
        for url in props["Queues"]:
            self.clients("sqs").set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )
        return ProvisionedResource(logical_id, "AWS::SQS::QueuePolicy", _suffix(10), created=True)

    # ------------------------------------------------------------------------------- DynamoDB

    def table(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::DynamoDB::Table",
            properties,
            {
                "TableName",
                "AttributeDefinitions",
                "KeySchema",
                "BillingMode",
                "ProvisionedThroughput",
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "StreamSpecification",
                "SSESpecification",
                "TableClass",
                "DeletionProtectionEnabled",
                "Tags",
                "TimeToLiveSpecification",
                "PointInTimeRecoverySpecification",
            },
            ignored={"ContributorInsightsSpecification": "there is no CloudWatch locally"},
        )
        props = self.resolve(logical_id, properties)
        dynamodb = self.clients("dynamodb")
        name = props.get("TableName") or generated_name(self.stack_name, logical_id, max_length=80)
        billing = props.get("BillingMode", "PROVISIONED")
        create: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": billing,
        }
        if billing == "PROVISIONED":
            create["ProvisionedThroughput"] = _throughput(props.get("ProvisionedThroughput"))
        if props.get("GlobalSecondaryIndexes"):
            create["GlobalSecondaryIndexes"] = [
                _index(index, billing, with_throughput=True) for index in props["GlobalSecondaryIndexes"]
            ]
        if props.get("LocalSecondaryIndexes"):
            create["LocalSecondaryIndexes"] = [
                _index(index, billing, with_throughput=False) for index in props["LocalSecondaryIndexes"]
            ]
        if props.get("StreamSpecification"):
            create["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": props["StreamSpecification"]["StreamViewType"],
            }
        if props.get("SSESpecification"):
            sse = props["SSESpecification"]
            create["SSESpecification"] = {"Enabled": _bool(sse.get("SSEEnabled", False))}
            for key in ("SSEType", "KMSMasterKeyId"):
                if key in sse:
                    create["SSESpecification"][key] = sse[key]
        if "TableClass" in props:
            create["TableClass"] = props["TableClass"]
        if "DeletionProtectionEnabled" in props:
            create["DeletionProtectionEnabled"] = _bool(props["DeletionProtectionEnabled"])
        if props.get("Tags"):
            create["Tags"] = _tags(props)
        description = dynamodb.create_table(**create)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and _bool(ttl.get("Enabled", False)):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": ttl["AttributeName"],
                },
            )
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr and _bool(pitr.get("PointInTimeRecoveryEnabled", False)):
            self._optional(
                f"{logical_id}: point-in-time recovery",
                lambda: dynamodb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={
                        "PointInTimeRecoveryEnabled": True,
                    },
                ),
            )
        attributes = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attributes["StreamArn"] = description["LatestStreamArn"]
        return ProvisionedResource(logical_id, "AWS::DynamoDB::Table", name, created=True, attributes=attributes)

    def _optional(self, what: str, call: Callable[[], Any]) -> None:
        """A setting with no behaviour locally: apply it if moto takes it, otherwise note that it did not."""
        from botocore.exceptions import ClientError

        try:
            call()
        except (ClientError, NotImplementedError) as exc:
            self.deployment.notes.append(f"{what} not applied locally: {exc}")

    # ------------------------------------------------------------------------------- Cognito

    #: User pool settings with no behaviour the local stack exercises: if moto refuses them, the pool is
    #: created without them and the console says so.
    _POOL_COSMETIC = ("UserPoolAddOns", "DeletionProtection", "UserPoolTags", "VerificationMessageTemplate")

    def user_pool(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::Cognito::UserPool",
            properties,
            {
                "UserPoolName",
                "UsernameAttributes",
                "AliasAttributes",
                "AutoVerifiedAttributes",
                "AdminCreateUserConfig",
                "AccountRecoverySetting",
                "Policies",
                "Schema",
                "UsernameConfiguration",
                "MfaConfiguration",
                "UserAttributeUpdateSettings",
                "EmailVerificationMessage",
                "EmailVerificationSubject",
                "SmsVerificationMessage",
                "SmsAuthenticationMessage",
                *self._POOL_COSMETIC,
            },
            ignored={
                "EmailConfiguration": "no e-mail leaves the machine locally",
                "SmsConfiguration": "no SMS leaves the machine locally",
            },
        )
        props = self.resolve(logical_id, properties)
        if str(props.get("MfaConfiguration", "OFF")).upper() != "OFF":
            raise ProvisioningError(
                f"{logical_id}: MfaConfiguration {props['MfaConfiguration']} needs EnabledMfas and a second factor, "
                "which the local stack does not provide"
            )
        name = props.get("UserPoolName") or generated_name(self.stack_name, logical_id, max_length=128)
        create: dict[str, Any] = {"PoolName": str(name)}
        for key in (
            "UsernameAttributes",
            "AliasAttributes",
            "AutoVerifiedAttributes",
            "EmailVerificationMessage",
            "EmailVerificationSubject",
            "SmsVerificationMessage",
            "SmsAuthenticationMessage",
            "UserAttributeUpdateSettings",
            "VerificationMessageTemplate",
            "UserPoolAddOns",
            "DeletionProtection",
        ):
            if key in props:
                create[key] = props[key]
        if "MfaConfiguration" in props:
            create["MfaConfiguration"] = "OFF"
        if "Policies" in props:
            create["Policies"] = _pool_policies(logical_id, props["Policies"])
        if "Schema" in props:
            create["Schema"] = [_schema_attribute(logical_id, item) for item in props["Schema"]]
        if "AdminCreateUserConfig" in props:
            create["AdminCreateUserConfig"] = _admin_create_user_config(props["AdminCreateUserConfig"])
        if "AccountRecoverySetting" in props:
            create["AccountRecoverySetting"] = {
                "RecoveryMechanisms": [
                    {"Name": str(item["Name"]), "Priority": int(item["Priority"])}
                    for item in props["AccountRecoverySetting"].get("RecoveryMechanisms") or []
                ]
            }
        if "UsernameConfiguration" in props:
            create["UsernameConfiguration"] = {
                "CaseSensitive": _bool(props["UsernameConfiguration"].get("CaseSensitive", False))
            }
        if props.get("UserPoolTags"):
            create["UserPoolTags"] = {str(key): _text(value) for key, value in props["UserPoolTags"].items()}
        pool = self._create_tolerating(
            logical_id, self.clients("cognito-idp").create_user_pool, create, self._POOL_COSMETIC
        )["UserPool"]
        pool_id, arn = pool["Id"], pool["Arn"]
        issuer = user_pool_issuer(arn)
        return ProvisionedResource(
            logical_id,
            "AWS::Cognito::UserPool",
            pool_id,
            created=True,
            attributes={
                "Arn": arn,
                "ProviderName": issuer.removeprefix("https://"),
                "ProviderURL": issuer,
                "UserPoolId": pool_id,
            },
        )

    def _create_tolerating(
        self, logical_id: str, call: Callable[..., Any], params: dict[str, Any], cosmetic: tuple[str, ...]
    ) -> Any:
        """``call(**params)``; if moto refuses, once more without the ``cosmetic`` settings, with a note."""
        from botocore.exceptions import ClientError, ParamValidationError

        try:
            return call(**params)
        except (ClientError, ParamValidationError) as exc:
            dropped = [key for key in cosmetic if key in params]
            if not dropped:
                raise ProvisioningError(f"{logical_id}: moto refused it: {exc}") from exc
            result = call(**{key: value for key, value in params.items() if key not in dropped})
            self.deployment.notes.append(f"{logical_id}: {', '.join(dropped)} not applied locally: {exc}")
            return result

    #: Every standard attribute of a user pool: what an app client may read when it names no ReadAttributes.
    _STANDARD_ATTRIBUTES = (
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    )

    def user_pool_client(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        passed = {
            "ExplicitAuthFlows",
            "PreventUserExistenceErrors",
            "ReadAttributes",
            "WriteAttributes",
            "SupportedIdentityProviders",
            "CallbackURLs",
            "LogoutURLs",
            "DefaultRedirectURI",
            "AllowedOAuthFlows",
            "AllowedOAuthScopes",
        }
        booleans = {
            "AllowedOAuthFlowsUserPoolClient",
            "EnableTokenRevocation",
            "EnablePropagateAdditionalUserContextData",
        }
        numbers = {"IdTokenValidity", "AccessTokenValidity", "RefreshTokenValidity", "AuthSessionValidity"}
        _check_properties(
            logical_id,
            "AWS::Cognito::UserPoolClient",
            properties,
            {"UserPoolId", "ClientName", "GenerateSecret", "TokenValidityUnits", *passed, *booleans, *numbers},
            ignored={"AnalyticsConfiguration": "there is no Pinpoint locally"},
        )
        props = self.resolve(logical_id, properties)
        pool_id = str(props["UserPoolId"])
        name = props.get("ClientName") or generated_name(self.stack_name, logical_id, max_length=128)
        generate_secret = _bool(props.get("GenerateSecret", False))
        create: dict[str, Any] = {"UserPoolId": pool_id, "ClientName": str(name), "GenerateSecret": generate_secret}
        create.update({key: props[key] for key in passed if key in props})
        create.update({key: _bool(props[key]) for key in booleans if key in props})
        create.update({key: int(props[key]) for key in numbers if key in props})
        if "TokenValidityUnits" in props:
            create["TokenValidityUnits"] = {key: str(value) for key, value in props["TokenValidityUnits"].items()}
        if "ReadAttributes" not in props:
            # Cognito lets a client that names no ReadAttributes read every attribute (so ID tokens carry them
            # all); moto reads none unless told. Name them all, so local ID tokens carry what deployed ones do.
            create["ReadAttributes"] = [*self._STANDARD_ATTRIBUTES, *self._custom_attributes(pool_id)]
        id_validity = _token_seconds(props, "IdToken", default_unit="hours")
        if id_validity != 3600:
            self.deployment.notes.append(
                f"{logical_id}: ID tokens issued locally are valid for 1 hour, not {id_validity} s "
                "(moto ignores IdTokenValidity)"
            )
        client = self.clients("cognito-idp").create_user_pool_client(**create)["UserPoolClient"]
        attributes = {"ClientId": client["ClientId"], "Name": client.get("ClientName", name)}
        if client.get("ClientSecret"):
            attributes["ClientSecret"] = client["ClientSecret"]
        return ProvisionedResource(
            logical_id, "AWS::Cognito::UserPoolClient", client["ClientId"], created=True, attributes=attributes
        )

    def _custom_attributes(self, pool_id: str) -> list[str]:
        for res in self.deployment.resources.values():
            if res.type == "AWS::Cognito::UserPool" and res.physical_id == pool_id:
                schema = (self.template_resources[res.logical_id].get("Properties") or {}).get("Schema") or []
                return [
                    f"custom:{item['Name']}"
                    for item in self.resolve(res.logical_id, schema)
                    if item["Name"] not in self._STANDARD_ATTRIBUTES and item["Name"] != "sub"
                ]
        return []

    def user_pool_group(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::Cognito::UserPoolGroup",
            properties,
            {"UserPoolId", "GroupName", "Description", "Precedence", "RoleArn"},
        )
        props = self.resolve(logical_id, properties)
        name = str(props.get("GroupName") or generated_name(self.stack_name, logical_id, max_length=128))
        create: dict[str, Any] = {"UserPoolId": str(props["UserPoolId"]), "GroupName": name}
        for key in ("Description", "RoleArn"):
            if key in props:
                create[key] = str(props[key])
        if "Precedence" in props:
            create["Precedence"] = int(props["Precedence"])
        self.clients("cognito-idp").create_group(**create)
        return ProvisionedResource(logical_id, "AWS::Cognito::UserPoolGroup", name, created=True)

    # ------------------------------------------------------------------------------- Lambda

    def function(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::Lambda::Function",
            properties,
            {
                "Code",
                "Handler",
                "Runtime",
                "Environment",
                "Timeout",
                "MemorySize",
                "Layers",
                "FunctionName",
                "Role",
                "Description",
                "Tags",
                "Architectures",
                "PackageType",
                "ImageConfig",
            },
            ignored={
                "TracingConfig": "X-Ray is off locally (POWERTOOLS_TRACE_DISABLED)",
                "ReservedConcurrentExecutions": "each function runs one invocation at a time locally",
                "LoggingConfig": "function output goes to the local stack's console",
                "EphemeralStorage": "the local process uses the machine's temporary directory",
            },
        )
        image = properties.get("PackageType") == "Image"
        if image:
            handler, runtime, code_paths = self._image_entry(logical_id, properties)
        else:
            handler, runtime = str(properties.get("Handler", "")), str(properties.get("Runtime", ""))
            code_paths = self._code_paths(logical_id, properties)
        if not runtime.startswith("python"):
            raise ProvisioningError(
                f"{logical_id}: runtime {runtime or '(none)'} cannot run locally; "
                "the local stack runs Python functions only"
            )
        name = self.resolve(logical_id, properties.get("FunctionName")) or generated_name(
            self.stack_name, logical_id, max_length=64
        )
        environment = self.resolve(logical_id, (properties.get("Environment") or {}).get("Variables") or {})
        arn = f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:function:{name}"
        spec = FunctionSpec(
            logical_id=logical_id,
            name=name,
            arn=arn,
            handler=handler,
            runtime=runtime,
            environment={key: _text(value) for key, value in environment.items()},
            timeout=int(self.resolve(logical_id, properties.get("Timeout", 3))),
            memory_size=int(self.resolve(logical_id, properties.get("MemorySize", 128))),
            code_paths=code_paths,
        )
        self.deployment.functions[logical_id] = spec
        return ProvisionedResource(logical_id, "AWS::Lambda::Function", name, attributes={"Arn": arn})

    def _image_entry(self, logical_id: str, properties: dict[str, Any]) -> tuple[str, str, tuple[Path, ...]]:
        """A container-image function runs as a Python process with the code its Dockerfile copies."""
        roots = self.translated.images.get(logical_id)
        command = (properties.get("ImageConfig") or {}).get("Command") or []
        if not roots or not command:
            raise ProvisioningError(
                f"{logical_id}: a container image runs locally only when built from a Dockerfile in this "
                "repository and given ImageConfig.Command (module.function)"
            )
        return str(command[0]), "python (container image)", roots

    def _code_paths(self, logical_id: str, properties: dict[str, Any]) -> tuple[Path, ...]:
        paths = []
        code = self.translated.code_for(properties.get("Code"))
        if code is not None:
            paths.append(code.import_root)
        for layer in properties.get("Layers") or []:
            target = layer.get("Ref") if isinstance(layer, dict) else None
            layer_resource = self.template_resources.get(target) if isinstance(target, str) else None
            content = (layer_resource or {}).get("Properties", {}).get("Content")
            location = self.translated.code_for(content)
            if location is not None:
                paths.append(location.import_root)
            else:
                self.deployment.notes.append(
                    f"{logical_id}: layer {self.resolve(logical_id, layer)} is not local code; its "
                    "packages must be installed in the local stack's Python environment"
                )
        return tuple(paths)

    def event_source_mapping(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::Lambda::EventSourceMapping",
            properties,
            {
                "EventSourceArn",
                "FunctionName",
                "BatchSize",
                "MaximumBatchingWindowInSeconds",
                "FunctionResponseTypes",
                "Enabled",
                "StartingPosition",
                "MaximumRetryAttempts",
                "FilterCriteria",
                "DestinationConfig",
            },
            ignored={
                "ScalingConfig": "each function runs one invocation at a time locally",
                "ParallelizationFactor": "one poller per mapping locally",
                "BisectBatchOnFunctionError": "local batches already retry from the first failed record",
            },
        )
        props = self.resolve(logical_id, properties)
        function = self._function_by_name(logical_id, str(props["FunctionName"]))
        source_arn = str(props["EventSourceArn"])
        service = source_arn.split(":")[2] if source_arn.count(":") >= 5 else ""
        queue_url = None
        if service == "sqs":
            kind, default_batch = "sqs", 10
            queue_url = next(
                (
                    res.physical_id
                    for res in self.deployment.resources.values()
                    if res.type == "AWS::SQS::Queue" and res.attributes.get("Arn") == source_arn
                ),
                None,
            )
            if queue_url is None:
                queue_url = self.clients("sqs").get_queue_url(QueueName=source_arn.rsplit(":", 1)[1])["QueueUrl"]
        elif service == "dynamodb" and "/stream/" in source_arn:
            kind, default_batch = "dynamodb", 100
        else:
            raise ProvisioningError(
                f"{logical_id}: event source {source_arn} cannot be polled locally "
                "(the local stack polls SQS queues and DynamoDB streams)"
            )
        source = EventSource(
            logical_id=logical_id,
            function=function,
            kind=kind,
            source_arn=source_arn,
            queue_url=queue_url,
            batch_size=int(props.get("BatchSize", default_batch)),
            maximum_batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            function_response_types=tuple(props.get("FunctionResponseTypes") or ()),
            enabled=_bool(props.get("Enabled", True)),
            starting_position=props.get("StartingPosition"),
            maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
            filter_patterns=_filter_patterns(logical_id, props.get("FilterCriteria")),
            on_failure_queue_url=self._on_failure_queue(logical_id, props.get("DestinationConfig")),
        )
        self.deployment.event_sources.append(source)
        return ProvisionedResource(logical_id, "AWS::Lambda::EventSourceMapping", str(uuid.uuid4()))

    def _on_failure_queue(self, logical_id: str, config: dict[str, Any] | None) -> str | None:
        destination = ((config or {}).get("OnFailure") or {}).get("Destination")
        if not destination:
            return None
        for res in self.deployment.resources.values():
            if res.type == "AWS::SQS::Queue" and res.attributes.get("Arn") == destination:
                return res.physical_id
        raise ProvisioningError(f"{logical_id}: on-failure destination {destination} is not a queue of the template "
                                "(the local stack sends failed batches to SQS queues only)")

    def _function_by_name(self, logical_id: str, name_or_arn: str) -> str:
        name = name_or_arn.split(":function:", 1)[1].split(":")[0] if ":function:" in name_or_arn else name_or_arn
        for function in self.deployment.functions.values():
            if function.name == name:
                return function.logical_id
        raise ProvisioningError(f"{logical_id}: function {name_or_arn} is not defined in the template")

    # ------------------------------------------------------------------------------- EventBridge Scheduler

    def schedule(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        """An EventBridge Scheduler schedule, created in moto as it is; the local scheduler thread fires it."""
        _check_properties(
            logical_id,
            "AWS::Scheduler::Schedule",
            properties,
            {
                "Name",
                "Description",
                "GroupName",
                "ScheduleExpression",
                "ScheduleExpressionTimezone",
                "FlexibleTimeWindow",
                "State",
                "Target",
            },
        )
        props = self.resolve(logical_id, properties)
        target = dict(props.get("Target") or {})
        _check_properties(
            logical_id,
            "AWS::Scheduler::Schedule Target",
            target,
            {"Arn", "RoleArn", "Input"},
            ignored={"RetryPolicy": "the local scheduler invokes each firing once, without retries"},
        )
        arn = str(target.get("Arn") or "")
        if ":lambda:" not in arn:
            raise ProvisioningError(f"{logical_id}: target {arn or '(none)'} is not a Lambda function "
                                    "(the local scheduler invokes the template's functions only)")
        self._function_by_name(logical_id, arn)
        group = str(props.get("GroupName") or "default")
        if group != "default":
            raise ProvisioningError(f"{logical_id}: schedule group {group} is not served locally (only default)")
        mode = str((props.get("FlexibleTimeWindow") or {}).get("Mode", "OFF"))
        if mode != "OFF":
            raise ProvisioningError(f"{logical_id}: flexible time windows ({mode}) are not served locally")
        name = str(props.get("Name") or generated_name(self.stack_name, logical_id, max_length=64))
        api_target = {"Arn": arn, "RoleArn": str(target.get("RoleArn") or "")}
        if "Input" in target:
            api_target["Input"] = _text(target["Input"])
        create: dict[str, Any] = {
            "Name": name,
            "GroupName": group,
            "ScheduleExpression": str(props["ScheduleExpression"]),
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": api_target,
            "State": str(props.get("State") or "ENABLED"),
        }
        for key in ("Description", "ScheduleExpressionTimezone"):
            if key in props:
                create[key] = str(props[key])
        result = self.clients("scheduler").create_schedule(**create)
        return ProvisionedResource(
            logical_id, "AWS::Scheduler::Schedule", name, created=True, attributes={"Arn": result["ScheduleArn"]}
        )

    # ------------------------------------------------------------------------------- API Gateway

    def rest_api(self, logical_id: str, properties: dict[str, Any]) -> ProvisionedResource:
        _check_properties(
            logical_id,
            "AWS::ApiGateway::RestApi",
            properties,
            {
                "Body",
                "Name",
                "Description",
                "BinaryMediaTypes",
                "EndpointConfiguration",
                "Parameters",
                "FailOnWarnings",
                "Tags",
            },
        )
        if "Body" not in properties:
            raise ProvisioningError(f"{logical_id}: only REST APIs defined inline (Body) can be served locally")
        api_id = _suffix(10).lower()
        return ProvisionedResource(
            logical_id, "AWS::ApiGateway::RestApi", api_id, attributes={"RootResourceId": _suffix(10).lower()}
        )

    def _build_routes(self, active: dict[str, dict[str, Any]]) -> None:
        stages: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for logical_id, resource in active.items():
            if resource["Type"] == "AWS::ApiGateway::Stage":
                props = resource.get("Properties") or {}
                api = (props.get("RestApiId") or {}).get("Ref")
                stages.setdefault(api, []).append((logical_id, props))
        seen: dict[tuple[str, str], str] = {}
        for logical_id, resource in active.items():
            if resource["Type"] != "AWS::ApiGateway::RestApi":
                continue
            properties = resource.get("Properties") or {}
            api_stages = stages.get(logical_id) or []
            stage_name, variables = "prod", None
            if api_stages:
                stage_id, stage_props = api_stages[0]
                stage_name = str(self.resolve(stage_id, stage_props.get("StageName")))
                variables = self.resolve(stage_id, stage_props.get("Variables")) or None
            for route in self._routes(logical_id, properties, stage_name, variables):
                key = (route.method, route.path)
                if key in seen:
                    raise ProvisioningError(
                        f"{route.describe()} is defined by both {seen[key]} and {logical_id}; "
                        "the local stack serves every API at the root of one server"
                    )
                seen[key] = logical_id
                self.deployment.routes.append(route)

    def _routes(
        self, logical_id: str, properties: dict[str, Any], stage: str, variables: dict[str, str] | None
    ) -> list[Route]:
        body = self.resolve(logical_id, properties["Body"])
        binary = tuple(body.get("x-amazon-apigateway-binary-media-types") or ()) + tuple(
            self.resolve(logical_id, properties.get("BinaryMediaTypes")) or ()
        )
        authorizers = {
            name: self._authorizer(f"{logical_id} securityDefinitions.{name}", name, definition)
            for name, definition in (body.get("securityDefinitions") or {}).items()
        }
        routes = []
        for path, operations in (body.get("paths") or {}).items():
            for method_key, operation in operations.items():
                if not isinstance(operation, dict) or "x-amazon-apigateway-integration" not in operation:
                    continue
                method = "ANY" if method_key == "x-amazon-apigateway-any-method" else method_key.upper()
                where = f"{logical_id} {method} {path}"
                security = operation["security"] if "security" in operation else body.get("security")
                authorizer = _method_authorizer(where, security, authorizers)
                integration = operation["x-amazon-apigateway-integration"]
                kind = integration.get("type")
                route_args: dict[str, Any] = {
                    "api": logical_id,
                    "method": method,
                    "path": path,
                    "stage": stage,
                    "binary_media_types": binary,
                    "stage_variables": variables,
                    "authorizer": authorizer,
                }
                if kind == "aws_proxy":
                    route_args["function"] = self._integration_function(where, str(integration.get("uri")))
                elif kind == "mock":
                    route_args["mock"] = _mock_response(integration)
                else:
                    raise ProvisioningError(f"{where}: integration type {kind} is not served locally")
                routes.append(Route(**route_args))
        return routes

    def _authorizer(self, where: str, name: str, definition: dict[str, Any]) -> RouteAuthorizer:
        """A swagger security definition as the local API serves it: Cognito user pool authorizers only."""
        settings = definition.get("x-amazon-apigateway-authorizer") or {}
        kind = str(definition.get("x-amazon-apigateway-authtype") or settings.get("type") or "").lower()
        if kind != "cognito_user_pools" or str(settings.get("type", kind)).lower() != "cognito_user_pools":
            raise ProvisioningError(
                f"{where}: {kind or definition.get('type') or 'this'} authorizers are not served locally "
                "(only Cognito user pool authorizers are)"
            )
        _check_properties(
            where,
            "x-amazon-apigateway-authorizer",
            settings,
            {"type", "providerARNs", "identitySource"},
            ignored={"authorizerResultTtlInSeconds": "the local API verifies every request (no authorizer cache)"},
        )
        header = str(definition.get("name") or "")
        source = settings.get("identitySource")
        if source is not None:
            prefix = "method.request.header."
            if not str(source).startswith(prefix):
                raise ProvisioningError(f"{where}: identitySource {source} is not served locally (headers only)")
            header = str(source)[len(prefix) :]
        if definition.get("in", "header") != "header" or not header:
            raise ProvisioningError(f"{where}: the token must come in a request header")
        arns = self.resolve(where, settings.get("providerARNs") or [])
        if not arns:
            raise ProvisioningError(f"{where}: a Cognito authorizer needs providerARNs")
        known = {res.attributes["Arn"] for res in self.deployment.of_type("AWS::Cognito::UserPool").values()}
        for arn in arns:
            if arn not in known:
                raise ProvisioningError(
                    f"{where}: user pool {arn} is not defined in the template; the local API can only verify "
                    "tokens of the template's own user pools"
                )
        return RouteAuthorizer(name=name, header=header, provider_arns=tuple(str(arn) for arn in arns))

    def _integration_function(self, where: str, uri: str) -> str:
        found = re.search(r"/functions/(arn:[^/]+)/invocations", uri)
        if found is None:
            raise ProvisioningError(f"{where}: integration uri {uri} does not invoke a Lambda function")
        return self._function_by_name(where, found.group(1))


# ---------------------------------------------------------------------------------------------- mapping


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    api_rule: dict[str, Any] = {}
    if "ServerSideEncryptionByDefault" in rule:
        api_rule["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
    if "BucketKeyEnabled" in rule:
        api_rule["BucketKeyEnabled"] = _bool(rule["BucketKeyEnabled"])
    return api_rule


def _cors_rule(logical_id: str, rule: dict[str, Any]) -> dict[str, Any]:
    renames = {
        "AllowedHeaders": "AllowedHeaders",
        "AllowedMethods": "AllowedMethods",
        "AllowedOrigins": "AllowedOrigins",
        "ExposedHeaders": "ExposeHeaders",
        "Id": "ID",
        "MaxAge": "MaxAgeSeconds",
    }
    _check_properties(logical_id, "AWS::S3::Bucket CorsRule", rule, set(renames))
    api_rule = {renames[key]: value for key, value in rule.items()}
    if "MaxAgeSeconds" in api_rule:
        api_rule["MaxAgeSeconds"] = int(api_rule["MaxAgeSeconds"])
    return api_rule


def _lifecycle_rule(logical_id: str, rule: dict[str, Any]) -> dict[str, Any]:
    _check_properties(
        logical_id,
        "AWS::S3::Bucket LifecycleRule",
        rule,
        {
            "Id",
            "Status",
            "Prefix",
            "TagFilters",
            "ExpirationInDays",
            "ExpirationDate",
            "ExpiredObjectDeleteMarker",
            "NoncurrentVersionExpiration",
            "NoncurrentVersionExpirationInDays",
            "AbortIncompleteMultipartUpload",
            "Transitions",
            "NoncurrentVersionTransitions",
            "ObjectSizeGreaterThan",
            "ObjectSizeLessThan",
        },
    )
    api_rule: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        api_rule["ID"] = rule["Id"]
    conditions: dict[str, Any] = {}
    if "Prefix" in rule:
        conditions["Prefix"] = rule["Prefix"]
    if rule.get("TagFilters"):
        conditions["Tags"] = [{"Key": tag["Key"], "Value": tag["Value"]} for tag in rule["TagFilters"]]
    for key in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if key in rule:
            conditions[key] = int(rule[key])
    if len(conditions) > 1 or ("Tags" in conditions and len(conditions["Tags"]) > 1):
        api_rule["Filter"] = {"And": conditions}
    elif "Tags" in conditions:
        api_rule["Filter"] = {"Tag": conditions["Tags"][0]}
    else:
        api_rule["Filter"] = conditions or {"Prefix": ""}
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpirationDate" in rule:
        expiration["Date"] = rule["ExpirationDate"]
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = _bool(rule["ExpiredObjectDeleteMarker"])
    if expiration:
        api_rule["Expiration"] = expiration
    noncurrent = dict(rule.get("NoncurrentVersionExpiration") or {})
    if "NoncurrentVersionExpirationInDays" in rule:
        noncurrent["NoncurrentDays"] = rule["NoncurrentVersionExpirationInDays"]
    if noncurrent:
        api_rule["NoncurrentVersionExpiration"] = {key: int(value) for key, value in noncurrent.items()}
    if "AbortIncompleteMultipartUpload" in rule:
        api_rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    if rule.get("Transitions"):
        api_rule["Transitions"] = [
            {
                "StorageClass": item["StorageClass"],
                **({"Days": int(item["TransitionInDays"])} if "TransitionInDays" in item else {}),
                **({"Date": item["TransitionDate"]} if "TransitionDate" in item else {}),
            }
            for item in rule["Transitions"]
        ]
    if rule.get("NoncurrentVersionTransitions"):
        api_rule["NoncurrentVersionTransitions"] = [
            {"StorageClass": item["StorageClass"], "NoncurrentDays": int(item["TransitionInDays"])}
            for item in rule["NoncurrentVersionTransitions"]
        ]
    return api_rule


def _notification_configuration(logical_id: str, config: dict[str, Any]) -> dict[str, Any]:
    _check_properties(logical_id, "AWS::S3::Bucket NotificationConfiguration", config, {"QueueConfigurations"})
    queues = []
    for item in config.get("QueueConfigurations") or []:
        _check_properties(logical_id, "AWS::S3::Bucket QueueConfiguration", item, {"Event", "Queue", "Filter"})
        queue: dict[str, Any] = {"QueueArn": item["Queue"], "Events": [item["Event"]]}
        rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        if rules:
            queue["Filter"] = {
                "Key": {"FilterRules": [{"Name": rule["Name"], "Value": rule["Value"]} for rule in rules]}
            }
        queues.append(queue)
    return {"QueueConfigurations": queues}


def _throughput(value: dict[str, Any] | None) -> dict[str, int]:
    value = value or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return {
        "ReadCapacityUnits": int(value["ReadCapacityUnits"]),
        "WriteCapacityUnits": int(value["WriteCapacityUnits"]),
    }


def _index(index: dict[str, Any], billing: str, *, with_throughput: bool) -> dict[str, Any]:
    api_index = {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
    if with_throughput and billing == "PROVISIONED":
        api_index["ProvisionedThroughput"] = _throughput(index.get("ProvisionedThroughput"))
    return api_index


def _pool_policies(logical_id: str, policies: dict[str, Any]) -> dict[str, Any]:
    _check_properties(logical_id, "AWS::Cognito::UserPool Policies", policies, {"PasswordPolicy", "SignInPolicy"})
    result: dict[str, Any] = {}
    if "PasswordPolicy" in policies:
        numbers = {"MinimumLength", "TemporaryPasswordValidityDays", "PasswordHistorySize"}
        booleans = {"RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"}
        password = policies["PasswordPolicy"]
        _check_properties(logical_id, "AWS::Cognito::UserPool PasswordPolicy", password, numbers | booleans)
        result["PasswordPolicy"] = {
            key: int(value) if key in numbers else _bool(value) for key, value in password.items()
        }
    if "SignInPolicy" in policies:
        result["SignInPolicy"] = policies["SignInPolicy"]
    return result


def _schema_attribute(logical_id: str, item: dict[str, Any]) -> dict[str, Any]:
    _check_properties(
        logical_id,
        "AWS::Cognito::UserPool SchemaAttribute",
        item,
        {
            "Name",
            "AttributeDataType",
            "DeveloperOnlyAttribute",
            "Mutable",
            "Required",
            "NumberAttributeConstraints",
            "StringAttributeConstraints",
        },
    )
    attribute: dict[str, Any] = {"Name": str(item["Name"])}
    if "AttributeDataType" in item:
        attribute["AttributeDataType"] = str(item["AttributeDataType"])
    for key in ("DeveloperOnlyAttribute", "Mutable", "Required"):
        if key in item:
            attribute[key] = _bool(item[key])
    for key in ("NumberAttributeConstraints", "StringAttributeConstraints"):
        if key in item:
            attribute[key] = {name: _text(value) for name, value in item[key].items()}
    return attribute


def _admin_create_user_config(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if "AllowAdminCreateUserOnly" in config:
        result["AllowAdminCreateUserOnly"] = _bool(config["AllowAdminCreateUserOnly"])
    if "UnusedAccountValidityDays" in config:
        result["UnusedAccountValidityDays"] = int(config["UnusedAccountValidityDays"])
    if "InviteMessageTemplate" in config:
        result["InviteMessageTemplate"] = {key: str(value) for key, value in config["InviteMessageTemplate"].items()}
    return result


_TOKEN_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _token_seconds(props: Mapping[str, Any], token: str, *, default_unit: str) -> int:
    """How long a user pool client's ``token`` ("IdToken", "AccessToken") stays valid, in seconds."""
    value = props.get(f"{token}Validity")
    if value is None:
        return 3600
    unit = str((props.get("TokenValidityUnits") or {}).get(token, default_unit)).lower()
    return int(value) * _TOKEN_UNITS.get(unit, 3600)


def _method_authorizer(where: str, security: Any, authorizers: Mapping[str, RouteAuthorizer]) -> RouteAuthorizer | None:
    """The authorizer a method's swagger ``security`` names; None when it names none (or SAM's ``NONE``)."""
    if not security:
        return None
    if not isinstance(security, list) or len(security) != 1 or not isinstance(security[0], dict):
        raise ProvisioningError(f"{where}: security {security!r}: API Gateway takes one authorizer per method")
    requirement = security[0]
    if len(requirement) != 1:
        raise ProvisioningError(f"{where}: security {security!r}: API Gateway takes one authorizer per method")
    ((name, scopes),) = requirement.items()
    if name == "NONE" and name not in authorizers:
        return None
    if name not in authorizers:
        raise ProvisioningError(f"{where}: security names {name}, which securityDefinitions does not define")
    if scopes:
        raise ProvisioningError(
            f"{where}: authorization scopes {scopes} (access tokens) are not served locally; "
            "the local API accepts ID tokens"
        )
    return authorizers[name]


def _mock_response(integration: dict[str, Any]) -> MockResponse:
    default = (integration.get("responses") or {}).get("default") or {}
    headers = {}
    for key, value in (default.get("responseParameters") or {}).items():
        prefix = "method.response.header."
        if key.startswith(prefix) and isinstance(value, str):
            headers[key[len(prefix) :]] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value
    templates = default.get("responseTemplates") or {}
    body = templates.get("application/json", "")
    return MockResponse(status=int(default.get("statusCode", 200)), headers=headers, body=str(body).strip())


_BUILDERS: dict[str, Callable[[_Provisioner, str, dict[str, Any]], ProvisionedResource]] = {
    "AWS::S3::Bucket": _Provisioner.bucket,
    "AWS::S3::BucketPolicy": _Provisioner.bucket_policy,
    "AWS::SQS::Queue": _Provisioner.queue,
    "AWS::SQS::QueuePolicy": _Provisioner.queue_policy,
    "AWS::DynamoDB::Table": _Provisioner.table,
    "AWS::Lambda::Function": _Provisioner.function,
    "AWS::Lambda::EventSourceMapping": _Provisioner.event_source_mapping,
    "AWS::ApiGateway::RestApi": _Provisioner.rest_api,
    "AWS::Cognito::UserPool": _Provisioner.user_pool,
    "AWS::Cognito::UserPoolClient": _Provisioner.user_pool_client,
    "AWS::Cognito::UserPoolGroup": _Provisioner.user_pool_group,
    "AWS::Scheduler::Schedule": _Provisioner.schedule,
}


def _filter_patterns(logical_id: str, criteria: dict[str, Any] | None) -> tuple[dict[str, Any], ...]:
    """The FilterCriteria patterns, parsed; only what the local matcher implements is accepted."""
    patterns = []
    for item in (criteria or {}).get("Filters") or []:
        try:
            pattern = json.loads(item["Pattern"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProvisioningError(f"{logical_id}: a FilterCriteria pattern is not JSON: {exc}") from None

        def check(node: Any, where: str) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    check(value, f"{where}.{key}")
            elif not isinstance(node, list) or any(isinstance(v, dict | list) for v in node):
                raise ProvisioningError(
                    f"{logical_id}: filter {where} uses an operator the local stack does not implement "
                    "(it matches nested keys against lists of exact values)")

        check(pattern, "pattern")
        patterns.append(pattern)
    return tuple(patterns)


def supported_types() -> dict[str, str]:
    """Every resource type the local stack accepts, with what it does with it."""
    built = {resource_type: "built locally" for resource_type in _BUILDERS}
    return {**built, **{resource_type: f"skipped: {why}" for resource_type, why in SKIPPED_TYPES.items()}}


# ---------------------------------------------------------------------------------------------- entry


def provision(
    cfn: dict[str, Any] | TranslatedTemplate,
    *,
    session_or_clients: ClientSource,
    region: str,
    account_id: str = "123456789012",
    stack_name: str = "intake-local",
    parameters: Mapping[str, Any] | None = None,
) -> Deployment:
    """Create the template's resources with the given clients and describe the rest.

    ``cfn`` is the translated CloudFormation (a dict), or the ``TranslatedTemplate`` from
    ``template.translate_file`` — only the latter tells where each function's code is on disk.
    ``session_or_clients`` is a boto3 Session, a dict of clients by service name (``s3``, ``sqs``,
    ``dynamodb``, ``cognito-idp``) or a callable service → client; endpoints are the caller's business.
    ``parameters`` must be the values the template was translated with.
    """
    translated = cfn if isinstance(cfn, TranslatedTemplate) else TranslatedTemplate(cloudformation=cfn)
    provisioner = _Provisioner(
        translated,
        clients=_client_factory(session_or_clients, region),
        region=region,
        account_id=account_id,
        stack_name=stack_name,
        parameters=dict(parameters or {}),
    )
    return provisioner.run()
