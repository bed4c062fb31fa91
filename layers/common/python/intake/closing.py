"""What happens when a window closes (PG-WIN-4, SC-WIN-2, CG-FLOW-3), run by schedules at each deadline.

- first_upload: drafts not submitted → expired;
- supplement: supplement_required → rejected (not supplemented in time);
- review: applications still pending_review are listed for staff (never dropped);
- results: nothing changes; reads are refused from then on (see windows.ServiceClosed);
- abandon_sweep (periodic): drafts older than the program's upload days after confirmation → abandoned.

Each run reads only the applications in the affected status (a Query on the program+status index, page by
page, and for the sweep only those that entered the status before the cutoff). Each change is conditional on
the version read and audited; a run that is repeated changes nothing more, and a run that stopped half way is
finished by the next one. A run before the deadline changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel

from intake.errors import Conflict
from intake.models import Application
from intake.ports import ApplicationStore, Clock
from intake.programs import Program, ProgramCatalogue

WindowName = Literal["first_upload", "supplement", "review", "results"]
PAGE = 100

_CLOSES: dict[str, tuple[str, str | None, str, str]] = {
    # window: (status read, status written or None to only list, action, reason)
    "first_upload": ("draft", "expired", "expire", "未在截止时间前提交 / not submitted before the deadline"),
    "supplement": ("supplement_required", "rejected", "expire",
                   "未在规定时间内补充材料 / not supplemented in time"),
    "review": ("pending_review", None, "", ""),
    "results": ("", None, "", ""),
}


class CloseReport(BaseModel):
    program_id: str
    window: str
    changed: list[str] = []
    already_changed: int = 0
    """Applications that another actor moved between reading and writing (left as they are)."""
    listed: list[str] = []
    """For the review window: applications still waiting for a decision, for staff."""
    skipped_reason: str | None = None


class Closer:
    def __init__(self, store: ApplicationStore, catalogue: ProgramCatalogue, clock: Clock) -> None:
        self._store = store
        self._catalogue = catalogue
        self._clock = clock

    def close(self, program_id: str, window: WindowName) -> CloseReport:
        report = CloseReport(program_id=program_id, window=window)
        program = self._catalogue.get(program_id)
        spec = getattr(program.windows, window, None) if program else None
        if program is None or spec is None:
            report.skipped_reason = "no such program or window"
            return report
        now = self._clock()
        if now < spec.closes:
            report.skipped_reason = f"the window closes at {spec.closes.isoformat()}, not yet"
            return report
        read, write, action, reason = _CLOSES[window]
        if not read:
            return report
        for app in self._each(program, read):
            if write is None:
                report.listed.append(app.id)
            else:
                self._move(app, write, action, reason, report)
        return report

    def abandon_sweep(self) -> list[CloseReport]:
        reports = []
        now = self._clock()
        for program in self._catalogue:
            days = program.windows.upload_days_after_confirmation
            if days is None:
                continue
            report = CloseReport(program_id=program.id, window="upload_days_after_confirmation")
            cutoff = now - timedelta(days=days)
            for app in self._each(program, "draft", entered_before=cutoff):
                self._move(app, "abandoned", "abandon",
                           f"确认短信后 {days} 日内未上传材料 / materials not uploaded within {days} days", report)
            reports.append(report)
        return reports

    def _each(self, program: Program, status: str, entered_before=None):
        cursor = None
        while True:
            apps, cursor = self._store.queue(program.id, status, limit=PAGE, cursor=cursor,
                                             entered_before=entered_before)
            yield from apps
            if not cursor:
                return

    def _move(self, app: Application, to: str, action: str, reason: str, report: CloseReport) -> None:
        try:
            self._store.change_status(app, to, action=action, actor="system", role="system", now=self._clock(),
                                      reason=reason, reload=False)
        except Conflict:
            report.already_changed += 1
            return
        report.changed.append(app.id)
