"""The second stage of checking an upload: vision checks (face geometry, page, QR code, printed codes).

A file whose material asks for inspection (`MaterialDef.inspect`) and that passed its file checks is recorded
in state `inspecting`, and a request goes to the inspection queue. The inspection function (its own image,
the only code that imports OpenCV) reads the object, inspects it, and records the verdict with the
inspection's findings added, on condition that the upload still waits for it on that same object; a newer
object under the key, or a request already answered, changes nothing.

A request that keeps failing (the function times out or runs out of memory on some file) ends in the
inspection dead-letter queue. Its consumer records the file checks' verdict with a warning that staff must
look at the file themselves, so no upload is left waiting for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from intake.checks import CheckResult, FileSpec
from intake.checks.inspection import Inspection, InspectionReport
from intake.findings import warning
from intake.ports import Clock, ObjectReader, UploadStore
from intake.programs import ProgramCatalogue

Inspector = Callable[[bytes, Inspection, FileSpec], InspectionReport]
"""Inspects a file's bytes by a material's inspection rules (inspect_upload.inspect.inspect_file)."""


class InspectionRequest(BaseModel):
    """The message on the inspection queue: which object of which upload to inspect."""

    application_id: str
    program_id: str
    material_id: str
    upload_id: str
    key: str
    version_id: str | None = None
    order: str
    """The object's order (see StoredObject.order): the verdict is recorded only for this object."""


class InspectionQueue:
    """Sends inspection requests (an SQS queue)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def request(self, request: InspectionRequest) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=request.model_dump_json())


class InspectionOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    STALE = "stale"
    """The upload no longer waits for this object's inspection (answered already, or a newer object)."""


def with_report(result: CheckResult, report: InspectionReport) -> CheckResult:
    """The file checks' result with an inspection's findings and measurements added."""
    facts = result.facts.model_copy(update={"measurements": {**result.facts.measurements, **report.measurements}})
    return CheckResult(facts=facts, findings=[*result.findings, *report.findings])


def unavailable_report(reason: str) -> InspectionReport:
    return InspectionReport(findings=[warning(
        "inspection.unavailable", "自动检查未能完成，将由审核人员人工核对",
        "the automatic inspection could not be completed; staff will check this file by hand",
        measured=reason)])


class InspectionService:
    def __init__(self, store: UploadStore, objects: ObjectReader, catalogue: ProgramCatalogue, clock: Clock) -> None:
        self._store = store
        self._objects = objects
        self._catalogue = catalogue
        self._clock = clock

    @classmethod
    def from_environment(cls) -> InspectionService:
        """The service on the deployed resources named by the function's environment (InspectorSettings)."""
        import boto3

        from intake import clock
        from intake.blobs import UploadsBucket
        from intake.programs import load_catalogue
        from intake.settings import InspectorSettings, load_settings
        from intake.store import IntakeStore

        settings = load_settings(InspectorSettings)
        return cls(store=IntakeStore(boto3.resource("dynamodb").Table(settings.table_name)),
                   objects=UploadsBucket(boto3.client("s3"), settings.bucket_name),
                   catalogue=load_catalogue(), clock=clock.now)

    def inspect(self, request: InspectionRequest, inspector: Inspector) -> InspectionOutcome:
        return self._answer(request, lambda inspection, spec: inspector(
            self._objects.read(request.key, request.version_id), inspection, spec))

    def give_up(self, request: InspectionRequest, reason: str) -> InspectionOutcome:
        """Record the file checks' verdict with a warning for staff, without inspecting."""
        return self._answer(request, lambda _inspection, _spec: unavailable_report(reason))

    def _answer(self, request: InspectionRequest,
                report_for: Callable[[Inspection, FileSpec], InspectionReport]) -> InspectionOutcome:
        upload = self._store.get_upload(request.application_id, request.material_id, request.upload_id)
        if (upload is None or upload.state != "inspecting" or upload.result is None or upload.object is None
                or upload.object.order != request.order):
            return InspectionOutcome.STALE
        program, material = self._catalogue.lookup(request.program_id, request.material_id)
        if program is None or material is None or material.inspect is None:
            report = unavailable_report("material has no inspection rules")
        else:
            report = report_for(material.inspect, program.spec_for(material))
        result = with_report(upload.result, report)
        if not self._store.record_inspection(upload, request.order, result, self._clock()):
            return InspectionOutcome.STALE
        return InspectionOutcome.PASSED if result.ok else InspectionOutcome.FAILED
