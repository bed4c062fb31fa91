"""Each Lambda function fits Lambda's limits, measured from the packages its build installs.

A zip function is its code plus its layers: at most 250 MB unpacked. Its dependencies are the closure of the
layer's requirements.txt (what `sam build` installs), measured as the installed files of each distribution in
this environment (the same manylinux wheels). The inspection function is a container image (limit 10 GB);
it is the only code that imports OpenCV, so the zip functions never carry it.

    python -m tests.unit.test_packaging     prints each function's measured size
"""

from __future__ import annotations

import ast
import re
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from intake_tools.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
ZIP_LIMIT = 250 * MB
IMAGE_LIMIT = 10 * 1024 * MB
VISION_MODULES = {"cv2", "zxingcpp"}


def _requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line]


def _closure(requirements: list[Requirement]) -> set[str]:
    """Distribution names installed for these requirements, extras and environment markers applied."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = _canonical(requirement.name)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # measured as 0 bytes; only the image's runtime client is not installed locally
        for text in requires:
            child = Requirement(text)
            if child.marker and not any(child.marker.evaluate({**default_environment(), "extra": e})
                                        for e in (extras or {""})):
                continue
            todo.append((child, frozenset(child.extras)))
    return {key.split("[", 1)[0] for key in seen}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _installed_size(name: str) -> int:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0
    return sum(f.size or 0 for f in dist.files or [] if "__pycache__" not in str(f))


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _functions() -> dict[str, dict]:
    resources = load_template(ROOT / "template.yaml")["Resources"]
    return {name: r for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}


def measure() -> dict[str, dict[str, object]]:
    """Per function: its package type, the distributions it ships and its unpacked size in bytes."""
    layer_dir = ROOT / "layers" / "common" / "python"
    layer_dists = _closure(_requirements(layer_dir / "requirements.txt"))
    layer_size = _tree_size(layer_dir / "intake") + sum(_installed_size(d) for d in layer_dists)
    sizes: dict[str, dict[str, object]] = {}
    for name, resource in _functions().items():
        properties = resource["Properties"]
        if properties.get("PackageType") == "Image":
            dockerfile = ROOT / resource["Metadata"]["Dockerfile"]
            dists = _closure(_requirements(dockerfile.parent / "requirements.txt"))
            size = sum(_installed_size(d) for d in dists) + _tree_size(dockerfile.parent)
            sizes[name] = {"type": "image", "bytes": size + _tree_size(layer_dir / "intake"), "dists": dists,
                           "limit": IMAGE_LIMIT}
        else:
            code = _tree_size(ROOT / properties["CodeUri"])
            sizes[name] = {"type": "zip", "bytes": code + layer_size, "dists": layer_dists, "limit": ZIP_LIMIT}
    return sizes


def test_every_function_fits_lambdas_unpacked_size_limit():
    sizes = measure()
    assert {s["type"] for s in sizes.values()} == {"zip", "image"}
    for name, s in sizes.items():
        if s["type"] == "zip":  # every layer package is installed here, so the zip sizes are complete
            assert all(_installed_size(d) for d in s["dists"]), name
        assert s["bytes"] <= s["limit"], f"{name}: {s['bytes'] / MB:.0f} MB unpacked, limit {s['limit'] // MB} MB"


def test_opencv_ships_only_in_the_inspection_image():
    for name, s in measure().items():
        has_opencv = any(d.startswith("opencv") for d in s["dists"])
        assert has_opencv == (s["type"] == "image"), name


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("folder", ["layers", "functions", "infra"])
def test_nothing_outside_the_inspection_function_imports_opencv(folder):
    inspection = ROOT / "functions" / "inspect_upload"
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / folder).rglob("*.py")
                 if not p.is_relative_to(inspection) and _imports(p) & VISION_MODULES]
    assert offenders == []


if __name__ == "__main__":
    for function, s in sorted(measure().items()):
        print(f"{function:32} {s['type']:5} {s['bytes'] / MB:7.1f} MB  (limit {s['limit'] // MB} MB)")
