"""Face geometry of an ID photo (PG-MAT-1, PG-MAT-2, ED-MAT-2, CG-MAT-2) with OpenCV's bundled Haar cascades.

`inspect_face(rgb, rules, background)` takes the photo as displayed (H x W x 3 uint8 RGB, EXIF orientation applied,
full resolution) and returns an `InspectionReport`: findings for the applicant and staff, and every measurement,
all in full-resolution pixels (boxes `[x, y, w, h]`, points `[x, y]`, origin top-left). The work is done on a copy
at most `WORK_LONG_SIDE` px long (faces are searched on a smaller one still); the cascades are loaded once per
process (`warm_up()` loads them at cold start).

How it measures, in order:

1. faces: `haarcascade_frontalface_alt2` on a small copy, each hit checked by `haarcascade_frontalface_default`;
   a hit is a face when the first cascade is sure of it, or when the second agrees and an eye pair is found in
   it. When no face is found upright, copies turned by `ROTATED_SEARCH_DEG` are searched (a strongly tilted head
   is still found);
2. eyes: `haarcascade_eye` (and `haarcascade_eye_tree_eyeglasses` when it is not enough) in a face crop of fixed
   size levelled by the face's tilt; the best left/right pair of eye-sized boxes is kept and each centre refined to
   the darkest iris-sized disc;
3. roll from the eye pair; the eye line and the head's horizontal centre from the eye midpoint (from the face box
   when the eyes are not found, with wider margins); yaw from how far each eye is from the edge of the face's skin;
4. the backdrop: a smooth colour surface fitted to the picture's top and upper side borders (the expected white or
   blue picks the border pixels to trust; a vignette or a gentle gradient fits), the background the pixels near
   that surface connected to those borders, the subject (head and shoulders) everything else; the crown is the
   top of the subject above the face, the head width the subject's median width at ear level, both measured in a
   frame levelled by the roll, with sub-pixel edges;
5. the chin from the eye pair's spacing and the face box (average face proportions); head height crown to chin;
6. lighting (left vs right cheek), glasses (a dark frame bridge between the eyes and dark rims under them) and
   open eyes (eyes found, with a dark iris), as warnings.

Severity policy: an error only when the decision is clear-cut, i.e. the detection is confident and the value is
outside the limit by more than the measurement's own uncertainty (the `*_ERROR_MARGIN`s below). A value just
outside the limit, or one measured with low confidence (no eye pair, a backdrop that is not plain, the crown cut
off by the picture's edge, two head-width estimates that disagree) is a warning for staff. Yaw, glasses, closed
eyes and lighting are only ever warnings: these detectors cannot measure them reliably enough to refuse a photo.
Pitch is not measured (no reliable cue; `measurements["pitch_deg"]` is None and a note says so).

Accuracy is measured on the labelled set of `tests/photos.py` (`python -m tests.photos`). It is built from one real
face; the face proportions below are that face's and adults' averages, so the head-size margins allow for faces
that differ.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np

from intake.checks.inspection import FaceRules, InspectionReport
from intake.findings import Finding, error, warning

# ------------------------------------------------------------------------------------------------ sizes

WORK_LONG_SIDE = 800
"""Long side of the working copy (px). Everything is measured on it, then reported in full-resolution pixels."""
DETECT_LONG_SIDE = 200
"""Long side of the copy faces are searched on. ID-photo faces are big (a quarter of the width or more), so at
200 px they are still 40+ px, well above the cascades' 20 px window, and the search costs ~20 ms."""
MIN_FACE_FRACTION = 0.12
"""Faces narrower than this share of the picture's short side are not looked for (a face in the background of a
snapshot, a pattern on a shirt). Two applicants side by side in one 3:4 photo still have faces of ~0.2."""
ROTATED_SEARCH_DEG = (20.0, -20.0, 38.0, -38.0)
"""Tilts tried when no face is found upright. The frontal cascades tolerate about +-15 deg."""
ROTATED_LONG_SIDE = 160
"""The turned copies are smaller still (a tilted head filling an ID photo is 40+ px at 160)."""
EYE_SEARCH_TURNS = (15.0, -15.0)
"""Turns of the face crop tried when no eye pair is found in it (the eye cascades tolerate about +-12 deg)."""
MASK_LONG_SIDE = 320
"""Long side of the copy the background mask is computed on (1 px there is 2.5 px of a 600x800 photo, 0.2 mm of
a 33x48 mm one)."""
CROP = 200
"""Side of the normalised face crop (px); the face box maps to the central `CROP_FACE` px of it."""
CROP_FACE = 150.0
IRIS_OFF_CENTRE = 30.0
"""Grey levels a candidate iris at the edge of its search window must be darker by than one at the eye box's
centre (a spectacle frame's corner can be as dark as an iris)."""
EYE_MIN, EYE_MAX = 22, 60
"""Eye boxes searched in the face crop, px (0.15-0.4 of the face box): narrower than the cascades can do, which
keeps the search to ~5 ms."""
EYE_BOX = 36.0
"""Expected side of a Haar eye box in the face crop (0.24 of the face box). Eye cascades also fire on a whole
spectacle lens (0.35) or on the pupil alone (0.15); pairs of boxes of an eye's size are preferred."""

# ------------------------------------------------------------------------------------------------ detection

FACE_MIN_NEIGHBOURS = 3
FACE_CONFIDENT_NEIGHBOURS = 12
"""A hit is taken for a face when `frontalface_alt2` merged this many windows into it, or when
`frontalface_default` confirms it and an eye pair is found in it. On the labelled set upright faces have 16-50
windows; faces tilted by 15-18 deg, the smaller faces of the side-by-side pictures and the bystander 5-10, all
confirmed and with their eyes; the hits on the cat, page and rocket pictures 3-6 windows, none with an eye
pair."""
COMPARABLE_FACE = 0.6
"""A second face at least this share of the biggest face's width counts as another person; smaller hits (a face on
a T-shirt, a photo in the background) do not."""
SAME_FACE_IOU = 0.3

# Face proportions. They are measured on the one real face of the labelled set (scikit-image's astronaut, at 60
# scales, positions and tilts) and agree with adult anthropometric means; other faces differ by several percent,
# which is why the head sizes they give only raise errors beyond HEAD_MM_ERROR_MARGIN.
EYE_ROW_IN_BOX = 0.36
"""Eye line as a share of the frontal-face box height from its top, used when the eyes are not found (0.33-0.38
on the labelled set)."""
CHIN_PER_EYE_DISTANCE = 1.94
"""Eye line to chin, in pupil distances (adults 1.85-2.0)."""
CHIN_PER_BOX = 1.265
"""Face box top to chin, in face box heights (1.21-1.32 on the labelled set; the box ends at the lower lip)."""
CROWN_PER_EYE_DISTANCE = 2.0
"""Eye line to crown (with hair), in pupil distances, used only when the background cannot give the crown."""
HEAD_WIDTH_PER_EYE_DISTANCE = 2.88
HEAD_WIDTH_PER_BOX = 1.35
"""Head width at ear level, in pupil distances (adults 2.6-2.9 with the ears), or in face box widths when the eyes
are not found (1.26-1.45 on the labelled set): the second estimate of the head width. The first is the
silhouette, which long or bushy hair widens."""
EAR_BAND = 0.3
"""Head width is the median width of the silhouette over the rows from the eye line down this share of the way
to the chin: the upper half of the ears."""

# ------------------------------------------------------------------------------------------------ margins

