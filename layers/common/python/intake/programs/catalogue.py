"""Loading program definitions from the JSON files shipped beside this module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources

from intake.programs.models import MaterialDef, Program


class ProgramCatalogue:
    def __init__(self, programs: list[Program]) -> None:
        self._programs = {p.id: p for p in programs}
        if len(self._programs) != len(programs):
            raise ValueError("two program definitions share an id")

    def __iter__(self) -> Iterator[Program]:
        return iter(self._programs.values())

    def __len__(self) -> int:
        return len(self._programs)

    @property
    def ids(self) -> list[str]:
        return sorted(self._programs)

    def get(self, program_id: str) -> Program | None:
        return self._programs.get(program_id)

    def lookup(self, program_id: str, material_id: str) -> tuple[Program | None, MaterialDef | None]:
        program = self.get(program_id)
        return program, (program.material(material_id) if program else None)


@cache
def load_catalogue() -> ProgramCatalogue:
    """Every `*.json` definition in this package, validated. Raises on the first invalid file."""
    files = sorted(
        (f for f in resources.files(__package__).iterdir() if f.name.endswith(".json")), key=lambda f: f.name
    )
    programs = []
    for f in files:
        try:
            programs.append(Program.model_validate(json.loads(f.read_text(encoding="utf-8"))))
        except ValueError as exc:  # pydantic.ValidationError and json.JSONDecodeError are ValueErrors
            raise ValueError(f"invalid program definition {f.name}: {exc}") from exc
    return ProgramCatalogue(programs)
