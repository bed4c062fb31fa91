"""Test images made in memory with Pillow: ID-photo-like portraits, scanned-document-like pages, and the
byte-level tools to reach an exact file size, add metadata, truncate, or declare absurd dimensions.

Everything is deterministic (seeded), so measurements on these images are stable across runs.

    portrait(300, 400)                                  -> JPEG bytes of a white-background ID photo
    portrait(390, 567, background=ID_BLUE, quality=85)  -> blue background
    portrait(300, 400, exif_orientation=6)              -> stored 400x300, displays 300x400
    portrait(300, 400, backdrop="room")                 -> a busy room behind the person
    document(1000, 1414, dpi=(200, 200))                -> a scan-like certificate page
    pad_to(data, 102_400)                               -> same image, exactly 100 KB (COM / private chunk)
    fit_to(portrait_image(300, 400), 102_400)           -> re-encoded to fit, then padded to the exact size
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from functools import lru_cache
from typing import Any, Literal

import segno
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]
WHITE: RGB = (255, 255, 255)
ID_BLUE: RGB = (67, 142, 219)
ROYAL_BLUE: RGB = (30, 70, 170)
GREY: RGB = (128, 128, 128)
Backdrop = Literal["plain", "gradient", "room"]

# Orientation n stores the displayed picture transformed by the inverse of what a viewer applies for n.
_STORE_TRANSPOSE: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


# --- drawing ----------------------------------------------------------------------------------------------


def _noise(size: tuple[int, int], amplitude: float, rng: random.Random) -> Image.Image:
    """Uniform RGB noise in [-amplitude, +amplitude] around 128 (to be added with offset -128)."""
    raw = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    return raw.point(lambda v: max(0, min(255, round(128 + (v - 128) * amplitude / 128))))


def add_noise(img: Image.Image, amplitude: float, seed: int = 0, mask: Image.Image | None = None) -> Image.Image:
    """`img` (RGB) plus uniform noise of +-amplitude levels, optionally only where `mask` (L) is set."""
    if amplitude <= 0:
        return img
    noisy = ImageChops.add(img, _noise(img.size, amplitude, random.Random(seed)), scale=1.0, offset=-128)
    return noisy if mask is None else Image.composite(noisy, img, mask)


def _backdrop(size: tuple[int, int], colour: RGB, kind: Backdrop, rng: random.Random, falloff: int) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, colour)
    if kind == "gradient":
        # studio backdrop lit from the upper left: `falloff` levels darker at the bottom, half that sideways
        ramp = Image.linear_gradient("L").resize(size).point(lambda v: v * falloff // 255)
        ramp2 = Image.linear_gradient("L").rotate(90).resize(size).point(lambda v: (255 - v) * falloff // 510)
        shade = ImageChops.add(ramp, ramp2)
        img = ImageChops.subtract(img, Image.merge("RGB", (shade, shade, shade)))
    elif kind == "room":
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, w, h), fill=(196, 182, 160))  # wall
        draw.rectangle((0, int(0.7 * h), w, h), fill=(120, 84, 60))  # floor / desk
        # a window with frame on the left, a bookshelf on the right, pictures and a lamp
        draw.rectangle((int(0.02 * w), int(0.05 * h), int(0.3 * w), int(0.5 * h)), fill=(235, 245, 255))
        draw.line((int(0.16 * w), int(0.05 * h), int(0.16 * w), int(0.5 * h)), fill=(90, 70, 50), width=max(2, w // 80))
        draw.line((int(0.02 * w), int(0.27 * h), int(0.3 * w), int(0.27 * h)), fill=(90, 70, 50), width=max(2, w // 80))
        x = int(0.68 * w)
        for shelf in range(4):
            y0 = int((0.02 + 0.17 * shelf) * h)
            draw.rectangle((x, y0 + int(0.15 * h), w, y0 + int(0.17 * h)), fill=(80, 50, 30))
            bx = x
            while bx < w:
                bw = rng.randint(max(2, w // 80), max(3, w // 30))
                colour_book = (rng.randint(20, 230), rng.randint(20, 200), rng.randint(20, 200))
                draw.rectangle((bx, y0 + rng.randint(0, int(0.05 * h)), bx + bw, y0 + int(0.15 * h)), fill=colour_book)
                bx += bw + 1
        draw.rectangle((int(0.35 * w), int(0.02 * h), int(0.62 * w), int(0.12 * h)), fill=(40, 90, 60))
        draw.ellipse((int(0.45 * w), int(0.04 * h), int(0.52 * w), int(0.1 * h)), fill=(230, 200, 40))
    return img


def portrait_image(
    width: int,
    height: int,
    background: RGB = WHITE,
    *,
    backdrop: Backdrop = "plain",
    blur: float = 0.0,
    noise: float = 4.0,
    falloff: int = 40,
    seed: int = 0,
) -> Image.Image:
    """An RGB head-and-shoulders ID photo as displayed: width x height, head centred, eyes at ~42 %.

    `backdrop`: "plain" (the `background` colour), "gradient" (`falloff` levels of uneven light) or "room".
    `blur`: Gaussian radius in pixels of this image (lens defocus); `noise`: +- levels of sensor noise.
    Small scenes are cached (tests draw the same ones again and again); the caller gets its own copy."""
    args = (width, height, tuple(background), backdrop, blur, noise, falloff, seed)
    if width * height <= _CACHE_MAX_PIXELS:
        return _cached_portrait(*args).copy()
    return _draw_portrait(*args)


_CACHE_MAX_PIXELS = 2_000_000


@lru_cache(maxsize=48)
def _cached_portrait(*args: Any) -> Image.Image:
    return _draw_portrait(*args)


def _draw_portrait(
    width: int, height: int, background: RGB, backdrop: Backdrop, blur: float, noise: float, falloff: int, seed: int
) -> Image.Image:
    rng = random.Random(seed)
    w, h = width, height
    img = _backdrop((w, h), background, backdrop, rng, falloff)
    person = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    m = ImageDraw.Draw(person)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)

    def pt(x: float, y: float) -> tuple[int, int]:
        return round(x * w), round(y * h)

    skin, shade, hair, suit = (226, 182, 150), (200, 150, 120), (32, 26, 22), (38, 44, 62)
    # shoulders and suit (touching the bottom and nearly both edges)
    for draw, fill in ((d, suit), (m, 255)):
        draw.ellipse(box(0.03, 0.74, 0.97, 1.35), fill=fill)
        draw.rectangle(box(0.42, 0.6, 0.58, 0.8), fill=fill if draw is m else shade)
    d.polygon([pt(0.4, 0.74), pt(0.6, 0.74), pt(0.5, 0.93)], fill=WHITE)  # shirt
    d.polygon([pt(0.47, 0.78), pt(0.53, 0.78), pt(0.5, 0.95)], fill=(140, 20, 30))  # tie
    # hair behind, face, ears
    for draw, fill in ((d, hair), (m, 255)):
        draw.ellipse(box(0.27, 0.14, 0.73, 0.55), fill=fill)
    for draw, fill in ((d, skin), (m, 255)):
        draw.ellipse(box(0.29, 0.40, 0.33, 0.50), fill=fill)
        draw.ellipse(box(0.67, 0.40, 0.71, 0.50), fill=fill)
        draw.ellipse(box(0.31, 0.23, 0.69, 0.67), fill=fill)
    # fringe with strands
    d.chord(box(0.29, 0.15, 0.71, 0.42), 180, 360, fill=hair)
    for _ in range(max(20, w // 3)):
        x0 = rng.uniform(0.3, 0.7)
        y0 = rng.uniform(0.15, 0.27)
        tone = rng.randint(10, 80)
        end = (x0 + rng.uniform(-0.05, 0.05), y0 + rng.uniform(0.02, 0.08))
        d.line(box(x0, y0, *end), fill=(tone, tone - 5, tone - 8), width=1)
    # brows, eyes, nose, mouth
    for cx in (0.42, 0.58):
        d.line(box(cx - 0.05, 0.385, cx + 0.05, 0.38), fill=hair, width=max(2, h // 120))
        d.ellipse(box(cx - 0.04, 0.41, cx + 0.04, 0.445), fill=(245, 245, 240))
        d.ellipse(box(cx - 0.017, 0.413, cx + 0.017, 0.442), fill=(70, 45, 30))
        d.ellipse(box(cx - 0.007, 0.421, cx + 0.007, 0.434), fill=(10, 10, 10))
    d.line(box(0.5, 0.45, 0.49, 0.53), fill=shade, width=max(1, w // 150))
    d.arc(box(0.46, 0.51, 0.54, 0.55), 20, 160, fill=(150, 100, 80), width=max(1, w // 200))
    d.ellipse(box(0.44, 0.575, 0.56, 0.605), fill=(190, 90, 90))
    d.line(box(0.44, 0.59, 0.56, 0.59), fill=(120, 50, 50), width=1)
    # camera-like: fine texture on the person (part of the scene, so defocus blurs it), then the lens
    # blur, then sensor noise everywhere (which no defocus removes)
    img = add_noise(img, 10.0, seed=seed + 1, mask=person)
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return add_noise(img, noise, seed=seed + 2)


def document_image(
    width: int,
    height: int,
    paper: RGB = (249, 248, 243),
    *,
    stamp: bool = True,
    blur: float = 0.0,
    noise: float = 3.0,
    seed: int = 0,
) -> Image.Image:
    """An RGB scan-like certificate: frame, title, lines of text, a table, a QR code, a red seal."""
    args = (width, height, tuple(paper), stamp, blur, noise, seed)
    if width * height <= _CACHE_MAX_PIXELS:
        return _cached_document(*args).copy()
    return _draw_document(*args)


@lru_cache(maxsize=24)
def _cached_document(*args: Any) -> Image.Image:
    return _draw_document(*args)


def _draw_document(
    width: int, height: int, paper: RGB, stamp: bool, blur: float, noise: float, seed: int
) -> Image.Image:
    rng = random.Random(seed)
    w, h = width, height
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    unit = max(8, w // 40)
    d.rectangle((unit, unit, w - unit, h - unit), outline=(120, 30, 30), width=max(2, unit // 6))
    title = ImageFont.load_default(size=unit * 2)
    body = ImageFont.load_default(size=max(8, unit))
    d.text((w // 2, 3 * unit), "CERTIFICATE", font=title, fill=(20, 20, 20), anchor="mt")
    words = ["degree", "academic", "record", "verified", "student", "number", "2023", "Beijing", "issued", "of"]
    y = 7 * unit
    while y < 0.62 * h:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 9)))
        d.text((3 * unit, y), line, font=body, fill=(25, 25, 30))
        y += int(unit * 1.7)
    # a table
    top = int(0.65 * h)
    for row in range(5):
        d.line((3 * unit, top + row * unit * 2, w - 3 * unit, top + row * unit * 2), fill=(40, 40, 40), width=1)
    for col in range(4):
        x = 3 * unit + col * (w - 6 * unit) // 3
        d.line((x, top, x, top + 8 * unit), fill=(40, 40, 40), width=1)
    # a real QR code, as on the electronic registration forms (CG-MAT-1), with its quiet zone
    qr = segno.make_qr(f"https://www.chsi.com.cn/xlcx/bg.do?vcode=TEST{seed:012d}", error="l")
    cell = max(2, unit // 4)
    qx, qy = 3 * unit, h - 3 * unit - qr.symbol_size(scale=1, border=0)[1] * cell
    for j, row in enumerate(qr.matrix):
        for i, dark in enumerate(row):
            if dark:
                x, y = qx + i * cell, qy + j * cell
                d.rectangle((x, y, x + cell - 1, y + cell - 1), fill=(0, 0, 0))
    if stamp:
        r = int(0.12 * w)
        cx, cy = int(0.72 * w), int(0.84 * h)
        red = (210, 40, 45)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(3, r // 12))
        d.regular_polygon((cx, cy, r // 3), 5, fill=red)
        d.text((cx, cy + r // 2), "SEAL", font=body, fill=red, anchor="mm")
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return add_noise(img, noise, seed=seed + 1)


# --- encoding ---------------------------------------------------------------------------------------------


def exif_bytes(
    orientation: int | None = None,
    software: str | None = None,
    resolution: float | None = None,
    resolution_unit: int = 2,
    extra: dict[int, Any] | None = None,
) -> bytes:
    """An EXIF block (for `save(exif=...)`) with the given IFD0 tags."""
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if software is not None:  # non-ASCII names as UTF-8 bytes, the way phone apps write them
        exif[0x0131] = software if software.isascii() else software.encode("utf-8")
    if resolution is not None:
        exif[0x011A] = resolution
        exif[0x011B] = resolution
        exif[0x0128] = resolution_unit
    for tag, value in (extra or {}).items():
        exif[tag] = value
    return exif.tobytes()


def encode(
    img: Image.Image,
    fmt: str = "JPEG",
    *,
    quality: int = 90,
    exif_orientation: int | None = None,
    software: str | None = None,
    dpi: tuple[float, float] | None = None,
    exif_dpi: float | None = None,
    mode: str | None = None,
    **save: Any,
) -> bytes:
    """Encode a displayed image. With `exif_orientation` the pixels are stored transformed so that a viewer
    applying the tag shows `img` again. `mode` converts first ("L", "CMYK", "P", "RGBA", "1", "I;16").
    `dpi` is written to JFIF / pHYs, `exif_dpi` to EXIF X/YResolution only."""
    stored = img
    if exif_orientation is not None:
        transpose = _STORE_TRANSPOSE[exif_orientation]
        stored = img.transpose(transpose) if transpose is not None else img
    if mode is not None and mode != stored.mode:
        if mode == "P":
            stored = stored.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        elif mode == "I;16":
            stored = stored.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
        else:
            stored = stored.convert(mode)
    if exif_orientation is not None or software is not None or exif_dpi is not None:
        save["exif"] = exif_bytes(exif_orientation, software, exif_dpi)
    if dpi is not None:
        save["dpi"] = dpi
    if fmt == "JPEG":
        save.setdefault("quality", quality)
    out = io.BytesIO()
    stored.save(out, fmt, **save)
    return out.getvalue()


def portrait(
    width: int,
    height: int,
    background: RGB = WHITE,
    fmt: str = "JPEG",
    quality: int = 90,
    exif_orientation: int | None = None,
    software: str | None = None,
    dpi: tuple[float, float] | None = None,
    mode: str = "RGB",
    blur: float = 0.0,
    *,
    backdrop: Backdrop = "plain",
    noise: float = 4.0,
    seed: int = 0,
    **save: Any,
) -> bytes:
    """Encoded ID photo that *displays* as width x height (see `portrait_image` and `encode`)."""
    img = portrait_image(width, height, background, backdrop=backdrop, blur=blur, noise=noise, seed=seed)
    return encode(img, fmt, quality=quality, exif_orientation=exif_orientation, software=software,
                  dpi=dpi, mode=mode, **save)


def document(
    width: int,
    height: int,
    paper: RGB = (249, 248, 243),
    fmt: str = "JPEG",
    quality: int = 90,
    exif_orientation: int | None = None,
    software: str | None = None,
    dpi: tuple[float, float] | None = None,
    mode: str = "RGB",
    blur: float = 0.0,
    *,
    stamp: bool = True,
    noise: float = 3.0,
    seed: int = 0,
    **save: Any,
) -> bytes:
    """Encoded scan-like document page that displays as width x height."""
    img = document_image(width, height, paper, stamp=stamp, blur=blur, noise=noise, seed=seed)
    return encode(img, fmt, quality=quality, exif_orientation=exif_orientation, software=software,
                  dpi=dpi, mode=mode, **save)


# --- exact byte sizes -------------------------------------------------------------------------------------

JPEG_SEGMENT_OVERHEAD = 4  # FF xx + 2-byte length
PNG_CHUNK_OVERHEAD = 12  # length + type + CRC
_MAX_SEGMENT_PAYLOAD = 65533


def _jpeg_insert_offset(data: bytes) -> int:
    """Offset just after SOI and the APPn segments that follow it (JFIF/EXIF stay first)."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF and 0xE0 <= data[i + 1] <= 0xEF:
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return i


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    """One JPEG marker segment (e.g. 0xFE comment, 0xED APP13) carrying `payload` (<= 65533 bytes)."""
    if len(payload) > _MAX_SEGMENT_PAYLOAD:
        raise ValueError("JPEG segment payload too long")
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def insert_jpeg_segments(data: bytes, segments: bytes) -> bytes:
    at = _jpeg_insert_offset(data)
    return data[:at] + segments + data[at:]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png(ihdr: bytes, idat: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def pad_to(data: bytes, size: int) -> bytes:
    """The same valid image grown to exactly `size` bytes: JPEG with COM segments, PNG with a private
    ancillary chunk ("prVt") before IEND. Raises ValueError when it cannot (already bigger, or a gap
    smaller than one segment's overhead)."""
    extra = size - len(data)
    if extra == 0:
        return data
    if data.startswith(b"\xff\xd8"):
        if extra < JPEG_SEGMENT_OVERHEAD:
            raise ValueError(f"cannot pad a JPEG by {extra} bytes")
        segments = []
        while extra > 0:
            take = min(extra, _MAX_SEGMENT_PAYLOAD + JPEG_SEGMENT_OVERHEAD)
            if 0 < extra - take < JPEG_SEGMENT_OVERHEAD:  # keep room for a last segment
                take -= JPEG_SEGMENT_OVERHEAD
            segments.append(jpeg_segment(0xFE, b" " * (take - JPEG_SEGMENT_OVERHEAD)))
            extra -= take
        return insert_jpeg_segments(data, b"".join(segments))
    if data.startswith(b"\x89PNG"):
        if extra < PNG_CHUNK_OVERHEAD:
            raise ValueError(f"cannot pad a PNG by {extra} bytes")
        iend = data.rindex(b"IEND") - 4
        return data[:iend] + png_chunk(b"prVt", b"\x00" * (extra - PNG_CHUNK_OVERHEAD)) + data[iend:]
    raise ValueError("pad_to handles JPEG and PNG only")


def fit_to(img: Image.Image, size: int, fmt: str = "JPEG", quality: int = 92, **encode_kwargs: Any) -> bytes:
    """Encode `img` at the highest quality (stepping down from `quality`) that leaves room, then pad to
    exactly `size` bytes."""
    overhead = JPEG_SEGMENT_OVERHEAD if fmt == "JPEG" else PNG_CHUNK_OVERHEAD
    for q in range(quality, 4, -4):
        data = encode(img, fmt, quality=q, **encode_kwargs)
        if len(data) == size or len(data) + overhead <= size:
            return pad_to(data, size)
        if fmt != "JPEG":
            break
    raise ValueError(f"cannot fit a {img.size} image into {size} bytes")


# --- metadata and broken files ----------------------------------------------------------------------------


def photoshop_app13(writer: str = "Adobe Photoshop", reader: str = "Adobe Photoshop 2024") -> bytes:
    """An APP13 "Photoshop 3.0" segment with a version-info resource (0x0421) naming `writer`."""

    def ustr(text: str) -> bytes:
        return len(text).to_bytes(4, "big") + text.encode("utf-16-be")

    version = (1).to_bytes(4, "big") + b"\x01" + ustr(writer) + ustr(reader) + (1).to_bytes(4, "big")
    if len(version) % 2:
        version += b"\x00"
    resource = b"8BIM" + (0x0421).to_bytes(2, "big") + b"\x00\x00" + len(version).to_bytes(4, "big") + version
    return jpeg_segment(0xED, b"Photoshop 3.0\x00" + resource)


def with_photoshop_block(data: bytes, writer: str = "Adobe Photoshop") -> bytes:
    return insert_jpeg_segments(data, photoshop_app13(writer))


def set_jfif_density(data: bytes, unit: int, x: int, y: int | None = None) -> bytes:
    """Rewrite the JFIF APP0 density of a Pillow-written JPEG: unit 0 = aspect only, 1 = dpi, 2 = dots/cm."""
    if data[6:11] != b"JFIF\x00":
        raise ValueError("no JFIF APP0 segment at the start")
    y = x if y is None else y
    return data[:13] + bytes([unit]) + x.to_bytes(2, "big") + y.to_bytes(2, "big") + data[18:]


def declare_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header (SOF0/SOF2) claiming width x height: a decompression-bomb header."""
    for sof in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(sof)
        if at > 0:
            return data[: at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + data[at + 9 :]
    raise ValueError("no SOF0/SOF2 marker")


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first `keep` fraction of the file, as an interrupted upload would leave it."""
    return data[: max(1, int(len(data) * keep))]


def png_header_only(width: int, height: int, mode_byte: int = 2) -> bytes:
    """A PNG signature + IHDR declaring width x height (RGB by default) + a token IDAT + IEND: a file of a
    few dozen bytes that promises an enormous image (decompression-bomb header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, mode_byte, 0, 0, 0)
    return _png(ihdr, zlib.compress(b"\x00" * 64))


def rgb48_png(width: int, height: int) -> bytes:
    """A valid 16-bit-per-channel RGB PNG (Pillow opens it as 8-bit "RGB", but the file is 48-bit)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    rows = b"".join(
        b"\x00" + b"".join(struct.pack(">HHH", x * 257, y * 257, 32768) for x in range(width)) for y in range(height)
    )
    return _png(ihdr, zlib.compress(rows))


def compressible_png(width: int, height: int) -> bytes:
    """A complete, valid all-black greyscale PNG of width x height: tiny on disk, width*height bytes decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    comp = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + pixels
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    return _png(ihdr, b"".join(parts))
