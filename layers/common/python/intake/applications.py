"""Applications: create, show with each material's state, and issue upload tickets."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from intake.errors import NotFound, Unprocessable
from intake.ids import ID_PATTERN, UploadKey, new_id
from intake.models import (
    STATUS_LABELS,
    UPLOADABLE_STATUSES,
    Applicant,
    Application,
    ApplicationView,
    LocalizedText,
    MaterialState,
    MaterialView,
    Upload,
    UploadTicket,
    UploadView,
)
from intake.ports import ApplicationStore, Clock, Presigner
from intake.programs import MaterialDef, Program, ProgramCatalogue

MAX_UPLOADS_PER_APPLICATION = 200
"""Bounds the items one application can grow to (and so the cost of reading it back)."""


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
    def __init__(self, store: ApplicationStore, presigner: Presigner, catalogue: ProgramCatalogue,
                 clock: Clock, upload_ttl: timedelta) -> None:
        self._store = store
        self._presigner = presigner
        self._catalogue = catalogue
        self._clock = clock
        self._upload_ttl = upload_ttl

    def create(self, request: CreateApplication) -> ApplicationView:
        program = self._program(request.program_id)
        now = self._clock()
        app = Application(id=new_id(now), program_id=program.id, applicant=request.applicant,
                          created_at=now, updated_at=now)
        self._store.create_application(app)
        return build_view(app, [], program)

    def get(self, application_id: str) -> ApplicationView:
        app, uploads = self._load(application_id)
        return build_view(app, uploads, self._program(app.program_id))

    def issue_upload(self, application_id: str, material_id: str, request: UploadRequest) -> UploadTicket:
        app, _ = self._load(application_id)
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
        upload_id = new_id(now)
        key = str(UploadKey(program.id, app.id, material.id, upload_id))
        self._store.issue_upload(
            Upload(application_id=app.id, program_id=program.id, material_id=material.id, upload_id=upload_id,
                   key=key, content_type=content_type, issued_at=now),
            allowed_statuses=UPLOADABLE_STATUSES, max_uploads=MAX_UPLOADS_PER_APPLICATION, now=now,
        )
        ttl = int(self._upload_ttl.total_seconds())
        url, fields = self._presigner.presign_post(key, content_type, spec.max_bytes, ttl)
        return UploadTicket(upload_id=upload_id, material_id=material.id, url=url, fields=fields,
                            content_type=content_type, max_bytes=spec.max_bytes,
                            expires_at=now + self._upload_ttl)

    def _load(self, application_id: str) -> tuple[Application, list[Upload]]:
        if not re.match(ID_PATTERN, application_id):
            raise NotFound(f"申请 {application_id} 不存在", f"application {application_id} not found",
                           code="application.not_found")
        return self._store.load_application(application_id)

    def _program(self, program_id: str) -> Program:
        program = self._catalogue.get(program_id)
        if program is None:
            raise Unprocessable(
                f"项目 {program_id} 不存在，可选：{'、'.join(self._catalogue.ids)}",
                f"unknown program {program_id}; valid: {', '.join(self._catalogue.ids)}",
                code="program.not_found", field="program_id", valid=self._catalogue.ids,
            )
        return program


def build_view(app: Application, uploads: list[Upload], program: Program) -> ApplicationView:
    zh, en = STATUS_LABELS[app.status]
    return ApplicationView(
        id=app.id, program_id=program.id, program_name=LocalizedText(zh=program.name_zh, en=program.name_en),
        status=app.status, status_label=LocalizedText(zh=zh, en=en), applicant=app.applicant,
        created_at=app.created_at, updated_at=app.updated_at,
        materials=[material_view(m, program, [u for u in uploads if u.material_id == m.id]) for m in program.materials],
    )


def material_view(material: MaterialDef, program: Program, uploads: list[Upload]) -> MaterialView:
    """The upload that counts is the one whose object S3 received last; earlier ones are history."""
    arrived = sorted((u for u in uploads if u.object is not None),
                     key=lambda u: (u.object.event_time if u.object else u.issued_at, u.upload_id))
    latest = arrived[-1] if arrived else None
    state: MaterialState = "missing" if latest is None or latest.state == "issued" else latest.state
    spec = program.spec_for(material)
    return MaterialView(
        id=material.id,
        name=LocalizedText(zh=material.name_zh, en=material.name_en),
        hint=LocalizedText(zh=material.hint_zh, en=material.hint_en),
        state=state,
        rules=list(material.rules),
        accepts=list(spec.mime_types),
        max_bytes=spec.max_bytes,
        latest=None if latest is None else UploadView(
            upload_id=latest.upload_id, state=latest.state,
            uploaded_at=latest.object.event_time if latest.object else None,
            checked_at=latest.checked_at, size=latest.object.size if latest.object else None,
            findings=latest.result.findings if latest.result else [],
            facts=latest.result.facts.model_dump() if latest.result else None,
        ),
        previous_uploads=max(len(arrived) - 1, 0),
    )
