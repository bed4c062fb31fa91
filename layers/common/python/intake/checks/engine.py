"""check_material: one uploaded file's bytes against a FileSpec, header first, pixels only when they matter.

Order (the applicant learns every cheap problem at once; pixels are decoded only for a file that passed
everything the header can tell):

 1. empty file                                    file.empty                 (stop)
 2. byte size                                     file.too_small / file.too_large
 3. type by content (magic bytes, X-FILE-1)       file.format_not_allowed / file.unknown_type (stop)
 4. header: decompression-bomb guard, open        image.too_many_pixels / file.corrupt (stop)
 5. EXIF orientation: 5-8 swap width and height   (facts only)
 6. pixel size and aspect ratio, as displayed     image.dimensions_mismatch / image.too_small_pixels /
                                                  image.aspect_ratio
 7. colour mode                                   image.colour_mode / image.greyscale
 8. pixel density                                 scan.resolution_low
    editing software in metadata                  photo.edited (warning)
 9. any error so far -> stop without decoding (facts.decoded_pixels == 0)
10. decode once, at the smallest JPEG DCT scale that serves   file.truncated / file.corrupt
11. background                                    photo.background_colour / photo.background_uneven
12. sharpness                                     image.blurred / image.maybe_blurred (warning)
    colour content                                image.looks_greyscale (warning)

The function is pure (bytes and spec in, result out) and never raises on any input bytes.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

from PIL import Image

from intake.checks import measure, metadata
from intake.checks.models import CheckResult, ImageFacts
from intake.checks.sniff import detect_format, header_size, png_bit_depth
from intake.checks.spec import FileSpec
from intake.findings import Finding, error, warning

KB = 1024
MB = 1024 * 1024

A4_SHORT_IN = 8.27
A4_LONG_IN = 11.69
"""A4 page in inches: the stated rule infers the density of a scan that records none as if it were A4."""

RATIO_EPSILON = 1e-9
"""Float slack so a ratio exactly on the tolerance bound (e.g. 303:400 for 3:4 +-1 %) is accepted."""
DPI_EPSILON = 1e-6

# Pillow modes in words, for applicants (zh, en).
MODE_NAMES: dict[str, tuple[str, str]] = {
    "RGB": ("24 位 RGB 真彩色", "24-bit RGB"),
    "RGB;16": ("48 位 RGB（每通道 16 位）", "48-bit RGB (16 bits per channel)"),
    "RGBA": ("带透明通道的 RGBA", "RGBA (RGB with transparency)"),
    "RGBX": ("32 位 RGBX", "32-bit RGBX"),
    "CMYK": ("CMYK 印刷色彩模式", "CMYK (print colour model)"),
    "YCbCr": ("YCbCr 色彩模式", "YCbCr"),
    "LAB": ("Lab 色彩模式", "Lab colour"),
    "HSV": ("HSV 色彩模式", "HSV colour"),
    "L": ("8 位灰度", "8-bit greyscale"),
    "LA": ("带透明通道的灰度", "greyscale with transparency"),
    "1": ("1 位黑白", "1-bit black and white"),
    "P": ("调色板索引色", "palette (indexed colour)"),
    "PA": ("带透明通道的调色板索引色", "palette with transparency"),
    "I": ("32 位整数灰度", "32-bit integer greyscale"),
    "I;16": ("16 位灰度", "16-bit greyscale"),
    "I;16B": ("16 位灰度", "16-bit greyscale"),
    "I;16L": ("16 位灰度", "16-bit greyscale"),
    "I;16N": ("16 位灰度", "16-bit greyscale"),
    "F": ("32 位浮点灰度", "32-bit float greyscale"),
}
GREYSCALE_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_RESIZABLE_MODES = frozenset({"RGB", "RGBA", "L", "LA", "CMYK"})
_STORED_TO_DISPLAYED: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_BACKGROUND_NAMES = {"white": ("白色", "white"), "blue": ("蓝色", "blue")}


def human_size(n: int) -> str:
    """1 KB = 1024 bytes; exact multiples print bare ("100 KB"), others truncated to 2 decimals so a value
    just over a limit never prints as the limit ("400.00 KB" for 409601 bytes)."""
    if n >= MB:
        unit, div = "MB", MB
    elif n >= KB:
        unit, div = "KB", KB
    else:
        return f"{n} B"
    if n % div == 0:
        return f"{n // div} {unit}"
    return f"{math.floor(n * 100 / div) / 100:.2f} {unit}"


def _num(x: float, digits: int = 1) -> str:
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:.{digits}f}"


def _ratio(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _mode_words(mode: str) -> tuple[str, str]:
    return MODE_NAMES.get(mode, (mode, mode))


def _short_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:100]}" if text else type(exc).__name__


def check_material(data: bytes, spec: FileSpec) -> CheckResult:
    """Check one file's bytes against `spec`. Never raises: every problem is a Finding."""
    raw = bytes(data) if isinstance(data, bytearray | memoryview) else data
    if not isinstance(raw, bytes):
        raw = b""
    checker = _Checker(raw, spec)
    try:
        checker.run()
    except Exception as exc:  # a safety net: an unexpected failure is still a finding, never a 500
        checker.findings.append(_corrupt(f"unexpected {_short_reason(exc)}"))
    return CheckResult(facts=checker.facts, findings=checker.findings)


