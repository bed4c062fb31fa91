"""Document inspection: page geometry and legibility, the verification QR code, printed codes read by OCR.

    inspect_document(rgb, rules) -> InspectionReport

`rgb` is the picture as displayed (EXIF orientation applied), H x W x 3 uint8, at full resolution: a flatbed
scan (the page fills the picture) or a phone photo (the page lies on something darker). The layout is measured
once on a working copy whose long side is at most WORK_SIDE; every box and point reported is in full-resolution
pixels of `rgb`, boxes `[x, y, w, h]`, points `[x, y]`.

The layout: ink is what is clearly darker than the local paper level; text-sized marks are smeared along the
reading direction (the direction in which marks have their nearest neighbour) into text lines, each fitted
through its pixels. Text height, tilt and the direction of reading all come from those lines, so that every
threshold is relative to the text and holds at any resolution.

Page (`rules.page`):

    document.rotated    sideways (lines run vertically) or upside down: a few lines are read by OCR as they lie
                        and turned half round, and the clearly better reading wins (error; unsure: warning).
                        Tilt: the lines' slope, error above SKEW_ERROR_DEG when the middle half of the lines
                        agree on it, warning above SKEW_WARN_DEG
    document.cut_off    text-sized marks on text lines cut by one edge of the picture (error); a few marks, or
                        the page outline running out of the picture along part of a side (warning)
    document.dark       brightness of the paper: error below PAPER_ERROR, warning below PAPER_WARN
    document.blurred    width of the strokes' edges as a fraction of the text height, with the text scaled to
                        TEXT_SCALE px (Laplacian variance would depend on resolution): error above BLUR_ERROR,
                        warning above BLUR_WARN
    document.no_text    no text line found (blank, or not a document): warning

The errors of rotation, cut-off and blur also need the picture to look like text (`_Layout.looks_like_text`,
or OCR reading it), so photos and textures never get them.

QR (`rules.qr_required`): zxing-cpp on the picture, then on reduced, thresholded and sharpened copies.
`document.qr_missing` (nothing found) and `document.qr_unreadable` (a QR-like square that does not decode) are
errors, since the rule requires a readable code; the message says to upload the form with its code whole and
sharp.

Codes (`rules.codes`): the page turned upright and level is read once by the `tesseract` program (chi_sim,
TSV); each code is looked for after one of its labels (a label of 3+ characters may have one misread), then in
the strip right of its label read again as one line of digits and capitals, then by its pattern alone. A code
not read, read with low confidence or found by pattern alone is a warning for staff
(`document.code_unreadable`, with the region to look at), never an error: OCR can fail on a legible code.
`document.ocr_unavailable` (warning) when tesseract is missing or fails.

Severity: an error only when the measurement is clear-cut (the thresholds keep a wide margin from the
borderline cases); anything in between is a warning for staff, and nothing the inspection is unsure of blocks
the applicant.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from intake.checks.inspection import CodeRule, DocumentRules, InspectionReport
from intake.findings import Finding, error, warning

WORK_SIDE = 1600
"""Long side of the working copy the layout is measured on."""
TEXT_SCALE = 20.0
"""Text height (px) the sharpness is measured at: the picture is scaled so its text is this high."""

SKEW_WARN_DEG = 2.0
SKEW_ERROR_DEG = 7.0
"""Tilt of the text lines: above 7 degrees the page is clearly not upright; 2-7 degrees is for staff."""
SKEW_AGREE_DEG = 2.0
"""Lines within this of the median slope agree with it; a tilt is an error only when the middle half of the
lines is tilted beyond SKEW_ERROR_DEG, so perspective or a curled page stays a warning."""
FLIP_MARGIN = 15.0
"""OCR confidence (0-100) one reading direction must win by to call the page upside down or sideways."""
FLIP_MIN_CONF = 55.0
PAGE_READS_CONF = 70.0
"""A whole page read at this mean confidence (0-100) reads the right way round."""

PAPER_ERROR = 80
PAPER_WARN = 120
"""Brightness (0-255) of the page's paper: below 80 the picture is too dark; 80-120 is for staff."""

BLUR_WARN = 0.30
BLUR_ERROR = 0.60
"""Edge width of the strokes / text height: sharp print is ~0.06-0.12; strokes of neighbouring characters
run together from ~0.4."""

CUT_MIN_GLYPHS = 3
"""Text-sized marks on text lines, cut by (or within 0.15 text heights of) one edge of the picture, that make a
page clearly cut off; 1-2 marks, or a page outline running out of the picture, are for staff."""

OUTLINE_ALONG_SIDE = 0.95
"""A page outline touching the picture's edge along less than this fraction of it runs out of the picture."""

TEXT_DIRECTION_RATIO = 1.8
"""Marks whose nearest neighbour lies along the lines / across them: print reads 2.3-6 and more; photos and
textures 1-1.4. With 3+ lines agreeing in slope, text 8+ px high and a slope spread of at most
TEXT_SPREAD_DEG, the picture counts as text, which the errors of the page checks require."""
TEXT_SPREAD_DEG = 5.0

CODE_MIN_CONF = 60.0
"""A code read with a lower OCR confidence (0-100, its weakest word) is reported, with a warning for staff."""

OCR_TIMEOUT_S = 20.0
OCR_TEXT_HEIGHT = 22.0
"""Text height (px) the page is scaled to for tesseract."""

SIDES = ("top", "right", "bottom", "left")
SIDES_ZH = {"top": "上", "right": "右", "bottom": "下", "left": "左"}


# --- public entry --------------------------------------------------------------------------------------------


def inspect_document(rgb: np.ndarray, rules: DocumentRules) -> InspectionReport:
    """Inspect one scanned or photographed document by its rules (see the module docstring)."""
    started = time.perf_counter()
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    ctx = _Context(grey=grey, rules=rules)
    report = InspectionReport()
    m = report.measurements
    m["size"] = [grey.shape[1], grey.shape[0]]

    layout = _layout(grey) if rules.page or rules.codes else None
    orientation = _Orientation(sideways=None, quarter=None, skew_deg=None)
    page_text: _PageText | None = None
    if layout is not None:
        m["page"] = layout.page_measurements()
        m["text"] = layout.text_measurements()
        orientation, page_text = _orientation(ctx, layout, read_page=bool(rules.codes))
        m["orientation"] = orientation.measurements()
        if rules.page:
            report.findings.extend(_page_findings(ctx, layout, orientation, m))
    if rules.qr_required:
        report.findings.extend(_qr_findings(ctx, m))
    if rules.codes:
        report.findings.extend(_code_findings(ctx, page_text, m))
    if ctx.ocr_missing and (rules.page or rules.codes):
        report.findings.append(warning(
            "document.ocr_unavailable",
            "文字识别程序不可用：页面方向和打印的编码需由审核人员人工核对",
            "the OCR program (tesseract) is not available: staff must check the page's orientation and its "
            "printed codes by hand",
            measured=ctx.ocr_missing, rules=list(rules.rules)))
    m["ocr"] = {"calls": ctx.ocr_calls, "seconds": round(ctx.ocr_seconds, 3)}
    m["seconds"] = round(time.perf_counter() - started, 3)
    return report


