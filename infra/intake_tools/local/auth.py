"""Sign-in for the local stack: API Gateway's Cognito user pool authorizer, demo accounts, ``sign_in``.

``CognitoVerifier`` checks a token the way a REST API's Cognito authorizer does before a method runs: an
RS256 signature by a key of the pool's JWKS (fetched from moto once and cached, fetched again when a token
names a key it does not hold), ``iss`` equal to one of the authorizer's user pools, ``token_use`` ``id``,
``aud`` one of that pool's app clients and ``exp`` in the future. Anything else is ``Unauthorized``.

``api_gateway_claims`` turns the token's claims into what API Gateway puts in
``event["requestContext"]["authorizer"]["claims"]``: every value a string, ``exp``/``iat`` as dates in
Java's ``Date.toString()`` form, arrays such as ``cognito:groups`` joined with commas.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .resources import RouteAuthorizer

__all__ = [
    "DEMO_PEOPLE",
    "CognitoVerifier",
    "DemoAccount",
    "SignInError",
    "Unauthorized",
    "api_gateway_claims",
    "create_demo_accounts",
    "fetch_json",
    "sign_in",
]

#: The only signing algorithm Cognito uses for user pool tokens.
_ALGORITHM = "RS256"


class Unauthorized(Exception):
    """The request does not carry a token the authorizer accepts (the reason is for the console only)."""


class SignInError(Exception):
    """A demo sign-in failed (wrong password, unknown user, or a challenge the local stack cannot answer)."""


# ---------------------------------------------------------------------------------------------- JWKS


def fetch_json(url: str, timeout: float = 5.0) -> Any:
    """GET a JSON document without any proxy (the local stack only talks to 127.0.0.1)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, method="GET"), timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def _b64url_json(segment: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise Unauthorized(f"the token is not a JWT: {exc}") from exc
    if not isinstance(decoded, dict):
        raise Unauthorized("the token is not a JWT: a segment is not a JSON object")
    return decoded


class CognitoVerifier:
    """Verifies Cognito ID tokens for ``RouteAuthorizer``s, as API Gateway's Cognito authorizer does.

    ``jwks_url(pool_id)`` is where a pool's JSON Web Key Set is served; ``client_ids(pool_id)`` lists the
    pool's app client ids (asked again when a token names a client not seen before). ``fetch`` GETs a JSON
    document (replace it to inject keys in tests); ``clock`` gives the time in epoch seconds.
    """

    def __init__(
        self,
        *,
        jwks_url: Callable[[str], str],
        client_ids: Callable[[str], Iterable[str]],
        fetch: Callable[[str], Any] = fetch_json,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._jwks_url = jwks_url
        self._client_ids = client_ids
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, dict[str, Any]]] = {}  # JWKS URL → kid → JWK
        self._clients: dict[str, set[str]] = {}  # pool id → client ids
        #: How many times a JWKS was fetched (tests check the cache).
        self.fetches = 0

    def _key(self, pool_id: str, kid: str) -> dict[str, Any]:
        url = self._jwks_url(pool_id)
        with self._lock:
            keys = self._keys.get(url)
            if keys is None or kid not in keys:
                try:
                    document = self._fetch(url)
                except (OSError, ValueError) as exc:
                    raise Unauthorized(f"cannot fetch the JWKS of {pool_id}: {exc}") from exc
                self.fetches += 1
                keys = {
                    str(jwk.get("kid")): jwk
                    for jwk in (document or {}).get("keys", [])
                    if isinstance(jwk, dict) and jwk.get("kid")
                }
                self._keys[url] = keys
            key = keys.get(kid)
        if key is None:
            raise Unauthorized(f"the token's key {kid!r} is not in the JWKS of {pool_id}")
        return key

    def _knows_client(self, pool_id: str, client_id: str) -> bool:
        with self._lock:
            if client_id in self._clients.get(pool_id, set()):
                return True
            try:
                self._clients[pool_id] = {str(known) for known in self._client_ids(pool_id)}
            except Exception as exc:  # the caller sees a refusal, the console the reason
                raise Unauthorized(f"cannot list the app clients of {pool_id}: {exc}") from exc
            return client_id in self._clients[pool_id]

    def verify(self, token: str | None, authorizer: RouteAuthorizer) -> dict[str, Any]:
        """The token's claims if ``authorizer`` accepts ``token`` (the header's raw value), else ``Unauthorized``."""
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import RSAKey

        if not token:
            raise Unauthorized(f"no {authorizer.header} header")
        segments = token.split(".")
        if len(segments) != 3 or any(not part or part.strip() != part or " " in part for part in segments):
            raise Unauthorized(f"the {authorizer.header} header is not a bare JWT")
        header, unverified = _b64url_json(segments[0]), _b64url_json(segments[1])
        if header.get("alg") != _ALGORITHM:
            raise Unauthorized(f"the token is signed with {header.get('alg')!r}, not {_ALGORITHM}")
        issuers = authorizer.issuers
        pool_id = issuers.get(str(unverified.get("iss")))
        if pool_id is None:
            raise Unauthorized(f"the token's issuer {unverified.get('iss')!r} is not {', '.join(issuers)}")
        jwk = self._key(pool_id, str(header.get("kid")))
        try:
            key = RSAKey.import_key(jwk)
            claims = dict(jwt.decode(token, key, algorithms=[_ALGORITHM]).claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise Unauthorized(f"the token's signature does not verify: {exc.__class__.__name__}: {exc}") from exc
        # What was read before the signature was checked is checked again on the verified claims.
        if issuers.get(str(claims.get("iss"))) != pool_id:
            raise Unauthorized(f"the token's issuer {claims.get('iss')!r} is not {', '.join(issuers)}")
        if claims.get("token_use") != "id":
            raise Unauthorized(f"token_use is {claims.get('token_use')!r}: the authorizer takes ID tokens")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if not audience or not any(
            isinstance(client, str) and self._knows_client(pool_id, client) for client in audiences
        ):
            raise Unauthorized(f"the token's audience {audience!r} is not an app client of {pool_id}")
        expires = claims.get("exp")
        if isinstance(expires, bool) or not isinstance(expires, int | float):
            raise Unauthorized("the token has no numeric exp")
        if expires <= self._clock():
            raise Unauthorized(f"the token expired at {datetime.fromtimestamp(expires, UTC).isoformat()}")
        return claims


# ---------------------------------------------------------------------------------------------- claims

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: The claims API Gateway passes on as dates rather than as numbers.
_DATE_CLAIMS = frozenset({"exp", "iat"})


def _java_date(epoch: float) -> str:
    """``Tue Apr 04 18:39:39 UTC 2023``: how API Gateway writes ``exp`` and ``iat`` (Java's Date.toString)."""
    moment = datetime.fromtimestamp(int(epoch), UTC)
    return f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} {moment:%H:%M:%S} UTC {moment.year}"