def size_findings(n: int, spec: FileSpec) -> list[Finding]:
    """The byte-size verdict alone: usable when only the size is known (e.g. from an S3 event)."""
    findings = []
    if n < spec.min_bytes:
        findings.append(error(
            "file.too_small",
            f"文件大小为 {human_size(n)}（{n} 字节），"
            f"小于下限 {human_size(spec.min_bytes)}（{spec.min_bytes} 字节）",
            f"file size {human_size(n)} ({n} bytes) is below the minimum of "
            f"{human_size(spec.min_bytes)} ({spec.min_bytes} bytes)",
            n, spec.min_bytes,
        ))
    if n > spec.max_bytes:
        findings.append(error(
            "file.too_large",
            f"文件大小为 {human_size(n)}（{n} 字节），"
            f"超过上限 {human_size(spec.max_bytes)}（{spec.max_bytes} 字节）",
            f"file size {human_size(n)} ({n} bytes) exceeds the limit of "
            f"{human_size(spec.max_bytes)} ({spec.max_bytes} bytes)",
            n, spec.max_bytes,
        ))
    return findings


def _corrupt(reason: str) -> Finding:
    return error(
        "file.corrupt",
        f"文件已损坏，无法读取图像（{reason}）",
        f"file is corrupt, the image cannot be read ({reason})",
        reason=reason,
    )


