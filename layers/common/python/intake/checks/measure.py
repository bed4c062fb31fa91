"""Pixel measurements on the small working image (RGB, at most WORK_LONG_SIDE px on the long side).

Every function takes the image *as displayed* (EXIF orientation applied) and returns plain numbers, so the
engine can turn them into findings and the staff console can show them. Thresholds live here, named, each
with how it was chosen.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from PIL import Image, ImageChops, ImageFilter, ImageStat

WORK_LONG_SIDE = 512
"""Long side of the working image every pixel measurement runs on. The sharpness measure needs a fixed scale
to be independent of the source resolution, and 512 px is about what a person sees when judging an ID photo
on screen or a scan at a glance; background and colour need far less. Images smaller than this are measured
at their own size (upsampling would only add interpolation blur)."""

MIN_MEASURABLE_SIDE = 16
"""Below this many pixels on the short side there is nothing meaningful to measure; measurements are skipped."""

# --- colour -----------------------------------------------------------------------------------------------

GREY_MEAN_CHROMA = 4.0
"""Mean chroma (max(R,G,B) - min(R,G,B), 0..255) below which RGB content may be colourless. Measured on the
generated images: a grey picture saved as RGB 0-1; colour portraits 17 (white backdrop) to 109 (blue); a scan of
white paper with black text and a red seal 4-8 - which is why this is only a warning, and why the percentile
below must agree."""
GREY_P99_CHROMA = 16.0
"""...and the 99th percentile of chroma must also be below this: a small clearly coloured area (a red seal or
frame covering more than 1 % of a scan; p99 about 90 on the generated certificate) makes it a colour image."""

# --- background -------------------------------------------------------------------------------------------

BG_TOP = 0.06
"""Height of the top strip (fraction of image height). Head tops of ID photos sit at 5-15 % of the height."""
BG_SIDE = 0.08
"""Width of the left and right strips (fraction of image width); heads span the central ~70 % at most."""
BG_SIDE_BOTTOM = 0.55
"""The side strips stop here (fraction of height): below it shoulders reach the edges."""
BG_TOP_CELLS = 10
BG_SIDE_CELLS = 5
"""The sampled border is cut into 10 + 5 + 5 cells. Hair reaching into the top strip or a shoulder into a side
strip spoils a few cells, not the verdict."""
BG_TRIM_CELLS = 4
"""The 4 cells (20 %) whose mean colour is furthest from the median cell colour are left out of the
colour and uniformity measure (they are listed in the finding's details)."""

WHITE_MIN_LUMA = 185.0
"""A white background is at least this bright (Rec. 601 luma of the mean border colour). A studio white
measures 235-255; a white wall behind a face exposed by a phone typically 195-235; light grey (190) is at the edge,
mid grey (128) and light blue (173,216,230 -> luma 206 but chroma 57) fail."""
WHITE_MAX_CHROMA = 36.0
"""...and nearly neutral: max - min of the mean border colour. Warm/cool white balance gives 5-25."""

BLUE_HUE_RANGE = (190.0, 250.0)
"""Hue in degrees of a plausible ID-photo blue: sky/standard ID blue (67,142,219) is 210, royal blue
(65,105,225) 225, darker (0,56,168) 220, navy 240. Cyan (<190) and violet (>250) are not ID blue."""
BLUE_MIN_SATURATION = 0.35
"""HSV saturation: light powder blue (173,216,230 -> 0.25) and blue-grey (100,120,140 -> 0.29) fail."""
BLUE_MIN_VALUE = 0.40
"""HSV value (max channel / 255): blue must be at least 102 so very dark navy-black fails."""

BG_UNEVEN_MAX_STD = 30.0
"""Uniformity: root-mean-square deviation of the kept border pixels from their mean colour (RGB, 0..255).
Calibrated on tests/unit/imagegen.py portraits at 300x400 ... 1200x1600: a plain backdrop with sensor noise
measures 0.5-2.5; a studio backdrop whose light falls off by 40 / 80 / 160 levels top to bottom 6.5 / 13 / 26
(the last is already a strongly shaded backdrop); a room behind the person (wall, window, bookshelf) 56-58.
Only a clearly non-uniform background is refused."""


# --- sharpness --------------------------------------------------------------------------------------------

LAPLACIAN_KERNEL = (0, 1, 0, 1, -4, 1, 0, 1, 0)
LAPLACIAN_OFFSET = 128
"""The 4-neighbour Laplacian, offset so negative responses survive in an 8-bit image."""
SHARP_REGION = (0.2, 0.15, 0.8, 0.85)
"""Central region (x0, y0, x1, y1 as fractions) where focus is measured: the face of a portrait, the body
of a document. The plain background would dilute the measure."""
BLUR_ERROR_BELOW = 4.0
BLUR_WARN_BELOW = 7.0
"""Std dev of the Laplacian over SHARP_REGION of the working image. Calibrated with tests/unit/imagegen.py:
portraits and documents at 300x400, 390x567, 1200x1600 and 3000x4000 px, JPEG quality 60 and 90, Gaussian
blur applied to the scene (before sensor noise) with the radius given in working-scale pixels
(radius x long side / 512):

    blur radius        0      0.5    1      1.5    2      3      4
    portraits        25-39  18-32   8-13   5-7    3.5-5  2.3-3.7  2-3.3
    documents        49-64  35-56  11-18   5-8    3.6-5  2.3-3.3  1.8-2.5

JPEG quality hardly matters (within 1). Error below 4 catches radius 3 and more everywhere (and radius 2 on
larger images); warning below 7 flags radius 1.5-2 for staff; radius 1 (slightly soft) passes. Sharp photos
clear the warning bound by a factor of 3.5 or more, so a real photo with less fine texture than the
synthetic one still passes, while an error needs a really out-of-focus picture (refusing is expensive for
applicants, a warning is cheap). Pixel noise raises the measure, so the bounds are deliberately low."""


@dataclass
class Background:
    mean_rgb: tuple[float, float, float]
    spread: float
    """RMS deviation of the kept border pixels from `mean_rgb`."""
    hex: str
    regions: list[dict[str, Any]]
    cells_excluded: list[list[float]] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "mean_rgb": [round(c, 1) for c in self.mean_rgb],
            "spread": round(self.spread, 1),
            "regions": self.regions,
            "cells_excluded": self.cells_excluded,
        }


