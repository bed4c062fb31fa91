"""File type by content (magic bytes) and image dimensions read straight from the header bytes.

Nothing here trusts a file name or a client-declared MIME type (X-FILE-1), and nothing decodes pixels.
The header parsers are deliberately small and bounded: they exist so the decompression-bomb guard can
refuse an image by its declared size before Pillow is even asked to open it.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

# ISO-BMFF brands (bytes 8..12 of an `ftyp` box) and what applicants would call them.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_VIDEO_BRANDS = {b"qt  ", b"isom", b"iso2", b"mp41", b"mp42", b"M4V ", b"3gp4", b"3gp5", b"3g2a"}


def detect_format(data: bytes) -> str | None:
    """The file type named by its first bytes: JPEG, PNG, GIF, WEBP, BMP, TIFF, HEIC, AVIF, PDF, ... or None.

    The names of JPEG and PNG match `intake.checks.spec.ImageFormat`, so an allowed format is
    `detect_format(data) in spec.formats`. The other names are only for telling the applicant what they sent.
    """
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"BM") and len(data) >= 26 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        # "BM" alone is too weak a signature; the DIB header size at offset 14 is one of a few values.
        return "BMP"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIC"
        if brand in _AVIF_BRANDS:
            return "AVIF"
        if brand in _VIDEO_BRANDS:
            return "MP4/MOV"
        return None
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head.startswith(b"8BPS"):
        return "PSD"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "JPEG 2000"
    if head.startswith(b"\x00\x00\x01\x00") and len(data) > 6:
        return "ICO"
    if head.startswith(b"PK\x03\x04"):
        return "ZIP"  # also DOCX/XLSX/PPTX
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "DOC/XLS"  # OLE2 compound file (old Office documents)
    return None


class HeaderSize(NamedTuple):
    width: int
    height: int


# SOFn markers that carry the frame size (C4 = DHT, C8 = JPG extension, CC = DAC are not frames).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_MAX_JPEG_SEGMENTS = 10_000  # bound on the marker walk (a 10 MB file of minimal segments has fewer)


def header_size(data: bytes, fmt: str) -> HeaderSize | None:
    """Stored width x height declared by a JPEG SOF or PNG IHDR, or None when it cannot be read."""
    try:
        if fmt == "PNG":
            if len(data) >= 24 and data[12:16] == b"IHDR":
                width, height = struct.unpack(">II", data[16:24])
                return HeaderSize(width, height)
            return None
        if fmt == "JPEG":
            return _jpeg_size(data)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_size(data: bytes) -> HeaderSize | None:
    i = 2  # after SOI
    n = len(data)
    for _ in range(_MAX_JPEG_SEGMENTS):
        # A marker is 0xFF (possibly repeated as fill) followed by a non-0xFF, non-zero code.
        while i < n and data[i] != 0xFF:
            i += 1  # junk between segments; Pillow skips it too
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker in _JPEG_STANDALONE or marker == 0x00:
            continue
        if marker in (0xD9, 0xDA):  # EOI or SOS before any frame header
            return None
        if i + 2 > n:
            return None
        (length,) = struct.unpack(">H", data[i : i + 2])
        if marker in _JPEG_SOF:
            if i + 7 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            return HeaderSize(width, height)
        if length < 2:
            return None
        i += length
    return None


def png_bit_depth(data: bytes) -> int | None:
    """Bits per sample from a PNG IHDR (8 for ordinary RGB, 16 for 48-bit RGB)."""
    if len(data) >= 25 and data[12:16] == b"IHDR":
        return data[24]
    return None
