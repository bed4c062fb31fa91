"""What staff do: work through the queue, look at materials, decide (PG-REV-1).

Decisions are conditional on the version the reviewer saw: of two reviewers deciding the same application,
the second gets 409 with who decided first. Every list is a Query on an index, never a Scan.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from intake import workflow
from intake.applications import build_view, form_key, program_or_422, today_in
from intake.auth import Caller
from intake.errors import Conflict, DomainError, NotFound, Unprocessable
from intake.ids import ID_PATTERN
from intake.models import STATUS_LABELS, Application, ApplicationStatus, Decision, Upload
from intake.ports import ApplicationStore, Clock, Presigner, QueueFilter
from intake.programs import Program, ProgramCatalogue
from intake.views import ApplicationSummary, ApplicationView
from intake.windows import require_open

DOWNLOAD_URL_TTL = timedelta(minutes=5)
MAX_PAGE = 100


class DecisionRequest(BaseModel):
    model_config = {"extra": "forbid"}

    action: Literal["approve", "request_supplement", "reject"]
    version: int = Field(ge=1, description="The application version the reviewer saw (from GET).")
    reason: str = Field(default="", max_length=500, description="Required to reject.")
    notes: dict[str, str] = Field(default_factory=dict,
                                  description="material id → what to fix; required to request a supplement.")

    @model_validator(mode="after")
    def _what_each_action_needs(self) -> DecisionRequest:
        if self.action == "reject" and not self.reason.strip():
            raise ValueError("a rejection needs a reason")
        if self.action == "request_supplement" and not any(n.strip() for n in self.notes.values()):
            raise ValueError("a supplement request needs a note for at least one material")
        if any(len(n) > 300 for n in self.notes.values()):
            raise ValueError("a note is at most 300 characters")
        return self


class QueuePage(BaseModel):
    program_id: str
    status: ApplicationStatus
    items: list[QueueItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class QueueItem(ApplicationSummary):
    waiting_hours: float
    overdue: bool


class StatusCounts(BaseModel):
    program_id: str
    counts: dict[str, int]
    review_sla_hours: int | None


class BatchItem(BaseModel):
    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(ge=1, description="The version the reviewer saw in the queue.")


class BatchApproval(BaseModel):
    """Approve many at once: only applications whose machine checks all passed at submission."""

    model_config = {"extra": "forbid"}

    items: list[BatchItem] = Field(min_length=1, max_length=MAX_PAGE)


class BatchOutcome(BaseModel):
    id: str
    approved: bool
    code: str | None = None
    """Why it was not approved (application.version, batch.not_clean, …)."""
    message_zh: str | None = None
    message_en: str | None = None


class BatchResult(BaseModel):
    approved: int
    refused: int
    outcomes: list[BatchOutcome]


class DownloadLink(BaseModel):
    url: str
    expires_in: int


class ReviewService:
    def __init__(self, store: ApplicationStore, presigner: Presigner, catalogue: ProgramCatalogue,
                 clock: Clock) -> None:
        self._store = store
        self._presigner = presigner
        self._objects = presigner
        self._catalogue = catalogue
        self._clock = clock

    def decide(self, application_id: str, request: DecisionRequest, caller: Caller, *,
               only_clean: bool = False) -> ApplicationView:
        """`only_clean`: refuse unless the application waits for review with every machine check passed at
        submission (batch approval)."""
        caller.require_staff()
        app, uploads = self._load(application_id)
        program = program_or_422(self._catalogue, app.program_id)
        if only_clean and (not app.checks_clean or app.status != "pending_review"):
            raise Conflict("该申请有待人工核对的问题，不能批量通过",
                           "this application has findings to check by hand; it cannot be batch-approved",
                           code="batch.not_clean")
        if request.version != app.version:
            # Checked first: a reviewer deciding on a stale page learns who decided meanwhile.
            by = app.decision.model_dump(mode="json") if app.decision else None
            raise Conflict("申请已被他人处理或已更新，请刷新后再决定",
                           "the application changed since you opened it; reload it",
                           code="application.version", status=app.status, version=app.version, decision=by,
                           allowed_actions=workflow.allowed_actions(app.status, workflow.STAFF_ACTIONS))
        to = workflow.target(app.status, request.action, workflow.STAFF_ACTIONS)
        now = self._clock()
        reason = request.reason.strip()
        review = program.windows.review
        if review is not None and not review.contains(now):
            # After the review window only an admin decides, and must say why (recorded with the decision).
            if caller.role != "admin" or not reason:
                require_open(review, now, program, doing_zh="作出审核决定（管理员可说明理由后处理）",
                             doing_en="decide (an admin may, giving a reason)")
            reason = f"管理员在审核期外处理 / admin decision outside the review window: {reason}"
        unknown = sorted(set(request.notes) - {m.id for m in program.materials})
        if unknown:
            raise Unprocessable(f"未知材料：{'、'.join(unknown)}", f"unknown materials: {', '.join(unknown)}",
                                code="decision.notes", field="notes", valid=[m.id for m in program.materials])
        if request.action == "approve":
            self._generate_forms(app, uploads, program, now)
        decision = Decision(action=request.action, at=now, by=caller.sub or "", by_role=caller.role, reason=reason)
        notes = {k: v.strip() for k, v in request.notes.items() if v.strip()}
        decided = self._store.change_status(
            app, to, action=request.action, actor=caller.sub or "", role=caller.role, now=now,
            reason=decision.reason, notes=notes,
            changes={"decision": decision.model_dump(mode="json"),
                     "supplement_notes": notes if request.action == "request_supplement" else {}},
        )
        return build_view(decided, uploads, program, today=today_in(program, now), caller=caller)

    def batch_approve(self, request: BatchApproval, caller: Caller) -> BatchResult:
        """Each item is decided alone, on the version the reviewer saw, and only if every machine check and
        rule passed at submission; one refusal stops nothing else."""
        caller.require_staff()
        outcomes = []
        for item in request.items:
            try:
                self.decide(item.id, DecisionRequest(action="approve", version=item.version), caller,
                            only_clean=True)
                outcomes.append(BatchOutcome(id=item.id, approved=True))
            except DomainError as exc:
                outcomes.append(BatchOutcome(id=item.id, approved=False, code=exc.code,
                                             message_zh=exc.message_zh, message_en=exc.message_en))
        approved = sum(o.approved for o in outcomes)
        return BatchResult(approved=approved, refused=len(outcomes) - approved, outcomes=outcomes)

    def _generate_forms(self, app: Application, uploads: list[Upload], program: Program, now: datetime) -> None:
        """CG-FLOW-2: render and store the program's forms before the approval is written, so an approved
        application always has them (rendering again on a retried approval just replaces them)."""
        if not program.forms:
            return
        from intake import forms  # fpdf2 and the CJK fonts load only when a form is made

        photo = next((self._objects.read(u.key, u.object.version_id if u.object else None)
                      for u in sorted(uploads, key=lambda u: u.upload_id, reverse=True)
                      if u.material_id == "id_photo" and u.state == "passed"), None)
        for form in program.forms:
            render = forms.RENDERERS[form.id]
            extra = {"photo": photo} if form.id == "registration_form" else {}
            data = render(app, program, generated_at=now, **extra)
            self._objects.put(form_key(app, form.id), data, "application/pdf")

    def queue(self, caller: Caller, program_id: str, status: str, *, cursor: str | None = None, limit: int = 50,
              clean_only: bool = False, overdue_only: bool = False, filters: QueueFilter | None = None) -> QueuePage:
        caller.require_staff()
        program = program_or_422(self._catalogue, program_id)
        if status not in STATUS_LABELS:
            raise Unprocessable(f"未知状态 {status}", f"unknown status {status}", code="queue.status",
                                field="status", valid=list(STATUS_LABELS))
        now = self._clock()
        sla = timedelta(hours=program.review_sla_hours) if program.review_sla_hours else None
        before = now - sla if overdue_only and sla else None
        apps, last_key = self._store.queue(program.id, status, limit=max(1, min(limit, MAX_PAGE)),
                                           cursor=_decode_cursor(cursor), entered_before=before,
                                           clean_only=clean_only, filters=filters)
        items = []
        for app in apps:
            since = app.status_since or app.created_at
            waited = now - since
            items.append(QueueItem(**ApplicationSummary.of(app).model_dump(),
                                   waiting_hours=round(waited.total_seconds() / 3600, 1),
                                   overdue=bool(sla and status == "pending_review" and waited > sla)))
        return QueuePage(program_id=program.id, status=status, items=items, next_cursor=_encode_cursor(last_key))

    def counts(self, caller: Caller, program_id: str) -> StatusCounts:
        caller.require_staff()
        program = program_or_422(self._catalogue, program_id)
        return StatusCounts(program_id=program.id, review_sla_hours=program.review_sla_hours,
                            counts={s: self._store.count(program.id, s) for s in STATUS_LABELS})

    def download_link(self, caller: Caller, application_id: str, material_id: str, upload_id: str) -> DownloadLink:
        caller.require_staff()
        _, uploads = self._load(application_id)
        upload = next((u for u in uploads if u.material_id == material_id and u.upload_id == upload_id
                       and u.object is not None), None)
        if upload is None:
            raise NotFound("没有这个上传文件", "no such upload", code="upload.not_found")
        ttl = int(DOWNLOAD_URL_TTL.total_seconds())
        return DownloadLink(url=self._presigner.presign_get(upload.key, ttl), expires_in=ttl)

    def _load(self, application_id: str) -> tuple[Any, Any]:
        if not re.match(ID_PATTERN, application_id):
            raise NotFound(f"申请 {application_id} 不存在", f"application {application_id} not found",
                           code="application.not_found")
        return self._store.load_application(application_id)


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The opaque cursor back into the index key it came from; anything else is a 422, not a 500."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        key = None
    if not isinstance(key, dict) or not {"PK", "SK", "GSI1PK", "GSI1SK"} >= set(key) or \
            not all(isinstance(v, str) for v in key.values()):
        raise Unprocessable("分页游标无效", "invalid cursor", code="queue.cursor", field="cursor")
    return key


QueuePage.model_rebuild()
