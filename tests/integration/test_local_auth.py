"""The local API's Cognito authorizer: only valid ID tokens of the template's user pool reach a protected method.

The verifier is checked twice: on its own with an injected key set (every claim check, one at a time), and
through a running local stack of a throwaway template, with real tokens from moto's user pool, tokens signed
by another key, and a public route beside the protected one.
"""

from __future__ import annotations

import base64
import io
import json
import re
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from intake_tools.local import LocalStack, ProvisioningError, provision
from intake_tools.local.apigateway import LOCAL_HEADER
from intake_tools.local.auth import CognitoVerifier, SignInError, Unauthorized, api_gateway_claims, sign_in
from intake_tools.local.resources import RouteAuthorizer
from tests.integration.conftest import REGION

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

POOL_ID = "us-east-1_unit"
POOL_ARN = f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/{POOL_ID}"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
CLIENT_ID = "unit-client"
AUTHORIZER = RouteAuthorizer(name="CognitoAuthorizer", header="Authorization", provider_arns=(POOL_ARN,))


def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)


def sign(key: RSAKey, claims: dict[str, Any], **header: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, **header}, claims, key)


def payload(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# ------------------------------------------------------------------------------------------ the verifier alone


@pytest.fixture(scope="module")
def pool_key() -> RSAKey:
    return rsa_key("pool-key-1")


@pytest.fixture
def verifier(pool_key: RSAKey) -> CognitoVerifier:
    key_sets = {f"memory://{POOL_ID}/jwks.json": {"keys": [pool_key.as_dict(private=False)]}}
    return CognitoVerifier(
        jwks_url=lambda pool_id: f"memory://{pool_id}/jwks.json",
        client_ids=lambda pool_id: [CLIENT_ID] if pool_id == POOL_ID else [],
        fetch=lambda url: key_sets[url],
    )


def id_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "5f0c1a52-0000-4000-8000-000000000001",
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "email": "reviewer@intake.example",
        "email_verified": True,
        "cognito:groups": ["admins", "reviewers"],
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


class TestTheVerifier:
    def test_a_valid_id_token_gives_its_claims(self, verifier, pool_key):
        claims = id_claims()
        assert verifier.verify(sign(pool_key, claims), AUTHORIZER) == claims

    @pytest.mark.parametrize(
        "changes",
        [
            pytest.param({"exp": int(time.time()) - 1}, id="expired"),
            pytest.param({"exp": None}, id="no exp"),
            pytest.param({"aud": "someone-elses-client"}, id="wrong aud"),
            pytest.param({"aud": None}, id="no aud"),
            pytest.param({"iss": f"https://cognito-idp.{REGION}.amazonaws.com/us-east-1_other"}, id="wrong iss"),
            pytest.param({"iss": ISSUER + "/"}, id="iss almost right"),
            pytest.param({"token_use": "access", "aud": None, "client_id": CLIENT_ID}, id="access token"),
            pytest.param({"token_use": None}, id="no token_use"),
        ],
    )
    def test_a_token_failing_one_check_is_refused(self, verifier, pool_key, changes):
        with pytest.raises(Unauthorized):
            verifier.verify(sign(pool_key, id_claims(**changes)), AUTHORIZER)

    def test_a_token_signed_by_another_key_is_refused_even_under_the_pools_key_id(self, verifier):
        impostor = rsa_key("pool-key-1")
        with pytest.raises(Unauthorized, match="signature"):
            verifier.verify(sign(impostor, id_claims()), AUTHORIZER)

    @pytest.mark.parametrize(
        "token",
        [None, "", "garbage", "a.b.c", "Bearer x.y.z", "eyJhbGciOiJub25lIn0.e30."],
        ids=["missing", "empty", "garbage", "not base64 json", "bearer", "alg none"],
    )
    def test_what_is_not_a_bare_signed_jwt_is_refused(self, verifier, token):
        with pytest.raises(Unauthorized):
            verifier.verify(token, AUTHORIZER)

    def test_a_bearer_prefix_is_refused_as_api_gateway_refuses_it(self, verifier, pool_key):
        with pytest.raises(Unauthorized):
            verifier.verify("Bearer " + sign(pool_key, id_claims()), AUTHORIZER)

    def test_a_token_signed_with_another_algorithm_is_refused(self, verifier):
        from joserfc.jwk import OctKey

        secret = OctKey.import_key("a shared secret that anyone could know, 32+ bytes long")
        token = jwt.encode({"alg": "HS256", "kid": "pool-key-1"}, id_claims(), secret)
        with pytest.raises(Unauthorized, match="RS256"):
            verifier.verify(token, AUTHORIZER)

    def test_the_key_set_is_fetched_once_and_again_only_for_an_unknown_key(self, pool_key):
        rotated = rsa_key("pool-key-2")
        served = [{"keys": [pool_key.as_dict(private=False)]}]
        verifier = CognitoVerifier(
            jwks_url=lambda pool_id: "memory://jwks",
            client_ids=lambda pool_id: [CLIENT_ID],
            fetch=lambda url: served[0],
        )
        for _ in range(3):
            verifier.verify(sign(pool_key, id_claims()), AUTHORIZER)
        assert verifier.fetches == 1
        # The pool rotates its keys: a token under the new key id makes the verifier look again.
        served[0] = {"keys": [pool_key.as_dict(private=False), rotated.as_dict(private=False)]}
        verifier.verify(sign(rotated, id_claims()), AUTHORIZER)
        assert verifier.fetches == 2
        verifier.verify(sign(pool_key, id_claims()), AUTHORIZER)
        assert verifier.fetches == 2

    def test_a_client_added_to_the_pool_later_is_looked_up(self, pool_key):
        clients = [CLIENT_ID]
        verifier = CognitoVerifier(
            jwks_url=lambda pool_id: "memory://jwks",
            client_ids=lambda pool_id: list(clients),
            fetch=lambda url: {"keys": [pool_key.as_dict(private=False)]},
        )
        verifier.verify(sign(pool_key, id_claims()), AUTHORIZER)
        clients.append("mobile-client")
        assert verifier.verify(sign(pool_key, id_claims(aud="mobile-client")), AUTHORIZER)["aud"] == "mobile-client"


def test_claims_reach_the_function_as_api_gateway_writes_them():
    claims = api_gateway_claims(
        {
            "sub": "5f0c1a52",
            "cognito:groups": ["admins", "reviewers"],
            "email_verified": True,
            "exp": 1680633579,
            "iat": 1680629979,
            "auth_time": 1680629979,
        }
    )
    assert claims == {
        "sub": "5f0c1a52",
        "cognito:groups": "admins,reviewers",
        "email_verified": "true",
        "exp": "Tue Apr 04 18:39:39 UTC 2023",
        "iat": "Tue Apr 04 17:39:39 UTC 2023",
        "auth_time": "1680629979",
    }


# ------------------------------------------------------------------------------------------ provisioning


def api_with(definitions: dict[str, Any], security: list[dict[str, Any]]) -> dict[str, Any]:
    operation = {"security": security, "x-amazon-apigateway-integration": {"type": "mock"}}
    body = {"swagger": "2.0", "securityDefinitions": definitions, "paths": {"/thing": {"get": operation}}}
    return {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": body}}}}


def cognito_definition(*arns: str) -> dict[str, Any]:
    return {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
        "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": list(arns)},
    }


LAMBDA_AUTHORIZER = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "custom",
    "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "arn:aws:apigateway:..."},
}


