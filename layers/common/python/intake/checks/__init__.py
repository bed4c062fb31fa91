"""Material checks: pure functions from file bytes and a FileSpec to a CheckResult."""

from intake.checks.engine import check_material
from intake.checks.models import CheckResult, ImageFacts
from intake.checks.spec import FileSpec

__all__ = ["CheckResult", "FileSpec", "ImageFacts", "check_material"]