def chroma_stats(rgb: Image.Image) -> tuple[float, float]:
    """Mean and 99th percentile of per-pixel chroma max(R,G,B) - min(R,G,B)."""
    r, g, b = rgb.split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    hist = ImageChops.subtract(high, low).histogram()
    total = sum(hist)
    mean = sum(i * n for i, n in enumerate(hist)) / total
    running, p99 = 0, 255
    for i, n in enumerate(hist):
        running += n
        if running >= 0.99 * total:
            p99 = i
            break
    return mean, float(p99)


def looks_greyscale(mean_chroma: float, p99_chroma: float) -> bool:
    return mean_chroma < GREY_MEAN_CHROMA and p99_chroma < GREY_P99_CHROMA


Box = tuple[float, float, float, float]


class _Cell(NamedTuple):
    box: Box
    mean: list[float]
    var: list[float]
    count: int


def _cell_boxes() -> list[Box]:
    """The sampled border as fractions (x0, y0, x1, y1): top strip cells, then left/right strip cells."""
    boxes = [(i / BG_TOP_CELLS, 0.0, (i + 1) / BG_TOP_CELLS, BG_TOP) for i in range(BG_TOP_CELLS)]
    step = (BG_SIDE_BOTTOM - BG_TOP) / BG_SIDE_CELLS
    for i in range(BG_SIDE_CELLS):
        y0, y1 = BG_TOP + i * step, BG_TOP + (i + 1) * step
        boxes += [(0.0, y0, BG_SIDE, y1), (1.0 - BG_SIDE, y0, 1.0, y1)]
    return boxes