@pytest.mark.parametrize(
    ("definitions", "security", "message"),
    [
        pytest.param({"Custom": LAMBDA_AUTHORIZER}, [{"Custom": []}], "only Cognito user pool", id="lambda"),
        pytest.param(
            {"Pool": cognito_definition(POOL_ARN)}, [{"Pool": []}], "not defined in the template", id="foreign pool"
        ),
        pytest.param({}, [{"Missing": []}], "does not define", id="undefined authorizer"),
        pytest.param({}, [{"NONE": []}, {"Other": []}], "one authorizer per method", id="two requirements"),
    ],
)
def test_an_authorizer_the_local_api_cannot_play_fails_provisioning(definitions, security, message):
    with pytest.raises(ProvisioningError, match=message):
        provision(api_with(definitions, security), session_or_clients={}, region=REGION)


# ------------------------------------------------------------------------------------------ through the local API

PROBE_HANDLER = """
import json, os

def handle(event, context):
    with open(os.environ["PROBE_LOG"], "a", encoding="utf-8") as out:
        out.write(event["path"] + "\\n")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"requestContext": event["requestContext"]}, ensure_ascii=False)}
"""

PROBE_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UsernameAttributes: [email]
      AutoVerifiedAttributes: [email]
      Policies:
        PasswordPolicy:
          MinimumLength: 8
          RequireNumbers: true
          RequireLowercase: false
          RequireUppercase: false
          RequireSymbols: false
  PoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      GenerateSecret: false
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Reviewers:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref Pool
      GroupName: reviewers
  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref Pool
      GroupName: admins
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: PoolAuthorizer
        AddDefaultAuthorizerToCorsPreflight: false
        Authorizers:
          PoolAuthorizer:
            UserPoolArn: !GetAtt Pool.Arn
      Cors:
        AllowOrigin: "'*'"
        AllowHeaders: "'Content-Type,Authorization'"
  Probe:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: probe.handle
      Runtime: python3.11
      Timeout: 5
      Environment:
        Variables:
          PROBE_LOG: "{log}"
      Events:
        Private:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /private
            Method: get
        Public:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /public
            Method: get
            Auth:
              Authorizer: NONE
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("auth-probe")
    (root / "code").mkdir()
    (root / "code" / "probe.py").write_text(textwrap.dedent(PROBE_HANDLER), encoding="utf-8")
    log = root / "probe.log"
    log.touch()
    (root / "template.yaml").write_text(PROBE_TEMPLATE.replace("{log}", str(log)), encoding="utf-8")
    console = io.StringIO()
    with LocalStack(root / "template.yaml", console=console) as stack:
        yield {"stack": stack, "log": log, "console": console}


