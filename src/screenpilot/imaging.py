"""Small image helpers shared by the loop, the recorder and environments."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image, ImageChops

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
