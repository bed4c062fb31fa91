"""Metadata read from an opened (not decoded) image: EXIF orientation, pixel density, editing software."""

from __future__ import annotations

import math
import re
from typing import Any

from PIL import Image

TAG_ORIENTATION = 0x0112
TAG_SOFTWARE = 0x0131
TAG_PROCESSING_SOFTWARE = 0x000B
TAG_X_RESOLUTION = 0x011A
TAG_Y_RESOLUTION = 0x011B
TAG_RESOLUTION_UNIT = 0x0128

MIN_PLAUSIBLE_DPI = 2.0
"""A recorded density below this (0, or the 1:1 some writers store with an absolute unit) means "no density"."""

# Photoshop image resources that only an image editor writes (0x0404 IPTC-NAA and 0x0425 its digest are
# also written by cataloguing tools, cameras and news agencies, so they alone do not mean "edited").
_PHOTOSHOP_NEUTRAL_RESOURCES = frozenset({0x0404, 0x0425, 0x0422, 0x0424})
_PHOTOSHOP_VERSION_INFO = 0x0421

# Names of photo-editing / beautifying software as they appear in EXIF Software, XMP CreatorTool,
# JPEG comments and PNG text chunks (lower case; matched as substrings of the lower-cased text).
EDITING_SOFTWARE: tuple[str, ...] = (
    "photoshop", "lightroom", "camera raw", "gimp", "snapseed", "picsart", "meitu", "美图", "mtxx",
    "醒图", "hypic", "pixelmator", "affinity photo", "paint.net", "canva", "fotor", "beautycam", "美颜相机",
    "beautyplus", "faceu", "轻颜", "ulike", "facetune", "faceapp", "天天p图", "pitu", "vsco", "photoscape",
    "polarr", "photopea", "luminar", "acdsee", "paintshop", "b612", "remini", "picmonkey", "光影魔术手",
    "youcam", "photodirector", "美易", "黄油相机", "inshot", "lightx", "airbrush",
)

_XMP_TOOL = re.compile(rb"(?:CreatorTool|softwareAgent)\s*(?:=\s*\"([^\"]{1,200})\"|>([^<]{1,200})<)")
_PNG_TEXT_KEYS = ("Software", "software", "Comment", "comment", "Description", "Author")
_SCAN_LIMIT = 4096  # only the first bytes of a comment/text are searched for a software name


def read_exif(im: Image.Image) -> Image.Exif | None:
    """The EXIF IFD0 found in the header (JPEG APP1, PNG eXIf before the pixel data), or None when absent or
    unreadable (a bad EXIF is not a bad image). Built from `info["exif"]` directly: `PngImageFile.getexif()`
    would decode the whole image to look for an eXIf chunk after the pixel data."""
    raw = im.info.get("exif")
    if not isinstance(raw, bytes) or not raw:
        return None
    try:
        exif = Image.Exif()
        exif.load(raw)
    except Exception:  # Pillow raises assorted errors on malformed EXIF
        return None
    return exif if len(exif) else None


def orientation(exif: Image.Exif | None) -> int:
    """EXIF orientation 1..8; anything missing or out of range counts as 1 (as displayed = as stored)."""
    if exif is None:
        return 1
    value = exif.get(TAG_ORIENTATION)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _positive_float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) and number >= MIN_PLAUSIBLE_DPI else None


def file_dpi(im: Image.Image, fmt: str, exif: Image.Exif | None) -> float | None:
    """Pixel density recorded in the file (the smaller axis), or None when the file records none.

    JPEG: the JFIF APP0 density when its unit is inches (1) or centimetres (2) - unit 0 only gives an
    aspect ratio - else EXIF X/YResolution with ResolutionUnit inch (2, the EXIF default) or cm (3).
    We do not use Pillow's `info["dpi"]` for JPEG because Pillow reports an invented 72 dpi when EXIF
    exists without a resolution. PNG: the pHYs chunk in metres, which Pillow turns into `info["dpi"]`.
    """
    if fmt == "JPEG":
        unit = im.info.get("jfif_unit")
        density = im.info.get("jfif_density")
        if unit in (1, 2) and isinstance(density, tuple) and len(density) == 2:
            values = [_positive_float(d) for d in density]
            if all(v is not None for v in values):
                return min(v for v in values if v is not None) * (2.54 if unit == 2 else 1.0)
        if exif is not None and TAG_X_RESOLUTION in exif:
            unit = exif.get(TAG_RESOLUTION_UNIT, 2)
            if unit not in (2, 3):
                return None
            values = [_positive_float(exif.get(t)) for t in (TAG_X_RESOLUTION, TAG_Y_RESOLUTION)]
            known = [v for v in values if v is not None]
            if not known:
                return None
            return min(known) * (2.54 if unit == 3 else 1.0)
        return None
    dpi = im.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        values = [_positive_float(d) for d in dpi]
        if all(v is not None for v in values):
            return min(v for v in values if v is not None)
    return None


def _exif_text(value: Any) -> str | None:
    """An EXIF ASCII value as text. Apps write UTF-8 there (e.g. "美图秀秀"), which Pillow reads as Latin-1."""
    if isinstance(value, bytes):
        return _decode(value)
    if not isinstance(value, str):
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _names_editor(text: str) -> bool:
    lowered = text.lower()
    return any(name in lowered for name in EDITING_SOFTWARE)


def _clean(text: str) -> str:
    return " ".join(text.replace("\x00", " ").split())[:120]


def _decode(raw: bytes) -> str:
    return raw[:_SCAN_LIMIT].decode("utf-8", errors="replace")


def _photoshop_writer(resources: dict[int, Any]) -> str | None:
    """The writer name in a Photoshop version-info resource (0x0421), e.g. "Adobe Photoshop"."""
    data = resources.get(_PHOTOSHOP_VERSION_INFO)
    if not isinstance(data, bytes) or len(data) < 9:
        return None
    chars = int.from_bytes(data[5:9], "big")
    raw = data[9 : 9 + 2 * min(chars, 200)]
    name = raw.decode("utf-16-be", errors="replace").strip("\x00 ")
    return name or None


def editing_software(im: Image.Image, exif: Image.Exif | None) -> str | None:
    """The editing software the file's metadata names, or None. Camera firmware strings are ignored."""
    candidates: list[str] = []
    if exif is not None:
        for tag in (TAG_SOFTWARE, TAG_PROCESSING_SOFTWARE):
            text = _exif_text(exif.get(tag))
            if text:
                candidates.append(text)
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", errors="replace")
    if isinstance(xmp, bytes):
        for match in _XMP_TOOL.finditer(xmp[:65536]):
            candidates.append(_decode(match.group(1) or match.group(2)))
    for key, raw in getattr(im, "applist", []):
        if key == "COM":
            candidates.append(_decode(raw))
    for key in _PNG_TEXT_KEYS:
        value = im.info.get(key)
        if isinstance(value, str):
            candidates.append(value[:_SCAN_LIMIT])
    resources = im.info.get("photoshop")
    if isinstance(resources, dict) and resources:
        writer = _photoshop_writer(resources)
        if writer:
            candidates.append(writer)
        elif set(resources) - _PHOTOSHOP_NEUTRAL_RESOURCES:
            candidates.append("Adobe Photoshop (image resource block)")
    for text in candidates:
        if _names_editor(text):
            return _clean(text)
    return None
