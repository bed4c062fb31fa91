"""Program definitions: each intake round is data (a JSON file beside this module), validated on load."""

from intake.programs.catalogue import ProgramCatalogue, load_catalogue
from intake.programs.models import MaterialDef, Program

__all__ = ["MaterialDef", "Program", "ProgramCatalogue", "load_catalogue"]
