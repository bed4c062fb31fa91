"""A labelled set of ID photos made from a real portrait, to measure the face inspection's accuracy.

scikit-image ships `data.astronaut()` (512x512, a studio portrait in front of a flag and a shuttle model). The
person is cut out once (`cv2.grabCut` seeded with fixed regions), her eyes levelled, and she is composited onto a
uniform white or blue background with a known similarity transform (scale, rotation, position). Every truth value
(eye positions, roll, eye line, centring, head size in mm, subject share of the picture, lighting balance) is
computed from hand-measured landmarks of the original and the transform that was applied, or from the composite's
own alpha mask, never from the output of the function under test.

Each case carries, per check (finding code), the verdict a correct inspection must give:

- `error`: the photo clearly breaks the rule; the check must flag it (at its severity, see `SEVERITY`);
- `pass`: clearly fine; the check must not flag it;
- `borderline`: close to the limit (or the picture is degraded); a warning or a pass are both right, an error is not.

Where errors start is the inspection's severity policy (its `*_ERROR_MARGIN`s beyond each limit); a truth value
within the measurement's tolerance of that point is left unscored for that check (`Case.unscored`): there either
verdict is defensible. Checks not listed for a case do not apply to it (another program's rule, or no single face
to measure).

    python -m tests.photos        prints cases, TP, FP, FN, precision and recall per check
    python -m tests.photos -v     also prints every case with its truth, labels and findings
    python -m tests.photos DIR    also writes every case as a PNG into DIR (to look at them)
    python -m tests.photos --random 300    adds 300 random variants (seeded) to the fixed set
"""

from __future__ import annotations

import functools
import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from intake.checks.inspection import FaceRules, InspectionReport, Range
from intake.programs import load_catalogue

Label = Literal["error", "pass", "borderline"]
Background = Literal["white", "blue"]

# ------------------------------------------------------------------------------------------------ the rules

def _id_photo_rules(program_id: str) -> FaceRules:
    """The face rules of a program's ID photo, as the catalogue defines them."""
    program = load_catalogue().get(program_id)
    assert program is not None, program_id
    material = program.material("id_photo")
    assert material is not None and material.inspect is not None and material.inspect.face is not None
    return material.inspect.face


PG_RULES = _id_photo_rules("pg-confirm-1104")
"""3:4 white; eye line 30-50 %, head and shoulders at least 2/3 of the picture, roll/yaw/pitch 10 deg."""
ED_RULES = _id_photo_rules("equiv-degree-2023")
"""390x567 px for 33x48 mm, blue; head 21-24 mm wide, 28-33 mm high."""
CG_RULES = _id_photo_rules("cadre-grad-2023")
"""3:4 white; pose only."""

CHECKS: tuple[str, ...] = (
    "face.none", "face.multiple", "face.off_centre", "face.eye_line", "face.roll", "face.pose",
    "face.head_width", "face.head_height", "face.subject_small", "face.glasses", "face.eyes_closed",
    "face.lighting",
)
SEVERITY: dict[str, Literal["error", "warning"]] = {
    "face.none": "error", "face.multiple": "error", "face.off_centre": "error", "face.eye_line": "error",
    "face.roll": "error", "face.pose": "warning", "face.head_width": "error", "face.head_height": "error",
    "face.subject_small": "error", "face.glasses": "warning", "face.eyes_closed": "warning",
    "face.lighting": "warning",
}
"""The severity at which a check flags a clear-cut case. `warning` checks never raise errors (their measurement is
not reliable enough to block an applicant), so for them the warning is the decision that is scored."""

# ------------------------------------------------------------------------------------------------ the source

# Landmarks of skimage.data.astronaut(), set by hand: the eyes are the centres of the dark iris blocks read off the
# pixel values (rows 98-103 x columns 200-205, and rows 100-105 x columns 244-249), the crown the top of the hair
# above the face and the chin its lowest point, read off a 3x enlargement with a 10 px grid.
EYE_LEFT = (202.5, 100.5)
EYE_RIGHT = (246.5, 102.5)
CROWN_Y = 15.0
CHIN = (226.0, 187.0)
SOURCE_ROWS = 335
"""The cut-out stops above the helmet on the table (row 340); rows below are the last row repeated, as the body
would go on below the picture's bottom edge."""
SOURCE_ROLL_DEG = math.degrees(math.atan2(EYE_RIGHT[1] - EYE_LEFT[1], EYE_RIGHT[0] - EYE_LEFT[0]))
EYE_MID = ((EYE_LEFT[0] + EYE_RIGHT[0]) / 2, (EYE_LEFT[1] + EYE_RIGHT[1]) / 2)
EYE_DISTANCE = math.dist(EYE_LEFT, EYE_RIGHT)

WHITE = (250, 250, 249)
BLUE = (67, 142, 219)


@functools.cache
def _astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut()[:, :, :3])


