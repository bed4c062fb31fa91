"""Who is calling: the claims API Gateway's Cognito authorizer verified, as a Caller with one role."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel

from intake.errors import Forbidden, Unauthorized

Role = Literal["anonymous", "applicant", "reviewer", "admin"]
STAFF_ROLES: frozenset[str] = frozenset({"reviewer", "admin"})


class Caller(BaseModel):
    model_config = {"frozen": True}

    role: Role
    sub: str | None = None
    email: str | None = None
    name: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @classmethod
    def from_claims(cls, claims: dict[str, Any] | None) -> Caller:
        """API Gateway passes every claim as a string; `cognito:groups` arrives as text such as
        "admins,reviewers" or "[admins reviewers]", so it is split on brackets, commas and blanks."""
        if not claims or not claims.get("sub"):
            return cls(role="anonymous")
        groups = set(re.split(r"[\s,\[\]]+", str(claims.get("cognito:groups", "")))) - {""}
        role: Role = "admin" if "admins" in groups else "reviewer" if "reviewers" in groups else "applicant"
        return cls(role=role, sub=str(claims["sub"]), email=claims.get("email"), name=claims.get("name"))

    def require_signed_in(self) -> Caller:
        if self.role == "anonymous":
            raise Unauthorized("请先登录", "sign in first")
        return self

    def require_staff(self) -> Caller:
        self.require_signed_in()
        if not self.is_staff:
            raise Forbidden("仅限审核人员", "for review staff only", role=self.role)
        return self

    def require_applicant(self) -> Caller:
        self.require_signed_in()
        if self.role != "applicant":
            raise Forbidden("仅限申请人本人", "for applicants only", role=self.role)
        return self
