"""Staff routes: the review queue, counts, materials and decisions. Reviewers and admins only."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from intake.ids import ID_PATTERN
from intake.models import ApplicationStatus
from intake.observability import logger
from intake.ports import QueueFilter
from intake.review import BatchApproval, BatchResult, DecisionRequest, DownloadLink, QueuePage, StatusCounts
from intake.views import ApplicationView
from intake_api import deps
from intake_api.routes.applications import ERRORS

router = APIGatewayRouter()
STAFF_ERRORS = {401: ERRORS[401], 403: ERRORS[403], 422: ERRORS[422]}
ApplicationId = Annotated[str, Path(pattern=ID_PATTERN)]
ProgramId = Annotated[str, Query(max_length=64, description="Program id.")]


@router.get("/staff/queue", summary="Applications in a status, longest waiting first, one page at a time",
            responses=STAFF_ERRORS)
def queue(
    program_id: ProgramId,
    status: Annotated[ApplicationStatus, Query()] = "pending_review",
    cursor: Annotated[str | None, Query(max_length=2000, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    clean_only: Annotated[bool, Query(description="only those whose machine checks all passed")] = False,
    overdue_only: Annotated[bool, Query(description="only those waiting longer than the review SLA")] = False,
    q: Annotated[str, Query(max_length=60, description="an application id, or part of the applicant's name")] = "",
    finding: Annotated[str, Query(max_length=60, description="only those with this finding code at submission")] = "",
    category: Annotated[str, Query(max_length=60, description="only those in this applicant category")] = "",
) -> QueuePage:
    filters = QueueFilter(text=q.strip(), finding=finding.strip(), category=category.strip())
    return deps.review().queue(deps.caller(router), program_id, status, cursor=cursor, limit=limit,
                               clean_only=clean_only, overdue_only=overdue_only, filters=filters)


@router.get("/staff/counts", summary="How many applications are in each status", responses=STAFF_ERRORS)
def counts(program_id: ProgramId) -> StatusCounts:
    return deps.review().counts(deps.caller(router), program_id)


@router.post("/staff/applications/<application_id>/decision",
             summary="Approve, request a supplement (a note per material) or reject (with a reason)",
             responses={**STAFF_ERRORS, 404: ERRORS[404], 409: ERRORS[409]})
def decide(application_id: ApplicationId, request: Annotated[DecisionRequest, Body()]) -> ApplicationView:
    view = deps.review().decide(application_id, request, deps.caller(router))
    logger.info("decision", extra={"application_id": application_id, "action": request.action})
    return view


@router.post("/staff/batch-approve",
             summary="Approve many applications whose machine checks and rules all passed; each on its version",
             responses=STAFF_ERRORS)
def batch_approve(request: Annotated[BatchApproval, Body()]) -> BatchResult:
    result = deps.review().batch_approve(request, deps.caller(router))
    logger.info("batch approval", extra={"approved": result.approved, "refused": result.refused})
    return result


@router.get("/staff/applications/<application_id>/materials/<material_id>/uploads/<upload_id>/download-url",
            summary="A link valid for 5 minutes to view one uploaded file",
            responses={**STAFF_ERRORS, 404: ERRORS[404]})
def download_url(application_id: ApplicationId, material_id: Annotated[str, Path(max_length=64)],
                 upload_id: Annotated[str, Path(pattern=ID_PATTERN)]) -> DownloadLink:
    return deps.review().download_link(deps.caller(router), application_id, material_id, upload_id)