CENTRE_ERROR_MARGIN = 0.03
"""An off-centre head is an error when its offset exceeds the limit by this share of the width (the eye midpoint
is found to +-0.003 of the width on the labelled set; the margin also covers a face turned a little, whose eye
midpoint is off the head's centre)."""
EYE_LINE_ERROR_MARGIN = 0.02
EYE_LINE_FALLBACK_MARGIN = 0.05
"""Eye line outside its range by more than this share of the height is an error: 0.02 with the eyes found
(+-0.003 on the labelled set), 0.05 when it is estimated from the face box or one eye."""
ROLL_ERROR_MARGIN = 3.0
"""Degrees beyond the limit for an error (the eye pair gives the roll to +-0.8 deg on the labelled set; a
pixel's error on a small face's eyes is 1-2 deg)."""
HEAD_MM_ERROR_MARGIN = 1.5
"""Millimetres beyond the head width or height range for an error. On the labelled set the sizes are within
+-0.5 mm, but the chin and the second width estimate come from face proportions, which differ between people by
+-4 % of the head height (about +-1.2 mm at 30 mm)."""
SUBJECT_ERROR_MARGIN = 0.05
"""Head-and-shoulders share of the picture below the minimum by more than this is an error (measured to +-0.02
on a plain backdrop; clothes of the backdrop's colour at the picture's sides would lower it)."""

YAW_ROWS = (0.2, 0.45)
"""Rows (below the eye line, in eye distances) where the face's edges are looked for to estimate the yaw."""
LIGHTING_MIN_RATIO = 0.65
"""Darker cheek's mean brightness over the brighter one's below this: uneven lighting (warning). Studio portraits
lit from one side measure 0.8-0.9 (the astronaut 0.86); a face half in shadow 0.5 or less."""
GLASSES_BRIDGE_MAX = 0.62
GLASSES_RIM_MAX = 0.72
"""Glasses: the darkest row across the nose bridge between the eyes is below 0.62 of the skin's brightness and
the darkest row under the eyes below 0.72 (bare faces: 0.85-1.0 and 0.8-1.0). Rimless glasses are not seen."""
OPEN_EYE_MIN_CONTRAST = 0.30
"""An open eye has a dark iris: the darkest 4 % of the eye region below (1 - 0.30) x the skin's brightness."""
BG_START_DISTANCE = 12.0
"""Border samples within this Lab distance of their median colour start the backdrop fit."""
BG_MIN_DISTANCE, BG_MAX_DISTANCE = 8.0, 16.0
"""Lab distance from the fitted backdrop within which a pixel is background: 3 x the border's own spread + 6,
kept between 8 and 16. Light skin is 20-25 from white or light grey, so 16 is the most the face can stand."""
TOP_MIN_MATCH, CLEAN_SIDE_MATCH = 0.3, 0.6
MAX_SHADED_SIDE = 0.3
SHADE_RATIO, SHADE_TINT = (0.3, 0.93), 0.08
BG_MAX_SPREAD = 3.0
MAX_STRAY = 0.02
BESIDE_HEAD = 0.9
"""The background mask (crown, silhouette, subject share) is trusted when at least 30 % of the top border band and
60 % of one side band lie on the fitted backdrop (hair may cover most of the top, and a big head off centre most
of one side); when no more than 30 % of either side band is the backdrop in shadow (off the fit, 0.3-0.93 times
as light, with the same tint: Lab a/L and b/L within 0.08; black hair is darker than that, brown or blond hair and
skin are tinted); when the border's 90th-percentile distance from the fit is at most 3 Lab units (a plain backdrop
with sensor noise or JPEG artefacts: 0.5-2; the astronaut's studio backdrop with the flag and shuttle: 4); and
when at most 2 % of the picture above the eyes, further than 0.9 face widths from the face's centre, is not
backdrop (furniture, another person, a busy wall)."""

Background = Literal["white", "blue"]

HEAD_SMALL = ("头部过小，请靠近镜头", "the head is too small: come closer")
HEAD_BIG = ("头部过大，请离镜头远一些", "the head is too big: step back")


@functools.cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    """A bundled Haar cascade, loaded once per process (they ship inside opencv-python; nothing is downloaded)."""
    path = f"{cv2.data.haarcascades}haarcascade_{name}.xml"
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"OpenCV cascade not found: {path}")
    return cascade


def warm_up() -> None:
    """Load every cascade (call at cold start, outside the timed path)."""
    for name in ("frontalface_alt2", "frontalface_default", "eye", "eye_tree_eyeglasses"):
        _cascade(name)


# ------------------------------------------------------------------------------------------------ data


@dataclass
class _Face:
    """A face candidate in working-image coordinates: centre, width (the box is square) and the tilt of the copy
    it was found on (degrees, + = clockwise as seen); then its eyes, and whether it is taken for a face."""

    cx: float
    cy: float
    size: float
    angle: float
    neighbours: int
    confirmed: bool = False
    crop: _Crop | None = None
    eyes: _Eyes = field(default_factory=lambda: _Eyes())
    strong: bool = False

    def box(self) -> tuple[float, float, float, float]:
        return (self.cx - self.size / 2, self.cy - self.size / 2, self.size, self.size)


@dataclass
class _Eyes:
    """The eye pair (working coordinates; left = on the picture's left) and what was learnt about it."""

    points: list[tuple[float, float]] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    cascade: str = ""
    open_contrast: list[float] = field(default_factory=list)


@dataclass
class _Crop:
    """The normalised face crop: crop = k * R(-angle) * (p - centre) + (CROP/2, CROP/2)."""

    centre: tuple[float, float]
    k: float
    angle: float
    grey: np.ndarray
    rgb: np.ndarray

    def matrix(self) -> np.ndarray:
        return _similarity(self.centre, self.k, self.angle, (CROP / 2, CROP / 2))

    def to_work(self, u: float, v: float) -> tuple[float, float]:
        t = math.radians(self.angle)
        du, dv = (u - CROP / 2) / self.k, (v - CROP / 2) / self.k
        return (self.centre[0] + du * math.cos(t) - dv * math.sin(t),
                self.centre[1] + du * math.sin(t) + dv * math.cos(t))

    def to_crop(self, x: float, y: float) -> tuple[float, float]:
        m = self.matrix()
        return (m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2])


def _similarity(centre: tuple[float, float], k: float, angle: float, to: tuple[float, float]) -> np.ndarray:
    """The affine matrix taking `centre` to `to`, scaling by `k` and turning by -angle (levelling a tilt)."""
    t = math.radians(angle)
    c, s = math.cos(t) * k, math.sin(t) * k
    # R(-angle) = [[cos, sin], [-sin, cos]]
    return np.array([[c, s, to[0] - c * centre[0] - s * centre[1]],
                     [-s, c, to[1] + s * centre[0] - c * centre[1]]], np.float64)


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


def _edge(profile: np.ndarray, last: int, step: int) -> float:
    """Sub-pixel position of a silhouette's edge along a row or column: where the distance from the backdrop
    crosses half way between the backdrop's level (outside) and the subject's (inside). `last` is the last subject
    pixel of the run, `step` +1 for a right (lower) edge, -1 for a left (upper) one. The binary mask puts the edge
    where the blend is barely off the backdrop, about a pixel outside the true outline."""
    n = profile.size
    inner = [profile[i] for i in range(last - step * 5, last - step, step) if 0 <= i < n]
    outer = [profile[i] for i in range(last + step * 2, last + step * 6, step) if 0 <= i < n]
    if not inner or not outer:
        return last + step * 0.5
    half = (float(np.median(inner)) + float(np.median(outer))) / 2
    # walk outwards from inside the run to the first sample below half, interpolate the crossing
    i = last - step * 3
    while 0 <= i + step < n and abs(i - last) <= 5:
        a, b = float(profile[i]), float(profile[i + step])
        if a >= half > b:
            return i + step * (a - half) / (a - b)
        i += step
    return last + step * 0.5


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _r(x: float, digits: int = 1) -> float:
    return round(float(x), digits)


# ------------------------------------------------------------------------------------------------ the inspection


