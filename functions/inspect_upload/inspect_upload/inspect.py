"""Inspect one file by its material's inspection rules: decode once, run each inspection, collect findings.

An inspection that raises on some file becomes a warning for staff (the file is then checked by hand);
it never fails the applicant's upload and never fails the message, since a retry would fail the same way.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageOps

from intake.checks.inspection import DocumentRules, FaceRules, Inspection, InspectionReport
from intake.checks.spec import FileSpec
from intake.findings import Finding, warning
from intake.observability import logger


def decode(data: bytes) -> np.ndarray:
    """RGB pixels of the image as displayed (EXIF orientation applied), at full resolution. The inspections
    import their libraries when first needed, so a photo never loads the document readers and the reverse."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))


def inspect_file(data: bytes, inspection: Inspection, spec: FileSpec) -> InspectionReport:
    try:
        rgb = decode(data)
    except Exception as exc:  # the file checks decoded it already; this is a guard, not a verdict
        logger.exception("inspection could not decode the file")
        return InspectionReport(findings=[_failed("decode", exc)])
    report = InspectionReport()
    runs: list[tuple[str, Callable[[], InspectionReport]]] = []
    if inspection.face is not None:
        face_rules = inspection.face
        runs.append(("face", lambda: _face(rgb, face_rules, spec)))
    if inspection.document is not None:
        document_rules = inspection.document
        runs.append(("document", lambda: _document(rgb, document_rules)))
    for name, run in runs:
        try:
            part = run()
        except Exception as exc:
            logger.exception("inspection failed", extra={"inspection": name})
            part = InspectionReport(findings=[_failed(name, exc)])
        report.findings.extend(part.findings)
        report.measurements[name] = part.measurements
    return report


def _face(rgb: np.ndarray, rules: FaceRules, spec: FileSpec) -> InspectionReport:
    from inspect_upload.face import inspect_face

    return inspect_face(rgb, rules, spec.background)


def _document(rgb: np.ndarray, rules: DocumentRules) -> InspectionReport:
    from inspect_upload.documents import inspect_document

    return inspect_document(rgb, rules)


def _failed(inspection: str, exc: Exception) -> Finding:
    return warning("inspection.failed", "自动检查出错，将由审核人员人工核对",
                   "the automatic inspection failed; staff will check this file by hand",
                   measured=f"{inspection}: {type(exc).__name__}", inspection=inspection)
