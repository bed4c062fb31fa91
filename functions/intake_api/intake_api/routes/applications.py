"""Applicant routes: create an application, read it, get an upload URL for one of its materials."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from intake.applications import CreateApplication, UploadRequest
from intake.ids import ID_PATTERN
from intake.models import HistoryEvent
from intake.observability import logger, mask_phone
from intake.views import ApplicationSummary, ApplicationView, UploadTicket
from intake_api import deps
from intake_api.errors import ErrorResponse

router = APIGatewayRouter()

ApplicationId = Annotated[str, Path(pattern=ID_PATTERN, description="Application id (26 characters).")]
MaterialId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]*[a-z0-9]$", max_length=64)]

def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"model": ErrorResponse}}}


ERRORS = {401: _error("Not signed in"), 403: _error("Not allowed for this role"), 404: _error("Not found"),
          409: _error("Refused in the current status (names the allowed actions)"), 422: _error("Invalid request")}


def _json(status: int, model: ApplicationView | UploadTicket) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=model)


@router.post(
    "/applications",
    summary="Create an application in status draft",
    responses={201: {"description": "Created", "content": {"application/json": {"model": ApplicationView}}},
               422: ERRORS[422]},
)
def create_application(request: Annotated[CreateApplication, Body()]) -> Response[ApplicationView]:
    view = deps.applications().create(request, deps.caller(router))
    logger.info("application created", extra={"application_id": view.id, "program_id": view.program_id,
                                              "phone": mask_phone(request.applicant.phone)})
    return _json(201, view)


@router.get(
    "/applications/<application_id>",
    summary="An application with each material's state and findings",
    responses={200: {"description": "OK", "content": {"application/json": {"model": ApplicationView}}},
               404: ERRORS[404]},
)
def get_application(application_id: ApplicationId) -> ApplicationView:
    return deps.applications().get(application_id, deps.caller(router))


@router.post(
    "/applications/<application_id>/materials/<material_id>/upload-url",
    summary="A presigned POST for one file of this material",
    responses={201: {"description": "Created", "content": {"application/json": {"model": UploadTicket}}},
               404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422],
               429: _error("Upload limit reached")},
)
def create_upload_url(application_id: ApplicationId, material_id: MaterialId,
                      request: Annotated[UploadRequest | None, Body()] = None) -> Response[UploadTicket]:
    ticket = deps.applications().issue_upload(application_id, material_id, request or UploadRequest(),
                                                   deps.caller(router))
    logger.info("upload issued", extra={"application_id": application_id, "material_id": material_id,
                                        "upload_id": ticket.upload_id})
    return _json(201, ticket)


@router.put(
    "/applications/<application_id>/profile",
    summary="Save the profile as entered (a draft keeps partial data) and see what is wrong or missing",
    responses={200: {"description": "Saved", "content": {"application/json": {"model": ApplicationView}}},
               404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
)
def save_profile(application_id: ApplicationId,
                 profile: Annotated[dict[str, Any], Body(description="Field id → value, see GET /programs/{id}")],
                 ) -> ApplicationView:
    view = deps.applications().save_profile(application_id, profile, deps.caller(router))
    logger.info("profile saved", extra={"application_id": application_id, "valid": view.assessment.profile_valid})
    return view


@router.post(
    "/applications/<application_id>/submit",
    summary="Submit for review: draft → pending_review when eligible, complete and every required material passed",
    responses={200: {"description": "Submitted", "content": {"application/json": {"model": ApplicationView}}},
               404: ERRORS[404], 409: ERRORS[409],
               422: _error("Not ready: `error.details.reasons` lists every reason")},
)
def submit_application(application_id: ApplicationId) -> ApplicationView:
    view = deps.applications().submit(application_id, deps.caller(router))
    logger.info("application submitted", extra={"application_id": application_id})
    return view


class MyApplications(BaseModel):
    applications: list[ApplicationSummary]


@router.get("/applications", summary="The signed-in applicant's own applications, newest first",
            responses={401: ERRORS[401], 403: ERRORS[403]})
def my_applications() -> MyApplications:
    return MyApplications(applications=deps.applications().mine(deps.caller(router)))


class History(BaseModel):
    events: list[HistoryEvent]


@router.get("/applications/<application_id>/history",
            summary="Every status change: who (staff only), when, from → to, why, notes (X-AUD-1)",
            responses={401: ERRORS[401], 404: ERRORS[404]})
def history(application_id: ApplicationId) -> History:
    return History(events=deps.applications().history(application_id, deps.caller(router)))