def inspect_face(rgb: np.ndarray, rules: FaceRules, background: Background | None) -> InspectionReport:
    """Inspect the head and face geometry of an ID photo (see the module docstring)."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim not in (2, 3):
        raise ValueError("rgb must be an H x W x 3 uint8 array")
    if rgb.ndim == 2:
        rgb = cv2.cvtColor(rgb, cv2.COLOR_GRAY2RGB)
    elif rgb.shape[2] == 4:
        rgb = cv2.cvtColor(rgb, cv2.COLOR_RGBA2RGB)
    elif rgb.shape[2] != 3:
        raise ValueError("rgb must be an H x W x 3 uint8 array")
    return _Inspection(rgb, rules, background).run()


class _Inspection:
    def __init__(self, rgb: np.ndarray, rules: FaceRules, background: Background | None) -> None:
        self.rules = rules
        self.background = background
        self.height, self.width = rgb.shape[:2]
        self.f = min(1.0, WORK_LONG_SIDE / max(self.height, self.width))
        """Working pixels per full-resolution pixel."""
        if self.f < 1.0:
            self.work = cv2.resize(rgb, None, fx=self.f, fy=self.f, interpolation=cv2.INTER_AREA)
        else:
            self.work = rgb
        self.grey = cv2.cvtColor(self.work, cv2.COLOR_RGB2GRAY)
        self.findings: list[Finding] = []
        self.m: dict[str, Any] = {"image_size": [self.width, self.height], "work_scale": _r(self.f, 4)}
        self.notes: list[str] = []
        self.rule_ids = list(rules.rules)
        self._smalls: dict[int, tuple[np.ndarray, float, int]] = {}

    # -- helpers ------------------------------------------------------------------------------------------

    def full(self, v: float) -> float:
        """Working pixels to full-resolution pixels."""
        return v / self.f

    def full_xy(self, v: float) -> float:
        """A working-pixel coordinate (pixel centres at integers) in full-resolution pixels."""
        return (v + 0.5) / self.f - 0.5

    def full_pt(self, p: tuple[float, float]) -> list[float]:
        return [_r(self.full_xy(p[0])), _r(self.full_xy(p[1]))]

    def full_box(self, b: tuple[float, float, float, float]) -> list[float]:
        return [_r(self.full(v)) for v in b]

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def details(self, **kw: Any) -> dict[str, Any]:
        return {"rules": self.rule_ids, **kw}

    # -- the run ------------------------------------------------------------------------------------------

    def run(self) -> InspectionReport:
        candidates: list[_Face] = []
        faces: list[_Face] = []
        for angle in (0.0, *ROTATED_SEARCH_DEG):
            found = self.detect(angle)
            for f in found:
                self.locate_eyes(f)
            candidates += found
            faces = [f for f in found if f.strong]
            if faces:
                if angle:
                    self.notes.append(f"face found only on a copy turned by {angle:+.0f} deg")
                break
        self.m["face_candidates"] = [
            {"box": self.full_box(f.box()), "angle": _r(f.angle), "neighbours": f.neighbours,
             "confirmed": f.confirmed, "eyes": len(f.eyes.points), "face": f.strong} for f in candidates]
        if self.choose_face(faces, candidates):
            self.geometry()
            self.mask_geometry()
            self.lighting()
            self.glasses()
            self.eyes_open()
            self.pose()
        self.m["notes"] = self.notes
        return InspectionReport(findings=self.findings, measurements=self.m)

    # -- faces --------------------------------------------------------------------------------------------

    def _small(self, long_side: int) -> tuple[np.ndarray, float, int]:
        """The equalised copy faces are searched on, its scale (per working px) and the smallest face size."""
        if long_side not in self._smalls:
            fd = min(1.0, long_side / max(self.grey.shape))
            small = cv2.resize(self.grey, None, fx=fd, fy=fd, interpolation=cv2.INTER_AREA) if fd < 1 else self.grey
            self._smalls[long_side] = (cv2.equalizeHist(small), fd,
                                       max(20, round(MIN_FACE_FRACTION * min(small.shape))))
        return self._smalls[long_side]

    def detect(self, angle: float) -> list[_Face]:
        """Frontal faces on the small copy turned by -angle (levelling a head tilted by +angle)."""
        small, fd, min_face = self._small(ROTATED_LONG_SIDE if angle else DETECT_LONG_SIDE)
        h, w = small.shape
        if angle:
            t = math.radians(angle)
            cw = int(abs(w * math.cos(t)) + abs(h * math.sin(t))) + 2
            ch = int(abs(w * math.sin(t)) + abs(h * math.cos(t))) + 2
            m = _similarity((w / 2, h / 2), 1.0, angle, (cw / 2, ch / 2))
            img = cv2.warpAffine(small, m, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            back = cv2.invertAffineTransform(m)
        else:
            img, back = small, None
        rects, counts = _cascade("frontalface_alt2").detectMultiScale2(
            img, scaleFactor=1.1, minNeighbors=FACE_MIN_NEIGHBOURS, minSize=(min_face, min_face))
        faces = []
        for (x, y, s, _), n in zip(rects, counts, strict=False):
            confirmed = self._confirm(img, (x, y, s), min_face)
            cx, cy = x + s / 2, y + s / 2
            if back is not None:
                cx, cy = (back[0, 0] * cx + back[0, 1] * cy + back[0, 2],
                          back[1, 0] * cx + back[1, 1] * cy + back[1, 2])
            faces.append(_Face(cx / fd, cy / fd, s / fd, angle, int(n), confirmed))
        # one face per place: keep the most supported of overlapping hits
        faces.sort(key=lambda f: -f.neighbours)
        kept: list[_Face] = []
        for f in faces:
            if all(_iou(f.box(), k.box()) < SAME_FACE_IOU for k in kept):
                kept.append(f)
        return kept

    def _confirm(self, img: np.ndarray, rect: tuple[int, int, int], min_face: int) -> bool:
        """Does the second cascade find the same face around this hit?"""
        x, y, s = rect
        pad = s // 3
        x0, y0 = max(0, x - pad), max(0, y - pad)
        roi = img[y0: y + s + pad, x0: x + s + pad]
        found = _cascade("frontalface_default").detectMultiScale(
            roi, scaleFactor=1.1, minNeighbors=3, minSize=(max(min_face, int(s * 0.7)),) * 2,
            maxSize=(int(s * 1.4),) * 2)
        return any(_iou((x, y, s, s), (x0 + fx, y0 + fy, fs, fs)) > 0.4 for fx, fy, fs, _ in found)

    def locate_eyes(self, face: _Face) -> None:
        """Eyes in the face's crop; when no pair is found, in crops turned either way (a tilted head the face
        cascade still found upright); once a pair is found, again in a crop levelled by its roll."""
        crop = self.make_crop(face.cx, face.cy, face.size, face.angle)
        eyes = self.find_eyes(crop)
        if len(eyes.points) < 2:
            for turn in EYE_SEARCH_TURNS:
                crop2 = self.make_crop(face.cx, face.cy, face.size, face.angle + turn)
                eyes2 = self.find_eyes(crop2)
                if len(eyes2.points) == 2:
                    crop, eyes = crop2, eyes2
                    break
        if len(eyes.points) == 2:
            roll = self.roll_of(eyes)
            if abs(roll - crop.angle) > 6:
                crop2 = self.make_crop(face.cx, face.cy, face.size, roll)
                eyes2 = self.find_eyes(crop2)
                if len(eyes2.points) == 2:
                    crop, eyes = crop2, eyes2
        face.crop, face.eyes = crop, eyes
        face.strong = face.neighbours >= FACE_CONFIDENT_NEIGHBOURS or (face.confirmed and len(eyes.points) == 2)

    def choose_face(self, faces: list[_Face], candidates: list[_Face]) -> bool:
        """Pick the applicant's face; report none or several. False when there is no face to measure."""
        if not faces:
            weak = [self.full_box(f.box()) for f in candidates]
            self.add(error(
                "face.none",
                "照片中未检测到清晰的正面人脸，请上传本人正面免冠、双眼睁开的证件照",
                "no clear face looking at the camera was found; upload a frontal ID photo of yourself, eyes open",
                0, 1, **self.details(weak_candidates=weak),
            ))
            return False
        faces = sorted(faces, key=lambda f: -f.size)
        biggest = faces[0]
        others = [f for f in faces[1:] if f.size >= COMPARABLE_FACE * biggest.size]
        if others:
            n = 1 + len(others)
            self.add(error(
                "face.multiple",
                f"照片中有 {n} 张人脸，证件照只能有本人一人",
                f"{n} faces were found; the ID photo must show only you",
                n, 1, **self.details(boxes=[self.full_box(f.box()) for f in [biggest, *others]]),
            ))
            return False
        smaller = faces[1:]
        if smaller:
            n = 1 + len(smaller)
            self.add(warning(
                "face.multiple",
                f"照片中还有 {n - 1} 张较小的人脸（可能是背景中的人或图片），证件照只能有本人一人，由工作人员核实",
                f"{n - 1} more, smaller face(s) in the photo (someone in the background, a picture?); the ID photo "
                "must show only you. Staff will check",
                n, 1, **self.details(boxes=[self.full_box(f.box()) for f in faces]),
            ))
        self.face = biggest
        self.crop, self.eyes = biggest.crop, biggest.eyes  # type: ignore[assignment]
        self.m["face_box"] = self.full_box(biggest.box())
        self.m["face_neighbours"] = biggest.neighbours
        self.m["face_confirmed"] = biggest.confirmed
        return True

    # -- eyes ---------------------------------------------------------------------------------------------

    def make_crop(self, cx: float, cy: float, size: float, angle: float) -> _Crop:
        k = CROP_FACE / size
        m = _similarity((cx, cy), k, angle, (CROP / 2, CROP / 2))
        grey = cv2.warpAffine(self.grey, m, (CROP, CROP), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        rgb = cv2.warpAffine(self.work, m, (CROP, CROP), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REPLICATE)
        return _Crop((cx, cy), k, angle, grey, rgb)

    def find_eyes(self, crop: _Crop) -> _Eyes:
        """The best left/right eye pair in the crop (both eye cascades' hits pooled), or the strongest single eye."""
        top = CROP / 2 - CROP_FACE / 2  # face box top in the crop
        y0, y1 = int(top + 0.12 * CROP_FACE), int(top + 0.62 * CROP_FACE)
        region = cv2.equalizeHist(crop.grey[y0:y1])
        cands: list[tuple[float, float, float, float, tuple[int, int, int, int], str]] = []
        pair = None
        for name in ("eye", "eye_tree_eyeglasses"):
            rects, _, weights = _cascade(name).detectMultiScale3(
                region, scaleFactor=1.1, minNeighbors=2, minSize=(EYE_MIN, EYE_MIN), maxSize=(EYE_MAX, EYE_MAX),
                outputRejectLevels=True)
            cands += [(x + w / 2, y0 + y + h / 2, float(w), float(wt), (int(x), int(y0 + y), int(w), int(h)), name)
                      for (x, y, w, h), wt in zip(rects, np.ravel(weights), strict=False)]
            pair = self._best_pair(cands)
            # a pair of eye-sized boxes from the first cascade is enough; otherwise pool the glasses cascade's
            if pair is not None and all(abs(math.log(c[2] / EYE_BOX)) < 0.3 for c in pair):
                break
        if pair is not None:
            a, b = pair
            dx = b[0] - a[0]
            pts = [self._refine(crop.grey, (a[0], a[1]), dx), self._refine(crop.grey, (b[0], b[1]), dx)]
            eyes = _Eyes(points=[crop.to_work(*p) for p in pts], boxes=[a[4], b[4]],
                         cascade="+".join(sorted({a[5], b[5]})))
            eyes.open_contrast = [self._iris_contrast(crop, p, pts[1][0] - pts[0][0]) for p in pts]
            return eyes
        singles = [c for c in cands if top + 0.2 * CROP_FACE < c[1] < top + 0.55 * CROP_FACE
                   and abs(np.log(c[2] / EYE_BOX)) < 0.5]
        if singles:
            c = max(singles, key=lambda c: c[3])
            p = self._refine(crop.grey, (c[0], c[1]), 0.45 * CROP_FACE)
            return _Eyes(points=[crop.to_work(*p)], boxes=[c[4]], cascade=c[5])
        return _Eyes()

    @staticmethod
    def _best_pair(cands: list[tuple[float, float, float, float, Any, str]]) -> tuple[Any, Any] | None:
        centre = CROP / 2
        best, best_score = None, -1e9
        for a in cands:
            for b in cands:
                if a[0] >= b[0]:
                    continue
                dx, dy = b[0] - a[0], b[1] - a[1]
                if not (0.28 * CROP_FACE <= dx <= 0.65 * CROP_FACE) or abs(dy) > 0.3 * dx:
                    continue
                if a[0] > centre or b[0] < centre or max(a[2], b[2]) > 1.8 * min(a[2], b[2]):
                    continue
                mid = (a[0] + b[0]) / 2
                if abs(mid - centre) > 0.15 * CROP_FACE:
                    continue
                # cascade confidence, boxes of an eye's size, alike, level and either side of the face's centre
                score = (a[3] + b[3] - 3 * (abs(math.log(a[2] / EYE_BOX)) + abs(math.log(b[2] / EYE_BOX)))
                         - 2 * abs(math.log(a[2] / b[2])) - abs(mid - centre) / 10 - abs(dy) / 5)
                if score > best_score:
                    best, best_score = (a, b), score
        return best

    @staticmethod
    def _refine(grey: np.ndarray, centre: tuple[float, float], distance: float) -> tuple[float, float]:
        """The iris near a Haar eye box's centre (the box also holds the brow and the lids): the darkest disc of
        an iris's size (0.09 of the eye distance in radius) within 0.2 (across) and 0.12 (up and down) of the
        eye distance. Lashes and glasses frames are thin lines, so they darken a disc less than the iris."""
        r = max(2, round(0.09 * distance))
        hx, hy = 0.2 * distance + r, 0.12 * distance + r
        x0, x1 = max(0, round(centre[0] - hx)), min(grey.shape[1], round(centre[0] + hx) + 1)
        y0, y1 = max(0, round(centre[1] - hy)), min(grey.shape[0], round(centre[1] + hy) + 1)
        patch = grey[y0:y1, x0:x1].astype(np.float32)
        if patch.shape[0] <= 2 * r + 2 or patch.shape[1] <= 2 * r + 2:
            return centre
        disc = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
        cv2.circle(disc, (r, r), r, 1.0, -1)
        mean = cv2.filter2D(patch, -1, disc / disc.sum(), borderType=cv2.BORDER_REPLICATE)
        # prefer the box's centre: a disc at the window's edge must be darker by IRIS_OFF_CENTRE grey levels
        ys, xs = np.mgrid[0: patch.shape[0], 0: patch.shape[1]].astype(np.float32)
        off = ((xs + x0 - centre[0]) / hx) ** 2 + ((ys + y0 - centre[1]) / hy) ** 2
        score = mean + IRIS_OFF_CENTRE * off
        inner = score[r: -r, r: -r]  # discs wholly inside the window
        iy, ix = np.unravel_index(int(np.argmin(inner)), inner.shape)
        iy, ix = iy + r, ix + r

        def vertex(a: float, b: float, c: float) -> float:
            d = a - 2 * b + c
            return 0.5 * (a - c) / d if d > 1e-6 else 0.0

        dx = vertex(mean[iy, ix - 1], mean[iy, ix], mean[iy, ix + 1])
        dy = vertex(mean[iy - 1, ix], mean[iy, ix], mean[iy + 1, ix])
        return (x0 + ix + dx, y0 + iy + dy)

    def _skin_level(self, crop: _Crop, eye_y: float, mid_x: float, d: float) -> float:
        g = crop.grey
        y0, y1 = round(eye_y + 0.3 * d), round(eye_y + 0.8 * d)
        xa, xb = round(mid_x - 0.8 * d), round(mid_x + 0.8 * d)
        region = g[max(0, y0): max(1, y1), max(0, xa): max(1, xb)]
        return float(np.median(region)) if region.size else float(np.median(g))

    def _iris_contrast(self, crop: _Crop, p: tuple[float, float], d: float) -> float:
        skin = self._skin_level(crop, p[1], CROP / 2, d)
        x0, x1 = round(p[0] - 0.22 * d), round(p[0] + 0.22 * d)
        y0, y1 = round(p[1] - 0.1 * d), round(p[1] + 0.12 * d)
        region = crop.grey[max(0, y0): y1, max(0, x0): x1]
        if not region.size or skin <= 0:
            return 0.0
        return float(1 - np.percentile(region, 4) / skin)

    def roll_of(self, eyes: _Eyes) -> float:
        (x0, y0), (x1, y1) = eyes.points
        return math.degrees(math.atan2(y1 - y0, x1 - x0))

    # -- geometry from the face and eyes --------------------------------------------------------------------

    def geometry(self) -> None:
        face, eyes, crop, rules = self.face, self.eyes, self.crop, self.rules
        box = self.full_box(face.box())
        pair = len(eyes.points) == 2
        self.m["eyes"] = [self.full_pt(p) for p in eyes.points]
        self.m["eyes_found"] = len(eyes.points)
        self.m["eye_cascade"] = eyes.cascade or None
        top = CROP / 2 - CROP_FACE / 2
        if pair:
            (lx, ly), (rx, ry) = eyes.points
            mid = ((lx + rx) / 2, (ly + ry) / 2)
            self.roll = self.roll_of(eyes)
            self.iod = math.dist(eyes.points[0], eyes.points[1])
            eye_conf = "eyes"
        else:
            mid = crop.to_work(CROP / 2, top + EYE_ROW_IN_BOX * CROP_FACE)
            if eyes.points:
                mid = (mid[0], eyes.points[0][1])
            self.roll = face.angle
            self.iod = 0.0
            eye_conf = "one eye" if eyes.points else "face box"
            self.notes.append("eye line estimated from " + ("one eye" if eyes.points else "the face box proportions"))
        self.mid = mid
        self.eye_source = eye_conf
        self.m["eye_mid"] = self.full_pt(mid)
        self.m["eye_line_y"] = _r(self.full_xy(mid[1]))
        self.m["eye_line_source"] = eye_conf
        self.m["roll_deg"] = _r(self.roll) if pair else None
        self.m["roll_source"] = "eyes" if pair else ("face search tilt" if face.angle else None)
        self.m["eye_distance"] = _r(self.full(self.iod)) if pair else None

        # chin: along the face's down axis from the eye midpoint
        mid_crop = crop.to_crop(*mid)
        # the eye distance is measured to a pixel; the face box's size varies with tilt and lighting
        chin_v = (mid_crop[1] + CHIN_PER_EYE_DISTANCE * self.iod * crop.k) if pair else top + CHIN_PER_BOX * CROP_FACE
        self.chin = crop.to_work(mid_crop[0], chin_v)
        self.m["chin"] = self.full_pt(self.chin)

        # centring: the eye midpoint (the face box centre without an eye pair)
        head_x = mid[0] if pair else face.cx
        offset = (self.full_xy(head_x) - self.width / 2) / self.width
        self.m["head_centre_x"] = _r(self.full_xy(head_x))
        self.m["centre_offset"] = _r(offset, 4)
        limit = rules.max_centre_offset
        if abs(offset) > limit:
            side_zh, side_en = ("左", "left") if offset < 0 else ("右", "right")
            # the face box centre alone is good enough when the second face cascade agrees with the first
            clear = (pair or face.confirmed) and abs(offset) > limit + CENTRE_ERROR_MARGIN
            make = error if clear else warning
            self.add(make(
                "face.off_centre",
                f"头部偏{side_zh}，偏离中线 {_pct(abs(offset))}（照片宽度），应不超过 {_pct(limit)}，请居中拍摄",
                f"head is {_pct(abs(offset))} of the width to the {side_en} of centre; at most {_pct(limit)} allowed: "
                "centre your head",
                _r(offset, 4), limit,
                **self.details(box=box, head_centre_x=self.m["head_centre_x"], centre_x=_r(self.width / 2)),
            ))

        # eye line
        frac = self.full_xy(mid[1]) / self.height
        self.m["eye_line"] = _r(frac, 4)
        if rules.eye_line is not None and frac not in rules.eye_line:
            lo, hi = rules.eye_line.min, rules.eye_line.max
            out = lo - frac if frac < lo else frac - hi
            margin = EYE_LINE_ERROR_MARGIN if pair else EYE_LINE_FALLBACK_MARGIN
            clear = out > margin
            hint_zh, hint_en = (("头部位置过高", "the head is too high in the picture")
                                if frac < lo else ("头部位置过低", "the head is too low in the picture"))
            make = error if clear else warning
            self.add(make(
                "face.eye_line",
                f"眼睛位置距顶部 {_pct(frac)}，应在 {_pct(lo)}–{_pct(hi)} 之间（{hint_zh}）",
                f"eye line at {_pct(frac)} of the height from the top; it must be {_pct(lo)}–{_pct(hi)} ({hint_en})",
                _r(frac, 4), [lo, hi],
                **self.details(box=box, eye_line_y=self.m["eye_line_y"], eyes=self.m["eyes"], source=eye_conf),
            ))

        # roll
        limit = rules.max_roll_deg
        if pair and abs(self.roll) > limit:
            clear = abs(self.roll) > limit + ROLL_ERROR_MARGIN
            make = error if clear else warning
            self.add(make(
                "face.roll",
                f"头部歪斜 {abs(self.roll):.0f}°，应不超过 {limit:.0f}°，请摆正头部",
                f"head tilted by {abs(self.roll):.0f}°; at most {limit:.0f}° allowed: hold your head straight",
                _r(self.roll), limit, **self.details(box=box, eyes=self.m["eyes"], angle=_r(self.roll)),
            ))
        elif not pair and abs(face.angle) > limit:
            self.add(warning(
                "face.roll",
                f"头部可能歪斜约 {abs(face.angle):.0f}°（未能定位双眼），由工作人员核实",
                f"head may be tilted by about {abs(face.angle):.0f}° (eyes not located); staff will check",
                _r(face.angle), limit, **self.details(box=box, angle=_r(face.angle)),
            ))

    # -- geometry from the background mask ------------------------------------------------------------------

    def subject_mask(self) -> tuple[np.ndarray, float, float, list[float]]:
        """Subject (255) vs background (0) at mask scale, the mask scale (mask px per working px), the share of
        border samples that match the background, and the background's mean colour (RGB).

        The background is modelled as a smooth surface (a quadratic in x and y per Lab channel) fitted to the top
        and upper side borders, so a backdrop lit unevenly (a vignette, light falling off to one side) is still
        one background; the expected colour (white or blue) picks which border pixels the fit trusts."""
        fm = min(1.0, MASK_LONG_SIDE / max(self.work.shape[:2]))
        small = cv2.resize(self.work, None, fx=fm, fy=fm, interpolation=cv2.INTER_AREA) if fm < 1 else self.work
        small = cv2.GaussianBlur(small, (3, 3), 0)
        lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        h, w = lab.shape[:2]
        band_t, band_s = max(2, round(0.02 * h)), max(2, round(0.03 * w))
        region = np.zeros((h, w), bool)
        region[:band_t] = True
        region[: int(0.6 * h), :band_s] = True
        region[: int(0.6 * h), w - band_s:] = True
        region[1::2] = False  # every other row is plenty for the fit
        ys, xs = np.nonzero(region)
        border = lab[ys, xs]
        pick = np.ones(len(border), bool)
        if self.background is not None:
            L, a, b = border[:, 0], border[:, 1], border[:, 2]
            if self.background == "white":
                wanted = (L > 70) & (np.hypot(a, b) < 15)
            else:
                hue = np.degrees(np.arctan2(b, a)) % 360
                wanted = (L > 25) & (np.hypot(a, b) > 20) & (hue > 230) & (hue < 320)
            if wanted.mean() >= 0.25:
                pick = wanted
            else:
                self.notes.append(f"the border is not {self.background}; background colour taken from the border")

        u, v = xs.astype(np.float32) / w - 0.5, ys.astype(np.float32) / h - 0.5
        design = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=-1)
        coef = np.zeros((6, 3), np.float32)
        coef[0] = np.median(border[pick], axis=0)
        # start from the samples near the median colour (hair or a shoulder may cover much of a border), then
        # fit the surface, keep the samples near it, fit again
        trusted = pick
        pick = trusted & (np.linalg.norm(border - coef[0], axis=1) < BG_START_DISTANCE)
        for _ in range(3):
            if pick.sum() < 30:
                break
            d = design[pick].astype(np.float64)
            coef = np.linalg.solve(d.T @ d + 1e-3 * np.eye(6), d.T @ border[pick]).astype(np.float32)
            resid = np.linalg.norm(border - design @ coef, axis=1)
            cut = max(3.0, 3.0 * float(np.median(resid[pick])) * 1.4826)
            pick = trusted & (resid < cut)
        resid = np.linalg.norm(border - design @ coef, axis=1)
        spread = float(np.percentile(resid[pick], 90)) if pick.any() else 99.0
        threshold = float(np.clip(3.0 * spread + 6.0, BG_MIN_DISTANCE, BG_MAX_DISTANCE))
        # share of each border band on the backdrop: hair may cover much of the top and of one side
        inside = resid < threshold
        top_band = ys < band_t
        left_band = (xs < band_s) & ~top_band
        right_band = (xs >= w - band_s) & ~top_band
        shares = [float(inside[b].mean()) if b.any() else 0.0 for b in (top_band, left_band, right_band)]
        # ... but a side off the backdrop because the backdrop is in shadow there (darker, same colour) means the
        # backdrop is not plain: it would pass for the subject
        typical = np.median(border[pick], axis=0) if pick.any() else coef[0]
        lum = max(float(typical[0]), 1.0)
        darker = border[:, 0] / lum
        tint = (np.abs(border[:, 1] / np.maximum(border[:, 0], 1.0) - typical[1] / lum)
                + np.abs(border[:, 2] / np.maximum(border[:, 0], 1.0) - typical[2] / lum))
        shaded = ~inside & (darker > SHADE_RATIO[0]) & (darker < SHADE_RATIO[1]) & (tint < SHADE_TINT)
        shade = [float(shaded[b].mean()) if b.any() else 0.0 for b in (left_band, right_band)]
        self.m["background_border_match"] = [_r(x, 3) for x in shares]
        self.m["background_shaded_sides"] = [_r(x, 3) for x in shade]
        uniform = min(shares[0] / TOP_MIN_MATCH, max(shares[1], shares[2]) / CLEAN_SIDE_MATCH,
                      MAX_SHADED_SIDE / max(max(shade), 1e-6))
        gu = (np.arange(w, dtype=np.float32) / w - 0.5)[None, :]
        gv = (np.arange(h, dtype=np.float32) / h - 0.5)[:, None]
        dist2 = np.zeros((h, w), np.float32)
        for ch in range(3):
            c0, c1, c2, c3, c4, c5 = coef[:, ch]
            surface = c0 + c1 * gu + c3 * gu * gu + gv * (c2 + c4 * gu + c5 * gv)
            dist2 += (lab[:, :, ch] - surface) ** 2
        near = (dist2 < threshold * threshold).astype(np.uint8)
        self._bg_distance = np.sqrt(dist2)
        # background: that surface, connected to the top or the upper sides (the bottom is usually the body)
        count, labels = cv2.connectedComponents(near, connectivity=4)
        seeds = np.zeros(count, bool)
        seeds[np.unique(labels[0])] = True
        seeds[np.unique(labels[: int(0.8 * h), 0])] = True
        seeds[np.unique(labels[: int(0.8 * h), w - 1])] = True
        seeds[0] = False  # label 0 is "not near"
        subject = np.where(seeds[labels], 0, 255).astype(np.uint8)
        subject = cv2.morphologyEx(subject, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        rgb_colour = cv2.cvtColor(typical.reshape(1, 1, 3).astype(np.float32), cv2.COLOR_Lab2RGB).reshape(3) * 255
        self.m["background_threshold"] = _r(threshold)
        self.m["background_spread"] = _r(spread, 2)
        return subject, fm, uniform, [_r(c, 0) for c in rgb_colour]

    def mask_geometry(self) -> None:
        rules = self.rules
        need_head = rules.head_height_mm is not None or rules.head_width_mm is not None
        subject, fm, uniform, colour = self.subject_mask()
        spread = self.m["background_spread"]
        # things that are neither backdrop nor the applicant: subject pixels beside the head, above the eyes
        h = subject.shape[0]
        cx, half = self.face.cx * fm, BESIDE_HEAD * self.face.size * fm
        eye_row = max(1, min(h, round(self.mid[1] * fm)))
        upper = subject[:eye_row] > 0
        beside = upper.copy()
        beside[:, max(0, round(cx - half)): max(0, round(cx + half))] = False
        stray = float(beside.sum()) / upper.size
        reliable = uniform >= 1.0 and spread <= BG_MAX_SPREAD and stray <= MAX_STRAY
        self.m["background_rgb"] = colour
        self.m["background_stray"] = _r(stray, 4)
        self.m["background_mask_reliable"] = reliable
        if not reliable:
            self.notes.append("background is not a plain backdrop: crown, silhouette and subject share are uncertain")

        # the subject (head and shoulders) share of the picture
        fraction = float((subject > 0).mean())
        self.m["subject_fraction"] = _r(fraction, 4)
        if rules.min_subject_fraction is not None and fraction < rules.min_subject_fraction:
            limit = rules.min_subject_fraction
            clear = reliable and fraction < limit - SUBJECT_ERROR_MARGIN
            make = error if clear else warning
            self.add(make(
                "face.subject_small",
                f"头部和肩部只占照片的 {_pct(fraction)}，应至少占 {_pct(limit)}，请靠近镜头或裁剪照片",
                f"head and shoulders fill {_pct(fraction)} of the picture; at least {_pct(limit)} is required: "
                "come closer or crop the photo",
                _r(fraction, 4), limit, **self.details(box=self.m["face_box"], background_reliable=reliable),
            ))

        # the head in a frame levelled by the roll: eye midpoint at (cx, cy) of the levelled mask
        scale = fm  # mask px per working px
        size = self.face.size * scale
        span = int(3.2 * size)
        lev_w, lev_h = int(3 * size), span
        anchor = (lev_w / 2, 1.6 * size)
        m = _similarity((self.mid[0] * scale, self.mid[1] * scale), 1.0, self.roll, anchor)
        levelled = cv2.warpAffine(subject, m, (lev_w, lev_h), flags=cv2.INTER_NEAREST,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=128)
        distance = cv2.warpAffine(self._bg_distance, m, (lev_w, lev_h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        crop = self.crop
        mid_c = crop.to_crop(*self.mid)
        chin_c = crop.to_crop(*self.chin)
        chin_dist = (chin_c[1] - mid_c[1]) / crop.k * scale  # eye line to chin, mask px
        ax, ay = anchor
        half = round(0.45 * size)
        c0 = max(0, round(ax) - half)
        cols = levelled[: round(ay), c0: round(ax) + half + 1]
        crown_dist, cut = None, False
        if reliable and cols.size:
            is_subj = cols == 255
            has = is_subj.any(axis=0)
            if has.any():
                tops = np.where(has, np.argmax(is_subj, axis=0), cols.shape[0])
                top_row = int(tops.min())
                # cut off when the highest point of the head touches the picture's edge
                at_top = np.nonzero(tops <= top_row + 1)[0]
                cut = top_row == 0 or bool((cols[np.maximum(tops[at_top] - 1, 0), at_top] == 128).any())
                column = c0 + int(np.argmin(tops))
                crown_dist = ay - (top_row if cut else _edge(distance[:, column], top_row, -1))
        crown_source = "silhouette"
        if crown_dist is None:
            crown_source = "eye distance" if self.iod else "face box"
            est = CROWN_PER_EYE_DISTANCE * self.iod if self.iod else 0.9 * self.face.size
            crown_dist = est * scale
        self.m["crown_source"] = crown_source
        self.m["crown_cut_off"] = cut
        head_h_px = (crown_dist + chin_dist) / scale  # working px
        crown = (self.mid[0] + math.sin(math.radians(self.roll)) * crown_dist / scale,
                 self.mid[1] - math.cos(math.radians(self.roll)) * crown_dist / scale)
        self.m["crown"] = self.full_pt(crown)

        # head width at ear level: median silhouette run through the eye midpoint's column
        widths, touching = [], 0
        band_end = ay + EAR_BAND * chin_dist
        cx = round(ax)
        if reliable:
            for row in range(round(ay), round(band_end) + 1):
                if not 0 <= row < lev_h:
                    continue
                line = levelled[row]
                if line[cx] != 255:
                    continue
                inside = line == 255
                left = cx - int(np.argmin(inside[cx::-1])) + 1 if not inside[: cx + 1].all() else 0
                right = cx + int(np.argmin(inside[cx:])) - 1 if not inside[cx:].all() else lev_w - 1
                widths.append(_edge(distance[row], right, +1) - _edge(distance[row], left, -1))
                if line[max(0, left - 1)] == 128 or line[min(lev_w - 1, right + 1)] == 128:
                    touching += 1
        # the median width is cut off when most of the band's rows run into the picture's edge
        touches = touching > len(widths) / 2
        sil_width = float(np.median(widths)) / scale if widths else None
        # the second estimate, from the face's proportions (the eye distance, else the face box)
        face_width = HEAD_WIDTH_PER_EYE_DISTANCE * self.iod if self.iod else HEAD_WIDTH_PER_BOX * self.face.size
        x0 = self.mid[0] - (sil_width or face_width) / 2
        head_box = [x0, crown[1], sil_width or face_width, head_h_px]
        self.m["head_box"] = self.full_box(tuple(head_box))  # type: ignore[arg-type]
        self.m["head_height_px"] = _r(self.full(head_h_px))
        self.m["head_width_px"] = _r(self.full(sil_width)) if sil_width else None
        self.m["head_width_face_px"] = _r(self.full(face_width))
        self.m["head_width_cut_off"] = touches

        if not need_head or rules.frame_mm is None:
            return
        mm_x = rules.frame_mm.width / self.width
        mm_y = rules.frame_mm.height / self.height
        height_mm = self.full(head_h_px) * mm_y
        self.m["head_height_mm"] = _r(height_mm, 2)
        details = self.details(box=self.m["face_box"], head_box=self.m["head_box"], crown=self.m["crown"],
                               chin=self.m["chin"])
        pair = len(self.eyes.points) == 2
        if rules.head_height_mm is not None and height_mm not in rules.head_height_mm:
            rng = rules.head_height_mm
            out = rng.min - height_mm if height_mm < rng.min else height_mm - rng.max
            # a cut-off crown only bounds the height from below: clear only when already too big
            sure = pair and crown_source == "silhouette" and (not cut or height_mm > rng.max)
            make = error if sure and out > HEAD_MM_ERROR_MARGIN else warning
            hint_zh, hint_en = HEAD_SMALL if height_mm < rng.min else HEAD_BIG
            self.add(make(
                "face.head_height",
                f"头部高度（头顶至下颏）约 {height_mm:.1f} mm，应在 {rng.min:g}–{rng.max:g} mm 之间，{hint_zh}",
                f"head height (crown to chin) is about {height_mm:.1f} mm; it must be {rng.min:g}–{rng.max:g} mm: "
                f"{hint_en}",
                _r(height_mm, 2), [rng.min, rng.max], **details,
            ))
        if rules.head_width_mm is not None:
            rng = rules.head_width_mm
            face_mm = self.full(face_width) * mm_x
            sil_mm = self.full(sil_width) * mm_x if sil_width else None
            self.m["head_width_mm"] = _r(sil_mm if sil_mm is not None else face_mm, 2)
            self.m["head_width_face_mm"] = _r(face_mm, 2)
            width_mm = sil_mm if sil_mm is not None else face_mm
            if width_mm not in rng:
                too_small = width_mm < rng.min

                def beyond(v: float) -> float:
                    return rng.min - v if too_small else v - rng.max

                # the silhouette is the measurement (cut off by the picture's edge it is a lower bound, so then
                # only "too big" is sure); the face's proportions must not contradict it (hair widens the
                # silhouette, the face box ignores hair)
                sure = (sil_mm is not None and (not touches or not too_small)
                        and beyond(sil_mm) > HEAD_MM_ERROR_MARGIN and beyond(face_mm) > 0)
                make = error if sure else warning
                hint_zh, hint_en = HEAD_SMALL if too_small else HEAD_BIG
                self.add(make(
                    "face.head_width",
                    f"头部宽度约 {width_mm:.1f} mm，应在 {rng.min:g}–{rng.max:g} mm 之间，{hint_zh}",
                    f"head width is about {width_mm:.1f} mm; it must be {rng.min:g}–{rng.max:g} mm: {hint_en}",
                    _r(width_mm, 2), [rng.min, rng.max], **details, width_from_face_mm=_r(face_mm, 2),
                ))

    # -- warnings -----------------------------------------------------------------------------------------

    def _cheeks(self) -> tuple[np.ndarray, np.ndarray] | None:
        crop = self.crop
        if len(self.eyes.points) == 2:
            (lu, lv), (ru, rv) = (crop.to_crop(*p) for p in self.eyes.points)
            d = ru - lu
            mu, mv = (lu + ru) / 2, (lv + rv) / 2
        else:
            d = 0.42 * CROP_FACE
            mu, mv = CROP / 2, CROP / 2 - CROP_FACE / 2 + EYE_ROW_IN_BOX * CROP_FACE
        y0, y1 = round(mv + 0.2 * d), round(mv + 0.9 * d)
        g = crop.grey.astype(np.float32)
        left = g[y0:y1, max(0, round(mu - 0.85 * d)): round(mu - 0.15 * d)]
        right = g[y0:y1, round(mu + 0.15 * d): min(CROP, round(mu + 0.85 * d))]
        if not left.size or not right.size:
            return None
        return left, right

    def lighting(self) -> None:
        cheeks = self._cheeks()
        if cheeks is None:
            return
        a, b = (float(np.mean(c)) for c in cheeks)
        ratio = min(a, b) / max(a, b) if max(a, b) > 0 else 1.0
        self.m["lighting_ratio"] = _r(ratio, 3)
        self.m["cheek_brightness"] = [_r(a), _r(b)]
        if ratio < LIGHTING_MIN_RATIO:
            side_zh, side_en = ("左", "left") if a < b else ("右", "right")
            self.add(warning(
                "face.lighting",
                f"面部光线不均匀：照片中脸的{side_zh}半边明显偏暗"
                f"（亮度比 {ratio:.2f}，应不低于 {LIGHTING_MIN_RATIO}），请在均匀光线下拍摄",
                f"uneven lighting: the face is darker on the {side_en} of the picture (brightness ratio {ratio:.2f}, "
                f"at least {LIGHTING_MIN_RATIO}); take the photo in even light",
                _r(ratio, 3), LIGHTING_MIN_RATIO, **self.details(box=self.m["face_box"]),
            ))

    def glasses(self) -> None:
        if len(self.eyes.points) != 2:
            return
        crop = self.crop
        (lu, lv), (ru, rv) = (crop.to_crop(*p) for p in self.eyes.points)
        d = ru - lu
        mu, mv = (lu + ru) / 2, (lv + rv) / 2
        g = cv2.GaussianBlur(crop.grey, (3, 3), 0).astype(np.float32)
        skin = self._skin_level(crop, mv, mu, d)
        if skin <= 0:
            return
        bridge = g[max(0, round(mv - 0.35 * d)): round(mv + 0.1 * d), round(mu - 0.1 * d): round(mu + 0.1 * d) + 1]
        rims = []
        for u in (lu, ru):
            r = g[round(mv + 0.15 * d): round(mv + 0.5 * d), max(0, round(u - 0.3 * d)): round(u + 0.3 * d) + 1]
            if r.size:
                rims.append(float(r.mean(axis=1).min()) / skin)
        if not bridge.size or not rims:
            return
        bridge_ratio = float(bridge.mean(axis=1).min()) / skin
        rim_ratio = max(rims)
        self.m["glasses_bridge_ratio"] = _r(bridge_ratio, 3)
        self.m["glasses_rim_ratio"] = _r(rim_ratio, 3)
        if bridge_ratio < GLASSES_BRIDGE_MAX and rim_ratio < GLASSES_RIM_MAX:
            self.add(warning(
                "face.glasses",
                "照片中可能佩戴眼镜，证件照要求不戴眼镜，由工作人员核实",
                "you may be wearing glasses; ID photos must be taken without glasses. Staff will check",
                _r(bridge_ratio, 3), GLASSES_BRIDGE_MAX,
                **self.details(box=self.m["face_box"], eyes=self.m["eyes"]),
            ))

    def eyes_open(self) -> None:
        eyes = self.eyes
        if len(eyes.points) == 2:
            contrast = min(eyes.open_contrast)
            self.m["iris_contrast"] = [_r(c, 3) for c in eyes.open_contrast]
            if contrast >= OPEN_EYE_MIN_CONTRAST:
                return
            zh, en = (f"眼睛可能闭合或被遮挡（虹膜对比度 {contrast:.2f}，应不低于 {OPEN_EYE_MIN_CONTRAST}），"
                      "由工作人员核实",
                      f"eyes may be closed or covered (iris contrast {contrast:.2f}, at least "
                      f"{OPEN_EYE_MIN_CONTRAST}); staff will check")
            measured: Any = _r(contrast, 3)
        else:
            zh, en = ("未能找到双眼：眼睛可能闭合、被头发或眼镜遮挡，请睁眼正视镜头，由工作人员核实",
                      "both eyes could not be found: they may be closed or covered by hair or glasses. Look at the "
                      "camera with your eyes open; staff will check")
            measured = len(eyes.points)
        self.add(warning("face.eyes_closed", zh, en, measured, None,
                         **self.details(box=self.m["face_box"], eyes=self.m["eyes"])))

    def pose(self) -> None:
        """Yaw from the skin either side of the eyes; pitch is not measured. Warnings only."""
        rules = self.rules
        self.m["pitch_deg"] = None
        self.notes.append("pitch is not measured (no reliable cue with these detectors)")
        if len(self.eyes.points) != 2:
            self.m["yaw_deg"] = None
            self.add(warning(
                "face.pose",
                "未能定位双眼，无法确认是否正面朝向镜头，由工作人员核实",
                "the eyes were not located, so facing the camera could not be checked; staff will check",
                None, rules.max_yaw_deg, **self.details(box=self.m["face_box"]),
            ))
            return
        if self.m.get("lighting_ratio", 1.0) < LIGHTING_MIN_RATIO:
            self.m["yaw_deg"] = None
            self.notes.append("yaw not measured: one side of the face is in shadow")
            return
        crop = self.crop
        (lu, lv), (ru, rv) = (crop.to_crop(*p) for p in self.eyes.points)
        d = ru - lu
        mv = (lv + rv) / 2
        lab = cv2.cvtColor(crop.rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        cheeks = lab[round(mv + 0.35 * d): round(mv + 0.7 * d),
                     np.r_[max(0, round(lu - 0.15 * d)): round(lu + 0.15 * d),
                           round(ru - 0.15 * d): min(CROP, round(ru + 0.15 * d))]]
        if not cheeks.size:
            self.m["yaw_deg"] = None
            return
        skin = np.median(cheeks.reshape(-1, 3), axis=0)
        # the cheekbones, just under the eyes (lower down, smile lines, the jaw and the neck break the skin)
        rows = lab[round(mv + YAW_ROWS[0] * d): round(mv + YAW_ROWS[1] * d) + 1]
        # chroma and a loose lightness distance: shading changes L more than a and b
        dist = np.sqrt(((rows[..., 0] - skin[0]) / 2.5) ** 2 + (rows[..., 1] - skin[1]) ** 2 +
                       (rows[..., 2] - skin[2]) ** 2)
        is_skin = (dist < 12).astype(np.uint8)
        # bridge shadows and highlights (nostril wings, freckles) narrower than a tenth of the eye distance
        k = max(3, round(0.12 * d))
        is_skin = cv2.morphologyEx(is_skin, cv2.MORPH_CLOSE, np.ones((1, k), np.uint8)).astype(bool)
        mu = round((lu + ru) / 2)
        yaws, gaps = [], []
        for line in is_skin:
            if not line[mu]:
                continue
            left = mu - int(np.argmin(line[mu::-1])) if not line[: mu + 1].all() else 0
            right = mu + int(np.argmin(line[mu:])) if not line[mu:].all() else CROP - 1
            d_left, d_right = lu - left, right - ru
            if min(d_left, d_right) < 0.2 * d:  # a rim of glasses, a strand of hair: not the face's edge
                continue
            # a head as a cylinder, eyes 30 deg either side of the front: (dr - dl) / (dr + dl) = 1.73 sin(yaw)
            ratio = (d_right - d_left) / (d_right + d_left)
            yaws.append(math.degrees(math.asin(max(-1.0, min(1.0, ratio / 1.73)))))
            gaps.append((d_left, d_right))
        if len(yaws) < 3:
            self.m["yaw_deg"] = None
            self.notes.append("yaw not measured: the face's edges were not found")
            return
        yaw = float(np.median(yaws))
        self.m["yaw_deg"] = _r(yaw)
        self.m["face_edge_gaps"] = [_r(self.full(float(np.median([g[i] for g in gaps])) / crop.k)) for i in (0, 1)]
        if abs(yaw) > rules.max_yaw_deg:
            self.add(warning(
                "face.pose",
                f"脸部可能未正对镜头（估计左右转动约 {abs(yaw):.0f}°，应不超过 {rules.max_yaw_deg:.0f}°），"
                "由工作人员核实",
                f"the face may be turned to one side (about {abs(yaw):.0f}° estimated; at most "
                f"{rules.max_yaw_deg:.0f}°); staff will check",
                _r(yaw), rules.max_yaw_deg, **self.details(box=self.m["face_box"], eyes=self.m["eyes"], yaw=_r(yaw)),
            ))
