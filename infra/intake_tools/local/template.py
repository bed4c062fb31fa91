"""Load ``template.yaml`` and translate it to plain CloudFormation offline.

The SAM translator wants code locations in S3. Local ``CodeUri``/``ContentUri`` paths are swapped for
placeholder ``s3://`` URIs before translation and remembered, so the local stack can find each function's
code (and each layer's) on disk afterwards.
"""

from __future__ import annotations

import copy
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CODE_BUCKET",
    "CodeLocation",
    "TemplateError",
    "TranslatedTemplate",
    "default_template_path",
    "load_template",
    "translate",
    "translate_file",
]

#: The bucket named by the placeholder code URIs. It is never created; it only keys the code map.
CODE_BUCKET = "intake-local-code"

_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


class TemplateError(Exception):
    """The template cannot be loaded or translated for the local stack."""


# ---------------------------------------------------------------------------------------------- YAML


class _CfnLoader(yaml.SafeLoader):
    """A safe YAML loader that understands CloudFormation's short-form intrinsic tags."""


def _construct_tag(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        if not attribute:
            raise TemplateError(f"!GetAtt {value!r} needs the form Resource.Attribute")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


def _construct_timestamp_as_text(loader: _CfnLoader, node: yaml.Node) -> str:
    # CloudFormation reads `2010-09-09` as text; YAML would make it a date.
    return str(loader.construct_scalar(node))


_CfnLoader.add_multi_constructor("!", _construct_tag)
_CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML (or JSON) file into a dict with long-form intrinsics."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"cannot read the template {path}: {exc.strerror or exc}") from exc
    try:
        document = yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path}: not a template (no Resources mapping)")
    return document


def default_template_path() -> Path:
    """The repository's template.yaml (infra/intake_tools/local → repository root), or, when this package
    runs from somewhere else, the one in the current directory."""
    beside_the_code = Path(__file__).resolve().parents[3] / "template.yaml"
    return beside_the_code if beside_the_code.exists() else Path.cwd() / "template.yaml"


# ---------------------------------------------------------------------------------------------- code


@dataclass(frozen=True)
class CodeLocation:
    """Where a function's or layer's code lives on disk."""

    logical_id: str
    path: Path
    #: The directory to put on ``sys.path``. For a layer built with a ``python*`` BuildMethod the content
    #: directory itself is importable; otherwise Lambda puts ``<layer>/python`` on the path.
    import_root: Path


@dataclass
class TranslatedTemplate:
    """The plain CloudFormation template and where the placeholder code URIs point on disk."""

    cloudformation: dict[str, Any]
    #: ``S3Key`` of a placeholder code URI → the code on disk.
    code: dict[str, CodeLocation] = field(default_factory=dict)
    #: Container-image function → the folders its Dockerfile copies into the image, to put on ``sys.path``.
    images: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    source: Path | None = None

    def code_for(self, s3_location: Any) -> CodeLocation | None:
        """The local code behind a translated ``Code``/``Content`` property, if it is a placeholder."""
        if isinstance(s3_location, dict) and s3_location.get("S3Bucket") == CODE_BUCKET:
            return self.code.get(str(s3_location.get("S3Key")))
        return None


def _is_local_path(value: Any) -> bool:
    return isinstance(value, str) and "://" not in value


def _replace_local_code(template: dict[str, Any], base_dir: Path) -> dict[str, CodeLocation]:
    code: dict[str, CodeLocation] = {}

    def placeholder(owner: str, prop: str, raw: str, build_method: str | None, is_layer: bool) -> str:
        path = (base_dir / raw).resolve()
        if not path.exists():
            raise TemplateError(f"{owner}: {prop} {raw!r} does not exist ({path})")
        python_built = bool(build_method and build_method.lower().startswith("python"))
        import_root = path / "python" if is_layer and not python_built else path
        key = f"{owner}/{raw.strip('/') or '.'}"
        code[key] = CodeLocation(logical_id=owner, path=path, import_root=import_root)
        return f"s3://{CODE_BUCKET}/{key}"

    globals_function = (template.get("Globals") or {}).get("Function") or {}
    if _is_local_path(globals_function.get("CodeUri")):
        globals_function["CodeUri"] = placeholder(
            "Globals", "CodeUri", globals_function["CodeUri"], None, is_layer=False
        )
    for logical_id, resource in template["Resources"].items():
        prop = _CODE_PROPERTIES.get(resource.get("Type", "")) if isinstance(resource, dict) else None
        properties = resource.get("Properties") if prop else None
        if not isinstance(properties, dict) or not _is_local_path(properties.get(prop)):
            continue
        build_method = (resource.get("Metadata") or {}).get("BuildMethod")
        properties[prop] = placeholder(
            logical_id,
            prop,
            properties[prop],
            build_method,
            is_layer=resource["Type"] == "AWS::Serverless::LayerVersion",
        )
    return code


