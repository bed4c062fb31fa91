"""Applications: create, show with each material's state, and issue upload tickets."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from intake import workflow
from intake.auth import Caller
from intake.errors import Forbidden, NotFound, Unprocessable
from intake.ids import ID_PATTERN, UploadKey, new_id
from intake.models import (
    MAX_PROFILE_BYTES,
    STATUS_LABELS,
    UPLOADABLE_STATUSES,
    Applicant,
    Application,
    HistoryEvent,
    MaterialState,
    Upload,
)
from intake.ports import ApplicationStore, Clock, Presigner
from intake.programs import MaterialDef, Program, ProgramCatalogue
from intake.rules.assessment import Assessment, AssessmentSummary, MaterialRequirement, assess
from intake.views import (
    ApplicationSummary,
    ApplicationView,
    GeneratedForm,
    LocalizedText,
    MaterialView,
    Problem,
    UploadTicket,
    UploadView,
)
from intake.windows import ServiceClosed, require_open, shown, upload_window

MAX_UPLOADS_PER_APPLICATION = 200
"""Bounds the items one application can grow to (and so the cost of reading it back)."""
EDITABLE_STATUSES = frozenset({"draft"})
"""Statuses in which the applicant may change the profile."""


class CreateApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program_id: str = Field(description="A program id from GET /programs.")
    applicant: Applicant


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: str | None = Field(
        default=None, description="MIME type of the file; required only when a material accepts several."
    )


class ApplicationService:
    """What applicants do with their own applications. Every method takes the verified caller: an applicant
    sees and changes only their own applications (anyone else's is "not found"), staff may read any."""

    def __init__(self, store: ApplicationStore, presigner: Presigner, catalogue: ProgramCatalogue,
                 clock: Clock, upload_ttl: timedelta) -> None:
        self._store = store
        self._presigner = presigner
        self._catalogue = catalogue
        self._clock = clock
        self._upload_ttl = upload_ttl

    def create(self, request: CreateApplication, caller: Caller) -> ApplicationView:
        caller.require_applicant()
        program = self._program(request.program_id)
        now = self._clock()
        app = Application(id=new_id(now), program_id=program.id, applicant=request.applicant, owner=caller.sub,
                          created_at=now, updated_at=now, status_since=now)
        self._store.create_application(app)
        return self._view(app, [], program, caller)

    def mine(self, caller: Caller) -> list[ApplicationSummary]:
        caller.require_applicant()
        return [ApplicationSummary.of(a, self._program(a.program_id)) for a in self._store.owned_by(caller.sub or "")]

    def get(self, application_id: str, caller: Caller) -> ApplicationView:
        app, uploads = self._load(application_id, caller, write=False)
        program = self._program(app.program_id)
        results = program.windows.results
        if results is not None and not caller.is_staff and self._clock() >= results.closes:
            raise ServiceClosed(f"{results.name_zh}已于 {shown(results.closes, program)}（北京时间）结束，服务已关闭",
                                f"{results.name_en} ended at {shown(results.closes, program)} (Beijing time); "
                                "the service is closed", rule=results.rule, closes=results.closes.isoformat())
        return self._view(app, uploads, program, caller)

    def save_profile(self, application_id: str, profile: dict[str, Any], caller: Caller) -> ApplicationView:
        """Save the whole profile as entered (CG-FLOW-1: a draft keeps partial and invalid answers); the
        returned view says field by field what is wrong or missing."""
        size = len(json.dumps(profile, ensure_ascii=False).encode())
        if size > MAX_PROFILE_BYTES:
            raise Unprocessable(f"资料过大：{size} 字节，上限 {MAX_PROFILE_BYTES} 字节",
                                f"profile too large: {size} bytes, limit {MAX_PROFILE_BYTES}",
                                code="profile.too_large", measured=size, limit=MAX_PROFILE_BYTES)
        app, uploads = self._load(application_id, caller, write=True)
        program = self._program(app.program_id)
        saved = self._store.save_profile(app, profile, editable_statuses=EDITABLE_STATUSES, now=self._clock())
        return self._view(saved, uploads, program, caller, previous=app.profile)

    def submit(self, application_id: str, caller: Caller) -> ApplicationView:
        """draft → pending_review (submit) or supplement_required → pending_review (resubmit), only when
        eligible, the profile is complete and valid, every required material has passed its checks and, on
        resubmission, each material the reviewer asked about was uploaded again since; otherwise 422 with
        every reason at once."""
        app, uploads = self._load(application_id, caller, write=True)
        program = self._program(app.program_id)
        action = "resubmit" if app.status == "supplement_required" else "submit"
        to = workflow.target(app.status, action, workflow.APPLICANT_ACTIONS)
        require_open(upload_window(program, app), self._clock(), program, doing_zh="提交", doing_en="submit")
        view = self._view(app, uploads, program, caller)
        blocking = [*view.blocking, *_unanswered_notes(app, uploads, program)]
        if blocking:
            raise Unprocessable(
                f"暂不能提交：{len(blocking)} 项问题", f"cannot submit yet: {len(blocking)} problems",
                code="submit.blocked", reasons=[p.model_dump(mode="json") for p in blocking],
            )
        required = [m.latest for m in view.materials if m.requirement == "required" and m.latest]
        codes = sorted({f.code for upload in required for f in upload.findings})
        submitted = self._store.change_status(
            app, to, action=action, actor=caller.sub or "", role=caller.role, now=self._clock(),
            reason="submitted by the applicant",
            changes={"checks_clean": not codes, "finding_codes": codes, "categories": view.assessment.categories,
                     "submitted_at": self._clock().isoformat(), "supplement_notes": {}},
        )
        return self._view(submitted, uploads, program, caller)

    def issue_upload(self, application_id: str, material_id: str, request: UploadRequest,
                     caller: Caller) -> UploadTicket:
        app, _ = self._load(application_id, caller, write=True)
        program = self._program(app.program_id)
        material = program.material(material_id)
        if material is None:
            raise NotFound(
                f"材料 {material_id} 不属于 {program.name_zh}",
                f"material {material_id} is not part of {program.id}; "
                f"valid: {', '.join(m.id for m in program.materials)}",
                code="material.not_found", valid=[m.id for m in program.materials],
            )
        spec = program.spec_for(material)
        content_type = request.content_type or spec.mime_types[0]
        if content_type not in spec.mime_types:
            raise Unprocessable(
                f"文件类型 {content_type} 不被接受，仅接受 {'、'.join(spec.mime_types)}",
                f"content type {content_type} is not accepted; accepted: {', '.join(spec.mime_types)}",
                code="upload.content_type", measured=content_type, limit=list(spec.mime_types),
            )
        now = self._clock()
        window = upload_window(program, app)
        require_open(window, now, program, doing_zh="上传材料", doing_en="upload materials")
        upload_id = new_id(now)
        key = str(UploadKey(program.id, app.id, material.id, upload_id))
        self._store.issue_upload(
            Upload(application_id=app.id, program_id=program.id, material_id=material.id, upload_id=upload_id,
                   key=key, content_type=content_type, issued_at=now, deadline=window.closes if window else None),
            allowed_statuses=UPLOADABLE_STATUSES, max_uploads=MAX_UPLOADS_PER_APPLICATION, now=now,
        )
        # The POST never outlives the window: its policy expires at the deadline at the latest.
        expires_at = now + self._upload_ttl if window is None else min(now + self._upload_ttl, window.closes)
        ttl = max(1, int((expires_at - now).total_seconds()))  # whole seconds, rounded down: never past it
        url, fields = self._presigner.presign_post(key, content_type, spec.max_bytes, ttl)
        return UploadTicket(upload_id=upload_id, material_id=material.id, url=url, fields=fields,
                            content_type=content_type, max_bytes=spec.max_bytes, expires_at=expires_at)

    def history(self, application_id: str, caller: Caller) -> list[HistoryEvent]:
        """Every status change (X-AUD-1). Applicants see what happened and why, not which reviewer did it."""
        self._load(application_id, caller, write=False)
        events = self._store.history(application_id)
        if caller.is_staff:
            return events
        return [e.model_copy(update={"actor": None}) for e in events]

    def _load(self, application_id: str, caller: Caller, *, write: bool) -> tuple[Application, list[Upload]]:
        caller.require_signed_in()
        if write and caller.is_staff:
            raise Forbidden("审核人员不能代替申请人操作", "staff cannot act for the applicant", role=caller.role)
        not_found = NotFound(f"申请 {application_id} 不存在", f"application {application_id} not found",
                             code="application.not_found")
        if not re.match(ID_PATTERN, application_id):
            raise not_found
        app, uploads = self._store.load_application(application_id)
        if not caller.is_staff and app.owner != caller.sub:
            raise not_found  # another applicant's application: do not reveal that it exists
        return app, uploads

    def _view(self, app: Application, uploads: list[Upload], program: Program, caller: Caller,
              previous: dict[str, Any] | None = None) -> ApplicationView:
        view = build_view(app, uploads, program, today=self._today(program), previous=previous, caller=caller)
        if app.status == "approved" and program.forms:
            ttl = int(FORM_URL_TTL.total_seconds())
            view.forms = [GeneratedForm(id=f.id, name=LocalizedText(zh=f.name_zh, en=f.name_en),
                                        url=self._presigner.presign_get(form_key(app, f.id), ttl), expires_in=ttl)
                          for f in program.forms]
        return view

    def _today(self, program: Program) -> date:
        return today_in(program, self._clock())

    def _program(self, program_id: str) -> Program:
        return program_or_422(self._catalogue, program_id)


FORM_URL_TTL = timedelta(minutes=15)


def form_key(app: Application, form_id: str) -> str:
    """Where a generated form is stored: outside uploads/, so no validation is triggered."""
    return f"forms/{app.program_id}/{app.id}/{form_id}.pdf"


def today_in(program: Program, now: datetime) -> date:
    """The calendar date at `now` where the program runs (Asia/Shanghai for these rounds)."""
    return now.astimezone(ZoneInfo(program.timezone)).date()


def program_or_422(catalogue: ProgramCatalogue, program_id: str) -> Program:
    program = catalogue.get(program_id)
    if program is None:
        raise Unprocessable(
            f"项目 {program_id} 不存在，可选：{'、'.join(catalogue.ids)}",
            f"unknown program {program_id}; valid: {', '.join(catalogue.ids)}",
            code="program.not_found", field="program_id", valid=catalogue.ids,
        )
    return program


def _unanswered_notes(app: Application, uploads: list[Upload], program: Program) -> list[Problem]:
    """On resubmission: each material the reviewer asked about needs a file received after the decision."""
    if app.status != "supplement_required" or app.decision is None:
        return []
    problems = []
    for material_id, note in app.supplement_notes.items():
        material = program.material(material_id)
        fresh = [u for u in uploads if u.material_id == material_id and u.object is not None
                 and u.object.event_time > app.decision.at]
        if material is not None and not fresh:
            problems.append(Problem(
                kind="material", code="material.supplement_missing", material=material_id,
                message_zh=f"{material.name_zh}：请按审核意见重新上传（{note}）",
                message_en=f"{material.name_en}: upload it again as the reviewer asked ({note})",
                message=f"{material.name_zh}：请按审核意见重新上传（{note}） / "
                        f"{material.name_en}: upload it again as the reviewer asked ({note})",
            ))
    return problems


def build_view(app: Application, uploads: list[Upload], program: Program, *, today: date,
               previous: dict[str, Any] | None = None, caller: Caller | None = None) -> ApplicationView:
    assessment = assess(program, app.profile, today=today, previous=previous)
    zh, en = STATUS_LABELS[app.status]
    requirements = {r.id: r for r in assessment.materials}
    materials = [material_view(m, program, [u for u in uploads if u.material_id == m.id], requirements[m.id])
                 for m in program.materials]
    blocking = submit_problems(assessment, materials) if app.status == "draft" else []
    return ApplicationView(
        id=app.id, program_id=program.id, program_name=LocalizedText(zh=program.name_zh, en=program.name_en),
        status=app.status, status_label=LocalizedText(zh=zh, en=en), applicant=app.applicant,
        created_at=app.created_at, updated_at=app.updated_at, submitted_at=app.submitted_at, version=app.version,
        profile=app.profile,
        assessment=AssessmentSummary.model_validate(assessment.model_dump(exclude={"materials"})),
        materials=materials,
        can_submit=app.status == "draft" and not blocking,
        blocking=blocking,
        supplement_notes=app.supplement_notes,
        decision=None if app.decision is None else app.decision.model_dump(
            mode="json", exclude=set() if caller is not None and caller.is_staff else {"by"}),
        allowed_actions=workflow.allowed_actions(
            app.status, workflow.STAFF_ACTIONS if caller is not None and caller.is_staff
            else workflow.APPLICANT_ACTIONS),
        status_since=app.status_since,
    )


def submit_problems(assessment: Assessment, materials: list[MaterialView]) -> list[Problem]:
    """Everything that stands between this application and submission, in the order a person fixes it."""
    problems: list[Problem] = []
    if not assessment.eligible:
        for r in assessment.eligibility.reasons:
            if not r.holds:
                problems.append(Problem(kind="eligibility", code="eligibility.not_met", rule=r.rule, field=r.field,
                                        message_zh=r.message_zh, message_en=r.message_en, message=r.message))
    for f in [*assessment.invalid_fields, *assessment.missing_fields]:
        problems.append(Problem(kind="field", code=f.code, field=f.field, message_zh=f.message_zh,
                                message_en=f.message_en, message=f.message))
    for m in materials:
        if m.requirement != "required" or m.state == "passed":
            continue
        zh, en = _NOT_PASSED[m.state]
        problems.append(Problem(
            kind="material", code=f"material.{m.state}", material=m.id,
            rule=m.requirement_reasons[0].rule if m.requirement_reasons else None,
            message_zh=f"{m.name.zh}{zh}", message_en=f"{m.name.en} {en}",
            message=f"{m.name.zh}{zh} / {m.name.en} {en}",
        ))
    return problems


_NOT_PASSED = {
    "missing": ("尚未上传", "has not been uploaded"),
    "checking": ("正在检查，请稍候", "is still being checked"),
    "failed": ("未通过检查，请按提示重新上传", "failed its checks; upload a corrected file"),
}


def material_view(material: MaterialDef, program: Program, uploads: list[Upload],
                  requirement: MaterialRequirement) -> MaterialView:
    """The upload that counts is the one whose object S3 received last; earlier ones are history."""
    arrived = sorted((u for u in uploads if u.object is not None),
                     key=lambda u: (u.object.event_time if u.object else u.issued_at, u.upload_id))
    latest = arrived[-1] if arrived else None
    state: MaterialState = ("missing" if latest is None or latest.state == "issued"
                            else "checking" if latest.state == "inspecting" else latest.state)
    if requirement.requirement == "waived":
        state = "waived"
    spec = program.spec_for(material)

    def shown(upload: Upload) -> UploadView:
        return UploadView(
            upload_id=upload.upload_id, state=upload.state,
            uploaded_at=upload.object.event_time if upload.object else None,
            checked_at=upload.checked_at, size=upload.object.size if upload.object else None,
            findings=upload.result.findings if upload.result else [],
            facts=upload.result.facts.model_dump() if upload.result else None,
        )

    return MaterialView(
        id=material.id,
        name=LocalizedText(zh=material.name_zh, en=material.name_en),
        hint=LocalizedText(zh=material.hint_zh, en=material.hint_en),
        requirement=requirement.requirement,
        requirement_reasons=requirement.reasons,
        state=state,
        rules=list(material.rules),
        accepts=list(spec.mime_types),
        max_bytes=spec.max_bytes,
        latest=None if latest is None else shown(latest),
        previous_uploads=max(len(arrived) - 1, 0),
        earlier=[shown(u) for u in reversed(arrived[:-1])],
    )