def _claim_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in _DATE_CLAIMS and isinstance(value, int | float):
        return _java_date(value)
    if isinstance(value, list):
        return ",".join(_claim_text("", item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def api_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Verified token claims as a REST API's Cognito authorizer hands them to the function: all strings.

    ``cognito:groups`` ``["admins", "reviewers"]`` becomes ``"admins,reviewers"``; ``exp``/``iat`` become
    ``"Tue Apr 04 18:39:39 UTC 2023"``; ``email_verified`` ``true`` becomes ``"true"``.
    """
    return {name: _claim_text(name, value) for name, value in claims.items()}


# ---------------------------------------------------------------------------------------------- demo accounts


@dataclass(frozen=True)
class DemoAccount:
    role: str  # "reviewer" | "admin" | "applicant"
    email: str
    password: str
    name: str
    phone: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


#: Made-up people: role, e-mail (the pool's username), name, mainland mobile number, group.
DEMO_PEOPLE: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("reviewer", "reviewer@intake.example", "林书雅", "+8613800138001", "reviewers"),
    ("admin", "admin@intake.example", "周启明", "+8613800138002", "admins"),
    ("applicant", "applicant1@intake.example", "李明轩", "+8613800138003", None),
    ("applicant", "applicant2@intake.example", "张雨桐", "+8613800138004", None),
)


def _demo_password(minimum_length: int) -> str:
    """Letters and digits only, with at least one upper-case letter, one lower-case letter and one digit."""
    length = max(12, minimum_length)
    # Without the look-alikes (0/O, 1/l/I), so a person can copy one from the console by eye.
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and sum(c.isdigit() for c in password) >= 2
        ):
            return password


def create_demo_accounts(cognito: Any, user_pool_id: str) -> tuple[list[DemoAccount], list[str]]:
    """Create ``DEMO_PEOPLE`` in the pool with fresh passwords, confirmed, in their groups.

    Returns the accounts and notes for the console (a role whose group the pool lacks is still created).
    """
    pool = cognito.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]
    minimum = int(((pool.get("Policies") or {}).get("PasswordPolicy") or {}).get("MinimumLength", 8))
    groups = {group["GroupName"] for group in cognito.list_groups(UserPoolId=user_pool_id)["Groups"]}
    accounts, notes = [], []
    for role, email, name, phone, group in DEMO_PEOPLE:
        password = _demo_password(minimum)
        cognito.admin_create_user(
            UserPoolId=user_pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "phone_number", "Value": phone},
                {"Name": "name", "Value": name},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(UserPoolId=user_pool_id, Username=email, Password=password, Permanent=True)
        if group is not None:
            if group in groups:
                cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=email, GroupName=group)
            else:
                notes.append(f"demo {role} {email}: the user pool has no group {group!r}; not added to it")
        accounts.append(DemoAccount(role=role, email=email, password=password, name=name, phone=phone))
    return accounts, notes


# ---------------------------------------------------------------------------------------------- sign-in


def sign_in(aws_endpoint: str, region: str, client_id: str, email: str, password: str) -> str:
    """An ID token for ``email`` from the local user pool (InitiateAuth, USER_PASSWORD_AUTH, against moto)."""
    from botocore.config import Config
    from botocore.exceptions import ClientError

    from .runtime import _local_session

    cognito = _local_session(region).client(
        "cognito-idp", endpoint_url=aws_endpoint, config=Config(retries={"max_attempts": 2, "mode": "standard"})
    )
    try:
        answer = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SignInError(f"{email}: {error.get('Code')}: {error.get('Message')}") from exc
    result = answer.get("AuthenticationResult") or {}
    if "IdToken" not in result:
        raise SignInError(f"{email}: sign-in asks for {answer.get('ChallengeName')}, which sign_in cannot answer")
    return str(result["IdToken"])