def account(stack: LocalStack, role: str) -> Any:
    return next(account for account in stack.demo_accounts if account.role == role)


def token_of(stack: LocalStack, role: str) -> str:
    person = account(stack, role)
    return stack.sign_in(person.email, person.password)


def calls(probe: dict[str, Any]) -> int:
    return len(probe["log"].read_text(encoding="utf-8").splitlines())


def get(probe: dict[str, Any], path: str, token: str | None = None) -> requests.Response:
    headers = {} if token is None else {"Authorization": token}
    return requests.get(probe["stack"].api_url + path, headers=headers, timeout=30)


def assert_refused(probe: dict[str, Any], token: str | None, why: str = "") -> None:
    """The request is answered 401 before the function runs; the console gives a reason containing ``why``."""
    before, console = calls(probe), len(probe["console"].getvalue())
    response = get(probe, "/private", token)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response.headers[LOCAL_HEADER] == "unauthorized"
    assert calls(probe) == before, "the function ran for a refused request"
    reason = next(
        line for line in probe["console"].getvalue()[console:].splitlines() if "GET /private: unauthorized" in line
    )
    assert why in reason, reason


class TestTheLocalApi:
    def test_without_a_token_a_protected_route_answers_401(self, probe):
        assert_refused(probe, None, "no Authorization header")

    @pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
    def test_with_garbage_a_protected_route_answers_401(self, probe, token):
        assert_refused(probe, token)

    def test_a_real_token_behind_a_bearer_prefix_answers_401(self, probe):
        assert_refused(probe, "Bearer " + token_of(probe["stack"], "reviewer"), "not a bare JWT")

    def test_a_token_signed_by_another_key_answers_401(self, probe):
        claims = payload(token_of(probe["stack"], "reviewer"))
        # Same claims, a fresh key: once under the key id moto's pool uses, once under a new one.
        assert_refused(probe, sign(rsa_key("dummy"), claims), "signature does not verify")
        assert_refused(probe, sign(rsa_key("not-in-the-pool"), claims), "not in the JWKS")

    def test_an_expired_token_answers_401(self, probe):
        claims = payload(token_of(probe["stack"], "reviewer"))
        claims.update(exp=int(time.time()) - 60, iat=int(time.time()) - 3660)
        assert_refused(probe, sign(rsa_key("dummy"), claims), "signature does not verify")

    def test_an_access_token_of_the_pool_answers_401(self, probe):
        stack = probe["stack"]
        person = account(stack, "reviewer")
        answer = stack.client("cognito-idp").initiate_auth(
            ClientId=stack.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": person.email, "PASSWORD": person.password},
        )
        assert_refused(probe, answer["AuthenticationResult"]["AccessToken"], "token_use is 'access'")

    def test_an_id_token_of_another_user_pool_answers_401(self, probe):
        # moto signs every pool's tokens with one key: only the issuer tells them apart.
        idp = probe["stack"].client("cognito-idp")
        other = idp.create_user_pool(PoolName="elsewhere", UsernameAttributes=["email"])["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=other, ClientName="elsewhere-web")["UserPoolClient"]
        idp.admin_create_user(UserPoolId=other, Username="someone@elsewhere.example", MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=other, Username="someone@elsewhere.example", Password="Elsewhere-123", Permanent=True
        )
        stack = probe["stack"]
        token = sign_in(stack.aws_endpoint, REGION, client["ClientId"], "someone@elsewhere.example", "Elsewhere-123")
        assert_refused(probe, token, "issuer")

    def test_a_reviewers_id_token_reaches_the_function_with_its_claims(self, probe):
        stack = probe["stack"]
        reviewer = account(stack, "reviewer")
        token = token_of(stack, "reviewer")
        before = calls(probe)
        response = get(probe, "/private", token)
        assert response.status_code == 200, response.text
        assert LOCAL_HEADER not in response.headers
        assert calls(probe) == before + 1
        claims = response.json()["requestContext"]["authorizer"]["claims"]
        assert set(response.json()["requestContext"]["authorizer"]) == {"claims"}
        assert all(isinstance(value, str) for value in claims.values())
        assert claims["sub"] == payload(token)["sub"] and re.fullmatch(r"[0-9a-f-]{36}", claims["sub"])
        assert claims["email"] == reviewer.email
        assert claims["cognito:groups"] == "reviewers"
        assert claims["token_use"] == "id"
        assert claims["aud"] == stack.user_pool_client_id
        assert claims["iss"] == stack.state()["cognito"]["issuer"]
        assert claims["name"] == reviewer.name and claims["phone_number"] == reviewer.phone
        assert claims["email_verified"] == "true"
        assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}", claims["exp"])

    def test_an_admins_groups_and_an_applicants_lack_of_them_reach_the_function(self, probe):
        admin = get(probe, "/private", token_of(probe["stack"], "admin")).json()
        assert admin["requestContext"]["authorizer"]["claims"]["cognito:groups"] == "admins"
        applicant = get(probe, "/private", token_of(probe["stack"], "applicant")).json()
        assert "cognito:groups" not in applicant["requestContext"]["authorizer"]["claims"]

    def test_the_pools_key_set_is_fetched_once(self, probe):
        stack = probe["stack"]
        token = token_of(stack, "applicant")
        assert get(probe, "/private", token).status_code == 200
        fetched = stack.verifier.fetches
        for _ in range(3):
            assert get(probe, "/private", token).status_code == 200
        assert stack.verifier.fetches == fetched

    def test_a_public_route_needs_no_token_and_gets_no_authorizer(self, probe):
        for token in (None, "garbage"):
            response = get(probe, "/public", token)
            assert response.status_code == 200, response.text
            assert "authorizer" not in response.json()["requestContext"]

    def test_a_cors_preflight_needs_no_token(self, probe):
        response = requests.options(
            probe["stack"].api_url + "/private",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
            timeout=30,
        )
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"

    def test_sign_in_with_a_wrong_password_fails(self, probe):
        stack = probe["stack"]
        with pytest.raises(SignInError, match="NotAuthorized"):
            stack.sign_in(account(stack, "applicant").email, "wrong0password")