#: The image a container function is given locally; nothing pulls it, it only satisfies the translator.
LOCAL_IMAGE_URI = "local.invalid/intake/{logical_id}:local"

_COPY = re.compile(r"^\s*COPY\s+(?!--)(\S+)\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def _replace_local_images(template: dict[str, Any], base_dir: Path) -> dict[str, tuple[Path, ...]]:
    """Container-image functions built by `sam build` from a Dockerfile (Metadata DockerContext/Dockerfile).

    The local stack runs them without Docker, in the local Python environment, with the same code on the
    path as in the image: each folder the Dockerfile copies into the working directory under its own name
    (`COPY layers/common/python/intake ./intake` puts `layers/common/python` on the path). The packages the
    image installs must be installed locally too (the `local` extra)."""
    images: dict[str, tuple[Path, ...]] = {}
    for logical_id, resource in template["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties") or {}
        metadata = resource.get("Metadata") or {}
        if properties.get("PackageType") != "Image" or properties.get("ImageUri") or "Dockerfile" not in metadata:
            continue
        context = (base_dir / str(metadata.get("DockerContext", "."))).resolve()
        dockerfile = context / str(metadata["Dockerfile"])
        try:
            text = dockerfile.read_text(encoding="utf-8")
        except OSError as exc:
            raise TemplateError(f"{logical_id}: cannot read {dockerfile}: {exc.strerror or exc}") from exc
        roots: list[Path] = []
        for source, target in _COPY.findall(text):
            folder = (context / source).resolve()
            if folder.is_dir() and Path(target).name == folder.name and folder.parent not in roots:
                roots.append(folder.parent)
        if not roots:
            raise TemplateError(f"{logical_id}: {dockerfile} copies no code folder the local stack can run")
        # The folder holding the handler's package first, as a zip function's CodeUri comes before its layers.
        command = (properties.get("ImageConfig") or {}).get("Command") or [""]
        package = str(command[0]).partition(".")[0]
        roots.sort(key=lambda root: not (root / package).is_dir())
        properties["ImageUri"] = LOCAL_IMAGE_URI.format(logical_id=logical_id)
        images[logical_id] = tuple(roots)
    return images


# ---------------------------------------------------------------------------------------------- SAM

_translator_lock = threading.Lock()


class _NoManagedPolicies:
    """The translator's managed-policy loader; the template names no AWS managed policies."""

    def load(self) -> dict[str, str]:
        return {}


@contextmanager
def _translator_region(region: str) -> Iterator[None]:
    """Give the translator a region for the length of one call, without leaving a trace behind."""
    from samtranslator.translator.arn_generator import ArnGenerator

    saved_env = os.environ.get("AWS_DEFAULT_REGION")
    saved_arn_region = ArnGenerator.BOTO_SESSION_REGION_NAME
    with _translator_lock:
        os.environ["AWS_DEFAULT_REGION"] = region
        ArnGenerator.BOTO_SESSION_REGION_NAME = region
        try:
            yield
        finally:
            ArnGenerator.BOTO_SESSION_REGION_NAME = saved_arn_region
            if saved_env is None:
                os.environ.pop("AWS_DEFAULT_REGION", None)
            else:
                os.environ["AWS_DEFAULT_REGION"] = saved_env


def translate(
    template: dict[str, Any],
    *,
    base_dir: Path,
    region: str,
    parameters: dict[str, Any] | None = None,
) -> TranslatedTemplate:
    """Translate a loaded SAM template into CloudFormation offline."""
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    sam = copy.deepcopy(template)
    code = _replace_local_code(sam, base_dir)
    images = _replace_local_images(sam, base_dir)
    parameter_values = dict(parameters or {})
    try:
        with _translator_region(region):
            cloudformation = transform(sam, parameter_values, _NoManagedPolicies())
    except InvalidDocumentException as exc:
        details = "; ".join(str(cause) for cause in exc.causes)
        raise TemplateError(f"SAM translation failed: {details}") from exc
    return TranslatedTemplate(cloudformation=cloudformation, code=code, images=images)


def translate_file(
    path: Path | None = None, *, region: str, parameters: dict[str, Any] | None = None
) -> TranslatedTemplate:
    """Load and translate a template file; relative code paths are taken from its directory."""
    path = Path(path) if path is not None else default_template_path()
    translated = translate(load_template(path), base_dir=path.resolve().parent, region=region, parameters=parameters)
    translated.source = path
    return translated