# --- shared state --------------------------------------------------------------------------------------------


@dataclass
class _Context:
    grey: np.ndarray
    rules: DocumentRules
    ocr_calls: int = 0
    ocr_seconds: float = 0.0
    ocr_missing: str | None = None
    _flat: np.ndarray | None = None

    def flat(self, layout: _Layout) -> np.ndarray:
        if self._flat is None:
            self._flat = _flatten(self.grey, layout)
        return self._flat

    def tesseract(self, image: np.ndarray, args: list[str]) -> str | None:
        """Run tesseract on `image` (grey uint8) through stdin/stdout; None if it cannot run."""
        if self.ocr_missing:
            return None
        exe = shutil.which("tesseract")
        if exe is None:
            self.ocr_missing = "tesseract not installed"
            return None
        ok, png = cv2.imencode(".png", image)
        if not ok:
            return None
        started = time.perf_counter()
        try:
            done = subprocess.run([exe, "stdin", "stdout", *args], input=png.tobytes(), capture_output=True,
                                  timeout=OCR_TIMEOUT_S, check=False,
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.ocr_missing = f"tesseract failed: {type(exc).__name__}"
            return None
        finally:
            self.ocr_calls += 1
            self.ocr_seconds += time.perf_counter() - started
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            self.ocr_missing = f"tesseract exited {done.returncode}: {message[-1] if message else ''}"[:200]
            return None
        return done.stdout.decode("utf-8", "replace")

    def details(self, **extra: Any) -> dict[str, Any]:
        return {"rules": list(self.rules.rules), **extra}


def _r(v: float, nd: int = 1) -> float:
    return round(float(v), nd)


def _box(x0: float, y0: float, x1: float, y1: float) -> list[int]:
    return [round(x0), round(y0), round(x1 - x0), round(y1 - y0)]


# --- layout --------------------------------------------------------------------------------------------------


@dataclass
class _Line:
    """A text line: the principal axis of its glyph pixels (working px)."""

    cx: float
    cy: float
    angle: float  # direction of the line, radians, image coordinates (y down)
    length: float
    height: float
    glyphs: int  # glyph pixels


@dataclass
class _Layout:
    scale: float  # working px per full-resolution px
    work: np.ndarray  # grey working copy
    paper: np.ndarray  # local paper level (working copy)
    page_mask: np.ndarray
    fills_frame: bool
    quad: np.ndarray | None  # 4 x 2 full-res corners tl, tr, br, bl when the page outline is seen
    outline_cut: dict[str, float]  # side -> fraction of that side the page runs out of the picture along
    glyph_stats: np.ndarray  # connected components kept as text-sized marks: x, y, w, h, area (working px)
    text_mask: np.ndarray  # glyph pixels of the text lines (working copy)
    lines: list[_Line] = field(default_factory=list)
    direction: str | None = None  # "horizontal" / "vertical"
    direction_ratio: float = 0.0
    text_height: float | None = None  # working px
    skew_deg: float | None = None  # counter-clockwise positive
    skew_spread_deg: float | None = None
    skew_quartiles: tuple[float, float] | None = None
    agreeing_lines: int = 0  # lines within 2 degrees of the median slope

    @property
    def text_height_full(self) -> float | None:
        return None if self.text_height is None else self.text_height / self.scale

    @property
    def looks_like_text(self) -> bool:
        """Lines that agree like printed or written text does: a clear reading direction, parallel lines,
        characters of a readable size. Photos and textures (grass, brick) fail it."""
        h = self.text_height_full
        return (self.agreeing_lines >= 3 and self.direction_ratio >= TEXT_DIRECTION_RATIO and h is not None
                and h >= 8 and self.skew_spread_deg is not None and self.skew_spread_deg <= TEXT_SPREAD_DEG)

    def page_measurements(self) -> dict[str, Any]:
        return {
            "fills_frame": self.fills_frame,
            "quad": None if self.quad is None else [[round(x), round(y)] for x, y in self.quad],
            "outline_cut": {k: _r(v, 3) for k, v in self.outline_cut.items()},
            "work_scale": _r(self.scale, 4),
        }

    def text_measurements(self) -> dict[str, Any]:
        return {
            "lines": len(self.lines),
            "lines_agreeing": self.agreeing_lines,
            "direction": self.direction,
            "direction_ratio": _r(self.direction_ratio, 2),
            "height_px": None if self.text_height is None else _r(self.text_height / self.scale),
            "skew_deg": None if self.skew_deg is None else _r(self.skew_deg, 2),
            "skew_spread_deg": None if self.skew_spread_deg is None else _r(self.skew_spread_deg, 2),
            "looks_like_text": self.looks_like_text,
        }


def _layout(grey: np.ndarray) -> _Layout:
    h, w = grey.shape
    scale = min(1.0, WORK_SIDE / max(h, w))
    work = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) \
        if scale < 1 else grey.copy()
    wh, ww = work.shape
    paper = _paper_level(work)
    page_mask, fills, quad_work, outline_cut = _find_page(work, paper)
    quad = None if quad_work is None else quad_work / scale

    # ink: clearly darker than the local paper level, inside the page (away from its outline)
    ink = ((work.astype(np.int16) < paper.astype(np.int16) * 3 // 4)
           & (paper.astype(np.int16) - work.astype(np.int16) >= 12)).astype(np.uint8)
    if not fills:
        k = max(3, round(max(wh, ww) / 150))
        inner = cv2.erode(page_mask, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)),
                          borderType=cv2.BORDER_CONSTANT, borderValue=1)
        ink &= inner
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    stats = stats[1:]
    cand = stats[(stats[:, cv2.CC_STAT_AREA] >= 6)]
    layout = _Layout(scale=scale, work=work, paper=paper, page_mask=page_mask, fills_frame=fills, quad=quad,
                     outline_cut=outline_cut, glyph_stats=np.zeros((0, 5), np.int32),
                     text_mask=np.zeros_like(ink))
    if len(cand) < 8:
        return layout
    size0 = float(np.median(np.maximum(cand[:, 2], cand[:, 3])))
    big = np.maximum(stats[:, 2], stats[:, 3])
    thin = np.minimum(stats[:, 2], stats[:, 3])
    keep = ((stats[:, cv2.CC_STAT_AREA] >= 3) & (big <= 5 * size0) & (big >= 0.25 * size0)
            & ~((big > 2.5 * size0) & (thin * 6 < big)))
    glyph_ids = np.flatnonzero(keep) + 1
    lut = np.zeros(n, np.uint8)
    lut[glyph_ids] = 1
    glyphs = lut[labels]
    layout.glyph_stats = stats[keep]
    _find_lines(layout, glyphs, size0)
    return layout


