"""AITZ screenshots: checked once when the dataset loads, decoded when first used.

A screenshot must be a PNG of at most ``MAX_SCREENSHOT_PIXELS`` pixels and
``MAX_SCREENSHOT_BYTES`` bytes. Loading reads each file once and walks its chunks without
decompressing any pixel: the signature, the header (``IHDR``: a size within the limit, a valid
bit depth and colour type), every chunk's CRC-32, image data (``IDAT``) and the end marker
(``IEND``). A truncated, cut, bit-flipped, oversized, zero-size, empty or non-PNG file is found
there, so ``load_aitz(skip_bad=True)`` leaves its episode out. This costs about 0.1 ms per
screenshot of AITZ's size, little more than reading the header with PIL; decoding every
screenshot at load would cost 100 times more (7 to 15 ms each), and scoring a predictions
file needs no pixels at all.

The pixels are decoded where a screenshot is used (shown to a policy, drawn in
``report.html``), after the same check of the bytes read then, so a file that changed since
loading is caught too. The only damage left for that moment is compressed data written broken
by its encoder with valid checksums, which then raises ``ScreenshotError`` naming the file.

Neither step depends on PIL's global switches: the size is read from the header before PIL
sees the file (``Image.MAX_IMAGE_PIXELS`` never comes into play), and a truncated file is
refused by the chunk walk even where ``ImageFile.LOAD_TRUNCATED_IMAGES`` is set.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

MAX_SCREENSHOT_PIXELS = 4096 * 4096
"""16,777,216 pixels: 15 times the largest AITZ screenshot on record (720×1480) and more than 3
times a full-resolution phone screen (1440×3200), so recaptured data fits too; decoded as RGB
it is at most 48 MiB."""
MAX_SCREENSHOT_BYTES = 128 * 1024 * 1024
"""Larger than any PNG of ``MAX_SCREENSHOT_PIXELS`` pixels needs (AITZ's are about 150 kB)."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
"""Bit depths allowed for each PNG colour type (PNG specification, 11.2.2)."""
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)
"""What PIL raises on data it cannot decode (it reports some damage as SyntaxError)."""


class ScreenshotError(ValueError):
    """A screenshot that is not a usable PNG; the message says why (the caller names the file)."""


def read_screenshot(path: Path) -> bytes:
    """The file's bytes, once it is known to be a file of a sensible size."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ScreenshotError("is not a file")
        if size > MAX_SCREENSHOT_BYTES:
            raise ScreenshotError(
                f"is {size:,} bytes, more than the {MAX_SCREENSHOT_BYTES:,} a screenshot may have"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ScreenshotError(f"cannot be read: {exc.strerror or exc}") from exc


def png_size(data: bytes) -> tuple[int, int]:
    """The (width, height) of a PNG's bytes once its chunks are checked (no pixel decoded)."""
    if not data:
        raise ScreenshotError("is empty (0 bytes)")
    if not data.startswith(PNG_SIGNATURE):
        raise ScreenshotError(f"is not a PNG file (it starts with {data[:8]!r})")
    view, end, pos = memoryview(data), len(data), len(PNG_SIGNATURE)
    size: tuple[int, int] | None = None
    has_data = False
    while True:
        if pos + 8 > end:
            raise ScreenshotError(f"is truncated: it ends at byte {end:,}, before its IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, pos)
        name = kind.decode("latin-1")
        if pos + 12 + length > end:
            raise ScreenshotError(
                f"is truncated: its {name!r} chunk at byte {pos:,} needs {length:,} bytes, "
                f"the file ends at byte {end:,}"
            )
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        if zlib.crc32(view[pos + 4 : pos + 8 + length]) != crc:
            raise ScreenshotError(f"is damaged: its {name!r} chunk at byte {pos:,} fails its CRC")
        if size is None:
            if kind != b"IHDR" or length != 13:
                raise ScreenshotError(
                    f"is damaged: its first chunk is {name!r}, not an IHDR header"
                )
            size = _header(bytes(view[pos + 8 : pos + 21]))
        elif kind == b"IDAT":
            has_data = True
        elif kind == b"IEND":
            break
        pos += 12 + length
    if not has_data:
        raise ScreenshotError("has no image data (no IDAT chunk)")
    return size


def _header(ihdr: bytes) -> tuple[int, int]:
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", ihdr
    )
    if width == 0 or height == 0:
        raise ScreenshotError(f"has no pixels: its header says {width}×{height}")
    if width * height > MAX_SCREENSHOT_PIXELS:
        raise ScreenshotError(
            f"is {width}×{height} = {width * height:,} pixels by its header, more than the "
            f"{MAX_SCREENSHOT_PIXELS:,} a screenshot may have"
        )
    if depth not in _DEPTHS.get(colour, ()) or (compression, filtering) != (0, 0) or interlace > 1:
        raise ScreenshotError(
            f"has an invalid header (bit depth {depth}, colour type {colour}, compression "
            f"{compression}, filter {filtering}, interlace {interlace})"
        )
    return width, height


def screenshot_size(path: Path) -> tuple[int, int]:
    """The size of the screenshot at ``path``, its whole file checked (the load-time pass)."""
    return png_size(read_screenshot(path))


def decode_screenshot(path: Path, size: tuple[int, int]) -> Image.Image:
    """The screenshot's pixels as RGB, checked again and decoded completely; ``size`` is the
    one found at load (a file that changed since is refused)."""
    data = read_screenshot(path)
    found = png_size(data)
    if found != size:
        raise ScreenshotError(
            f"changed since the dataset was loaded: it is {found[0]}×{found[1]}, "
            f"it was {size[0]}×{size[1]}"
        )
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
            pixels: Image.Image = image.convert("RGB")
    except _DECODE_ERRORS as exc:
        raise ScreenshotError(f"cannot be decoded: {exc}") from exc
    return pixels
