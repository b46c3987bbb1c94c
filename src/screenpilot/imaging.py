"""Small image helpers shared by the loop, the recorder and environments."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter

FINGERPRINT_WIDTH = 64
PIXEL_LEVEL = 16
"""Grey-level difference (0-255) below which two fingerprint pixels count as equal."""
CHANGED_FRACTION = 0.001
"""Screens whose fingerprints differ in at most this fraction of pixels count as unchanged: a
clock tick or a blinking cursor (3-4 of ~10,000) stays under it, a toggled checkbox (~30) does not."""


def fingerprint(image: Image.Image) -> Image.Image:
    """A small greyscale thumbnail (box-filtered) that ignores noise but sees real changes."""
    factor = max(1, image.width // FINGERPRINT_WIDTH)
    small = image.reduce(factor) if factor > 1 else image
    return small.convert("L")


def same_screen(a: Image.Image, b: Image.Image, *, tolerance: float = CHANGED_FRACTION) -> bool:
    """Whether two screenshots show the same screen (a clock tick is not a change)."""
    if a.size != b.size:
        return False
    fa, fb = fingerprint(a), fingerprint(b)
    changed = ImageChops.difference(fa, fb).point(lambda v: 255 if v > PIXEL_LEVEL else 0)
    return changed.histogram()[255] <= tolerance * fa.width * fa.height


def encode(image: Image.Image, image_format: str) -> bytes:
    """Lossless bytes of a screenshot: PNG (fast zlib level) or lossless WebP."""
    buffer = io.BytesIO()
    if image_format == "png":
        image.save(buffer, "PNG", compress_level=1)
    elif image_format == "webp":
        image.save(buffer, "WEBP", lossless=True, quality=0, method=0)
    else:
        msg = f"unknown image format {image_format!r}; use png or webp"
        raise ValueError(msg)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see either nothing or all of it."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def blur_region(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """A copy of ``image`` with the normalized box (left, top, right, bottom) made unreadable:
    averaged into cells a third of the box's height, then blurred (a plain blur of large text
    can stay legible)."""
    width, height = image.size
    left, top = max(0, math.floor(box[0] * width)), max(0, math.floor(box[1] * height))
    right, bottom = min(width, math.ceil(box[2] * width)), min(height, math.ceil(box[3] * height))
    copy = image.copy()
    if right <= left or bottom <= top:
        return copy
    size = (right - left, bottom - top)
    cell = max(8, size[1] // 3)
    region = copy.crop((left, top, right, bottom))
    coarse = region.resize((max(1, size[0] // cell), max(1, size[1] // cell)), Image.Resampling.BOX)
    smooth = coarse.resize(size, Image.Resampling.BILINEAR)
    copy.paste(smooth.filter(ImageFilter.GaussianBlur(cell / 2)), (left, top))
    return copy
