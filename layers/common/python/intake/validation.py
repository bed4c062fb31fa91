"""What happens when S3 reports a new object: find the upload it belongs to, check it, record it.

Safe under at-least-once, out-of-order delivery: a duplicate event or an older object under the same key
changes nothing (see IntakeStore.begin_check); a file that fails its checks is recorded with its findings,
never dropped; an object under a key this system never issued is ignored and reported.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from intake.checks import CheckResult, FileSpec, ImageFacts, check_material
from intake.checks.engine import size_findings
from intake.findings import Finding, error
from intake.ids import UploadKey
from intake.inspections import InspectionQueue, InspectionRequest
from intake.models import StoredObject
from intake.ports import Clock, ObjectReader, UploadStore
from intake.programs import Program, ProgramCatalogue
from intake.windows import shown

READ_LIMIT_FACTOR = 2
"""Objects larger than twice their spec's maximum are judged on their reported size without being read.
S3 enforces the POST policy's size cap, so this only guards against a misconfigured or local bucket."""


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INSPECTING = "inspecting"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"
    FOREIGN_KEY = "foreign_key"
    FOREIGN_BUCKET = "foreign_bucket"
    NEVER_ISSUED = "never_issued"


class UploadValidator:
    def __init__(self, store: UploadStore, objects: ObjectReader, catalogue: ProgramCatalogue, clock: Clock,
                 inspections: InspectionQueue | None = None) -> None:
        self._store = store
        self._objects = objects
        self._catalogue = catalogue
        self._clock = clock
        self._inspections = inspections
        """Where files whose material asks for inspection go next; None: no inspection stage (verdict final)."""

    def process(self, obj: StoredObject) -> Outcome:
        if obj.bucket != self._objects.name:
            return Outcome.FOREIGN_BUCKET
        parsed = UploadKey.parse(obj.key)
        program, material = self._catalogue.lookup(parsed.program_id, parsed.material_id) if parsed else (None, None)
        if parsed is None or program is None or material is None:
            return Outcome.FOREIGN_KEY
        upload = self._store.get_upload(parsed.application_id, parsed.material_id, parsed.upload_id)
        if upload is None or upload.key != obj.key:
            return Outcome.NEVER_ISSUED
        if not self._store.begin_check(upload, obj):
            return Outcome.DUPLICATE
        spec = program.spec_for(material)
        if obj.size > spec.max_bytes * READ_LIMIT_FACTOR:
            result = oversize_result(obj.size, spec)
        else:
            result = check_material(self._objects.read(obj.key, obj.version_id), spec)
        if upload.deadline is not None and obj.event_time >= upload.deadline:
            result = result.model_copy(update={"findings": [late_finding(obj.event_time, upload.deadline, program),
                                                             *result.findings]})
        inspect = result.ok and material.inspect is not None and self._inspections is not None
        if not self._store.record_result(upload, obj, result, self._clock(), inspecting=inspect):
            return Outcome.SUPERSEDED
        if inspect and self._inspections is not None:
            # Sent after the record: if sending fails, S3's event is retried and re-claims this object (still
            # `inspecting`); the inspection answers only while the upload waits for it on this object.
            self._inspections.request(InspectionRequest(
                application_id=upload.application_id, program_id=upload.program_id,
                material_id=upload.material_id, upload_id=upload.upload_id, key=obj.key,
                version_id=obj.version_id, order=obj.order))
            return Outcome.INSPECTING
        return Outcome.PASSED if result.ok else Outcome.FAILED


def oversize_result(size: int, spec: FileSpec) -> CheckResult:
    return CheckResult(facts=ImageFacts(bytes=size), findings=size_findings(size, spec))


def late_finding(received: datetime, deadline: datetime, program: Program) -> Finding:
    """PG-WIN-4: S3 received the file at or after the deadline, so it does not count (checked to the second on
    S3's own event time, not on when the queue delivered it)."""
    at, limit = shown(received, program), shown(deadline, program)
    return error("upload.late", f"文件于 {at}（北京时间）收到，晚于截止时间 {limit}，不予受理",
                 f"file received at {at} (Beijing time), after the {limit} deadline: it does not count",
                 measured=received.isoformat(), limit=deadline.isoformat())
