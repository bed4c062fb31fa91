"""Which window applies to an application now, and the refusal when it is closed (PG-WIN-1…4, SC-WIN-1…2,
CG-FLOW-3). Boundaries are exact to the second: a window is open from `opens` (inclusive) to `closes`
(exclusive), so at 13:59:59 a 14:00 deadline is still open and at 14:00:00 it is not."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from intake.errors import ServiceClosed, WindowClosed
from intake.models import Application
from intake.programs.models import Program, Window

__all__ = ["ServiceClosed", "WindowClosed", "require_open", "shown", "upload_window"]


def upload_window(program: Program, app: Application) -> Window | None:
    """The window uploads and (re)submission fall in for this application's status, or None when the
    program sets none. CG-FLOW-3's per-applicant limit becomes a window of its own."""
    if app.status == "supplement_required":
        return program.windows.supplement
    window = program.windows.first_upload
    days = program.windows.upload_days_after_confirmation
    if days is not None:
        personal = Window(rule="CG-FLOW-3", name_zh=f"确认短信后 {days} 日内上传材料",
                          name_en=f"upload within {days} days of the confirmation SMS",
                          opens=app.created_at, closes=app.created_at + timedelta(days=days))
        if window is None or personal.closes < window.closes:
            window = personal
    return window


def shown(moment: datetime, program: Program) -> str:
    return moment.astimezone(ZoneInfo(program.timezone)).strftime("%Y-%m-%d %H:%M:%S")


def require_open(window: Window | None, now: datetime, program: Program, *, doing_zh: str, doing_en: str) -> None:
    """Refuse with the window's name, its bounds in the program's time zone, and the time now."""
    if window is None or window.contains(now):
        return
    opens, closes, at = shown(window.opens, program), shown(window.closes, program), shown(now, program)
    state_zh, state_en = ("尚未开始", "has not opened yet") if now < window.opens else ("已截止", "has closed")
    raise WindowClosed(
        f"{window.name_zh}时间为 {opens} 至 {closes}（北京时间），现在 {at} {state_zh}，不能{doing_zh}",
        f"{window.name_en} runs from {opens} to {closes} (Beijing time); at {at} it {state_en}: "
        f"cannot {doing_en}",
        rule=window.rule, window=window.name_en, opens=window.opens.isoformat(), closes=window.closes.isoformat(),
        now=now.isoformat(),
    )
