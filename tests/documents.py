"""Labelled document images for the document inspection (inspect_upload.documents), and its accuracy table.

The pages are drawn here with Pillow, A4 at 200 DPI (1654 x 2339), Chinese text in Noto Sans SC: a mock
CHSI registration form (教育部学历证书电子注册备案表) with its verification QR code (segno), a mock Beijing
social-insurance record (流水号, 校验码), a mock CSCSE certification report (在线验证码, 认证编号), an
appointment letter, and the emblem side of an ID card. Each variant applies known transforms (quarter turn,
skew, shift out of the picture, darkening, blur, QR removed or damaged, codes left out, other resolutions, a
phone photograph of the page on a desk with perspective, light fall-off, noise and JPEG), and its label per
check follows from those transforms alone, never from what the inspection says:

    error       the inspection must report an error
    pass        it must not report an error
    borderline  either way except an error (a warning for staff, or nothing)

Cut-off labels come from where the picture's edges fall on the drawn page (`edge_label`): through printed
content at 3+ places is `error`, through blank paper `borderline`. The codes a reader should find are those
printed whole inside the picture. Two real pictures that ship with scikit-image (`skimage.data.page()`, a
scanned book page; `skimage.data.text()`, handwriting photographed at a slant) are labelled by eye.

    python -m tests.documents     prints per check: cases, TP, FP, FN, precision and recall of `error`, the
                                  printed codes read correctly, the findings per case and seconds per page
"""

from __future__ import annotations

import io
import math
import os
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from intake.checks.inspection import CodeRule, DocumentRules, InspectionReport

Label = Literal["error", "pass", "borderline"]
CHECKS: tuple[str, ...] = ("rotated", "cut_off", "dark", "blurred", "qr")
FINDINGS: dict[str, tuple[str, ...]] = {
    "rotated": ("document.rotated",),
    "cut_off": ("document.cut_off",),
    "dark": ("document.dark",),
    "blurred": ("document.blurred",),
    "qr": ("document.qr_missing", "document.qr_unreadable"),
}

A4 = (1654, 2339)  # 210 x 297 mm at 200 DPI
PT = 200 / 72  # pixels per typographic point at 200 DPI
INK = (28, 28, 32)
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # without I and O, as such codes usually are


# --- the rules of the catalogue's materials (layers/common/python/intake/programs/*.json) --------------------

SCAN_RULES = DocumentRules(rules=("CG-MAT-3",))
CHSI_RULES = DocumentRules(rules=("CG-MAT-1", "CG-MAT-3"), qr_required=True)
SOCIAL_INSURANCE_RULES = DocumentRules(
    rules=("PG-MAT-8",),
    codes=(
        CodeRule(id="serial_number", name_zh="流水号", name_en="serial number", pattern="[0-9A-Z]{8,24}",
                 labels=("流水号", "编号", "Serial")),
        CodeRule(id="check_code", name_zh="校验码", name_en="check code", pattern="[0-9A-Z]{4,16}",
                 labels=("校验码", "验证码", "Check")),
    ),
    codes_needed="all",
)
CSCSE_RULES = DocumentRules(
    rules=("PG-MAT-11",),
    codes=(
        CodeRule(id="online_verification_code", name_zh="12位在线验证码",
                 name_en="12-character online verification code", pattern="[0-9A-Z]{12}",
                 labels=("在线验证码", "验证码", "Verification")),
        CodeRule(id="certification_number", name_zh="7位认证编号", name_en="7-digit certification number",
                 pattern="[0-9]{7}", labels=("认证编号", "证书编号", "编号", "Certificate")),
    ),
    codes_needed="any",
)
ID_CARD_RULES = DocumentRules(rules=("PG-MAT-12",))


# --- drawing -------------------------------------------------------------------------------------------------


@cache
def font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont:
    import pylopdf_fonts_zh_cn

    name = "NotoSerifSC-Regular.otf" if serif else "NotoSansSC-Regular.otf"
    return ImageFont.truetype(os.path.join(os.path.dirname(pylopdf_fonts_zh_cn.__file__), name), size)


def pt(points: float) -> int:
    return round(points * PT)


def random_code(rng: random.Random, n: int, alphabet: str = CODE_ALPHABET) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


@dataclass(frozen=True, eq=False)
class Page:
    """A clean page as drawn, with what is printed on it."""

    image: np.ndarray  # H x W x 3 uint8 RGB
    codes: dict[str, str] = field(default_factory=dict)
    code_boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # x0, y0, x1, y1 of label+code
    qr_payload: str | None = None
    qr_box: tuple[int, int, int, int] | None = None  # x, y, w, h


