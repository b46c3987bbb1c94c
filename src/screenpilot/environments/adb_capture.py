"""Screenshots over adb: raw ``screencap`` frames decoded on the host, PNG when raw fails.

Raw frames skip the phone's PNG encoding (0.5-2 s there against about 0.1 s raw). One
screenshot is one operation of the device's ``timeout``: a raw attempt may use ``RAW_SHARE`` of
it, and when that attempt fails on the way (timed out, cut off, garbled) the same screenshot is
taken as PNG in the time left. The next screenshot tries raw again; only ``DEMOTE_AFTER`` raw
failures in a row switch the episode to PNG (``Screenshots.demoted`` says why), until the next
episode. A device that cannot send raw at all (no ``exec:`` service, or a ``screencap`` that
prints no frame) uses PNG from then on, as it always has.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, cast

from PIL import Image, UnidentifiedImageError

from screenpilot.environments.adb import AdbDevice, ServiceRefused, TransportError
from screenpilot.environments.deadline import Deadline
from screenpilot.errors import DeviceError, require

RAW_FORMATS = {1: ("RGBX", 4), 2: ("RGBX", 4), 3: ("RGB", 3), 4: ("RGB;16", 2), 5: ("BGRX", 4)}
"""Android ``PixelFormat`` codes screencap writes (AOSP frameworks/native, ``PIXEL_FORMAT_*``)
-> (PIL raw mode, bytes per pixel); alpha is dropped while decoding (RGBA_8888 read as RGBX)."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ScreenshotPath = Literal["raw", "png"]
ScreenshotMode = Literal["auto", "raw", "png"]

DEMOTE_AFTER = 3
"""Raw captures that must fail in a row before an episode stops trying raw."""
RAW_SHARE = 0.5
"""The share of a screenshot's time a raw attempt may take when PNG may follow it."""


@dataclass(frozen=True)
class Capture:
    """One screenshot, how it was taken, and how many bytes crossed the connection."""

    image: Image.Image
    path: ScreenshotPath
    nbytes: int
    fallback: str | None = None
    """Why this screenshot is PNG although raw was tried (the raw attempt's failure)."""


class Screenshots:
    """How one device's screenshots are taken in ``mode``: ``auto`` (raw, PNG when raw fails
    or cannot work), ``raw`` (raw or an error), ``png``."""

    def __init__(self, device: AdbDevice, mode: ScreenshotMode = "auto") -> None:
        self.device, self.mode = device, mode
        self.failures = 0
        """Raw captures that failed in a row."""
        self.demoted: str | None = None
        """Why this episode takes PNG only, once it does."""

    def new_episode(self) -> None:
        """Forget the episode's raw failures: the next screenshot tries raw again."""
        self.failures, self.demoted = 0, None

    def take(self) -> Capture:
        device = self.device
        with device.operation("screencap", "screenshot") as deadline:
            failure = None
            if self.mode != "png" and self.demoted is None:
                try:
                    capture = self._raw(deadline)
                except TransportError as exc:
                    if self.mode == "raw":
                        raise
                    failure = self._failed(exc)
                else:
                    if capture is not None:
                        self.failures = 0
                        return capture
            return self._png(failure)

    def _raw(self, deadline: Deadline) -> Capture | None:
        """A raw frame, or None when this device cannot send one (then it never tries again)."""
        device = self.device
        if not (device.exec_service and device.raw_screencap):
            return None
        share = deadline if self.mode == "raw" else deadline.part(RAW_SHARE)
        try:
            data = device.read_stream("exec:screencap", share)
        except ServiceRefused:
            if self.mode == "raw":
                raise
            device.exec_service = False  # an adbd without exec: -> PNG over shell:
            return None
        image = decode_raw(data, device.serial)
        if image is not None:
            return Capture(image, "raw", len(data))
        if self.mode == "raw":
            msg = f"the device did not send a raw frame ({len(data)} bytes)"
            raise DeviceError(msg, device=device.serial, command="exec:screencap")
        device.raw_screencap = False
        return None

    def _failed(self, error: TransportError) -> str:
        """Count a raw capture that failed on the way; say why the screenshot is PNG."""
        self.failures += 1
        if self.failures >= DEMOTE_AFTER:
            self.demoted = (
                f"PNG for the rest of the episode: {self.failures} raw captures in a row "
                f"failed (the last: {error.reason})"
            )
        return f"the raw capture failed: {error.reason}"

    def _png(self, failure: str | None) -> Capture:
        device = self.device
        service = "exec:screencap -p" if device.exec_service else "shell:screencap -p"
        try:
            data = device.read_stream(service)
            image = decode_png(data, device.serial, service)
        except DeviceError as exc:
            if failure is not None:
                exc.args = (f"{exc}; before it, {failure}",)
            raise
        return Capture(image, "png", len(data), failure)


_UNDECODABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)
"""What PIL raises on bytes it cannot decode (some damage it reports as SyntaxError, a header
claiming hundreds of millions of pixels as DecompressionBombError)."""


def decode_png(data: bytes | bytearray, serial: str | None, command: str) -> Image.Image:
    """``screencap -p``'s output as an RGB image (after a warning it may print first)."""
    start = max(data.find(PNG_SIGNATURE, 0, 1024), 0)
    try:
        with Image.open(io.BytesIO(memoryview(data)[start:])) as png:
            image: Image.Image = png.convert("RGB")
            return image
    except _UNDECODABLE as exc:
        msg = f"the screenshot is not a valid PNG ({len(data)} bytes: {bytes(data[:40])!r})"
        raise DeviceError(msg, device=serial, command=command) from exc


def _line_starts(data: bytes | bytearray, limit: int = 1024) -> Iterator[int]:
    """0, then every position after a newline in the first ``limit`` bytes: where a frame may
    start when screencap printed a warning first (multi-display devices do; adbutils #133)."""
    yield 0
    position = data.find(b"\n", 0, limit)
    while position >= 0:
        yield position + 1
        position = data.find(b"\n", position + 1, limit)


def decode_raw(data: bytes | bytearray, serial: str | None = None) -> Image.Image | None:
    """Decode ``screencap``'s raw output (width, height, format[, dataspace] + pixels).

    None when the bytes are not a raw frame at all (e.g. an error message), so the caller can
    fall back to PNG; a TransportError when a valid header promises more pixels than arrived.
    """
    for start in _line_starts(data):
        if len(data) - start < 12:
            break
        width, height, pixel_format = struct.unpack_from("<III", data, start)
        if pixel_format in RAW_FORMATS and 0 < width <= 16384 and 0 < height <= 16384:
            break
    else:
        return None
    if len(data) - start < 12:
        return None
    rawmode, depth = RAW_FORMATS[pixel_format]
    size = width * height * depth
    if len(data) - start < 12 + size:
        reason = f"the connection dropped mid-screenshot ({len(data)} bytes, frame is {size})"
        raise TransportError(reason, device=serial, command="exec:screencap")
    # After a 12- or 16-byte header; a view, so the 10 MB frame is not copied.
    pixels = cast(bytes, memoryview(data)[len(data) - size :])
    if rawmode == "RGB;16":
        numpy = require("numpy", "android")
        value = numpy.frombuffer(pixels, dtype="<u2").reshape(height, width).astype("uint32")
        rgb = numpy.stack(
            [(value >> 11) * 255 // 31, ((value >> 5) & 63) * 255 // 63, (value & 31) * 255 // 31],
            axis=-1,
        ).astype("uint8")
        return Image.fromarray(rgb, "RGB")
    return Image.frombytes("RGB", (width, height), pixels, "raw", rawmode)


__all__ = [
    "DEMOTE_AFTER",
    "RAW_SHARE",
    "Capture",
    "ScreenshotMode",
    "Screenshots",
    "decode_png",
    "decode_raw",
]
