"""Statuses and the actions that move an application between them (PG-REV-1).

    draft ──submit──► pending_review ──approve──► approved
                          ▲   │ ──reject──► rejected
                          │   └─request_supplement──► supplement_required
                          └──────────resubmit──────────────┘
    expired / abandoned are set by deadlines.

Anything else is refused with 409, naming the current status and what can be done in it.
"""

from __future__ import annotations

from typing import Literal

from intake.errors import Conflict
from intake.models import STATUS_LABELS

Action = Literal["submit", "resubmit", "approve", "request_supplement", "reject", "expire", "abandon"]
APPLICANT_ACTIONS: frozenset[str] = frozenset({"submit", "resubmit"})
STAFF_ACTIONS: frozenset[str] = frozenset({"approve", "request_supplement", "reject"})

TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "pending_review",
    ("supplement_required", "resubmit"): "pending_review",
    ("pending_review", "approve"): "approved",
    ("pending_review", "request_supplement"): "supplement_required",
    ("pending_review", "reject"): "rejected",
    ("draft", "expire"): "expired",
    ("draft", "abandon"): "abandoned",
    ("supplement_required", "expire"): "rejected",
}
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "submit": ("提交", "submit"),
    "resubmit": ("补充后重新提交", "resubmit after supplementing"),
    "approve": ("审核通过", "approve"),
    "request_supplement": ("要求补充材料", "request a supplement"),
    "reject": ("审核不通过", "reject"),
    "expire": ("逾期", "expire"),
    "abandon": ("视为放弃", "abandon"),
}


def allowed_actions(status: str, actions: frozenset[str]) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == status and a in actions]


def target(status: str, action: str, actions: frozenset[str]) -> str:
    """The status `action` leads to from `status`, or 409 naming the current status and the allowed actions."""
    to = TRANSITIONS.get((status, action))
    if to is None or action not in actions:
        allowed = allowed_actions(status, actions)
        zh, en = STATUS_LABELS[status]
        act_zh, act_en = ACTION_LABELS.get(action, (action, action))
        can_zh = "、".join(ACTION_LABELS[a][0] for a in allowed) or "无"
        can_en = ", ".join(ACTION_LABELS[a][1] for a in allowed) or "nothing"
        raise Conflict(f"申请当前状态为“{zh}”，不能{act_zh}；可进行：{can_zh}",
                       f"the application is {en}: cannot {act_en}; allowed: {can_en}",
                       code="application.transition", status=status, action=action, allowed_actions=allowed)
    return to