def _box(width: int, height: int, frac: Box) -> tuple[int, int, int, int]:
    x0, y0 = int(frac[0] * width), int(frac[1] * height)
    x1, y1 = max(x0 + 1, round(frac[2] * width)), max(y0 + 1, round(frac[3] * height))
    return x0, y0, min(x1, width), min(y1, height)


def background(rgb: Image.Image) -> Background:
    """Mean colour and spread of the border: top strip and the upper parts of the side strips."""
    width, height = rgb.size
    cells = []
    for frac in _cell_boxes():
        st = ImageStat.Stat(rgb.crop(_box(width, height, frac)))
        cells.append(_Cell(frac, st.mean, st.var, st.count[0]))
    # median cell colour (per channel), then drop the cells furthest from it
    median = [sorted(cell.mean[c] for cell in cells)[len(cells) // 2] for c in range(3)]

    def distance(cell: _Cell) -> float:
        return sum((cell.mean[c] - median[c]) ** 2 for c in range(3)) ** 0.5

    ranked = sorted(cells, key=distance)
    kept, dropped = ranked[: len(ranked) - BG_TRIM_CELLS], ranked[len(ranked) - BG_TRIM_CELLS :]
    total = sum(cell.count for cell in kept)
    mean = [sum(cell.mean[c] * cell.count for cell in kept) / total for c in range(3)]
    # pooled variance about the common mean: within-cell variance + between-cell offset
    var = sum(
        cell.count * sum(cell.var[c] + (cell.mean[c] - mean[c]) ** 2 for c in range(3)) for cell in kept
    ) / (3 * total)
    r, g, b = (min(255, max(0, round(c))) for c in mean)
    regions = [
        {"name": "top", "box": [0.0, 0.0, 1.0, BG_TOP]},
        {"name": "left", "box": [0.0, BG_TOP, BG_SIDE, BG_SIDE_BOTTOM]},
        {"name": "right", "box": [1.0 - BG_SIDE, BG_TOP, 1.0, BG_SIDE_BOTTOM]},
    ]
    return Background(
        mean_rgb=(mean[0], mean[1], mean[2]),
        spread=var**0.5,
        hex=f"#{r:02x}{g:02x}{b:02x}",
        regions=regions,
        cells_excluded=[[round(v, 3) for v in cell.box] for cell in dropped],
    )


def luma(rgb: tuple[float, float, float]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def is_white(rgb: tuple[float, float, float]) -> bool:
    return luma(rgb) >= WHITE_MIN_LUMA and max(rgb) - min(rgb) <= WHITE_MAX_CHROMA


def is_blue(rgb: tuple[float, float, float]) -> bool:
    h, s, v = colorsys.rgb_to_hsv(*(min(255.0, max(0.0, c)) / 255.0 for c in rgb))
    return (
        BLUE_HUE_RANGE[0] <= h * 360.0 <= BLUE_HUE_RANGE[1]
        and s >= BLUE_MIN_SATURATION
        and v >= BLUE_MIN_VALUE
    )


def sharpness(rgb: Image.Image) -> float:
    """Std dev of the Laplacian of the luma over SHARP_REGION (higher = sharper)."""
    grey = rgb.convert("L")
    lap = grey.filter(ImageFilter.Kernel((3, 3), LAPLACIAN_KERNEL, scale=1, offset=LAPLACIAN_OFFSET))
    width, height = grey.size
    region = lap.crop(_box(width, height, SHARP_REGION))
    return float(ImageStat.Stat(region).stddev[0])


def working_image(im: Image.Image) -> Image.Image:
    """`im` (as displayed, RGB) reduced to WORK_LONG_SIDE on its long side; never enlarged."""
    long_side = max(im.size)
    if long_side <= WORK_LONG_SIDE:
        return im
    scale = WORK_LONG_SIDE / long_side
    size = (max(1, round(im.size[0] * scale)), max(1, round(im.size[1] * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