@functools.cache
def _cutout_mask() -> np.ndarray:
    """The person in the astronaut picture: uint8 0/255, rows 0..SOURCE_ROWS."""
    rgb = _astronaut()[: SOURCE_ROWS + 10, :380]
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    mask = np.full(rgb.shape[:2], cv2.GC_BGD, np.uint8)
    mask[5:340, 12:372] = cv2.GC_PR_FGD
    cv2.ellipse(mask, (226, 110), (42, 60), 0, 0, 360, cv2.GC_FGD, -1)  # face
    cv2.ellipse(mask, (226, 60), (60, 30), 0, 0, 360, cv2.GC_FGD, -1)  # hair
    mask[175:245, 195:255] = cv2.GC_FGD  # neck
    mask[255:335, 120:320] = cv2.GC_FGD  # chest
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(7)
    cv2.grabCut(bgr, mask, None, bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
    person = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    person = cv2.morphologyEx(person, cv2.MORPH_OPEN, kernel)
    person = cv2.morphologyEx(person, cv2.MORPH_CLOSE, kernel)
    # keep the largest component only (stray bits of the flag)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(person)
    if count > 2:
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        person = np.where(labels == biggest, 255, 0).astype(np.uint8)
    out = np.zeros(_astronaut().shape[:2], np.uint8)
    out[: SOURCE_ROWS, :380] = person[:SOURCE_ROWS]
    return out


def _edit_eyes(rgb: np.ndarray, edit: str) -> np.ndarray:
    """Closed eyes (the eye painted over with skin and a lash line) or glasses (dark rims), on the source."""
    out = rgb.copy()
    eyes = [EYE_LEFT, EYE_RIGHT]
    if edit == "closed":
        hole = np.zeros(out.shape[:2], np.uint8)
        for x, y in eyes:
            cv2.ellipse(hole, (round(x), round(y)), (11, 6), 0, 0, 360, 255, -1)
        out = cv2.inpaint(out, hole, 5, cv2.INPAINT_TELEA)
        for x, y in eyes:
            cv2.ellipse(out, (round(x), round(y) + 1), (9, 3), 0, 20, 160, (70, 45, 35), 2, cv2.LINE_AA)
    elif edit == "glasses":
        # thin dark full-rim frames: two rounded lenses, a bridge and the temples
        frame = (40, 34, 30)
        for x, y in eyes:
            cv2.ellipse(out, (round(x), round(y + 1)), (15, 10), 0, 0, 360, frame, 2, cv2.LINE_AA)
        (lx, ly), (rx, ry) = eyes
        cv2.line(out, (round(lx + 15), round(ly - 2)), (round(rx - 15), round(ry - 2)), frame, 2, cv2.LINE_AA)
        cv2.line(out, (round(lx - 15), round(ly - 1)), (round(lx - 26), round(ly - 3)), frame, 2, cv2.LINE_AA)
        cv2.line(out, (round(rx + 15), round(ry - 1)), (round(rx + 26), round(ry - 3)), frame, 2, cv2.LINE_AA)
    return out


@functools.cache
def _levelled(edit: str = "") -> tuple[np.ndarray, np.ndarray]:
    """The source picture and its alpha (float 0..1) rotated about the eye midpoint so the eyes are level, and
    extended downwards by repeating the last row of the cut-out (the body goes on below the frame)."""
    rgb = _astronaut()
    if edit:
        rgb = _edit_eyes(rgb, edit)
    alpha = _cutout_mask()
    pad = 900
    rgb = cv2.copyMakeBorder(rgb[:SOURCE_ROWS], 0, pad, 0, 0, cv2.BORDER_REPLICATE)
    alpha = cv2.copyMakeBorder(alpha[:SOURCE_ROWS], 0, pad, 0, 0, cv2.BORDER_REPLICATE)
    m = cv2.getRotationMatrix2D(EYE_MID, SOURCE_ROLL_DEG, 1.0)
    size = (rgb.shape[1], rgb.shape[0])
    rgb = cv2.warpAffine(rgb, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(alpha, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.8).astype(np.float32) / 255.0
    return rgb, alpha


def _levelled_point(p: tuple[float, float]) -> tuple[float, float]:
    m = cv2.getRotationMatrix2D(EYE_MID, SOURCE_ROLL_DEG, 1.0)
    return (m[0, 0] * p[0] + m[0, 1] * p[1] + m[0, 2], m[1, 0] * p[0] + m[1, 1] * p[1] + m[1, 2])


# ------------------------------------------------------------------------------------------------ placing a person

@dataclass(frozen=True)
class Placement:
    """The levelled source scaled by `scale` and rotated by `roll_deg` (clockwise as seen, so the subject's right
    eye, on the picture's left, goes up) about the eye midpoint, which lands at (x, y) of the canvas."""

    x: float
    y: float
    scale: float
    roll_deg: float = 0.0
    edit: str = ""
    mirror: bool = False
    """Flip the person left to right (before turning)."""

    def matrix(self) -> np.ndarray:
        # canvas = s * R * F * (p - mid) + (x, y); R turns by +roll in image coordinates (y down), F flips x
        t = math.radians(self.roll_deg)
        c, s = math.cos(t) * self.scale, math.sin(t) * self.scale
        f = -1.0 if self.mirror else 1.0
        a = np.array([[c * f, -s], [s * f, c]])
        mid = np.array(EYE_MID)
        return np.hstack([a, (np.array([self.x, self.y]) - a @ mid)[:, None]])

    def point(self, p: tuple[float, float]) -> tuple[float, float]:
        m = self.matrix()
        q = _levelled_point(p)
        return (m[0, 0] * q[0] + m[0, 1] * q[1] + m[0, 2], m[1, 0] * q[0] + m[1, 1] * q[1] + m[1, 2])


@dataclass
class Truth:
    """What is really in the picture, in its pixels."""

    faces: int
    width: int = 0
    height: int = 0
    eyes: list[tuple[float, float]] = field(default_factory=list)
    roll_deg: float = 0.0
    eye_line: float = 0.0
    centre_offset: float = 0.0
    crown_y: float = 0.0
    chin_y: float = 0.0
    head_height_px: float = 0.0
    """Crown to chin along the face's axis."""
    head_width_px: float = 0.0
    """Across the face's axis at ear level (see `head_width_at_ears`)."""
    head_width_visible_px: float = 0.0
    """The same, clipped by the picture's sides."""
    crown_cut: bool = False
    subject_fraction: float = 0.0
    lighting_ratio: float = 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {"faces": self.faces, "roll_deg": round(self.roll_deg, 2), "eye_line": round(self.eye_line, 4),
                "centre_offset": round(self.centre_offset, 4), "crown_y": round(self.crown_y, 1),
                "chin_y": round(self.chin_y, 1), "head_height_px": round(self.head_height_px, 1),
                "head_width_px": round(self.head_width_px, 1), "crown_cut": self.crown_cut,
                "subject_fraction": round(self.subject_fraction, 4), "lighting_ratio": round(self.lighting_ratio, 3)}


def head_width_at_ears(alpha: np.ndarray, eye_y: float, chin_y: float, centre_x: float) -> float:
    """The definition of head width both sides use: the median width of the silhouette run that holds the face
    centre, over the band of rows from the eye line down 30% of the way to the chin (the upper half of the ears)."""
    top, bottom = round(eye_y), round(eye_y + 0.3 * (chin_y - eye_y))
    cx = round(centre_x)
    widths = []
    for row in range(max(top, 0), min(bottom + 1, alpha.shape[0])):
        line = alpha[row] > 0.5
        if not 0 <= cx < line.size or not line[cx]:
            continue
        left = cx
        while left > 0 and line[left - 1]:
            left -= 1
        right = cx
        while right < line.size - 1 and line[right + 1]:
            right += 1
        widths.append(right - left + 1)
    return float(np.median(widths)) if widths else 0.0


def compose(width: int, height: int, people: Iterable[Placement], background: tuple[int, int, int] = WHITE,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The people over a uniform background (with a little sensor noise): RGB uint8 and the subject alpha."""
    canvas = np.empty((height, width, 3), np.float32)
    canvas[:] = background
    total = np.zeros((height, width), np.float32)
    for person in people:
        rgb, alpha = _levelled(person.edit)
        m = person.matrix()
        warped = cv2.warpAffine(rgb, m, (width, height), flags=cv2.INTER_AREA if person.scale < 1 else cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        a = cv2.warpAffine(alpha, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                           borderValue=0)
        canvas = canvas * (1 - a[:, :, None]) + warped * a[:, :, None]
        total = np.maximum(total, a)
    noise = np.random.default_rng(seed).normal(0, 1.2, canvas.shape).astype(np.float32)
    return np.clip(canvas + noise, 0, 255).astype(np.uint8), total


@functools.cache
def _source_head() -> tuple[float, float, float]:
    """Crown row, chin row and head width at ear level of the levelled source, px (scale them by a placement)."""
    _, alpha = _levelled()
    chin_y = _levelled_point(CHIN)[1]
    mid_x, mid_y = EYE_MID
    half = round(0.45 * 1.6 * EYE_DISTANCE)
    rows = np.nonzero((alpha[:, round(mid_x) - half: round(mid_x) + half + 1] > 0.5).any(axis=1))[0]
    return float(rows[0]), chin_y, head_width_at_ears(alpha, mid_y, chin_y, mid_x)


def truth_of(width: int, height: int, person: Placement, alpha: np.ndarray, faces: int = 1) -> Truth:
    left, right = sorted((person.point(EYE_LEFT), person.point(EYE_RIGHT)))
    # the levelled source has level eyes, so the roll is the placement's
    mid_x, mid_y = (left[0] + right[0]) / 2, (left[1] + right[1]) / 2
    crown, chin, head_width = _source_head()
    m = person.matrix()
    crown_pt = m @ np.array([EYE_MID[0], crown, 1.0])
    chin_pt = m @ np.array([EYE_MID[0], chin, 1.0])
    # the head's top is cut off when the silhouette over the head reaches the picture's top edge
    head_half = 0.6 * 1.6 * EYE_DISTANCE * person.scale
    cols = slice(max(0, round(crown_pt[0] - head_half)), min(width, round(crown_pt[0] + head_half) + 1))
    cut = crown_pt[1] < 1 or bool((alpha[0, cols] > 0.5).any())
    # the head at ear level, clipped by the picture's sides
    half_w = head_width * person.scale / 2 * abs(math.cos(math.radians(person.roll_deg)))
    visible = (min(mid_x + half_w, width) - max(mid_x - half_w, 0)) / abs(math.cos(math.radians(person.roll_deg)))
    return Truth(
        faces=faces,
        width=width,
        height=height,
        eyes=[left, right],
        roll_deg=person.roll_deg,
        eye_line=mid_y / height,
        centre_offset=abs(mid_x - width / 2) / width,
        crown_y=float(crown_pt[1]),
        chin_y=float(chin_pt[1]),
        head_height_px=(chin - crown) * person.scale,
        head_width_px=head_width * person.scale,
        head_width_visible_px=visible,
        crown_cut=cut,
        subject_fraction=float((alpha > 0.5).mean()),
    )


def lighting_ratio(rgb: np.ndarray, truth: Truth) -> float:
    """Darker over brighter mean luminance of the two halves of the face (the skin between the eyes and the
    mouth, each side of the nose), measured where the truth says the face is, in a frame levelled by the roll."""
    (lx, ly), (rx, ry) = truth.eyes
    d = math.dist((lx, ly), (rx, ry))
    mid = ((lx + rx) / 2, (ly + ry) / 2)
    angle = math.degrees(math.atan2(ry - ly, rx - lx))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    level = cv2.warpAffine(grey, cv2.getRotationMatrix2D(mid, angle, 1.0), (grey.shape[1], grey.shape[0]),
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    top, bottom = round(mid[1] + 0.2 * d), round(mid[1] + 0.9 * d)
    a = level[top:bottom, round(mid[0] - 0.85 * d): round(mid[0] - 0.15 * d)].mean()
    b = level[top:bottom, round(mid[0] + 0.15 * d): round(mid[0] + 0.85 * d)].mean()
    return float(min(a, b) / max(a, b))


# ------------------------------------------------------------------------------------------------ labels

TOLERANCE = {"centre": 0.01, "eye_line": 0.008, "roll": 1.5, "mm": 1.0, "subject": 0.02}
"""How far the inspection's measurement may be from the truth (the spread measured on this set, rounded up): eye
midpoint +-0.01 of the width, eye line +-0.008 of the height, roll +-1.5 deg, head sizes +-1 mm (the chin is
estimated from face proportions), subject share +-0.02."""
PASS_MARGIN = {"centre": 0.01, "eye_line": 0.01, "roll": 1.5, "mm": 0.5, "subject": 0.01}
"""How far inside its limit a truth value must be for a clear `pass`; nearer the limit it is `borderline`."""
LIGHTING_PASS, LIGHTING_ERROR = 0.75, 0.55
"""Cheek brightness ratio: at least 0.75 is even lighting, below 0.55 clearly uneven."""


@functools.cache
def error_margins() -> dict[str, float]:
    """Where the inspection's errors start, beyond each limit: the severity policy of `inspect_upload.face`."""
    from inspect_upload import face

    return {"centre": face.CENTRE_ERROR_MARGIN, "eye_line": face.EYE_LINE_ERROR_MARGIN,
            "roll": face.ROLL_ERROR_MARGIN, "mm": face.HEAD_MM_ERROR_MARGIN, "subject": face.SUBJECT_ERROR_MARGIN}


def _beyond(out: float, key: str) -> Label | None:
    """The label of a truth value `out` beyond its limit (negative: inside). `pass` well inside; `borderline`
    near the limit or beyond it by less than where errors start (less the tolerance); `error` beyond where errors
    start by more than the tolerance. In between, within the measurement's tolerance of where errors start,
    either verdict is defensible: None, the check is not scored on that case."""
    if out <= -PASS_MARGIN[key]:
        return "pass"
    margin, tol = error_margins()[key], TOLERANCE[key]
    if out <= margin - tol:
        return "borderline"
    if out >= margin + tol:
        return "error"
    return None


def _upper(value: float, limit: float, key: str) -> Label | None:
    return _beyond(value - limit, key)


def _lower(value: float, limit: float, key: str) -> Label | None:
    return _beyond(limit - value, key)


def _within(value: float, rng: Range, key: str) -> Label | None:
    return _beyond(max(rng.min - value, value - rng.max), key)


def labels_for(rules: FaceRules, truth: Truth, edit: str = "", relax: Iterable[str] = (),
               mm_valid: bool = True) -> dict[str, Label | None]:
    """The verdict per check a correct inspection gives for this truth (see the module docstring); None for a
    check whose truth is within the measurement's tolerance of where errors start. Checks that do not apply to
    the program or to the picture are left out."""
    if truth.faces == 0:
        return {"face.none": "error", "face.multiple": "pass"}
    if truth.faces > 1:
        return {"face.none": "pass", "face.multiple": "error"}
    labels: dict[str, Label | None] = {
        "face.none": "pass",
        "face.multiple": "pass",
        "face.off_centre": _upper(truth.centre_offset, rules.max_centre_offset, "centre"),
        "face.roll": _upper(abs(truth.roll_deg), rules.max_roll_deg, "roll"),
        "face.pose": "pass",  # the astronaut faces the camera; no variant turns her head
        "face.glasses": "error" if edit == "glasses" else "pass",
        "face.eyes_closed": "error" if edit == "closed" else "pass",
        "face.lighting": ("pass" if truth.lighting_ratio >= LIGHTING_PASS
                          else "error" if truth.lighting_ratio < LIGHTING_ERROR else "borderline"),
    }
    if edit == "closed":
        labels["face.pose"] = "borderline"  # without eyes the pose cannot be checked (a warning says so)
    if rules.eye_line is not None:
        labels["face.eye_line"] = _within(truth.eye_line, rules.eye_line, "eye_line")
    if rules.min_subject_fraction is not None:
        labels["face.subject_small"] = _lower(truth.subject_fraction, rules.min_subject_fraction, "subject")
    if rules.frame_mm is not None:
        mm_x = rules.frame_mm.width / truth.width
        mm_y = rules.frame_mm.height / truth.height
        if rules.head_height_mm is not None and mm_valid:
            labels["face.head_height"] = _within(truth.head_height_px * mm_y, rules.head_height_mm, "mm")
        if rules.head_width_mm is not None and truth.head_width_px:
            label = _within(truth.head_width_px * mm_x, rules.head_width_mm, "mm")
            if truth.head_width_visible_px < truth.head_width_px - 1:
                # a head cut by the picture's side: only what is visible can be judged, and only as too wide
                visible = _upper(truth.head_width_visible_px * mm_x, rules.head_width_mm.max, "mm")
                label = "error" if visible == "error" else None
            labels["face.head_width"] = label
    for code in relax:
        if labels.get(code) == "pass":
            labels[code] = "borderline"
    return labels  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------ the cases

@dataclass(frozen=True)
class Case:
    name: str
    program: str
    rules: FaceRules = field(repr=False)
    background: Background | None
    rgb: np.ndarray = field(repr=False)
    truth: Truth
    labels: dict[str, Label]
    note: str = ""
    unscored: tuple[str, ...] = ()
    """Checks that apply but are not scored here: the truth is within the measurement's tolerance of where the
    inspection's errors start, so an error and a warning are both defensible."""


PG_SIZE, ED_SIZE, CG_SIZE = (600, 800), (390, 567), (480, 640)
PG_SCALE = 3.2
"""Head about 550 px of 800 (crown 3 % from the top), head and shoulders 70 % of the picture."""
PG_EYE = 0.38


def ed_scale(head_mm: float) -> float:
    """The scale that makes the head (crown to chin) `head_mm` high in a 33x48 mm ED photo."""
    crown, chin, _ = _source_head()
    return head_mm / 48 * ED_SIZE[1] / (chin - crown)


def _person_case(name: str, program: str, size: tuple[int, int], placements: list[Placement],
                 background: Background | None = "white", colour: tuple[int, int, int] | None = None,
                 post: Callable[[np.ndarray], np.ndarray] | None = None, relax: Iterable[str] = (),
                 note: str = "", seed: int = 0, bystander: bool = False) -> Case:
    """The first placement is the applicant; the others are more people (`bystander`: one much smaller person in
    the background, whom a warning may mention but no error may count)."""
    rules = {"PG": PG_RULES, "ED": ED_RULES, "CG": CG_RULES}[program]
    width, height = size
    if colour is None:
        colour = BLUE if background == "blue" else WHITE
    rgb, alpha = compose(width, height, placements[::-1], colour, seed=seed)  # the applicant in front
    if post is not None:
        rgb = post(rgb)
    main = placements[0]
    truth = truth_of(width, height, main, alpha, faces=1 if bystander else len(placements))
    if truth.faces == 1:
        truth.lighting_ratio = lighting_ratio(rgb, truth)
    # the head's height is only measurable when its crown is inside the picture
    mm_valid = not truth.crown_cut
    labels = labels_for(rules, truth, main.edit, relax, mm_valid)
    if bystander:
        labels["face.multiple"] = "borderline"
    return _case(name, program, rules, background, rgb, truth, labels, note)


def _case(name: str, program: str, rules: FaceRules, background: Background | None, rgb: np.ndarray, truth: Truth,
          labels: dict[str, Label | None], note: str) -> Case:
    scored = {code: label for code, label in labels.items() if label is not None}
    unscored = tuple(code for code, label in labels.items() if label is None)
    return Case(name, program, rules, background, rgb, truth, scored, note, unscored)


def _scene_case(name: str, program: str, rgb: np.ndarray, background: Background | None, note: str) -> Case:
    rules = {"PG": PG_RULES, "ED": ED_RULES, "CG": CG_RULES}[program]
    truth = Truth(faces=0, width=rgb.shape[1], height=rgb.shape[0])
    return _case(name, program, rules, background, rgb, truth, labels_for(rules, truth), note)


def _blur(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda rgb: cv2.GaussianBlur(rgb, (0, 0), sigma)


def _exposure(gain: float, gamma: float = 1.0) -> Callable[[np.ndarray], np.ndarray]:
    def apply(rgb: np.ndarray) -> np.ndarray:
        x = (rgb.astype(np.float32) / 255.0) ** gamma * gain
        return np.clip(x * 255, 0, 255).astype(np.uint8)
    return apply


def _gradient(left: float, right: float) -> Callable[[np.ndarray], np.ndarray]:
    """Light falling off from one side of the picture to the other (multiplies every pixel)."""
    def apply(rgb: np.ndarray) -> np.ndarray:
        ramp = np.linspace(left, right, rgb.shape[1], dtype=np.float32)[None, :, None]
        return np.clip(rgb.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    return apply


def _jpeg(quality: int) -> Callable[[np.ndarray], np.ndarray]:
    def apply(rgb: np.ndarray) -> np.ndarray:
        ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])
    return apply


def _noise(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    def apply(rgb: np.ndarray) -> np.ndarray:
        noise = np.random.default_rng(5).normal(0, sigma, rgb.shape)
        return np.clip(rgb + noise, 0, 255).astype(np.uint8)
    return apply


def _vignette(strength: float) -> Callable[[np.ndarray], np.ndarray]:
    """Corners darker than the centre, as a backdrop lit by one lamp."""
    def apply(rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        factor = 1 - strength * np.clip(r2 / 2, 0, 1)
        return np.clip(rgb.astype(np.float32) * factor[:, :, None], 0, 255).astype(np.uint8)
    return apply


def _mirror(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[:, ::-1])


def _side_shadow(x: float, dark: float, soft: float = 0.04) -> Callable[[np.ndarray], np.ndarray]:
    """A light from one side: the picture right of column `x` (left of it, if `dark` is negative) darkened to
    |dark| of its brightness, with a soft edge `soft` of the width wide."""
    def apply(rgb: np.ndarray) -> np.ndarray:
        w = rgb.shape[1]
        cols = (np.arange(w, dtype=np.float32) - x) / (soft * w)
        step = 1 / (1 + np.exp(-cols if dark > 0 else cols))
        factor = 1 - (1 - abs(dark)) * step
        return np.clip(rgb.astype(np.float32) * factor[None, :, None], 0, 255).astype(np.uint8)
    return apply


def _pg(name: str, dx: float = 0.0, eye: float = PG_EYE, scale: float = PG_SCALE, roll: float = 0.0,
        edit: str = "", **kw: object) -> Case:
    w, h = PG_SIZE
    return _person_case(name, "PG", PG_SIZE, [Placement(w / 2 + dx * w, eye * h, scale, roll, edit)], **kw)  # type: ignore[arg-type]


def _ed(name: str, head_mm: float = 30.5, dx: float = 0.0, roll: float = 0.0, crown_mm: float = 4.0,
        **kw: object) -> Case:
    w, h = ED_SIZE
    s = ed_scale(head_mm)
    eye_y = crown_mm / 48 * h + (EYE_MID[1] - _source_head()[0]) * s
    kw.setdefault("background", "blue")
    return _person_case(name, "ED", ED_SIZE, [Placement(w / 2 + dx * w, eye_y, s, roll)], **kw)  # type: ignore[arg-type]


def _cg(name: str, dx: float = 0.0, roll: float = 0.0, **kw: object) -> Case:
    w, h = CG_SIZE
    return _person_case(name, "CG", CG_SIZE, [Placement(w / 2 + dx * w, PG_EYE * h, PG_SCALE * 0.8, roll)], **kw)  # type: ignore[arg-type]


def _real_background() -> Case:
    """The astronaut in her original picture (flag and shuttle behind her), cropped 3:4 around her face."""
    src = _astronaut()
    x0, w, h = 90, 270, 360
    rgb = np.ascontiguousarray(src[:h, x0: x0 + w])
    alpha = _cutout_mask()[:h, x0: x0 + w].astype(np.float32) / 255
    truth = Truth(faces=1, width=w, height=h, eyes=[(EYE_LEFT[0] - x0, EYE_LEFT[1]), (EYE_RIGHT[0] - x0, EYE_RIGHT[1])],
                  roll_deg=SOURCE_ROLL_DEG, eye_line=EYE_MID[1] / h, centre_offset=abs(EYE_MID[0] - x0 - w / 2) / w,
                  crown_y=CROWN_Y, chin_y=CHIN[1], subject_fraction=float((alpha > 0.5).mean()))
    truth.lighting_ratio = lighting_ratio(rgb, truth)
    labels = labels_for(PG_RULES, truth)
    # Not a plain backdrop: the share of the picture the person fills cannot be measured, only warned about (the
    # background checks of check_material refuse such a photo on their own).
    labels["face.subject_small"] = "borderline"
    return _case("pg real background (flag, shuttle)", "PG", PG_RULES, None, rgb, truth, labels,
                 "the original photograph, not composited")


def _scenes() -> list[Case]:
    from skimage import data

    grey_page = cv2.cvtColor(data.page(), cv2.COLOR_GRAY2RGB)
    return [
        _scene_case("no face: white", "PG", np.full((800, 600, 3), 250, np.uint8), "white", "empty backdrop"),
        _scene_case("no face: blue", "ED", np.full((567, 390, 3), BLUE, np.uint8), "blue", "empty backdrop"),
        _scene_case("no face: cat (chelsea)", "PG", data.chelsea(), "white", "a cat's face"),
        _scene_case("no face: coffee", "PG", data.coffee(), "white", "a cup of coffee"),
        _scene_case("no face: page", "PG", grey_page, "white", "a scanned page"),
        _scene_case("no face: rocket", "CG", data.rocket(), None, "a rocket on its pad"),
    ]


@functools.cache
def good_photo(program: Literal["pg", "ed", "cg"]) -> np.ndarray:
    """A photo that meets its program's ID-photo rules (PG 600x800 white, ED 390x567 blue, CG 480x640 white)."""
    return {"pg": lambda: _pg("pg good"), "ed": lambda: _ed("ed good"), "cg": lambda: _cg("cg good")}[program]().rgb


def good_photo_jpeg(program: Literal["pg", "ed", "cg"], size: int | None = None) -> bytes:
    """`good_photo` as a JPEG file; `size` makes it exactly that many bytes (the CG spec asks for 100-400 KB)."""
    from PIL import Image

    from tests.unit.imagegen import encode, fit_to

    image = Image.fromarray(good_photo(program))
    return fit_to(image, size) if size else encode(image, "JPEG", quality=85)


def cases() -> tuple[Case, ...]:
    """The labelled set (built once per process)."""
    out: list[Case] = [
        _pg("pg good"),
        _pg("pg good, background not given", background=None),
        _pg("pg good, eye line 0.33", eye=0.33, scale=3.4),
        _pg("pg good, eye line 0.45", eye=0.45, scale=3.4),
        _person_case("pg good, 1500x2000", "PG", (1500, 2000), [Placement(750, PG_EYE * 2000, PG_SCALE * 2.5)]),
        _person_case("pg good, 300x400", "PG", (300, 400), [Placement(150, PG_EYE * 400, PG_SCALE * 0.5)]),
    ]
    for dx in (-0.03, 0.04, -0.075, 0.075, -0.12, 0.12, -0.2, 0.2):
        out.append(_pg(f"pg shifted {dx:+g}", dx=dx))
    for roll in (-5, 5, -8, 8, -11, 11, -15, 15, -25, 25, 35):
        out.append(_pg(f"pg rolled {roll:+d} deg", roll=roll))
    for eye in (0.20, 0.25, 0.27, 0.29, 0.51, 0.53, 0.56, 0.62):
        out.append(_pg(f"pg eye line {eye:.2f}", eye=eye))
    for scale in (2.0, 2.4, 2.6, 3.0):
        out.append(_pg(f"pg zoomed out x{scale / PG_SCALE:.2f}", eye=0.40, scale=scale))
    out += [
        _person_case("pg two people", "PG", PG_SIZE, [Placement(150, 320, 1.5), Placement(450, 320, 1.5)]),
        _person_case("pg two people, close", "PG", PG_SIZE, [Placement(190, 300, 2.0), Placement(420, 330, 1.8)]),
        _person_case("pg small bystander behind", "PG", PG_SIZE,
                     [Placement(280, PG_EYE * 800, PG_SCALE * 0.8), Placement(530, 150, 0.95)], bystander=True),
        _pg("pg blurred sigma 2", post=_blur(2.0)),
        _pg("pg blurred sigma 5", post=_blur(5.0),
            relax=("face.eyes_closed", "face.glasses", "face.pose", "face.eye_line", "face.roll")),
        _pg("pg dark x0.45", post=_exposure(0.45)),
        _pg("pg underexposed gamma 2.2", post=_exposure(1.0, 2.2), relax=("face.eyes_closed", "face.pose")),
        _pg("pg light falling off to the right", post=_gradient(1.1, 0.3)),
        _pg("pg light falling off to the left", post=_gradient(0.35, 1.1)),
        _pg("pg slight light gradient", post=_gradient(1.0, 0.85)),
        _pg("pg right half of the face in shadow", post=_side_shadow(PG_SIZE[0] / 2, 0.45)),
        _pg("pg left half of the face in shadow", post=_side_shadow(PG_SIZE[0] / 2, -0.4)),
        _person_case("pg mirrored", "PG", PG_SIZE, [Placement(300, PG_EYE * 800, PG_SCALE, mirror=True)]),
        _person_case("pg mirrored, rolled +15 deg", "PG", PG_SIZE,
                     [Placement(300, PG_EYE * 800, PG_SCALE, 15, mirror=True)]),
        _pg("pg jpeg quality 25", post=_jpeg(25)),
        _pg("pg sensor noise sigma 8", post=_noise(8)),
        _pg("pg cream backdrop", colour=(238, 232, 214)),
        _pg("pg light grey backdrop, vignette", colour=(226, 226, 226), post=_vignette(0.25)),
        _pg("pg glasses", edit="glasses"),
        _pg("pg eyes closed", edit="closed"),
        _real_background(),
    ]
    for head in (30.5, 29.5, 31.5, 28.8, 32.2, 27.6, 33.4, 25.0, 22.0, 36.0, 39.0):
        out.append(_ed(f"ed head {head:.1f} mm", head))
    out += [
        _ed("ed good, background not given", background=None),
        _ed("ed blue backdrop with vignette", post=_vignette(0.35)),
        _ed("ed jpeg quality 30", post=_jpeg(30)),
        _ed("ed shifted +0.12", dx=0.12),
        _ed("ed rolled -15 deg", roll=-15),
        _ed("ed crown cut off (head 36 mm)", 36.0, crown_mm=-1.5),
        _cg("cg good"),
        _cg("cg good, background not given", background=None),
        _cg("cg rolled +18 deg", roll=18),
        _cg("cg shifted -0.15", dx=-0.15),
    ]
    out += _scenes()
    return tuple(out)


def random_cases(n: int, seed: int = 1) -> list[Case]:
    """`n` more variants with random program, size of head, position, tilt, backdrop given or not and JPEG quality
    (a sweep over the same face, to check the fixed set's figures are not an accident of its choices)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        program = str(rng.choice(["PG", "ED", "CG"]))
        roll = float(rng.uniform(-20, 20)) if rng.random() < 0.5 else 0.0
        dx = float(rng.uniform(-0.15, 0.15))
        post = _jpeg(int(rng.integers(30, 95)))
        name = f"random {seed}.{i}"
        if program == "ED":
            background = "blue" if rng.random() < 0.5 else None
            out.append(_ed(name, float(rng.uniform(22, 38)), dx=dx, roll=roll, post=post, background=background))
        elif program == "PG":
            background = "white" if rng.random() < 0.5 else None
            out.append(_pg(name, dx=dx, eye=float(rng.uniform(0.22, 0.6)), scale=float(rng.uniform(2.0, 3.6)),
                           roll=roll, post=post, background=background))
        else:
            out.append(_cg(name, dx=dx, roll=roll, post=post))
    return out


# ------------------------------------------------------------------------------------------------ scoring

@dataclass
class Score:
    check: str
    severity: str
    cases: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    warned_on_pass: int = 0
    """Warnings raised on clear passes (noise for staff; not a mistake for the applicant)."""
    labels: dict[str, int] = field(default_factory=lambda: {"error": 0, "borderline": 0, "pass": 0})
    unscored: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Outcome:
    case: Case
    report: InspectionReport
    seconds: float
    mistakes: list[str]


def decision(report: InspectionReport, check: str) -> str | None:
    """The strongest severity the report gives this check (None: not flagged)."""
    severities = {f.severity for f in report.findings if f.code == check}
    return "error" if "error" in severities else "warning" if severities else None


def inspect_all(inspect: Callable[[np.ndarray, FaceRules, Background | None], InspectionReport] | None = None,
                extra: Iterable[Case] = ()) -> list[Outcome]:
    """Run the inspection on every case (and on `extra` ones)."""
    if inspect is None:
        from inspect_upload.face import inspect_face as inspect
    outcomes = []
    for case in (*cases(), *extra):
        start = time.perf_counter()
        report = inspect(case.rgb, case.rules, case.background)
        outcomes.append(Outcome(case, report, time.perf_counter() - start, []))
    return outcomes


def score(outcomes: Iterable[Outcome]) -> dict[str, Score]:
    """Score every check over the outcomes; each outcome's `mistakes` lists what it got wrong."""
    scores = {c: Score(c, SEVERITY[c]) for c in CHECKS}
    for outcome in outcomes:
        case, report = outcome.case, outcome.report
        mistakes = []
        for check in case.unscored:
            scores[check].unscored += 1
        for check, label in case.labels.items():
            s = scores[check]
            s.cases += 1
            s.labels[label] += 1
            got = decision(report, check)
            flagged = got == "error" if s.severity == "error" else got is not None
            if label == "error":
                if flagged:
                    s.tp += 1
                else:
                    s.fn += 1
                    mistakes.append(f"{check}: missed ({got or 'nothing'}; label error)")
            elif flagged and (label == "pass" or s.severity == "error"):
                s.fp += 1
                mistakes.append(f"{check}: false {got} (label {label})")
            elif label == "pass" and got is not None:
                s.warned_on_pass += 1
        for f in report.findings:
            if f.code not in case.labels and f.code not in case.unscored and f.severity == "error":
                mistakes.append(f"{f.code}: unexpected error on a check that does not apply")
        outcome.mistakes[:] = mistakes
    return scores


def evaluate(inspect: Callable[[np.ndarray, FaceRules, Background | None], InspectionReport] | None = None,
             extra: Iterable[Case] = ()) -> tuple[list[Outcome], dict[str, Score]]:
    """Run the inspection on every case and score every check."""
    outcomes = inspect_all(inspect, extra)
    return outcomes, score(outcomes)


def measurement_errors(outcomes: Iterable[Outcome]) -> dict[str, tuple[int, float, float]]:
    """Measured minus true value, per measurement, over the single-face cases where both are defined:
    (cases, mean error, largest absolute error)."""
    errors: dict[str, list[float]] = {k: [] for k in ("centre_offset", "eye_line", "roll_deg", "head_height_mm",
                                                     "head_width_mm", "subject_fraction", "lighting_ratio")}
    for o in outcomes:
        t, m, rules = o.case.truth, o.report.measurements, o.case.rules
        if t.faces != 1 or "face_box" not in m:
            continue
        if m.get("eyes_found") == 2:
            errors["centre_offset"].append(abs(m["centre_offset"]) - t.centre_offset)
            errors["eye_line"].append(m["eye_line"] - t.eye_line)
            errors["roll_deg"].append(m["roll_deg"] - t.roll_deg)
        if "lighting_ratio" in m and o.case.truth.eyes:
            errors["lighting_ratio"].append(m["lighting_ratio"] - t.lighting_ratio)
        if m.get("background_mask_reliable"):
            errors["subject_fraction"].append(m["subject_fraction"] - t.subject_fraction)
        if rules.frame_mm is not None:
            mm_x, mm_y = rules.frame_mm.width / t.width, rules.frame_mm.height / t.height
            if "face.head_height" in o.case.labels:
                errors["head_height_mm"].append(m["head_height_mm"] - t.head_height_px * mm_y)
            if "face.head_width" in o.case.labels:
                errors["head_width_mm"].append(m["head_width_mm"] - t.head_width_visible_px * mm_x)
    return {k: (len(v), float(np.mean(v)) if v else 0.0, float(np.max(np.abs(v))) if v else 0.0)
            for k, v in errors.items()}


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(scores: dict[str, Score]) -> str:
    """Per check: the decision scored (an error, or a warning for warning-only checks), the cases scored and their
    labels (error / borderline / pass), TP, FP, FN, precision and recall of that decision, warnings on clear
    passes, and the cases left unscored (truth within tolerance of where errors start)."""
    head = (f"{'check':<19} {'decision':<8} {'cases':>5} {'err/bdl/pass':>12} {'TP':>3} {'FP':>3} {'FN':>3} "
            f"{'precision':>9} {'recall':>6} {'warn@pass':>9} {'unscored':>8}")
    rows = [head, "-" * len(head)]
    for s in scores.values():
        split = f"{s.labels['error']}/{s.labels['borderline']}/{s.labels['pass']}"
        rows.append(f"{s.check:<19} {s.severity:<8} {s.cases:>5} {split:>12} {s.tp:>3} {s.fp:>3} {s.fn:>3} "
                    f"{_fmt(s.precision):>9} {_fmt(s.recall):>6} {s.warned_on_pass:>9} {s.unscored:>8}")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    n_random = int(argv[argv.index("--random") + 1]) if "--random" in argv else 0
    rest = [a for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--random")]
    out_dir = Path(rest[0]) if rest else None
    outcomes, scores = evaluate(extra=random_cases(n_random) if n_random else ())
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for i, o in enumerate(outcomes):
            name = "".join(ch if ch.isalnum() else "_" for ch in o.case.name)
            cv2.imwrite(str(out_dir / f"{i:02d}_{name}.png"), o.case.rgb[:, :, ::-1])
    for o in outcomes:
        if verbose or o.mistakes:
            found = ", ".join(f"{f.code}:{f.severity[0]}" for f in o.report.findings) or "-"
            labels = ", ".join(f"{k[5:]}={v}" for k, v in o.case.labels.items() if v != "pass") or "all pass"
            print(f"{o.case.name:<42} {o.seconds * 1000:5.0f} ms  expect [{labels}]  got [{found}]")
            for m in o.mistakes:
                print(f"    MISTAKE {m}")
            if verbose:
                print(f"    truth {o.case.truth.as_dict()}")
    times = sorted(o.seconds for o in outcomes)
    print(f"\n{len(outcomes)} cases; inspection time median {times[len(times) // 2] * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms\n")
    print(table(scores))
    print(f"\n{'measurement':<18} {'cases':>5} {'mean error':>10} {'max |error|':>11}")
    for name, (n, mean, worst) in measurement_errors(outcomes).items():
        print(f"{name:<18} {n:>5} {mean:>+10.4f} {worst:>11.4f}")
    return 1 if any(o.mistakes for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
