"""Simple bar charts as PNG for the DOCX reports, drawn with Pillow (installed with weasyprint; matplotlib is not a
dependency). Chinese labels need a CJK font from the system (Debian: fonts-noto-cjk); XINFANG_CHART_FONT may name
another font file."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: Simplified Chinese
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
)

BAR = (192, 57, 43)  # the corps' red
BAR_ALT = (52, 101, 164)
GRID = (220, 220, 220)
TEXT = (33, 37, 41)
MUTED = (108, 117, 125)


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    override = os.getenv("XINFANG_CHART_FONT", "")
    candidates = ((override, 0), *FONT_CANDIDATES) if override else FONT_CANDIDATES
    for path, index in candidates:
        if path and os.path.exists(path):
            try:
                return ImageFont.truetype(path, size, index=index)
            except OSError:
                try:
                    return ImageFont.truetype(path, size)
                except OSError:
                    continue
    return ImageFont.load_default()


def _text_width(draw: ImageDraw.ImageDraw, text: str, f: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> float:
    return draw.textlength(text, font=f)


def _fit(draw: ImageDraw.ImageDraw, text: str, f: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> str:
    if _text_width(draw, text, f) <= width:
        return text
    while text and _text_width(draw, text + "…", f) > width:
        text = text[:-1]
    return text + "…"


def _fmt(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else str(int(value))


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    suffix: str = "",
    max_value: float | None = None,
    width: int = 1400,
    alt: bool = False,
) -> bytes:
    """A horizontal bar chart, one bar per label; a None value is drawn as "不适用". Returns PNG bytes."""
    rows = max(len(labels), 1)
    row_h = 54
    top = 90
    height = top + rows * row_h + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title_font, label_font, value_font = font(34), font(26), font(24)
    draw.text((30, 24), title, fill=TEXT, font=title_font)
    label_w = 380
    left = 30 + label_w + 16
    right = width - 150
    numbers = [v for v in values if v is not None]
    top_value = max_value if max_value is not None else (max(numbers) if numbers else 0)
    top_value = top_value or 1
    for i in range(5):
        x = left + (right - left) * i / 4
        draw.line([(x, top - 10), (x, height - 30)], fill=GRID, width=1)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        draw.text((30, y + 10), _fit(draw, label, label_font, label_w), fill=TEXT, font=label_font)
        if value is None:
            draw.text((left + 6, y + 12), "不适用", fill=MUTED, font=value_font)
            continue
        bar_w = max((right - left) * float(value) / float(top_value), 2 if value else 0)
        draw.rectangle([left, y + 8, left + bar_w, y + row_h - 10], fill=BAR_ALT if alt else BAR)
        draw.text((left + bar_w + 10, y + 12), f"{_fmt(float(value))}{suffix}", fill=TEXT, font=value_font)
    if not labels:
        draw.text((left, top + 10), "无数据", fill=MUTED, font=label_font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