def _paper_level(work: np.ndarray) -> np.ndarray:
    """Local brightness of the paper: a grey closing (dark marks removed) at quarter resolution."""
    wh, ww = work.shape
    f = 4
    small = cv2.resize(work, (max(1, ww // f), max(1, wh // f)), interpolation=cv2.INTER_AREA)
    k = max(3, round(max(small.shape) / 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    closed = cv2.GaussianBlur(closed, (0, 0), k / 4)
    return cv2.resize(closed, (ww, wh), interpolation=cv2.INTER_LINEAR)


def _find_page(work: np.ndarray, paper: np.ndarray) -> tuple[np.ndarray, bool, np.ndarray | None,
                                                             dict[str, float]]:
    """The page: the bright region of the paper level, when a darker surround with a sharp edge is seen."""
    wh, ww = work.shape
    whole = np.ones((wh, ww), np.uint8)
    f = 4
    small = cv2.resize(paper, (max(1, ww // f), max(1, wh // f)), interpolation=cv2.INTER_AREA)
    _, bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hi, lo = small[bright > 0], small[bright == 0]
    if min(hi.size, lo.size) < 0.03 * small.size or float(hi.mean()) - float(lo.mean()) < 35:
        return whole, True, None, {}
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if n < 2:
        return whole, True, None, {}
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    comp = (labels == best).astype(np.uint8)
    if stats[best, cv2.CC_STAT_AREA] < 0.12 * small.size:
        return whole, True, None, {}
    contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    # a page edge is a step; shading is a slope: require a steep boundary where it is inside the picture
    gx = cv2.Sobel(small.astype(np.float32), cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(small.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3) / 8
    grad = np.hypot(gx, gy)
    pts = contour[:, 0, :]
    sh, sw = small.shape
    inside = (pts[:, 0] > 1) & (pts[:, 0] < sw - 2) & (pts[:, 1] > 1) & (pts[:, 1] < sh - 2)
    if inside.sum() < 10:
        return whole, True, None, {}
    step = float(hi.mean()) - float(lo.mean())
    steep = float(np.median(grad[pts[inside, 1], pts[inside, 0]])) / step
    if steep < 0.12:
        return whole, True, None, {}
    filled = np.zeros_like(comp)
    cv2.drawContours(filled, [contour], -1, 1, thickness=-1)
    if filled.mean() > 0.97:
        return whole, True, None, {}
    sides = {"top": filled[0, :], "bottom": filled[-1, :], "left": filled[:, 0], "right": filled[:, -1]}
    outline_cut = {k: float(v.mean()) for k, v in sides.items() if v.mean() > 0.03}
    mask = cv2.resize(filled, (ww, wh), interpolation=cv2.INTER_NEAREST)
    quad = None
    approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
    if len(approx) == 4 and cv2.isContourConvex(approx):
        corners = approx[:, 0, :].astype(np.float32) * f
        s = corners.sum(axis=1)
        d = corners[:, 0] - corners[:, 1]
        quad = np.array([corners[np.argmin(s)], corners[np.argmax(d)], corners[np.argmax(s)],
                         corners[np.argmin(d)]], np.float32)
    return mask, False, quad, outline_cut


def _find_lines(layout: _Layout, glyphs: np.ndarray, size0: float) -> None:
    """Text lines. Their direction comes from each mark's nearest neighbour, which lies along the line far more
    often than across it (line pitch exceeds character pitch); the lines are then the glyphs smeared along
    that direction, each fitted through its pixels."""
    stats = layout.glyph_stats
    centres = np.column_stack([stats[:, 0] + stats[:, 2] / 2, stats[:, 1] + stats[:, 3] / 2]).astype(np.float32)
    along, across = _neighbour_votes(centres, 3 * size0)
    direction = "horizontal" if along >= across else "vertical"
    layout.direction_ratio = max(along, across) / max(1, min(along, across))
    length = max(3, round(0.9 * size0))
    kernel = (length, 1) if direction == "horizontal" else (1, length)
    smeared = cv2.morphologyEx(glyphs, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    lines, line_mask = _lines_of(smeared, glyphs, direction, size0)
    if len(lines) < 2 or sum(line.length for line in lines) < 8 * size0 or max(along, across) < 10:
        return
    layout.direction = direction
    layout.lines = lines
    layout.text_mask = line_mask
    weights = np.array([line.length for line in lines])
    layout.text_height = _weighted_median(np.array([line.height for line in lines]), weights)
    base = 0.0 if direction == "horizontal" else math.pi / 2
    dev = np.array([math.degrees(_wrap(line.angle - base)) for line in lines])
    layout.skew_deg = -_weighted_median(dev, weights)  # y runs down: a line falling to the right is turned cw
    layout.agreeing_lines = int((np.abs(dev + layout.skew_deg) <= SKEW_AGREE_DEG).sum())
    q1, q3 = -_weighted_median(dev, weights, 0.75), -_weighted_median(dev, weights, 0.25)
    layout.skew_quartiles = (q1, q3)
    layout.skew_spread_deg = q3 - q1


def _neighbour_votes(centres: np.ndarray, reach: float) -> tuple[int, int]:
    """How many marks have their nearest neighbour (within `reach`) roughly along x, and along y."""
    n = len(centres)
    if n < 3:
        return 0, 0
    nearest = np.empty(n, np.int64)
    best = np.empty(n, np.float32)
    for start in range(0, n, 512):
        block = centres[start:start + 512]
        d2 = ((block[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        d2[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest[start:start + len(block)] = np.argmin(d2, axis=1)
        best[start:start + len(block)] = d2[np.arange(len(block)), nearest[start:start + len(block)]]
    ok = best <= reach * reach
    v = centres[nearest[ok]] - centres[ok]
    ax, ay = np.abs(v[:, 0]), np.abs(v[:, 1])
    return int((ax > 2 * ay).sum()), int((ay > 2 * ax).sum())


def _lines_of(smeared: np.ndarray, glyphs: np.ndarray, direction: str, size0: float) -> tuple[list[_Line],
                                                                                              np.ndarray]:
    """The long thin runs of a smeared glyph mask, each fitted through its glyph pixels; and their pixels."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    along = stats[:, 2] if direction == "horizontal" else stats[:, 3]
    across = stats[:, 3] if direction == "horizontal" else stats[:, 2]
    cand = np.flatnonzero((along >= 3 * size0) & (across <= 4 * size0) & (along >= 2.5 * across))
    cand = cand[cand > 0]
    lines: list[_Line] = []
    accepted = np.zeros(n, np.uint8)
    if cand.size == 0:
        return lines, np.zeros_like(glyphs)
    ys, xs = np.nonzero(glyphs)
    lab = labels[ys, xs]
    order = np.argsort(lab, kind="stable")
    lab_sorted = lab[order]
    starts = np.searchsorted(lab_sorted, cand)
    ends = np.searchsorted(lab_sorted, cand, side="right")
    for i, s, e in zip(cand, starts, ends, strict=True):
        if e - s < 20:
            continue
        idx = order[s:e]
        px, py = xs[idx].astype(np.float64), ys[idx].astype(np.float64)
        cx, cy = px.mean(), py.mean()
        dx, dy = px - cx, py - cy
        sxx, syy, sxy = (dx * dx).mean(), (dy * dy).mean(), (dx * dy).mean()
        angle = 0.5 * math.atan2(2 * sxy, sxx - syy)
        ux, uy = math.cos(angle), math.sin(angle)
        u = dx * ux + dy * uy
        v = -dx * uy + dy * ux
        length = float(np.percentile(u, 99.5) - np.percentile(u, 0.5))
        height = float(np.percentile(v, 98) - np.percentile(v, 2))
        if length < 2.5 * max(height, 1) or length < 3 * size0:
            continue
        lines.append(_Line(cx=cx, cy=cy, angle=angle, length=length, height=height, glyphs=int(e - s)))
        accepted[i] = 1
    return lines, accepted[labels] & glyphs


def _wrap(a: float) -> float:
    """Angle folded into [-pi/2, pi/2)."""
    return (a + math.pi / 2) % math.pi - math.pi / 2


def _weighted_median(values: np.ndarray, weights: np.ndarray, q: float = 0.5) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    c = np.cumsum(w)
    return float(v[min(len(v) - 1, int(np.searchsorted(c, q * c[-1])))])


# --- orientation ---------------------------------------------------------------------------------------------


@dataclass
class _Orientation:
    """Which way the page is turned: `quarter` clockwise (0, 90, 180, 270) or None when unknown."""

    sideways: bool | None  # text lines run vertically
    quarter: int | None
    skew_deg: float | None
    conf_upright: float | None = None  # OCR confidence of a few lines read in the chosen reading direction
    conf_flipped: float | None = None  # ... and turned half round
    sure: bool = False

    def measurements(self) -> dict[str, Any]:
        return {
            "sideways": self.sideways,
            "quarter_turns_cw": self.quarter,
            "skew_deg": None if self.skew_deg is None else _r(self.skew_deg, 2),
            "ocr_conf_as_read": None if self.conf_upright is None else _r(self.conf_upright),
            "ocr_conf_turned_half": None if self.conf_flipped is None else _r(self.conf_flipped),
            "sure": self.sure,
        }

    @property
    def reading_angle(self) -> float:
        """Counter-clockwise angle (degrees) that turns the picture so its text reads upright and level."""
        quarter = self.quarter or 0
        return float(quarter) + (self.skew_deg or 0.0)


def _orientation(ctx: _Context, layout: _Layout, read_page: bool) -> tuple[_Orientation, _PageText | None]:
    """Which way round the text reads. The lines' direction tells sideways from not; reading a few lines both
    ways round (OCR confidence) tells upright from upside down. When the page is to be read anyway (printed
    codes), a page that reads well as it lies needs no other test."""
    if layout.direction is None:
        out = _Orientation(sideways=None, quarter=None, skew_deg=None)
        return out, _read_page(ctx, layout, 0, 0.0) if read_page else None
    sideways = layout.direction == "vertical"
    base = 90 if sideways else 0
    out = _Orientation(sideways=sideways, quarter=None, skew_deg=layout.skew_deg)
    reads: dict[int, _PageText | None] = {}
    if read_page and not sideways:  # upright is the usual case; sideways is either way round
        reads[base] = first = _read_page(ctx, layout, base, out.skew_deg or 0.0)
        if first is not None and first.conf >= PAGE_READS_CONF and first.chars >= 30:
            out.quarter, out.sure, out.conf_upright = base, True, first.conf
            return out, first
        if first is not None and first.chars >= 30:
            # read badly as it lies: read it turned half round, which settles upside down if it reads well
            reads[base + 180] = turned = _read_page(ctx, layout, base + 180, out.skew_deg or 0.0)
            if turned is not None:
                out.conf_upright, out.conf_flipped = first.conf, turned.conf
                if turned.conf >= PAGE_READS_CONF and turned.conf - first.conf >= FLIP_MARGIN:
                    out.quarter, out.sure = base + 180, True
                    return out, turned
    strips = _line_strips(ctx.flat(layout), layout, sideways)
    text = None if strips is None else ctx.tesseract(strips, ["-l", "chi_sim", "--psm", "6", "--dpi", "300", "tsv"])
    if strips is not None and text is not None:
        words = _tsv_words(text)
        half = strips.shape[0] / 2
        out.conf_upright = _mean_conf([wd for wd in words if wd.y + wd.h / 2 < half])
        out.conf_flipped = _mean_conf([wd for wd in words if wd.y + wd.h / 2 >= half])
        if out.conf_upright >= FLIP_MIN_CONF and out.conf_upright - out.conf_flipped >= FLIP_MARGIN:
            out.quarter, out.sure = base, True
        elif out.conf_flipped >= FLIP_MIN_CONF and out.conf_flipped - out.conf_upright >= FLIP_MARGIN:
            out.quarter, out.sure = base + 180, True
    if not read_page:
        return out, None
    quarter = out.quarter if out.quarter is not None else base
    if quarter not in reads:
        reads[quarter] = _read_page(ctx, layout, quarter, out.skew_deg or 0.0)
    return out, reads[quarter]


def _line_strips(grey: np.ndarray, layout: _Layout, sideways: bool, count: int = 3) -> np.ndarray | None:
    """A few of the longest text lines cut out level at OCR size, stacked; below them the same stack turned
    half round. For sideways text the lines are turned a quarter counter-clockwise (then the first half reads
    upright when the page was turned a quarter clockwise)."""
    if not layout.lines or layout.text_height is None:
        return None
    target_len = 14 * OCR_TEXT_HEIGHT  # at most ~14 characters of each line
    pieces = []
    lines = sorted(layout.lines, key=lambda ln: -ln.length)[:count]
    for line in lines:
        h_full = line.height / layout.scale
        if h_full < 4:
            continue
        k = OCR_TEXT_HEIGHT / h_full
        theta = line.angle
        if sideways and math.sin(theta) < 0:
            theta += math.pi  # point the line downwards, so the strip is the picture turned counter-clockwise
        elif not sideways and math.cos(theta) < 0:
            theta += math.pi
        ux, uy = math.cos(theta), math.sin(theta)
        nx, ny = -uy, ux
        cx, cy = line.cx / layout.scale, line.cy / layout.scale
        width = int(min(line.length / layout.scale * k + 2 * OCR_TEXT_HEIGHT, target_len))
        height = int(2.0 * OCR_TEXT_HEIGHT)
        m = np.array([[k * ux, k * uy, -k * (ux * cx + uy * cy) + width / 2],
                      [k * nx, k * ny, -k * (nx * cx + ny * cy) + height / 2]], np.float32)
        pieces.append(_normalise_contrast(cv2.warpAffine(grey, m, (width, height), flags=cv2.INTER_LINEAR,
                                                         borderMode=cv2.BORDER_REPLICATE)))
    if not pieces:
        return None
    width = max(p.shape[1] for p in pieces)
    gap = np.full((int(OCR_TEXT_HEIGHT), width), 255, np.uint8)
    rows = []
    for p in pieces:
        rows += [np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=255), gap]
    stack = np.vstack(rows)
    return np.vstack([stack, np.full((2 * int(OCR_TEXT_HEIGHT), width), 255, np.uint8), stack[::-1, ::-1]])


def _normalise_contrast(grey: np.ndarray) -> np.ndarray:
    """Stretch so the paper is white and the ink dark (tesseract reads dark pictures poorly)."""
    lo, hi = np.percentile(grey, (2, 95))
    if hi - lo < 10:
        return grey
    out = (grey.astype(np.float32) - lo) * (235.0 / (hi - lo)) + 10
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass
class _Word:
    block: int
    par: int
    line: int
    x: int
    y: int
    w: int
    h: int
    conf: float
    text: str


def _tsv_words(tsv: str) -> list[_Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        try:
            words.append(_Word(int(parts[2]), int(parts[3]), int(parts[4]), int(parts[6]), int(parts[7]),
                               int(parts[8]), int(parts[9]), float(parts[10]), parts[11].strip()))
        except ValueError:
            continue
    return words


def _mean_conf(words: list[_Word]) -> float:
    """Confidence per character read (words weighted by length); nothing read counts as 0."""
    total = sum(len(w.text) for w in words)
    if total == 0:
        return 0.0
    return sum(max(0.0, w.conf) * len(w.text) for w in words) / total


# --- page checks ---------------------------------------------------------------------------------------------


def _page_findings(ctx: _Context, layout: _Layout, orientation: _Orientation, m: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    if layout.direction is None:
        findings.append(warning(
            "document.no_text", "页面上未找到可辨认的文字行，审核人员将人工核对",
            "no legible line of text found on the page; staff will check it", measured=0,
            **ctx.details(region=_box(0, 0, ctx.grey.shape[1], ctx.grey.shape[0]))))
    findings += _rotation_findings(ctx, layout, orientation)
    findings += _cut_off_findings(ctx, layout, orientation, m)
    findings += _dark_findings(ctx, layout, m)
    findings += _blur_findings(ctx, layout, orientation, m)
    return findings


def _rotation_findings(ctx: _Context, layout: _Layout, o: _Orientation) -> list[Finding]:
    """At most one `document.rotated`: the clearest of turned, tilted, or unsure."""
    found = _rotation_candidates(ctx, layout, o)
    errors = [f for f in found if f.severity == "error"]
    return (errors or found)[:1]


def _rotation_candidates(ctx: _Context, layout: _Layout, o: _Orientation) -> list[Finding]:
    if o.sideways is None:
        return []
    evidence = {"skew_deg": None if o.skew_deg is None else _r(o.skew_deg, 2), "lines": len(layout.lines),
                "ocr_conf_as_read": None if o.conf_upright is None else _r(o.conf_upright),
                "ocr_conf_turned_half": None if o.conf_flipped is None else _r(o.conf_flipped)}
    text = layout.looks_like_text
    if o.quarter in (90, 180, 270) and o.sure and (o.quarter == 180 or text):
        deg = o.quarter
        how_zh = {90: "顺时针旋转了 90°", 180: "上下颠倒（旋转了 180°）", 270: "逆时针旋转了 90°"}[deg]
        how_en = {90: "turned 90° clockwise", 180: "upside down (turned 180°)",
                  270: "turned 90° counter-clockwise"}[deg]
        return [error("document.rotated", f"文件方向不正：页面{how_zh}，请摆正后重新上传",
                      f"the page is {how_en}; upload it upright", measured=deg, limit=0,
                      **ctx.details(quarter_turns_cw=deg, **evidence))]
    if o.sideways and text and ctx.ocr_missing:
        # sideways for certain, but which way round is not known without OCR
        return [error("document.rotated", "文件方向不正：页面横向旋转了 90°，请摆正后重新上传",
                      "the page is turned sideways (90°); upload it upright", measured=90, limit=0,
                      **ctx.details(quarter_turns_cw=None, **evidence))]
    if o.sideways or (o.quarter not in (None, 0)):
        return [warning("document.rotated", "页面方向可能不正，审核人员将核对",
                        "the page may not be upright; staff will check", measured=o.quarter, limit=0,
                        **ctx.details(quarter_turns_cw=o.quarter, **evidence))]
    findings: list[Finding] = []
    if o.conf_upright is not None and o.quarter is None and not ctx.ocr_missing:
        findings.append(warning("document.rotated", "无法确认页面是否正向（可能上下颠倒），审核人员将核对",
                                "could not confirm the page reads upright (it may be upside down); staff will check",
                                measured=None, limit=0, **ctx.details(**evidence)))
    skew = o.skew_deg
    if skew is None or layout.skew_quartiles is None:
        return findings
    q1, q3 = layout.skew_quartiles
    least = 0.0 if q1 <= 0 <= q3 else min(abs(q1), abs(q3))  # the smallest tilt of the middle half of lines
    way_zh, way_en = ("逆时针", "counter-clockwise") if skew > 0 else ("顺时针", "clockwise")
    if abs(skew) > SKEW_ERROR_DEG and least > SKEW_ERROR_DEG and text:
        findings.append(error(
            "document.rotated",
            f"页面{way_zh}倾斜 {abs(skew):.1f}°（应不超过 {SKEW_ERROR_DEG:g}°），请摆正后重新扫描或拍摄",
            f"the page is tilted {abs(skew):.1f}° {way_en} (at most {SKEW_ERROR_DEG:g}°); scan or photograph it "
            "straight",
            measured=_r(skew), limit=SKEW_ERROR_DEG, **ctx.details(**evidence)))
    elif abs(skew) > SKEW_WARN_DEG:
        findings.append(warning(
            "document.rotated", f"页面略有倾斜（{way_zh} {abs(skew):.1f}°），审核人员将核对",
            f"the page is slightly tilted ({abs(skew):.1f}° {way_en}); staff will check", measured=_r(skew),
            limit=SKEW_WARN_DEG, **ctx.details(**evidence)))
    return findings


def _cut_off_findings(ctx: _Context, layout: _Layout, o: _Orientation, m: dict[str, Any]) -> list[Finding]:
    """Text-sized marks cut by the picture's edge; the page outline running out of the picture."""
    st = layout.glyph_stats
    wh, ww = layout.work.shape
    h = layout.text_height
    touching: dict[str, list[int]] = {}
    if len(st) and h is not None:
        big = np.maximum(st[:, 2], st[:, 3])
        on_line = np.array([layout.text_mask[y:y + hh, x:x + ww_].any() for x, y, ww_, hh, _ in st], bool)
        textlike = (big >= 0.3 * h) & (big <= 3 * h) & on_line
        gap = max(2.0, 0.15 * h)  # a cut may fall between two characters: count marks this close to the edge
        edges = {"top": st[:, 1] <= gap, "left": st[:, 0] <= gap, "bottom": st[:, 1] + st[:, 3] >= wh - gap,
                 "right": st[:, 0] + st[:, 2] >= ww - gap}
        for side, hit in edges.items():
            idx = np.flatnonzero(hit & textlike)
            if idx.size:
                touching[side] = idx.tolist()
    counts = {side: len(v) for side, v in touching.items()}
    m["cut_off"] = {"text_at_edge": counts, "outline_cut": {k: _r(v, 3) for k, v in layout.outline_cut.items()}}
    findings: list[Finding] = []
    text = layout.looks_like_text or o.sure
    cut = [s for s in SIDES if counts.get(s, 0) >= CUT_MIN_GLYPHS] if text else []
    s = layout.scale

    def boxes(sides: list[str]) -> list[list[int]]:
        return [_box(st[i, 0] / s, st[i, 1] / s, (st[i, 0] + st[i, 2]) / s, (st[i, 1] + st[i, 3]) / s)
                for side in sides for i in touching.get(side, [])][:50]

    if cut:
        zh = "、".join(SIDES_ZH[x] for x in cut)
        en = ", ".join(cut)
        findings.append(error(
            "document.cut_off", f"页面不完整：文字在图片{zh}边缘被截断，请将整页完整拍摄或扫描后重新上传",
            f"the page is cut off: text runs out of the picture at the {en} edge; upload the whole page",
            measured={x: counts[x] for x in cut}, limit=CUT_MIN_GLYPHS - 1,
            **ctx.details(sides=cut, boxes=boxes(cut))))
        return findings
    near = [x for x in SIDES if counts.get(x, 0) > 0]
    # the page runs out along part of a side (a corner or an edge of it out of the picture); a page lying along
    # a whole side is one laid in the scanner's corner, which is how flatbed scans look
    outline = [x for x in SIDES if 0.1 < layout.outline_cut.get(x, 0) < OUTLINE_ALONG_SIDE]
    if near or outline:
        sides = sorted(set(near) | set(outline), key=SIDES.index)
        zh = "、".join(SIDES_ZH[x] for x in sides)
        findings.append(warning(
            "document.cut_off", f"页面{zh}边缘可能超出图片，审核人员将核对",
            f"the page may run out of the picture at the {', '.join(sides)} edge; staff will check",
            measured={x: counts.get(x, 0) for x in sides}, limit=CUT_MIN_GLYPHS - 1,
            **ctx.details(sides=sides, boxes=boxes(near), quad=m.get("page", {}).get("quad"),
                          outline_cut={k: _r(v, 3) for k, v in layout.outline_cut.items()})))
    return findings


def _dark_findings(ctx: _Context, layout: _Layout, m: dict[str, Any]) -> list[Finding]:
    mask = layout.page_mask > 0
    paper = float(np.median(layout.paper[mask])) if mask.any() else float(np.median(layout.paper))
    ink_mask = layout.text_mask > 0
    ink = float(np.median(layout.work[ink_mask])) if ink_mask.sum() > 50 else None
    m["exposure"] = {"paper_level": _r(paper), "ink_level": None if ink is None else _r(ink)}
    if paper < PAPER_ERROR:
        return [error("document.dark",
                      f"图片过暗（纸面亮度 {paper:.0f}，至少 {PAPER_ERROR}），请在光线充足处重新拍摄或扫描",
                      f"the picture is too dark (paper brightness {paper:.0f}, at least {PAPER_ERROR}); photograph "
                      "or scan it again in good light", measured=round(paper), limit=PAPER_ERROR, **ctx.details())]
    if paper < PAPER_WARN:
        return [warning("document.dark", f"图片偏暗（纸面亮度 {paper:.0f}），审核人员将核对",
                        f"the picture is dim (paper brightness {paper:.0f}); staff will check", measured=round(paper),
                        limit=PAPER_WARN, **ctx.details())]
    return []


def _blur_findings(ctx: _Context, layout: _Layout, o: _Orientation, m: dict[str, Any]) -> list[Finding]:
    ratio = _edge_width_ratio(ctx.grey, layout)
    m["sharpness"] = {"edge_width_ratio": None if ratio is None else _r(ratio, 3),
                      "text_height_px": None if layout.text_height_full is None else _r(layout.text_height_full)}
    if ratio is None:
        return []
    pct = f"{ratio:.0%}"
    if ratio > BLUR_ERROR and (layout.looks_like_text or o.sure):
        return [error("document.blurred",
                      f"图片模糊，文字无法辨认（模糊宽度为字高的 {pct}，应不超过 {BLUR_ERROR:.0%}），"
                      "请对焦后重新拍摄或扫描",
                      f"the picture is too blurred to read (blur {pct} of the text height, at most {BLUR_ERROR:.0%}); "
                      "photograph or scan it again in focus", measured=_r(ratio, 3), limit=BLUR_ERROR,
                      **ctx.details(text_height_px=_r(layout.text_height_full or 0)))]
    if ratio > BLUR_WARN:
        return [warning("document.blurred", f"图片不够清晰（模糊宽度为字高的 {pct}），审核人员将核对",
                        f"the picture is soft (blur {pct} of the text height); staff will check",
                        measured=_r(ratio, 3), limit=BLUR_WARN, **ctx.details())]
    return []


def _edge_width_ratio(grey: np.ndarray, layout: _Layout) -> float | None:
    """Median width of the text's stroke edges (local contrast / steepest slope), over the text height, with the
    text scaled to TEXT_SCALE px high. A sharp edge is ~1 px wide at any resolution; blur widens it."""
    h_full = layout.text_height_full
    if h_full is None or layout.text_mask.sum() < 200:
        return None
    f = min(1.0, TEXT_SCALE / h_full)
    img = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else grey
    img = img.astype(np.float32)
    text_h = h_full * f
    region = cv2.resize(layout.text_mask, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
    r = max(1, round(text_h / 2))
    region = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3) / 8
    grad = np.hypot(gx, gy)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1))
    contrast = cv2.dilate(img, kernel) - cv2.erode(img, kernel)
    peak = grad >= cv2.dilate(grad, np.ones((3, 3), np.uint8)) - 1e-6
    inside = region > 0
    strong = float(np.percentile(contrast[inside], 90))
    steep = float(np.percentile(grad[inside], 99))
    sel = inside & peak & (contrast >= max(20.0, 0.5 * strong)) & (grad >= max(1.0, 0.3 * steep))
    if sel.sum() < 100:
        return None
    width = contrast[sel] / grad[sel]
    return float(np.median(width)) / text_h


# --- QR code -------------------------------------------------------------------------------------------------


def _qr_findings(ctx: _Context, m: dict[str, Any]) -> list[Finding]:
    import zxingcpp

    formats = zxingcpp.BarcodeFormat.QRCode | zxingcpp.BarcodeFormat.MicroQRCode
    grey = ctx.grey
    h, w = grey.shape
    seen: list[tuple[list[list[float]], str]] = []  # symbols found but not decoded: corners, error
    tried: list[str] = []
    for name, image, scale in _qr_attempts(grey):
        tried.append(name)
        for b in zxingcpp.read_barcodes(image, formats=formats, return_errors=True):
            p = b.position
            pts = [[c.x / scale, c.y / scale] for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
            if b.valid and b.text:
                xs, ys = [q[0] for q in pts], [q[1] for q in pts]
                m["qr"] = {"found": True, "payload": b.text, "format": b.format.name,
                           "points": [[round(x), round(y)] for x, y in pts],
                           "box": _box(min(xs), min(ys), max(xs), max(ys)), "attempt": name}
                return []
            if _squarish(pts, 30 / scale):
                seen.append((pts, str(b.error)))
    page = _box(0, 0, w, h)
    if seen:
        pts = seen[0][0]
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        box = _box(min(xs), min(ys), max(xs), max(ys))
        m["qr"] = {"found": False, "undecodable": [{"points": [[round(x), round(y)] for x, y in p], "error": e}
                                                   for p, e in seen[:3]], "attempts": tried}
        return [error(
            "document.qr_unreadable",
            "二维码无法识别（可能被遮挡、折损或模糊）：请重新上传，二维码须完整、清晰",
            "the QR code cannot be read (covered, damaged or blurred): upload the form again with its QR code "
            "whole and sharp", measured=seen[0][1].split(" @ ")[0][:120], limit=None,
            **ctx.details(box=box, points=[[round(x), round(y)] for x, y in pts]))]
    m["qr"] = {"found": False, "attempts": tried}
    return [error(
        "document.qr_missing",
        "未找到可识别的二维码：请上传整页文件（不要裁掉二维码），二维码须完整、清晰",
        "no readable QR code found: upload the whole form, with its QR code whole and sharp", measured=0, limit=1,
        **ctx.details(region=page))]


def _squarish(pts: list[list[float]], min_side: float) -> bool:
    """A symbol zxing located but could not decode counts only when it looks like a QR code (a square of
    sensible size): table cells can pass for finder patterns."""
    p = np.array(pts, np.float64)
    sides = np.linalg.norm(p - np.roll(p, -1, axis=0), axis=1)
    diagonals = np.linalg.norm(p[:2] - p[2:], axis=1)
    return bool(sides.min() >= min_side and sides.max() <= 1.3 * sides.min()
                and diagonals.max() <= 1.2 * diagonals.min())


def _qr_attempts(grey: np.ndarray) -> Any:
    """The picture as it is, then copies that help a weak code: reduced, thresholded, sharpened, enlarged."""
    h, w = grey.shape
    yield "full", grey, 1.0
    s = min(1.0, 1200 / max(h, w))
    small = cv2.resize(grey, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else grey
    if s < 1:
        yield "reduced", small, s
    _, otsu = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    yield "otsu", otsu, s
    blurred = cv2.GaussianBlur(small, (0, 0), 2)
    yield "sharpened", cv2.addWeighted(small, 2.0, blurred, -1.0, 0), s
    adaptive = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5)
    yield "adaptive", adaptive, s
    if max(h, w) < 1500:
        yield "enlarged", cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0


# --- printed codes -------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"^(?:[\s:：;；,，.。、|_\-—#]|no\.?|code|number|号)*", re.IGNORECASE)
_CODE_CHARS = re.compile(r"[0-9A-Za-z]+")


@dataclass
class _Read:
    value: str | None = None
    box: list[int] | None = None  # full-resolution
    label: str | None = None
    label_box: list[int] | None = None
    found_by: str | None = None
    line: _OcrLine | None = None  # where the label was read, for a second look
    label_word: int = 0
    conf: float | None = None  # lowest OCR confidence (0-100) of the words the value was read from

    def measurements(self) -> dict[str, Any]:
        return {"value": self.value, "box": self.box, "label": self.label, "label_box": self.label_box,
                "found_by": self.found_by, "conf": None if self.conf is None else _r(self.conf)}


@dataclass
class _OcrLine:
    words: list[_Word]
    text: str  # normalised, words joined without spaces
    owner: list[int]  # word index of each character of `text`


@dataclass
class _PageText:
    """The page read once by tesseract, upright and level."""

    image: np.ndarray  # what tesseract read
    inverse: np.ndarray  # affine from its coordinates back to full resolution
    lines: list[_OcrLine]
    conf: float
    chars: int


def _read_page(ctx: _Context, layout: _Layout, quarter: int, skew_deg: float) -> _PageText | None:
    page, matrix = _upright_page(ctx.flat(layout), layout.text_height_full, quarter, skew_deg)
    tsv = ctx.tesseract(page, ["-l", "chi_sim", "--psm", "3", "--dpi", "300", "-c", "tessedit_do_invert=0", "tsv"])
    if tsv is None:
        return None
    words = _tsv_words(tsv)
    return _PageText(page, cv2.invertAffineTransform(matrix), _ocr_lines(words), _mean_conf(words),
                     sum(len(wd.text) for wd in words))


def _code_findings(ctx: _Context, text: _PageText | None, m: dict[str, Any]) -> list[Finding]:
    rules = ctx.rules
    if text is None:
        m["codes"] = {}
        return []
    reads = {rule.id: _read_after_label(rule, text.lines, text.inverse) for rule in rules.codes}
    for rule in rules.codes:  # a second, narrower look right of a label whose code was not read
        r = reads[rule.id]
        if r.value is None and r.found_by == "label_only":
            _reread(ctx, rule, r, text.image, text.inverse)
    taken = {r.value for r in reads.values() if r.value}
    for rule in rules.codes:
        if reads[rule.id].value is None:
            _read_by_pattern(rule, text.lines, text.inverse, reads[rule.id], taken)
    m["codes"] = {rid: r.measurements() for rid, r in reads.items()}
    sure = {rid for rid, r in reads.items()
            if r.value is not None and r.found_by != "pattern" and (r.conf or 0) >= CODE_MIN_CONF}
    if rules.codes_needed == "any" and sure:
        return []
    h, w = ctx.grey.shape
    findings = []
    for rule in rules.codes:
        if rule.id in sure:
            continue
        r = reads[rule.id]
        region = r.box or r.label_box or _box(0, 0, w, h)
        if r.value is not None and r.found_by == "pattern":
            zh = f"{rule.name_zh}未在其标签后识别到，仅按格式找到可能的值 {r.value}，请审核人员在标出区域核对"
            en = (f"the {rule.name_en} was not found after its label; {r.value} matches its pattern: staff, "
                  "check it in the marked region")
        elif r.value is not None:
            zh = f"{rule.name_zh}识别为 {r.value}，但把握不足，请审核人员在标出区域核对"
            en = f"the {rule.name_en} reads {r.value}, with low confidence: staff, check it in the marked region"
        else:
            zh = f"未能自动识别{rule.name_zh}，请审核人员在标出区域核对"
            en = f"the {rule.name_en} could not be read automatically; staff, check it in the marked region"
        findings.append(warning("document.code_unreadable", zh, en, measured=r.value, limit=rule.pattern,
                                **ctx.details(code_id=rule.id, region=region, label_found=r.label_box is not None,
                                              codes_needed=rules.codes_needed)))
    return findings


def _upright_page(grey: np.ndarray, text_height: float | None, quarter: int,
                  skew_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The picture turned upright and level, scaled so its text is OCR_TEXT_HEIGHT px high; and the affine
    matrix from full-resolution coordinates to it."""
    h, w = grey.shape
    angle = quarter - skew_deg  # counter-clockwise, as cv2 counts it
    k = 1.0 if text_height is None else min(3.0, max(0.25, OCR_TEXT_HEIGHT / text_height))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, k)
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], np.float64) @ matrix.T
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    matrix[:, 2] -= (x0, y0)
    size = (math.ceil(x1 - x0), math.ceil(y1 - y0))
    page = cv2.warpAffine(grey, matrix, size, flags=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return page, matrix


def _flatten(grey: np.ndarray, layout: _Layout) -> np.ndarray:
    """The picture divided by its local paper level: white paper, dark ink, whatever the light was."""
    h, w = grey.shape
    paper = cv2.resize(layout.paper, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(grey, np.maximum(paper, 1), scale=240)


def _ocr_lines(words: list[_Word]) -> list[_OcrLine]:
    groups: dict[tuple[int, int, int], list[_Word]] = {}
    for wd in words:
        groups.setdefault((wd.block, wd.par, wd.line), []).append(wd)
    lines = []
    for ws in groups.values():
        ws.sort(key=lambda wd: wd.x)
        text, owner = "", []
        for i, wd in enumerate(ws):
            t = unicodedata.normalize("NFKC", wd.text)
            text += t
            owner += [i] * len(t)
        lines.append(_OcrLine(ws, text, owner))
    return lines


def _map_box(words: list[_Word], inverse: np.ndarray) -> list[int]:
    x0 = min(wd.x for wd in words)
    y0 = min(wd.y for wd in words)
    x1 = max(wd.x + wd.w for wd in words)
    y1 = max(wd.y + wd.h for wd in words)
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64) @ inverse.T
    return _box(pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())


def _label_positions(text: str, label: str) -> list[int]:
    """Start offsets of `label` in `text`; a label of 3+ characters may have one of them misread."""
    label = unicodedata.normalize("NFKC", label).lower()
    low = text.lower()
    n = len(label)
    exact = [i for i in range(len(low) - n + 1) if low[i:i + n] == label]
    if exact or n < 3:
        return exact
    return [i for i in range(len(low) - n + 1) if sum(a != b for a, b in zip(low[i:i + n], label, strict=True)) <= 1]


def _read_after_label(rule: CodeRule, lines: list[_OcrLine], inverse: np.ndarray) -> _Read:
    pattern = re.compile(rule.pattern)
    fallback: _Read | None = None
    for label in rule.labels:
        for line in lines:
            for start in _label_positions(line.text, label):
                end = start + len(label)
                label_words = line.words[line.owner[start]:line.owner[end - 1] + 1]
                rest = line.text[end:]
                skipped = len(_SEPARATORS.match(rest).group(0))  # type: ignore[union-attr]
                value, used = _code_after(rest[skipped:], pattern)
                if value is not None:
                    first = end + skipped
                    words = line.words[line.owner[first]:line.owner[first + used - 1] + 1]
                    return _Read(value, _map_box(words, inverse), label, _map_box(label_words, inverse), "label",
                                 conf=min(wd.conf for wd in words))
                if fallback is None and (skipped > 0 or end == len(line.text)):
                    # the label followed by a separator (or ending the line): where the code should be
                    fallback = _Read(None, None, label, _map_box(label_words, inverse), "label_only",
                                     line=line, label_word=line.owner[end - 1])
    return fallback or _Read()


def _code_after(rest: str, pattern: re.Pattern[str]) -> tuple[str | None, int]:
    """The longest leading run of code characters that matches the whole pattern, and its length."""
    run = _CODE_CHARS.match(rest)
    if not run:
        return None, 0
    chars = run.group(0)
    for n in range(len(chars), 0, -1):
        # a longer run that does not match is the code glued to more text: only accept a clean cut
        clean = n == len(chars) or not chars[n].isdigit() or not chars[n - 1].isdigit()
        if clean and pattern.fullmatch(chars[:n]):
            return chars[:n], n
    return None, 0


def _reread(ctx: _Context, rule: CodeRule, r: _Read, page: np.ndarray, inverse: np.ndarray) -> None:
    """OCR the strip right of the label again, as one line of digits and capitals."""
    line = r.line
    if line is None:
        return
    lw = line.words[r.label_word]
    ys = [wd.y for wd in line.words] + [lw.y]
    y1s = [wd.y + wd.h for wd in line.words]
    hgt = max(y1s) - min(ys)
    x0 = lw.x + lw.w
    y0 = max(0, min(ys) - hgt // 3)
    y1 = min(page.shape[0], max(y1s) + hgt // 3)
    x1 = min(page.shape[1], x0 + int(30 * max(hgt, OCR_TEXT_HEIGHT)))
    if x1 - x0 < 10 or y1 - y0 < 5:
        return
    crop = page[y0:y1, x0:x1]
    text = ctx.tesseract(crop, ["-l", "eng", "--psm", "7", "--dpi", "300", "-c",
                                "tessedit_char_whitelist=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "tsv"])
    if text is None:
        return
    words = _tsv_words(text)
    if not words:
        return
    joined = "".join(wd.text for wd in words)
    rest = joined[len(_SEPARATORS.match(joined).group(0)):]  # type: ignore[union-attr]
    value, _ = _code_after(rest, re.compile(rule.pattern))
    if value is None:
        return
    shifted = [_Word(0, 0, 0, wd.x + x0, wd.y + y0, wd.w, wd.h, wd.conf, wd.text) for wd in words]
    r.value, r.box, r.found_by = value, _map_box(shifted, inverse), "label_reread"
    r.conf = min(wd.conf for wd in words)


def _read_by_pattern(rule: CodeRule, lines: list[_OcrLine], inverse: np.ndarray, r: _Read, taken: set[str]) -> None:
    """A word matching the code's whole pattern, alone on the page (7+ characters, not another code's value)."""
    pattern = re.compile(rule.pattern)
    found = []
    for line in lines:
        for wd in line.words:
            t = unicodedata.normalize("NFKC", wd.text).strip(":：;；,，.。")
            if len(t) >= 7 and pattern.fullmatch(t) and t not in taken:
                found.append((t, wd))
    if len({t for t, _ in found}) == 1:
        t, wd = found[0]
        r.value, r.box, r.found_by, r.conf = t, _map_box([wd], inverse), "pattern", wd.conf