class Sheet:
    """An A4 page to draw on, with a cursor for lines of text."""

    def __init__(self, seed: int) -> None:
        self.img = Image.new("RGB", A4, (255, 255, 255))
        self.draw = ImageDraw.Draw(self.img)
        self.rng = random.Random(seed)
        self.left, self.right = 190, A4[0] - 190
        self.y = 200

    def text(self, x: float, y: float, s: str, size: float = 11, fill: tuple[int, int, int] = INK,
             anchor: str = "la", serif: bool = False) -> tuple[int, int, int, int]:
        f = font(pt(size), serif)
        self.draw.text((x, y), s, font=f, fill=fill, anchor=anchor)
        return tuple(int(v) for v in self.draw.textbbox((x, y), s, font=f, anchor=anchor))  # type: ignore[return-value]

    def title(self, s: str, size: float = 20) -> None:
        self.text(A4[0] / 2, self.y, s, size, anchor="ma", serif=True)
        self.y += pt(size) * 2

    def paragraph(self, s: str, size: float = 11, indent: bool = True, spacing: float = 1.7) -> None:
        """Chinese text wrapped at the margins, character by character."""
        f = font(pt(size))
        line = "　　" if indent else ""
        for ch in s:
            if f.getlength(line + ch) > self.right - self.left:
                self.text(self.left, self.y, line, size)
                self.y += round(pt(size) * spacing)
                line = ""
            line += ch
        if line:
            self.text(self.left, self.y, line, size)
            self.y += round(pt(size) * spacing)

    def table(self, rows: list[list[str]], widths: list[float], size: float = 10.5, height: float = 2.3) -> None:
        """A ruled table from the cursor down; `widths` are fractions of the text width."""
        total = self.right - self.left
        xs = [self.left]
        for w in widths:
            xs.append(xs[-1] + round(w * total))
        row_h = round(pt(size) * height)
        top = self.y
        for r, row in enumerate(rows):
            y = top + r * row_h
            for c, cell in enumerate(row):
                self.text(xs[c] + 14, y + row_h / 2, cell, size, anchor="lm")
        for r in range(len(rows) + 1):
            self.draw.line((xs[0], top + r * row_h, xs[-1], top + r * row_h), fill=INK, width=2)
        for x in xs:
            self.draw.line((x, top, x, top + len(rows) * row_h), fill=INK, width=2)
        self.y = top + len(rows) * row_h + pt(size)

    def qr(self, payload: str, x: int, y: int, module: int = 6) -> tuple[int, int, int, int]:
        import segno

        matrix = np.array(segno.make_qr(payload, error="m").matrix, dtype=bool)
        quiet = 4
        n = matrix.shape[0] + 2 * quiet
        cells = np.zeros((n, n), dtype=bool)
        cells[quiet:-quiet, quiet:-quiet] = matrix
        pixels = np.where(np.kron(cells, np.ones((module, module), dtype=bool)), INK[0], 255).astype(np.uint8)
        self.img.paste(Image.fromarray(pixels).convert("RGB"), (x, y))
        return x, y, n * module, n * module

    def seal(self, cx: int, cy: int, r: int, text: str) -> None:
        """A red round seal stamped over the page (multiplied, as ink is)."""
        layer = Image.new("RGB", A4, (255, 255, 255))
        d = ImageDraw.Draw(layer)
        red = (214, 60, 60)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=10)
        angles = np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1]
        radii = [0.28 * r if i % 2 == 0 else 0.11 * r for i in range(10)]
        d.polygon([(cx + q * np.cos(a), cy + q * np.sin(a)) for q, a in zip(radii, angles, strict=True)], fill=red)
        span = 1.3 * np.pi  # the name runs over the top, from lower left to lower right
        f = font(round(min(0.2 * r, span * 0.74 * r / len(text) * 0.9)))
        for i, ch in enumerate(text):
            a = np.pi * 0.85 + span * (i + 0.5) / len(text)
            px, py = cx + 0.74 * r * np.cos(a), cy + 0.74 * r * np.sin(a)
            glyph = Image.new("L", (f.size * 2, f.size * 2), 0)
            ImageDraw.Draw(glyph).text((f.size, f.size), ch, font=f, fill=255, anchor="mm")
            glyph = glyph.rotate(-np.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
            layer.paste(Image.new("RGB", glyph.size, red), (round(px - f.size), round(py - f.size)), glyph)
        self.img = Image.fromarray((np.asarray(self.img, np.uint16) * np.asarray(layer, np.uint16) // 255)
                                   .astype(np.uint8))
        self.draw = ImageDraw.Draw(self.img)

    def page(self, footer: str = "第 1 页 共 1 页", **kwargs: object) -> Page:
        self.text(A4[0] / 2, A4[1] - 190, footer, 9, anchor="ma")
        return Page(image=np.asarray(self.img).copy(), **kwargs)  # type: ignore[arg-type]


NOTES = (
    "本表仅用于证明持有人所获得学历证书的电子注册信息。学历证书电子注册是教育行政部门依据国家有关规定，"
    "对高等学校颁发的学历证书信息进行电子标注，并报上级主管部门备案的制度。用人单位和个人可登录学信网"
    "输入在线验证码查询本表真伪，或使用手机扫描右侧二维码进行验证。"
)
LETTER = (
    "根据工作需要，经研究决定，任命张明同志为办公室副主任，试用期一年。试用期满经考核合格后正式任职。"
    "请该同志认真履行岗位职责，严格遵守各项规章制度，团结同事，勤奋工作，不断提高业务水平和管理能力。"
    "本通知自印发之日起执行。各部门要积极支持配合，确保工作顺利交接，相关人事档案按规定转入本单位。"
    "原任职务自然免除，工资待遇按照国家和本单位有关规定执行，如有疑问请与人事处联系。"
)
CSCSE_TEXT = (
    "经认证，持有人于二〇一九年九月至二〇二一年七月在英国某某大学学习，获得理学硕士学位，"
    "学习形式为全日制，该学位证书真实有效。该学历学位层次相当于我国硕士研究生毕业并获得硕士学位。"
    "本认证书仅对所认证的国（境）外学历学位证书负责，不作为其他用途的证明文件。"
)


@cache
def chsi_form(seed: int = 1, qr: Literal["ok", "none", "damaged", "scribbled"] = "ok") -> Page:
    """教育部学历证书电子注册备案表 with its verification code and QR code (CG-MAT-1)."""
    s = Sheet(seed)
    vcode = random_code(s.rng, 16)
    s.y = 170
    s.title("教育部学历证书电子注册备案表")
    s.text(s.right, s.y - 40, "更新日期：2023年06月01日", 10, anchor="ra")
    s.y += 30
    s.table([
        ["姓名", "张明", "性别", "男"],
        ["证件号码", "110101199001011234", "民族", "汉族"],
        ["出生日期", "1990年01月01日", "层次", "本科"],
        ["学校名称", "北京某某大学", "学制", "4年"],
        ["专业", "计算机科学与技术", "学历类别", "普通高等教育"],
        ["学习形式", "普通全日制", "毕（结）业", "毕业"],
        ["入学日期", "2008年09月01日", "毕（结）业日期", "2012年06月30日"],
        ["证书编号", "100011201205001234", "校（院）长姓名", "李四"],
    ], [0.2, 0.35, 0.22, 0.23])
    s.y += 40
    s.paragraph(NOTES, 10.5)
    s.y += 60
    payload = f"https://www.chsi.com.cn/xlcx/bg.do?vcode={vcode}&srcid=bgcx"
    qr_box = s.qr(payload, s.right - 300, s.y) if qr != "none" else None
    vbox = s.text(s.left, s.y + 40, "在线验证码：" + " ".join(vcode[i:i + 4] for i in range(0, 16, 4)), 12)
    s.text(s.left, s.y + 120, "在线验证有效期至：2023年11月28日", 10.5)
    s.text(s.left, s.y + 190, "学信网 www.chsi.com.cn", 10.5)
    s.seal(s.left + 820, s.y + 140, 150, "全国高等学校学生信息咨询与就业指导中心")
    if qr_box is not None and qr == "damaged":
        # a torn-off corner: the top-left finder pattern and a third of the code are gone
        x, y, w, h = qr_box
        s.draw.polygon([(x - 5, y - 5), (x + 0.62 * w, y - 5), (x - 5, y + 0.62 * h)], fill=(255, 255, 255))
    elif qr_box is not None and qr == "scribbled":
        # ink scribbled over the middle: the finder patterns stay, the data does not
        x, y, w, h = qr_box
        rng = random.Random(seed)
        for _ in range(18):
            s.draw.line((x + w * rng.uniform(0.2, 0.8), y + h * rng.uniform(0.2, 0.8),
                         x + w * rng.uniform(0.2, 0.8), y + h * rng.uniform(0.2, 0.8)), fill=INK, width=16)
    return s.page(codes={"chsi_verification_code": vcode}, code_boxes={"chsi_verification_code": vbox},
                  qr_payload=payload, qr_box=qr_box)


@cache
def social_insurance(seed: int = 2, serial: bool = True, check: bool = True) -> Page:
    """北京市社会保险个人权益记录 with its 流水号 and 校验码 (PG-MAT-8)."""
    s = Sheet(seed)
    serial_no = random_code(s.rng, 18, "0123456789")
    check_code = random_code(s.rng, 8)
    s.y = 160
    s.title("北京市社会保险个人权益记录", 18)
    s.text(A4[0] / 2, s.y - 30, "（参保人员缴费信息）", 12, anchor="ma")
    s.y += 70
    boxes = {}
    if serial:
        boxes["serial_number"] = s.text(s.left, s.y, f"流水号：{serial_no}", 11)
    s.text(s.right, s.y, "打印日期：2023年10月08日", 11, anchor="ra")
    s.y += 80
    s.table([["姓名", "张明", "社会保障号码", "110101199001011234"],
             ["单位名称", "北京某某科技有限公司", "险种", "养老 失业 工伤 医疗"]],
            [0.16, 0.36, 0.2, 0.28], size=10)
    rows = [["缴费年月", "缴费基数", "养老", "失业", "工伤", "医疗", "状态"]]
    for m in range(1, 10):
        rows.append([f"2023-{m:02d}", "8500.00", "680.00", "42.50", "0.00", "172.00", "正常"])
    s.table(rows, [0.18, 0.16, 0.14, 0.13, 0.12, 0.14, 0.13], size=10)
    s.paragraph("说明：本记录由北京市社会保险经办机构提供，可通过北京市人力资源和社会保障局网站输入流水号和校验码"
                "核验真伪。核验有效期为自打印之日起九十天。", 10)
    s.y += 40
    if check:
        boxes["check_code"] = s.text(s.left, s.y, f"校验码：{check_code}", 11)
    s.seal(s.right - 260, s.y + 20, 160, "北京市社会保险事业管理中心")
    codes = {}
    if serial:
        codes["serial_number"] = serial_no
    if check:
        codes["check_code"] = check_code
    return s.page(codes=codes, code_boxes=boxes)


@cache
def cscse_report(seed: int = 3, verification: bool = True, certification: bool = True) -> Page:
    """国（境）外学历学位认证书 with its 在线验证码 and 认证编号 (PG-MAT-11)."""
    s = Sheet(seed)
    vcode = random_code(s.rng, 12)
    cert = random_code(s.rng, 7, "0123456789")
    s.y = 220
    s.title("国（境）外学历学位认证书", 20)
    boxes = {}
    if certification:
        boxes["certification_number"] = s.text(s.right, s.y - 20, f"认证编号：{cert}", 11, anchor="ra")
    s.y += 80
    s.table([["姓名", "张明", "性别", "男"],
             ["出生日期", "1995年03月12日", "证件号码", "E12345678"],
             ["颁发国家", "英国", "颁发机构", "某某大学"],
             ["证书名称", "理学硕士", "授予日期", "2021年07月15日"]], [0.18, 0.32, 0.2, 0.3])
    s.y += 20
    s.paragraph(CSCSE_TEXT)
    s.y += 20
    s.paragraph(CSCSE_TEXT[::-1][:60] + "。")
    s.y += 200
    if verification:
        boxes["online_verification_code"] = s.text(s.left, s.y, f"在线验证码：{vcode}", 11)
    s.text(s.left, s.y + 70, "验证网址：www.cscse.edu.cn", 10.5)
    s.text(s.right, s.y + 140, "中国留学服务中心", 12, anchor="ra")
    s.text(s.right, s.y + 210, "二〇二二年三月一日", 11, anchor="ra")
    s.seal(s.right - 190, s.y + 150, 150, "教育部留学服务中心")
    codes = {}
    if verification:
        codes["online_verification_code"] = vcode
    if certification:
        codes["certification_number"] = cert
    return s.page(codes=codes, code_boxes=boxes)


@cache
def letter(seed: int = 4) -> Page:
    """An appointment document: a title, a dense body and a signature block (CG-MAT-3 scans)."""
    s = Sheet(seed)
    s.y = 240
    s.title("关于张明同志任职的通知", 20)
    s.text(A4[0] / 2, s.y - 40, "某人字〔2022〕15号", 11, anchor="ma")
    s.y += 60
    s.text(s.left, s.y, "各部门：", 12)
    s.y += 70
    for i in range(3):
        s.paragraph(LETTER[i * 20:] + LETTER[:i * 20], 12)
        s.y += 20
    s.y += 200
    s.text(s.right, s.y, "北京某某科技有限公司", 12, anchor="ra")
    s.text(s.right, s.y + 70, "2022年3月1日", 12, anchor="ra")
    s.seal(s.right - 200, s.y + 40, 160, "北京某某科技有限公司")
    return s.page()


@cache
def id_card_back(seed: int = 5) -> Page:
    """The national-emblem side of a resident ID card, 85.6 x 54 mm at 300 DPI, on a pale guilloche."""
    w, h = 1011, 638
    img = Image.new("RGB", (w, h), (236, 242, 240))
    d = ImageDraw.Draw(img)
    rng = random.Random(seed)
    for i in range(0, w + h, 9):  # fine wavy guilloche lines
        pts = [(x, (i - x * 0.6) + 8 * math.sin(x / 23 + i)) for x in range(0, w, 8)]
        d.line(pts, fill=(200 + rng.randint(0, 20), 222, 226), width=1)
    d.rounded_rectangle((0, 0, w - 1, h - 1), radius=40, outline=(200, 210, 210), width=2)
    d.ellipse((70, 60, 250, 240), outline=(200, 40, 40), width=10)  # the emblem, simplified
    d.regular_polygon((160, 150, 50), 5, fill=(220, 180, 40))
    d.text((330, 90), "中华人民共和国", font=font(64, serif=True), fill=INK)
    d.text((330, 190), "居民身份证", font=font(84, serif=True), fill=INK)
    d.text((200, 420), "签发机关", font=font(30), fill=INK)
    d.text((380, 420), "北京市公安局朝阳分局", font=font(30), fill=INK)
    d.text((200, 500), "有效期限", font=font(30), fill=INK)
    d.text((380, 500), "2015.03.01-2035.03.01", font=font(30), fill=INK)
    return Page(image=np.asarray(img).copy())


# --- transforms ----------------------------------------------------------------------------------------------


def quarter_turn(rgb: np.ndarray, degrees: int) -> np.ndarray:
    """The page turned clockwise by 90, 180 or 270 degrees (as a sideways scan shows it)."""
    return np.ascontiguousarray(np.rot90(rgb, k=-(degrees // 90)))


def skew(rgb: np.ndarray, degrees: float, fill: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """Turned counter-clockwise by `degrees` on the scanner glass; the picture grows to hold it all."""
    import cv2

    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    size = (math.ceil(w * cos + h * sin), math.ceil(w * sin + h * cos))
    m[:, 2] += (size[0] / 2 - w / 2, size[1] / 2 - h / 2)
    return cv2.warpAffine(rgb, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def shift(rgb: np.ndarray, dx: int, dy: int, fill: tuple[int, int, int] = (250, 250, 250)) -> np.ndarray:
    """The page moved by (dx, dy) in a picture of the same size: what leaves the picture is lost."""
    out = np.empty_like(rgb)
    out[:] = fill
    h, w = rgb.shape[:2]
    src = rgb[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    out[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out


def darken(rgb: np.ndarray, factor: float, noise: float = 4.0, seed: int = 0) -> np.ndarray:
    """Under-exposed: levels times `factor`, plus sensor noise."""
    import cv2

    rng = np.random.default_rng(seed)
    grain = rng.standard_normal(rgb.shape[:2], np.float32) * noise
    return cv2.add(cv2.convertScaleAbs(rgb, alpha=factor), cv2.merge([grain, grain, grain]), dtype=cv2.CV_8U)


def blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(sigma)))


def resize(rgb: np.ndarray, factor: float) -> np.ndarray:
    """The same page scanned at another resolution."""
    img = Image.fromarray(rgb)
    return np.asarray(img.resize((round(img.width * factor), round(img.height * factor)), Image.Resampling.LANCZOS))


def jpeg(rgb: np.ndarray, quality: int = 85) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def photo_corners(size: tuple[int, int], corners: Iterable[tuple[float, float]] | None) -> np.ndarray:
    w, h = size
    if corners is None:
        corners = [(0.12, 0.1), (0.89, 0.12), (0.92, 0.9), (0.1, 0.88)]
    return np.array([(x * w, y * h) for x, y in corners], np.float32)


def photo_matrix(page_shape: tuple[int, ...], size: tuple[int, int],
                 corners: Iterable[tuple[float, float]] | None = None) -> np.ndarray:
    """The homography from page pixels to photo pixels."""
    import cv2

    ph, pw = page_shape[:2]
    src = np.array([(0, 0), (pw, 0), (pw, ph), (0, ph)], np.float32)
    return cv2.getPerspectiveTransform(src, photo_corners(size, corners))


def photograph(rgb: np.ndarray, seed: int = 0, size: tuple[int, int] = (3000, 4000),
               corners: Iterable[tuple[float, float]] | None = None, light: float = 0.9,
               focus: float = 1.2) -> np.ndarray:
    """A phone photo of the page lying on a desk: perspective, wood around it, uneven light, soft focus,
    noise and JPEG. `corners` place the page's corners (tl, tr, br, bl) as fractions of the photo."""
    import cv2

    rng = np.random.default_rng(seed)
    w, h = size
    ph, pw = rgb.shape[:2]
    matrix = photo_matrix(rgb.shape, size, corners)
    # a desk of wood: brown, with grain along x
    grain = cv2.GaussianBlur(rng.standard_normal((h // 8, w // 8), np.float32), (0, 0), sigmaX=30, sigmaY=1.2)
    grain = cv2.resize(grain / (np.abs(grain).max() + 1e-6), (w, h))
    desk = cv2.merge([118 + 30 * grain, 82 + 22 * grain, 54 + 14 * grain]).astype(np.uint8)
    warped = cv2.warpPerspective(rgb, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 1.0, np.float32), matrix, (w, h))
    mask = cv2.GaussianBlur(mask, (0, 0), 1.0)
    out = cv2.blendLinear(warped, desk, mask, 1 - mask)
    # light from the top left, falling off to `light` at the far corner; soft focus; sensor noise
    shade = 0.93 * (1 - (1 - light) * ((np.arange(w, dtype=np.float32)[None, :] / w
                                        + np.arange(h, dtype=np.float32)[:, None] / h) / 2))
    out = cv2.multiply(out, cv2.merge([shade, shade, shade]), dtype=cv2.CV_8U)
    out = cv2.GaussianBlur(out, (0, 0), focus)
    noise = cv2.resize(rng.standard_normal((h // 2, w // 2), np.float32) * 3.0, (w, h))
    out = cv2.add(out, cv2.merge([noise, noise, noise]), dtype=cv2.CV_8U)
    return jpeg(out, 88)


def greyscale_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=-1)


# --- labels from the transforms ------------------------------------------------------------------------------


@cache
def _content(page: Page) -> np.ndarray:
    """Where the page has something printed (text, rules, seal, QR), slightly grown."""
    import cv2

    ink = (page.image.min(axis=2) < 160).astype(np.uint8)
    return cv2.dilate(ink, np.ones((5, 5), np.uint8)) > 0


def edge_label(page: Page, to_page: Callable[[np.ndarray], np.ndarray], size: tuple[int, int]) -> Label:
    """`cut_off` from where the picture's edges fall on the page: `error` when an edge runs through printed
    content at 3 places or more (text cut), `borderline` when an edge lies inside the page but through blank
    paper or 1-2 marks (the page is incomplete, which the picture alone cannot always show), else `pass`."""
    w, h = size
    ink = _content(page)
    ph, pw = ink.shape
    label: Label = "pass"
    sides = [np.column_stack([np.arange(w), np.zeros(w)]), np.column_stack([np.arange(w), np.full(w, h - 1)]),
             np.column_stack([np.zeros(h), np.arange(h)]), np.column_stack([np.full(h, w - 1), np.arange(h)])]
    for pts in sides:
        uv = to_page(pts.astype(np.float64))
        u, v = np.round(uv[:, 0]).astype(int), np.round(uv[:, 1]).astype(int)
        on_page = (u >= 3) & (u < pw - 3) & (v >= 3) & (v < ph - 3)
        if not on_page.any():
            continue
        label = "borderline"
        hit = np.zeros(len(u), bool)
        hit[on_page] = ink[v[on_page], u[on_page]]
        runs = np.flatnonzero(np.diff(np.concatenate([[0], hit.astype(np.int8)])) == 1)
        if len(runs) >= 3:
            return "error"
    return label


def shifted(page: Page, dx: int, dy: int) -> tuple[Label, dict[str, str], Label | None]:
    """Labels of the page moved by (dx, dy) in a picture of its own size: cut_off, the codes still whole in
    the picture, and the QR code's label (error once any of it leaves the picture)."""
    ph, pw = page.image.shape[:2]
    cut = edge_label(page, lambda pts: pts - (dx, dy), (pw, ph))

    def inside(x0: float, y0: float, x1: float, y1: float) -> bool:
        return x0 + dx >= 0 and y0 + dy >= 0 and x1 + dx <= pw and y1 + dy <= ph

    codes = {k: v for k, v in page.codes.items() if inside(*page.code_boxes[k])}
    qr: Label | None = None
    if page.qr_box is not None:
        x, y, w, h = page.qr_box
        qr = "pass" if inside(x, y, x + w, y + h) else "error"
    return cut, codes, qr


def photographed(page: Page, size: tuple[int, int], corners: Iterable[tuple[float, float]] | None) -> Label:
    """`cut_off` of a photograph of the page."""
    import cv2

    inverse = np.linalg.inv(photo_matrix(page.image.shape, size, corners))
    return edge_label(page, lambda pts: cv2.perspectiveTransform(pts[None].astype(np.float64), inverse)[0], size)


# --- the labelled set ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], np.ndarray]
    rules: DocumentRules
    labels: dict[str, Label]
    codes: dict[str, str] = field(default_factory=dict)
    """The printed codes whole in the picture, which a reader should find."""

    def image(self) -> np.ndarray:
        return _image(self.name)


_BUILDERS: dict[str, Callable[[], np.ndarray]] = {}


@cache
def _image(name: str) -> np.ndarray:
    return _BUILDERS[name]()


def _case(name: str, build: Callable[[], np.ndarray], rules: DocumentRules, codes: dict[str, str] | None = None,
          rotated: Label = "pass", cut_off: Label = "pass", dark: Label = "pass", blurred: Label = "pass",
          qr: Label | None = None) -> Case:
    _BUILDERS[name] = build
    labels: dict[str, Label] = {"rotated": rotated, "cut_off": cut_off, "dark": dark, "blurred": blurred}
    if rules.qr_required:
        labels["qr"] = qr or "pass"
    return Case(name, build, rules, labels, codes or {})


def _skimage_page() -> np.ndarray:
    from skimage import data

    return greyscale_rgb(data.page())


def _skimage_text() -> np.ndarray:
    from skimage import data

    return greyscale_rgb(data.text())


# Blur is set relative to the body text: 11-12 pt at 200 DPI is 28-33 px high, strokes ~2.5 px wide.
MILD_BLUR = 2.0  # soft, read without effort
MODERATE_BLUR = 4.0  # read with effort: borderline
STRONG_BLUR = 7.0  # strokes and neighbouring characters run together: unreadable
QR_MODULE = 6  # px: a blur wider than a module leaves the QR code unreadable

DESK = (92, 64, 44)
PHONE_8MP = (2448, 3264)
CORNER_OUT = [(-0.25, 0.1), (0.85, 0.08), (0.88, 0.9), (-0.22, 0.92)]
LANDSCAPE = [(0.3, 0.06), (0.72, 0.07), (0.74, 0.95), (0.28, 0.94)]
TIGHT = [(0.08, 0.07), (0.9, 0.05), (0.93, 0.95), (0.06, 0.93)]
ID_CARD = [(0.14, 0.16), (0.87, 0.13), (0.89, 0.84), (0.12, 0.86)]
ID_CARD_OUT = [(0.3, 0.2), (1.2, 0.18), (1.22, 0.86), (0.32, 0.9)]
ID_CARD_CUT = [(0.45, 0.2), (1.35, 0.18), (1.37, 0.86), (0.47, 0.9)]


def _blur_qr(sigma: float) -> Label:
    return "error" if sigma >= QR_MODULE else "borderline" if sigma >= QR_MODULE / 2 else "pass"


def _cases() -> tuple[Case, ...]:
    c = _case
    chsi, si, cs, lt, idc = chsi_form(), social_insurance(), cscse_report(), letter(), id_card_back()
    lt_left = shifted(lt, -420, 0)
    lt_margin = shifted(lt, -120, 0)
    si_bottom = shifted(si, 0, 944)
    chsi_right = shifted(chsi, 330, -60)
    return (
        # clean scans
        c("chsi clean", lambda: jpeg(chsi_form().image), CHSI_RULES),
        c("social insurance clean", lambda: jpeg(social_insurance().image), SOCIAL_INSURANCE_RULES, si.codes),
        c("cscse clean", lambda: jpeg(cscse_report().image), CSCSE_RULES, cs.codes),
        c("letter clean", lambda: jpeg(letter().image), SCAN_RULES),
        # quarter turns (clockwise)
        c("chsi rotated 90", lambda: jpeg(quarter_turn(chsi_form().image, 90)), CHSI_RULES, rotated="error"),
        c("letter rotated 180", lambda: jpeg(quarter_turn(letter().image, 180)), SCAN_RULES, rotated="error"),
        c("social insurance rotated 270", lambda: jpeg(quarter_turn(social_insurance().image, 270)),
          SOCIAL_INSURANCE_RULES, si.codes, rotated="error"),
        c("cscse rotated 180", lambda: jpeg(quarter_turn(cscse_report().image, 180)), CSCSE_RULES, cs.codes,
          rotated="error"),
        # skew on the scanner glass: 3 degrees is borderline, 12 clearly not upright
        c("letter skewed +3", lambda: jpeg(skew(letter().image, 3)), SCAN_RULES, rotated="borderline"),
        c("chsi skewed -3", lambda: jpeg(skew(chsi_form().image, -3, (236, 236, 236))), CHSI_RULES,
          rotated="borderline"),
        c("letter skewed +12", lambda: jpeg(skew(letter().image, 12, (236, 236, 236))), SCAN_RULES, rotated="error"),
        c("cscse skewed -12", lambda: jpeg(skew(cscse_report().image, -12)), CSCSE_RULES, cs.codes,
          rotated="error"),
        # the page moved partly out of the picture
        c("letter cut off left", lambda: jpeg(shift(letter().image, -420, 0)), SCAN_RULES, cut_off=lt_left[0]),
        c("social insurance cut off bottom", lambda: jpeg(shift(social_insurance().image, 0, 944, DESK)),
          SOCIAL_INSURANCE_RULES, si_bottom[1], cut_off=si_bottom[0]),
        c("chsi cut off right", lambda: jpeg(shift(chsi_form().image, 330, -60)), CHSI_RULES,
          cut_off=chsi_right[0], qr=chsi_right[2]),
        c("letter margin cut", lambda: jpeg(shift(letter().image, -120, 0)), SCAN_RULES, cut_off=lt_margin[0]),
        # exposure
        c("letter dark", lambda: jpeg(darken(letter().image, 0.28)), SCAN_RULES, dark="error"),
        c("chsi dark", lambda: jpeg(darken(chsi_form().image, 0.3, seed=1)), CHSI_RULES, dark="error"),
        c("letter dim", lambda: jpeg(darken(letter().image, 0.6)), SCAN_RULES, dark="borderline"),
        # focus
        c("letter mild blur", lambda: jpeg(blur(letter().image, MILD_BLUR)), SCAN_RULES),
        c("cscse mild blur", lambda: jpeg(blur(cscse_report().image, MILD_BLUR)), CSCSE_RULES, cs.codes),
        c("letter moderate blur", lambda: jpeg(blur(letter().image, MODERATE_BLUR)), SCAN_RULES,
          blurred="borderline"),
        c("letter strong blur", lambda: jpeg(blur(letter().image, STRONG_BLUR)), SCAN_RULES, blurred="error"),
        c("chsi strong blur", lambda: jpeg(blur(chsi_form().image, STRONG_BLUR)), CHSI_RULES, blurred="error",
          qr=_blur_qr(STRONG_BLUR)),
        # the QR code
        c("chsi without QR", lambda: jpeg(chsi_form(qr="none").image), CHSI_RULES, qr="error"),
        c("chsi QR torn", lambda: jpeg(chsi_form(qr="damaged").image), CHSI_RULES, qr="error"),
        c("chsi QR scribbled", lambda: jpeg(chsi_form(qr="scribbled").image), CHSI_RULES, qr="error"),
        # codes left out
        c("social insurance without check code", lambda: jpeg(social_insurance(check=False).image),
          SOCIAL_INSURANCE_RULES, social_insurance(check=False).codes),
        c("cscse certification number only", lambda: jpeg(cscse_report(verification=False).image), CSCSE_RULES,
          cscse_report(verification=False).codes),
        c("cscse without codes", lambda: jpeg(cscse_report(verification=False, certification=False).image),
          CSCSE_RULES),
        # phone photographs of the page on a desk
        c("chsi photographed", lambda: photograph(chsi_form().image, 1), CHSI_RULES,
          cut_off=photographed(chsi, (3000, 4000), None)),
        c("social insurance photographed", lambda: photograph(social_insurance().image, 2, PHONE_8MP, TIGHT),
          SOCIAL_INSURANCE_RULES, si.codes, cut_off=photographed(si, PHONE_8MP, TIGHT)),
        c("letter photographed landscape", lambda: photograph(letter().image, 3, (4000, 3000), LANDSCAPE),
          SCAN_RULES, cut_off=photographed(lt, (4000, 3000), LANDSCAPE)),
        c("letter photographed corner out", lambda: photograph(letter().image, 4, PHONE_8MP, CORNER_OUT),
          SCAN_RULES, cut_off=photographed(lt, PHONE_8MP, CORNER_OUT)),
        c("cscse photographed dark", lambda: darken(photograph(cscse_report().image, 5, PHONE_8MP), 0.3),
          CSCSE_RULES, cs.codes, dark="error", cut_off=photographed(cs, PHONE_8MP, None)),
        # other resolutions and scanner borders
        c("letter 300 dpi", lambda: jpeg(resize(letter().image, 1.5)), SCAN_RULES),
        c("social insurance 100 dpi", lambda: jpeg(resize(social_insurance().image, 0.5)), SOCIAL_INSURANCE_RULES,
          si.codes),
        c("letter scanned with black border", lambda: jpeg(np.pad(letter().image, ((0, 90), (0, 70), (0, 0)))),
          SCAN_RULES),
        # an ID card photographed on a desk (PG-MAT-12), whole and with a corner out of the picture
        c("id card photographed", lambda: photograph(id_card_back().image, 6, (1600, 1200), ID_CARD),
          ID_CARD_RULES, cut_off=photographed(idc, (1600, 1200), ID_CARD)),
        c("id card edge out", lambda: photograph(id_card_back().image, 7, (1600, 1200), ID_CARD_OUT),
          ID_CARD_RULES, cut_off=photographed(idc, (1600, 1200), ID_CARD_OUT)),
        c("id card cut through text", lambda: photograph(id_card_back().image, 8, (1600, 1200), ID_CARD_CUT),
          ID_CARD_RULES, cut_off=photographed(idc, (1600, 1200), ID_CARD_CUT)),
        # real pictures shipped with scikit-image, labelled by eye. A scanned book page whose last line is cut
        # by the bottom edge: cut off. A close-up of handwritten formulas on ruled paper, photographed at a
        # slant: its lines fall 10-20 degrees across the picture and its formulas run out at the top and left,
        # but it has no printed text lines or page outline for the checks to measure: borderline (for staff).
        c("skimage page", _skimage_page, SCAN_RULES, cut_off="error", dark="borderline", blurred="borderline"),
        c("skimage text", _skimage_text, SCAN_RULES, rotated="borderline", cut_off="borderline", dark="borderline",
          blurred="borderline"),
    )


@cache
def cases() -> tuple[Case, ...]:
    return _cases()


def case(name: str) -> Case:
    for c in cases():
        if c.name == name:
            return c
    raise KeyError(name)


# --- scoring -------------------------------------------------------------------------------------------------


def outcome(report: InspectionReport, check: str) -> Literal["error", "warning", "pass"]:
    found = [f for f in report.findings if f.code in FINDINGS[check]]
    if any(f.severity == "error" for f in found):
        return "error"
    return "warning" if found else "pass"


@dataclass
class Score:
    cases: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    warnings: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class CodeScore:
    printed: int = 0
    read: int = 0
    wrong: int = 0
    phantom: int = 0
    """Values reported for a code that is not printed."""
    mistakes: list[str] = field(default_factory=list)


_REPORTS: dict[str, tuple[InspectionReport, float]] = {}


def reports(selected: Iterable[Case] | None = None, workers: int = 2) -> dict[str, tuple[InspectionReport, float]]:
    """Each case's report and the seconds its inspection took, computed once per process; the pictures are
    made and inspected in `workers` threads (the OCR runs in tesseract processes)."""
    from inspect_upload.documents import inspect_document

    chosen = list(cases() if selected is None else selected)
    missing = [c for c in chosen if c.name not in _REPORTS]

    def run(c: Case) -> tuple[InspectionReport, float]:
        image = c.image()
        t0 = time.perf_counter()
        report = inspect_document(image, c.rules)
        return report, time.perf_counter() - t0

    if missing:
        with ThreadPoolExecutor(workers) as pool:
            for c, result in zip(missing, pool.map(run, missing), strict=True):
                _REPORTS[c.name] = result
    return {c.name: _REPORTS[c.name] for c in chosen}


def report(name: str) -> InspectionReport:
    """One case's report; the first call inspects the whole set (in parallel), later ones look it up."""
    return reports()[name][0]


def score(reports: dict[str, tuple[InspectionReport, float]]) -> tuple[dict[str, Score], CodeScore]:
    scores = {check: Score() for check in CHECKS}
    codes = CodeScore()
    for name, (report, _) in reports.items():
        c = case(name)
        for check, label in c.labels.items():
            s = scores[check]
            s.cases += 1
            got = outcome(report, check)
            s.warnings += got == "warning"
            if got == "error" and label == "error":
                s.tp += 1
            elif got == "error":
                s.fp += 1
                s.mistakes.append(f"{name}: false error ({label})")
            elif label == "error":
                s.fn += 1
                s.mistakes.append(f"{name}: missed ({got})")
        if c.rules.codes:
            read = {k: v.get("value") for k, v in report.measurements.get("codes", {}).items()}
            for rule in c.rules.codes:
                truth, value = c.codes.get(rule.id), read.get(rule.id)
                if truth is not None:
                    codes.printed += 1
                    if value == truth:
                        codes.read += 1
                    elif value is not None:
                        codes.wrong += 1
                        codes.mistakes.append(f"{name}: {rule.id} read {value!r}, printed {truth!r}")
                    else:
                        codes.mistakes.append(f"{name}: {rule.id} not read")
                elif value is not None:
                    codes.phantom += 1
                    codes.mistakes.append(f"{name}: {rule.id} read {value!r}, none printed")
    return scores, codes


def table(scores: dict[str, Score], codes: CodeScore) -> str:
    lines = [f"{'check':<10} {'cases':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} {'warnings':>8}"]
    for check, s in scores.items():
        lines.append(f"{check:<10} {s.cases:>5} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>9.2f} {s.recall:>7.2f}"
                     f" {s.warnings:>8}")
    lines.append(f"codes: {codes.read}/{codes.printed} read correctly, {codes.wrong} misread, "
                 f"{codes.phantom} reported where none is printed")
    return "\n".join(lines)


def timings(selected: Iterable[Case]) -> list[tuple[str, float, float, int]]:
    """One case after another: seconds with OCR, seconds with tesseract hidden, OCR calls."""
    from unittest import mock

    from inspect_upload.documents import inspect_document

    out = []
    for c in selected:
        image = c.image()
        t0 = time.perf_counter()
        full = inspect_document(image, c.rules)
        t1 = time.perf_counter()
        with mock.patch("inspect_upload.documents.shutil.which", return_value=None):
            inspect_document(image, c.rules)
        t2 = time.perf_counter()
        out.append((c.name, t1 - t0, t2 - t1, full.measurements["ocr"]["calls"]))
    return out


def main() -> None:
    t0 = time.perf_counter()
    found = reports()
    wall = time.perf_counter() - t0
    scores, codes = score(found)
    print(table(scores, codes))
    for s in [*scores.values(), codes]:
        for m in s.mistakes:
            print("  ", m)
    print(f"{len(found)} pictures made and inspected in {wall:.1f} s with 2 threads")
    print("\nfindings per case:")
    for name, (rep, _) in found.items():
        print(f"  {name:38s} {', '.join(f'{f.code}:{f.severity}' for f in rep.findings) or '-'}")
    print("\nseconds per page, one at a time (with OCR / tesseract hidden; OCR calls):")
    rows = timings(cases())
    for name, with_ocr, without, calls in rows:
        print(f"  {name:38s} {with_ocr:5.2f} {without:5.2f}  {calls}")
    for label, pick in (("with OCR", 1), ("without OCR", 2)):
        values = sorted(r[pick] for r in rows)  # type: ignore[misc]
        print(f"{label}: median {values[len(values) // 2]:.2f} s, max {values[-1]:.2f} s")


if __name__ == "__main__":
    main()
