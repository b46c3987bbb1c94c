"""Model frames: the units a model writes its coordinates in, and the smart resize that decides
the size of the image it sees."""

from __future__ import annotations

import math
from dataclasses import dataclass

from screenpilot.errors import InvalidActionError, OutOfFrameError
from screenpilot.tools.coords.screens import Box, Point

# qwen-vl-utils constants (QwenLM/Qwen2.5-VL, qwen-vl-utils/src/qwen_vl_utils/vision_process.py).
IMAGE_FACTOR = 28
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 16384 * 28 * 28
MAX_RATIO = 200

MODEL_OVERSHOOT = 0.02
"""How far past the edge of its frame a model coordinate may land and still be clamped."""


@dataclass(frozen=True, slots=True)
class ModelFrame:
    """The coordinate space a model writes in: ``width`` x ``height`` units over the image."""

    width: float
    height: float
    name: str

    @classmethod
    def relative(cls, scale: float) -> ModelFrame:
        """Relative coordinates, 0..scale on both axes (1000 for Qwen2-VL, 1 for ShowUI)."""
        return cls(scale, scale, f"relative-{scale:g}")

    @classmethod
    def pixels(cls, width: int, height: int) -> ModelFrame:
        """Absolute pixels of the (smart-resized) image the model was shown."""
        return cls(width, height, f"pixels-{width}x{height}")

    @classmethod
    def qwen25(
        cls,
        width: int,
        height: int,
        *,
        min_pixels: int = MIN_PIXELS,
        max_pixels: int = MAX_PIXELS,
        factor: int = IMAGE_FACTOR,
    ) -> ModelFrame:
        """The frame of a Qwen2.5-VL-style model shown a ``width`` x ``height`` screenshot."""
        resized_height, resized_width = smart_resize(
            height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels
        )
        return cls.pixels(resized_width, resized_height)


def from_model(x: float, y: float, frame: ModelFrame) -> Point:
    """A model's point -> normalized; slight overshoot is clamped, more is the model's error."""
    return (
        _from_model_axis(x, frame.width, "x", frame),
        _from_model_axis(y, frame.height, "y", frame),
    )


def _from_model_axis(value: float, extent: float, axis: str, frame: ModelFrame) -> float:
    if not math.isfinite(value):
        msg = f"{axis} coordinate {value!r} is not a finite number"
        raise InvalidActionError(msg)
    normalized = value / extent
    if not -MODEL_OVERSHOOT <= normalized <= 1 + MODEL_OVERSHOOT:
        msg = f"{axis}={value:g} is outside the {frame.name} frame (0..{extent:g})"
        raise OutOfFrameError(msg)
    return min(max(normalized, 0.0), 1.0)


def to_model(x: float, y: float, frame: ModelFrame) -> tuple[float, float]:
    """Normalized point -> the model's units (integers for integer frames)."""
    mx, my = x * frame.width, y * frame.height
    if float(frame.width).is_integer() and frame.width > 1:
        return (round(mx), round(my))
    return (mx, my)


def box_from_model(x1: float, y1: float, x2: float, y2: float, frame: ModelFrame) -> Box:
    """A model's box (two corners, either order) -> normalized (left, top, right, bottom)."""
    (ax, ay), (bx, by) = from_model(x1, y1, frame), from_model(x2, y2, frame)
    return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


def smart_resize(
    height: int,
    width: int,
    factor: int = IMAGE_FACTOR,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int]:
    """The (height, width) Qwen2-VL / Qwen2.5-VL resize an image to.

    Same algorithm and constants as ``qwen_vl_utils.smart_resize`` (with the ``max(factor, .)``
    guard that transformers keeps): both sides become multiples of ``factor``, the pixel count
    lands in ``[min_pixels, max_pixels]``, and the aspect ratio is kept as closely as possible.
    """
    if height <= 0 or width <= 0:
        msg = f"image size must be positive, got height={height}, width={width}"
        raise ValueError(msg)
    if max(height, width) / min(height, width) > MAX_RATIO:
        msg = f"absolute aspect ratio must be smaller than {MAX_RATIO}, got {max(height, width) / min(height, width)}"
        raise ValueError(msg)
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar
