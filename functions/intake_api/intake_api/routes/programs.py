"""Public program catalogue: what each round asks for, so a page can check a file before uploading it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from intake.errors import NotFound
from intake.programs import Program, load_catalogue

router = APIGatewayRouter()


class ProgramList(BaseModel):
    programs: list[Program]


@router.get("/programs", summary="Every program with its materials and file specs")
def list_programs() -> ProgramList:
    return ProgramList(programs=list(load_catalogue()))


@router.get("/programs/<program_id>", summary="One program with its materials and file specs")
def get_program(program_id: Annotated[str, Path(max_length=64)]) -> Program:
    program = load_catalogue().get(program_id)
    if program is None:
        raise NotFound(f"项目 {program_id} 不存在", f"program {program_id} not found", code="program.not_found",
                       valid=load_catalogue().ids)
    return program
