"""A class notice as a portrait PNG for parents' messaging groups (WeChat: 1080 px wide).

Drawn with Pillow and the bundled Noto Sans CJK SC font (``noto-cjk-sans-otc``), so no browser and
no system font is needed. Pillow draws text but does not lay it out, so line breaking is done
here (:func:`wrap`): Chinese breaks between any two characters, other text between words, and a
closing punctuation mark never starts a line. The PNG carries no metadata (no time stamp): the
same notice gives the same bytes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

from reopen_sim.report.linebreak import break_lines

if TYPE_CHECKING:
    from reopen_sim.report.publish import Sheet

WIDTH_PX = 1080
MARGIN_PX = 64
TEXT_PX = WIDTH_PX - 2 * MARGIN_PX
MAX_VIOLATIONS_SHOWN = 8
CJK_FACE = "Noto Sans CJK SC"
INK = (17, 17, 17)
GREY = (90, 90, 90)
RED = (170, 0, 0)
PINK = (253, 232, 232)
RULE = (200, 200, 200)


@lru_cache(maxsize=1)
def font_path() -> str:
    """The Noto Sans CJK collection shipped with ``noto-cjk-sans-otc`` (see report/fonts.py)."""
    import noto_cjk_sans_otc

    return str(noto_cjk_sans_otc.FONT_PATH)


@lru_cache(maxsize=16)
def font(size_px: int) -> ImageFont.FreeTypeFont:
    """The Simplified Chinese face of the collection (found by name: face order is not promised)."""
    for index in range(16):
        try:
            face = ImageFont.truetype(font_path(), size_px, index=index)
        except OSError:
            break
        if face.getname()[0] == CJK_FACE:
            return face
    return ImageFont.truetype(font_path(), size_px, index=0)


def wrap(text: str, face: ImageFont.FreeTypeFont, width_px: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width_px`` (:func:`reopen_sim.report.linebreak.break_lines`)."""
    return break_lines(text, lambda s: face.getlength(s) <= width_px)


class _Canvas:
    """Blocks of text laid out top to bottom; drawn once the height is known."""

    def __init__(self) -> None:
        self.ops: list[tuple[str, Any]] = []
        self.y = MARGIN_PX

    def text(
        self,
        text: str,
        size_px: int,
        fill: tuple[int, int, int] = INK,
        indent_px: int = 0,
        bold: bool = False,
        gap_px: int = 0,
    ) -> None:
        face = font(size_px)
        line_px = round(size_px * 1.45)
        for line in wrap(text, face, TEXT_PX - indent_px):
            self.ops.append(("text", (MARGIN_PX + indent_px, self.y, line, face, fill, bold)))
            self.y += line_px
        self.y += gap_px

    def bullet(self, text: str, size_px: int, mark: str = "•") -> None:
        face = font(size_px)
        self.ops.append(("text", (MARGIN_PX, self.y, mark, face, INK, False)))
        self.text(text, size_px, indent_px=round(size_px * 1.1), gap_px=round(size_px * 0.3))

    def rule(self, gap_px: int = 24) -> None:
        self.y += gap_px // 2
        self.ops.append(("rule", self.y))
        self.y += gap_px // 2

    def box(self, top_px: int, fill: tuple[int, int, int], outline: tuple[int, int, int]) -> None:
        self.ops.insert(0, ("box", (top_px, self.y + 12, fill, outline)))
        self.y += 28

    def render(self) -> Image.Image:
        img = Image.new("RGB", (WIDTH_PX, self.y + MARGIN_PX), "white")
        draw = ImageDraw.Draw(img)
        for kind, arg in self.ops:
            if kind == "box":
                top, bottom, fill, outline = arg
                draw.rectangle((MARGIN_PX - 20, top, WIDTH_PX - MARGIN_PX + 20, bottom), fill, outline, 4)
            elif kind == "rule":
                draw.line((MARGIN_PX, arg, WIDTH_PX - MARGIN_PX, arg), RULE, 2)
            else:
                x, y, line, face, fill, bold = arg
                draw.text((x, y), line, font=face, fill=fill, stroke_width=1 if bold else 0, stroke_fill=fill)
        return img


def notice_image(page: dict[str, Any], sheet: Sheet) -> Image.Image:
    """The notice of one class (a page of ``publish.class_pages``) as a portrait picture."""
    t = sheet.t
    c = _Canvas()
    c.text(sheet.school, 34, GREY)
    c.text(t("publish.parents_title"), 34, GREY, gap_px=8)
    if sheet.violations:
        top = c.y
        c.y += 20
        c.text(t("publish.violations_banner", n=len(sheet.violations)), 38, RED, bold=True, gap_px=8)
        for v in sheet.violations[:MAX_VIOLATIONS_SHOWN]:
            c.bullet(v, 26)
        if len(sheet.violations) > MAX_VIOLATIONS_SHOWN:
            c.text(t("publish.violations_more", n=len(sheet.violations) - MAX_VIOLATIONS_SHOWN), 26, RED)
        c.box(top, PINK, RED)
    c.text(page["name"], 68, bold=True, gap_px=4)
    c.text(t("publish.parents_intro"), 32, GREY)
    c.rule()
    for label, value in page["rows"]:
        c.text(label, 32, GREY)
        c.text(value, 46, bold=True, gap_px=14)
    c.rule()
    c.text(t("publish.rules_title"), 38, bold=True, gap_px=6)
    for rule in page["rules"]:
        c.bullet(rule, 34)
    c.rule()
    c.text(f"{sheet.school}  {t('publish.date_label')}{sheet.date_text}", 30, GREY)
    return c.render()


def write_notice_png(page: dict[str, Any], sheet: Sheet, path: Path) -> None:
    """Save the notice as a PNG without metadata (byte-identical for the same notice)."""
    notice_image(page, sheet).save(path, format="PNG", compress_level=1)
