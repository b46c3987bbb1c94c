"""Text for the renderer: the bundled scalable font, its glyph coverage, and text masks."""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_FREETYPE = threading.Lock()


@lru_cache(maxsize=64)
def font(size: int) -> Font:
    return ImageFont.load_default(size=max(size, 8))


@lru_cache(maxsize=1024)
def _glyph_image(char: str) -> bytes:
    image = Image.new("L", (48, 48))
    with _FREETYPE:
        ImageDraw.Draw(image).text((4, 4), char, font=font(32), fill=255)
    return image.tobytes()


def _has_glyph(char: str) -> bool:
    return char.isascii() or _glyph_image(char) != _glyph_image("\uffff")


def displayable(value: str) -> str:
    """The text as the bundled font can draw it: it covers ASCII and a little punctuation, so
    accented letters are drawn without their accents (é -> e); the UI tree keeps the real text."""
    if value.isascii():
        return value
    shown = []
    for char in value:
        if not _has_glyph(char):
            folded = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            if folded and all(_has_glyph(c) for c in folded):
                char = folded
        shown.append(char)
    return "".join(shown)


@lru_cache(maxsize=4096)
def text_mask(value: str, size: int, limit: int) -> Image.Image:
    """A text label's coverage mask, cut with an ellipsis to ``limit`` pixels; cached because
    rasterizing text is most of a frame's cost and screens repeat their labels."""
    face = font(size)
    value = displayable(value)
    with _FREETYPE:  # one FreeType face is shared by every phone, also across eval workers
        if face.getlength(value) > limit:
            while value and face.getlength(value + "…") > limit:
                value = value[:-1]
            value += "…"
        ascent, descent = (
            face.getmetrics() if isinstance(face, ImageFont.FreeTypeFont) else (size, 0)
        )
        mask = Image.new("L", (max(1, round(face.getlength(value))) + 2, ascent + descent))
        ImageDraw.Draw(mask).text((0, 0), value, font=face, fill=255)
    return mask


def text_width(value: str, size: int) -> float:
    """Width in pixels of ``value`` drawn at ``size`` (where a text cursor goes)."""
    return text_mask(value, size, 1 << 30).width - 2 if value else 0.0
