"""The SMS an applicant receives when a decision is recorded on their application (X-NOTIFY-1, SC-REV-1).

Pure domain: an event item (as the store writes it on each status change), the application and its program in,
the text out. Nothing here talks to AWS.

Who is told what:
    approve             审核通过: confirmation complete, nothing more to submit
    request_supplement  需补充材料: which materials, the reviewer's note for each, re-upload and resubmit
    reject              审核未通过: the reviewer's reason
    expire              the window closed: 审核未通过 when a supplement never came, 已过期 for a draft
    abandon             视为放弃 (e.g. CG-FLOW-3: materials not uploaded in time)
    submit / resubmit   nothing: the applicant has just done it themselves and sees the result on screen

The words for the results are PG-REV-1's (the same as STATUS_LABELS). Every text starts with the sender's
signature (【intake】) and stays within MAX_SMS_CHARS: a reviewer's notes or reason are shortened to fit, never
the names of the materials to supplement while they fit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from intake.models import STATUS_LABELS, Application
from intake.programs import Program

MAX_SMS_CHARS = 300
"""Upper bound of one text, signature included (a long SMS is sent as up to 5 concatenated parts)."""
MAX_PROGRAM_NAME_CHARS = 60
DEFAULT_SIGNATURE = "intake"
NOTIFIED_ACTIONS: frozenset[str] = frozenset({"approve", "request_supplement", "reject", "expire", "abandon"})
"""Actions whose event is texted to the applicant; any other action (submit, resubmit) is not."""

_ELLIPSIS = "…"
_NOTE_SEPARATOR = "；"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Sms:
    """One text to one applicant."""

    phone: str
    """The mainland mobile number as the applicant gave it (11 digits)."""
    text: str
    action: str

    @property
    def e164(self) -> str:
        """The number as SNS wants it: +86 and the 11 digits."""
        return f"+86{self.phone}"


class DecisionEvent(BaseModel):
    """The parts of an event item (PK=APP#<id>, SK=EVENT#...) that a text needs."""

    model_config = ConfigDict(extra="ignore")

    action: str
    from_status: str = ""
    to_status: str = ""
    reason: str = ""
    notes: dict[str, str] = Field(default_factory=dict)


def compose_sms(event: Mapping[str, Any], app: Application, program: Program, *,
                deadline: datetime | None = None, signature: str = DEFAULT_SIGNATURE) -> Sms | None:
    """The text for the applicant of `app` about `event`, or None when the event notifies nobody.

    `deadline` is by when the applicant must act (the supplement window, once programs carry their windows);
    it is shown in the program's time zone (Asia/Shanghai) and only where the applicant has something to do.
    It must be timezone-aware.
    """
    decision = DecisionEvent.model_validate(dict(event))
    if decision.action not in NOTIFIED_ACTIONS:
        return None
    if deadline is not None and deadline.utcoffset() is None:
        raise ValueError("deadline must be timezone-aware")
    program_name = _clip(_clean(program.name_zh), MAX_PROGRAM_NAME_CHARS)
    head = f"【{_clean(signature) or DEFAULT_SIGNATURE}】您的“{program_name}”申请"
    when = _deadline_zh(deadline, program.timezone) if deadline else None
    text = _TEXTS[decision.action](head, decision, program, when)
    return Sms(phone=app.applicant.phone, text=_clip(text, MAX_SMS_CHARS), action=decision.action)


# ---------------------------------------------------------------------------------------------- the texts

def _approved(head: str, event: DecisionEvent, program: Program, when: str | None) -> str:
    return f"{head}已{_label('approved')}，确认完成，无需再提交材料。请登录系统查看结果及后续安排。"


def _supplement(head: str, event: DecisionEvent, program: Program, when: str | None) -> str:
    act = f"请于{when}前" if when else "请尽快"
    late = f"，逾期未提交视为{_label('rejected')}" if when else ""
    items = [(_material_name(program, material_id), _clean(note))
             for material_id, note in _in_program_order(event.notes, program) if _clean(note)]
    if not items:
        return f"{head}{_label('supplement_required')}。{act}登录系统查看审核意见，重新上传材料并再次提交{late}。"
    opening = f"{head}{_label('supplement_required')}："
    closing = f"。{act}登录系统，按审核意见重新上传上述材料并再次提交{late}。"
    return opening + _fit_notes(items, MAX_SMS_CHARS - len(opening) - len(closing)) + closing


def _rejected(head: str, event: DecisionEvent, program: Program, when: str | None) -> str:
    closing = "。详情请登录系统查看。"
    reason = _clean(event.reason)
    if not reason:
        return f"{head}{_label('rejected')}{closing}"
    opening = f"{head}{_label('rejected')}，原因："
    return opening + _clip(reason, MAX_SMS_CHARS - len(opening) - len(closing)) + closing


def _expired(head: str, event: DecisionEvent, program: Program, when: str | None) -> str:
    closing = "。详情请登录系统查看。"
    if event.to_status == "rejected":  # the supplement window closed without a resubmission
        return f"{head}未在规定时间内补充材料，{_label('rejected')}{closing}"
    if event.to_status == "expired":
        return f"{head}未在截止时间前提交，{_label('expired')}{closing}"
    return f"{head}已逾期，当前状态为“{_label(event.to_status)}”{closing}"


def _abandoned(head: str, event: DecisionEvent, program: Program, when: str | None) -> str:
    return f"{head}未在规定时间内上传材料，{_label('abandoned')}。详情请登录系统查看。"


_TEXTS = {
    "approve": _approved,
    "request_supplement": _supplement,
    "reject": _rejected,
    "expire": _expired,
    "abandon": _abandoned,
}


# ---------------------------------------------------------------------------------------------- helpers

def _label(status: str) -> str:
    return STATUS_LABELS.get(status, (status, status))[0]


def _deadline_zh(deadline: datetime, timezone: str) -> str:
    """11月4日16:00, in the program's time zone."""
    local = deadline.astimezone(ZoneInfo(timezone))
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _clean(text: str) -> str:
    """One line, no runs of spaces, and no 【】 that could pass for a sender's signature."""
    return _WHITESPACE.sub(" ", text).strip().replace("【", "[").replace("】", "]")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return (text[: limit - 1] + _ELLIPSIS) if limit > 0 else ""


def _material_name(program: Program, material_id: str) -> str:
    material = program.material(material_id)
    return _clean(material.name_zh) if material else material_id


def _in_program_order(notes: dict[str, str], program: Program) -> list[tuple[str, str]]:
    """The notes in the order the program lists its materials (then any unknown ids, as given)."""
    order = {m.id: i for i, m in enumerate(program.materials)}
    return sorted(notes.items(), key=lambda item: order.get(item[0], len(order)))


def _fit_notes(items: list[tuple[str, str]], budget: int) -> str:
    """`名称：意见；名称：意见` within `budget` characters. Every material name is kept while they fit; the
    notes share what is left, short ones whole, long ones shortened equally. With too many materials for
    that, only their names."""
    full = _NOTE_SEPARATOR.join(f"{name}：{note}" for name, note in items)
    if len(full) <= budget:
        return full
    fixed = sum(len(name) + 1 for name, _ in items) + len(_NOTE_SEPARATOR) * (len(items) - 1)
    spare = budget - fixed
    if spare >= 6 * len(items):  # room for a few words of each note
        limits = _share([len(note) for _, note in items], spare)
        return _NOTE_SEPARATOR.join(f"{name}：{_clip(note, limit)}" for (name, note), limit in zip(items, limits,
                                                                                                  strict=True))
    return _clip("、".join(name for name, _ in items), budget)


def _share(lengths: list[int], total: int) -> list[int]:
    """Split `total` among items wanting `lengths`: the shortest get all they want, the rest equal shares."""
    limits = [0] * len(lengths)
    left, remaining = total, len(lengths)
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        limits[index] = min(lengths[index], left // remaining)
        left -= limits[index]
        remaining -= 1
    return limits
