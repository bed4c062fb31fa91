"""Public program catalogue: what each round asks for, so a page can check a file before uploading it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from intake.errors import NotFound
from intake.programs import Program, load_catalogue
from intake.rules.recognition import RecognitionRequest, RecognitionResult, recognise

router = APIGatewayRouter()


class ProgramList(BaseModel):
    programs: list[Program]


@router.get("/programs", summary="Every program with its materials and file specs")
def list_programs() -> ProgramList:
    return ProgramList(programs=list(load_catalogue()))


ProgramId = Annotated[str, Path(max_length=64)]


def _program(program_id: str) -> Program:
    program = load_catalogue().get(program_id)
    if program is None:
        raise NotFound(f"项目 {program_id} 不存在", f"program {program_id} not found", code="program.not_found",
                       valid=load_catalogue().ids)
    return program


@router.get("/programs/<program_id>", summary="One program: materials, file specs, profile fields and rules")
def get_program(program_id: ProgramId) -> Program:
    return _program(program_id)


@router.post("/programs/<program_id>/recognition",
             summary="Score recognition (SC-RULE-1…3, SC-ELIG-1): each subject's outcome and why")
def recognition(program_id: ProgramId, request: Annotated[RecognitionRequest, Body()]) -> RecognitionResult:
    if not _program(program_id).score_recognition:
        raise NotFound(f"项目 {program_id} 不提供成绩认定", f"program {program_id} has no score recognition",
                       code="recognition.not_offered",
                       valid=[p.id for p in load_catalogue() if p.score_recognition])
    return recognise(request)