class _Checker:
    def __init__(self, data: bytes, spec: FileSpec) -> None:
        self.data = data
        self.spec = spec
        self.facts = ImageFacts(bytes=len(data))
        self.findings: list[Finding] = []

    @property
    def has_error(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def run(self) -> None:
        if not self._file_level():
            return
        im = self._open_image()
        if im is None:
            return
        try:
            exif = metadata.read_exif(im)
            self._geometry(im, exif)
            self._colour_mode(im)
            self._density(im, exif)
            if self.spec.editing_software_warning:
                self._editing(im, exif)
            if self.has_error:
                return  # step 9: judged from the header alone, pixels never decoded
            work = self._decode(im)
        finally:
            im.close()
        if work is not None:
            self._pixels(work)

    # --- steps 1-3 ------------------------------------------------------------------------------------

    def _file_level(self) -> bool:
        n, spec = len(self.data), self.spec
        if n == 0:
            self.findings.append(
                error("file.empty", "文件为空（0 字节）", "file is empty (0 bytes)", 0, spec.min_bytes)
            )
            return False
        self.findings.extend(size_findings(n, spec))
        fmt = detect_format(self.data)
        self.facts.format = fmt
        allowed_zh, allowed_en = " / ".join(spec.formats), " or ".join(spec.formats)
        if fmt is None:
            self.findings.append(error(
                "file.unknown_type",
                f"无法从文件内容识别文件类型（不是可识别的图片），仅接受 {allowed_zh}",
                f"file type not recognised from its content (not a known image), only {allowed_en} accepted",
                None, list(spec.formats), head=self.data[:8].hex(),
            ))
            return False
        if fmt not in spec.formats:
            self.findings.append(error(
                "file.format_not_allowed",
                f"文件实际类型为 {fmt}，仅接受 {allowed_zh}（按文件内容判断，修改扩展名无效）",
                f"file content is {fmt}, only {allowed_en} accepted (judged by content; renaming does not help)",
                fmt, list(spec.formats),
            ))
            return False
        return True

    # --- step 4 ---------------------------------------------------------------------------------------

    def _too_many_pixels(self, width: int | None, height: int | None, limit: int) -> None:
        if width is not None and height is not None:
            pixels: int | None = width * height
            size_zh = f"{width}×{height}（{pixels / 1e6:.1f} 百万像素）"
            size_en = f"{width}x{height} ({pixels / 1e6:.1f} MP)"
        else:
            pixels, size_zh, size_en = None, "未知", "unknown"
        self.findings.append(error(
            "image.too_many_pixels",
            f"图片像素数过多：{size_zh}，上限 {limit / 1e6:.1f} 百万像素",
            f"image has too many pixels: {size_en}, limit {limit / 1e6:.1f} MP",
            pixels, limit, size=f"{width}x{height}" if width else None,
        ))

    def _open_image(self) -> Image.Image | None:
        fmt, spec = self.facts.format or "", self.spec
        declared = header_size(self.data, fmt)
        if declared is not None:
            self.facts.stored_width, self.facts.stored_height = declared
            if declared.width * declared.height > spec.max_pixels:
                self._too_many_pixels(declared.width, declared.height, spec.max_pixels)
                return None
        try:
            # Pillow's own bomb guard warns above Image.MAX_IMAGE_PIXELS and raises above twice that; the
            # warning becomes an error here. (catch_warnings is process-wide; a Lambda runs one check at a time.)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im = Image.open(io.BytesIO(self.data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            width, height = declared if declared is not None else (None, None)
            self._too_many_pixels(width, height, min(spec.max_pixels, Image.MAX_IMAGE_PIXELS or spec.max_pixels))
            return None
        except Exception as exc:  # UnidentifiedImageError, SyntaxError, OSError, struct.error, ...
            self.findings.append(_corrupt(_short_reason(exc)))
            return None
        width, height = im.size
        self.facts.stored_width, self.facts.stored_height = width, height
        if width * height > spec.max_pixels:  # header parser could not tell (e.g. unusual marker layout)
            im.close()
            self._too_many_pixels(width, height, spec.max_pixels)
            return None
        return im

    # --- steps 5-8 ------------------------------------------------------------------------------------

    def _geometry(self, im: Image.Image, exif: Image.Exif | None) -> None:
        facts, spec = self.facts, self.spec
        orientation = metadata.orientation(exif)
        facts.orientation = orientation
        width, height = im.size
        if orientation >= 5:
            width, height = height, width
        facts.width, facts.height = width, height
        shown_zh = f"（按 EXIF 方向 {orientation} 显示）" if orientation != 1 else ""
        shown_en = f" (as displayed, EXIF orientation {orientation})" if orientation != 1 else ""
        if spec.exact_pixels is not None:
            want = spec.exact_pixels
            if (width, height) != (want.width, want.height):
                self.findings.append(error(
                    "image.dimensions_mismatch",
                    f"照片尺寸为 {width}×{height} 像素{shown_zh}，要求宽 {want.width} 像素、高 {want.height} 像素",
                    f"image is {width}x{height} px{shown_en}, required exactly {want.width}x{want.height} px",
                    f"{width}x{height}", f"{want.width}x{want.height}",
                ))
        if spec.min_pixels is not None:
            want = spec.min_pixels
            if width < want.width or height < want.height:
                self.findings.append(error(
                    "image.too_small_pixels",
                    f"图片尺寸为 {width}×{height} 像素{shown_zh}，要求不小于 {want.width}×{want.height} 像素",
                    f"image is {width}x{height} px{shown_en}, required at least {want.width}x{want.height} px",
                    f"{width}x{height}", f"{want.width}x{want.height}",
                ))
        if spec.aspect_ratio is not None:
            ar = spec.aspect_ratio
            measured = width / height
            if abs(measured / ar.value - 1) > ar.tolerance + RATIO_EPSILON:
                tol = _num(ar.tolerance * 100, 2)
                self.findings.append(error(
                    "image.aspect_ratio",
                    f"照片宽高比为 {_ratio(measured)}（{width}×{height}{shown_zh}），"
                    f"要求 {ar.width}:{ar.height}（{_ratio(ar.value)}），允许误差 ±{tol}%",
                    f"aspect ratio {_ratio(measured)} ({width}x{height}{shown_en}), "
                    f"required {ar.width}:{ar.height} ({_ratio(ar.value)}) within ±{tol}%",
                    round(measured, 4), round(ar.value, 4), tolerance=ar.tolerance,
                ))

    def _colour_mode(self, im: Image.Image) -> None:
        mode = im.mode
        if mode == "RGB" and self.facts.format == "PNG" and png_bit_depth(self.data) == 16:
            mode = "RGB;16"  # Pillow opens 48-bit PNG as "RGB"; the file is still not 24-bit
        self.facts.mode = im.mode
        zh, en = _mode_words(mode)
        if self.spec.colour == "rgb24" and mode != "RGB":
            self.findings.append(error(
                "image.colour_mode",
                f"图片颜色模式为 {zh}，要求 24 位 RGB 真彩色",
                f"colour mode is {en}, required 24-bit RGB (8 bits per channel, no transparency or palette)",
                mode, "RGB",
            ))
        elif self.spec.colour == "colour" and mode in GREYSCALE_MODES:
            self.findings.append(error(
                "image.greyscale",
                f"图片为灰度/黑白图像（{zh}），要求彩色",
                f"image is greyscale ({en}), a colour image is required",
                mode, "colour",
            ))

    def _density(self, im: Image.Image, exif: Image.Exif | None) -> None:
        min_dpi = self.spec.min_dpi
        if min_dpi is None:
            return
        facts = self.facts
        dpi = metadata.file_dpi(im, facts.format or "", exif)
        if dpi is not None:
            source = "file"
        else:
            short, long_ = sorted((facts.width or 0, facts.height or 0))
            dpi = min(short / A4_SHORT_IN, long_ / A4_LONG_IN)
            source = "inferred"
        facts.dpi, facts.dpi_source = round(dpi, 2), source
        if dpi + DPI_EPSILON < min_dpi:
            value = _num(math.floor(dpi * 10) / 10)  # truncated: 199.97 must not print as 200
            if source == "file":
                zh = f"扫描分辨率为 {value} DPI，要求不低于 {min_dpi} DPI"
                en = f"scan resolution {value} dpi, required at least {min_dpi} dpi"
            else:
                zh = (f"文件未记录分辨率，按 A4 纸尺寸推算为 {value} DPI（{facts.width}×{facts.height} 像素），"
                      f"要求不低于 {min_dpi} DPI")
                en = (f"no resolution recorded in the file; inferred assuming an A4 page: "
                      f"{facts.width}x{facts.height} px is {value} dpi, required at least {min_dpi} dpi")
            self.findings.append(error(
                "scan.resolution_low", zh, en, math.floor(dpi * 10) / 10, min_dpi, dpi_source=source
            ))

    def _editing(self, im: Image.Image, exif: Image.Exif | None) -> None:
        software = metadata.editing_software(im, exif)
        if software is None:
            return
        self.facts.software = software
        self.findings.append(warning(
            "photo.edited",
            f"照片元数据显示经过编辑软件处理：{software}（要求不得修图，由工作人员核实）",
            f"photo metadata names editing software: {software} (no editing allowed; staff will check)",
            software, "no editing software",
        ))

    # --- step 10 --------------------------------------------------------------------------------------

    def _decode(self, im: Image.Image) -> Image.Image | None:
        """Decode once, as small as serves, and return the RGB working image as displayed."""
        width, height = im.size
        long_side = max(width, height)
        try:
            if self.facts.format == "JPEG" and long_side > measure.WORK_LONG_SIDE:
                # Target = the working size (WORK_LONG_SIDE = 512 px on the long side), the only size the
                # measurements need: libjpeg then decodes at the largest DCT scale (1/8, 1/4, 1/2) whose result
                # is still at least that big, so the working image is always a downscale (no upsampling blur
                # in the sharpness measure) and a 24 MP photo decodes as ~0.38 MP.
                scale = measure.WORK_LONG_SIDE / long_side
                im.draft("RGB", (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))
            # PNG has no reduced decode: it is decoded in full (max_pixels bounds the cost), then reduced.
            self.facts.decoded_pixels = im.size[0] * im.size[1]
            im.load()
        except Exception as exc:
            reason = _short_reason(exc)
            if isinstance(exc, EOFError) or "truncated" in reason.lower() or "premature" in reason.lower():
                n = len(self.data)
                self.findings.append(error(
                    "file.truncated",
                    f"文件不完整（上传可能中断）：图像数据在第 {n} 字节处提前结束",
                    f"file is incomplete (upload interrupted?): the image data ends early, at {n} bytes",
                    n, None, reason=reason,
                ))
            else:
                self.findings.append(_corrupt(reason))
            return None
        # reduce first and convert the small image; palette / 1-bit / 16-bit must be converted to resample
        resizable = im.mode in _RESIZABLE_MODES
        rgb = _to_rgb(measure.working_image(im)) if resizable else measure.working_image(_to_rgb(im))
        transpose = _STORED_TO_DISPLAYED.get(self.facts.orientation or 1)
        if transpose is not None:
            return rgb.transpose(transpose)
        return rgb.copy() if rgb is im else rgb  # `im` is closed when this returns

    # --- steps 11-12 ----------------------------------------------------------------------------------

    def _pixels(self, work: Image.Image) -> None:
        spec, m = self.spec, self.facts.measurements
        m["work_size"] = f"{work.size[0]}x{work.size[1]}"
        if min(work.size) < measure.MIN_MEASURABLE_SIDE:
            m["skipped"] = "image too small to measure"
            return
        mean_chroma, p99_chroma = measure.chroma_stats(work)
        m["mean_chroma"], m["p99_chroma"] = round(mean_chroma, 2), round(p99_chroma, 2)
        if spec.background is not None:
            self._background(work, spec.background)
        if spec.sharpness:
            self._sharpness(work)
        if spec.colour == "colour" and measure.looks_greyscale(mean_chroma, p99_chroma):
            limit = _num(measure.GREY_MEAN_CHROMA)
            self.findings.append(warning(
                "image.looks_greyscale",
                f"图片看起来是黑白/灰度的（平均色度 {mean_chroma:.1f}，低于 {limit}），要求彩色",
                f"image looks greyscale (mean chroma {mean_chroma:.1f}, below {limit}), a colour image is required",
                round(mean_chroma, 2), measure.GREY_MEAN_CHROMA, p99_chroma=p99_chroma,
            ))

    def _background(self, work: Image.Image, wanted: str) -> None:
        bg = measure.background(work)
        details = bg.details()
        self.facts.measurements.update(background_rgb=details["mean_rgb"], background_spread=details["spread"])
        ok = measure.is_white(bg.mean_rgb) if wanted == "white" else measure.is_blue(bg.mean_rgb)
        want_zh, want_en = _BACKGROUND_NAMES[wanted]
        rgb_text = ", ".join(str(round(c)) for c in bg.mean_rgb)
        if not ok:
            self.findings.append(error(
                "photo.background_colour",
                f"背景颜色为 {bg.hex}（RGB {rgb_text}），要求{want_zh}背景",
                f"background colour is {bg.hex} (RGB {rgb_text}), required {want_en}",
                bg.hex, wanted, **details,
            ))
        if bg.spread > measure.BG_UNEVEN_MAX_STD:
            limit = _num(measure.BG_UNEVEN_MAX_STD)
            self.findings.append(error(
                "photo.background_uneven",
                f"背景不均匀（边缘区域颜色标准差 {bg.spread:.1f}，上限 {limit}），要求纯色均匀背景",
                f"background is not uniform (border colour std dev {bg.spread:.1f}, limit {limit}); "
                "a plain, even backdrop is required",
                round(bg.spread, 1), measure.BG_UNEVEN_MAX_STD, **details,
            ))

    def _sharpness(self, work: Image.Image) -> None:
        score = measure.sharpness(work)
        self.facts.measurements["sharpness"] = round(score, 2)
        details: dict[str, Any] = {"region": list(measure.SHARP_REGION), "work_size": list(work.size)}
        if score < measure.BLUR_ERROR_BELOW:
            limit = _num(measure.BLUR_ERROR_BELOW)
            self.findings.append(error(
                "image.blurred",
                f"图片模糊（清晰度 {score:.1f}，下限 {limit}），请重新拍摄或扫描清晰的图片",
                f"image is blurred (sharpness {score:.1f}, minimum {limit}); take or scan it again in focus",
                round(score, 2), measure.BLUR_ERROR_BELOW, **details,
            ))
        elif score < measure.BLUR_WARN_BELOW:
            limit = _num(measure.BLUR_WARN_BELOW)
            self.findings.append(warning(
                "image.maybe_blurred",
                f"图片可能不够清晰（清晰度 {score:.1f}，低于 {limit}），由工作人员核实",
                f"image may be out of focus (sharpness {score:.1f}, below {limit}); staff will check",
                round(score, 2), measure.BLUR_WARN_BELOW, **details,
            ))


def _to_rgb(im: Image.Image) -> Image.Image:
    """RGB as a viewer shows it: transparency over white, 16-bit grey scaled to 8 bits, CMYK/palette converted."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode.startswith("I;16") or mode in ("I", "F"):
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L").convert("RGB")
    return im.convert("RGB")
