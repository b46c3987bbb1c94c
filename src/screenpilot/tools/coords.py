"""The coordinate contract: every coordinate conversion in screenpilot happens here.

Canonical coordinates are normalized to ``[0, 1]`` of the screenshot the policy saw, x to the
right, y down. Four frames meet in this module:

- **normalized**: what actions carry (``Tap(x=0.5, y=0.25)``).
- **screenshot pixels**: the image the environment captured (``Screen.width`` x ``Screen.height``).
- **device pixels**: the space input is injected in (adb ``input tap``, pyautogui). It differs
  from the screenshot by a scale (HiDPI / Retina, screenshots captured at reduced size) and an
  offset (the monitor's origin on a multi-monitor desktop): ``Screen.device_*``.
- **model frames**: what a model writes. ``ModelFrame.relative(1000)`` for Qwen2-VL and
  UI-TARS 1.0 (0-1000), ``ModelFrame.relative(1)`` for ShowUI / SeeClick (0-1), and
  ``ModelFrame.pixels(w, h)`` for Qwen2.5-VL and UI-TARS 1.5 (absolute pixels of the
  smart-resized image, see ``smart_resize``).

Pixels are addressed by their centres: pixel ``i`` covers normalized ``[i/W, (i+1)/W)`` and maps
back to ``(i + 0.5) / W``, so device -> normalized -> device is exact.

Scrolling has one convention too: ``Scroll(direction="down")`` brings content further *down*
into view, as a mouse wheel does. On a touch screen that is a finger moving *up*;
``scroll_to_swipe`` and ``swipe_to_scroll`` are the only places that know it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from screenpilot.errors import InvalidActionError

Point = tuple[float, float]
Box = tuple[float, float, float, float]
"""A normalized box: (left, top, right, bottom)."""
Direction = Literal["up", "down", "left", "right"]

# qwen-vl-utils constants (QwenLM/Qwen2.5-VL, qwen-vl-utils/src/qwen_vl_utils/vision_process.py).
IMAGE_FACTOR = 28
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 16384 * 28 * 28
MAX_RATIO = 200

MODEL_OVERSHOOT = 0.02
"""How far past the edge of its frame a model coordinate may land and still be clamped."""

SCROLL_MARGIN = 0.08
"""Scroll swipes stay this far from the screen edges (edge swipes are system gestures)."""

DEFAULT_SCROLL_AMOUNT = 0.5
"""A scroll with no amount moves half a screen."""


@dataclass(frozen=True, slots=True)
class Screen:
    """One screenshot's size and how it maps onto the device's input space."""

    width: int
    height: int
    device_width: int
    device_height: int
    offset_x: int = 0
    offset_y: int = 0

    def __post_init__(self) -> None:
        if min(self.width, self.height, self.device_width, self.device_height) <= 0:
            msg = f"screen sizes must be positive, got {self}"
            raise ValueError(msg)

    @classmethod
    def same_size(cls, width: int, height: int) -> Screen:
        """A screen whose screenshot pixels are its device pixels."""
        return cls(width, height, width, height)

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def scale(self) -> tuple[float, float]:
        """Device pixels per screenshot pixel, (x, y)."""
        return (self.device_width / self.width, self.device_height / self.height)


def _pixel_index(value: float, extent: int) -> int:
    return min(max(math.floor(value * extent), 0), extent - 1)


def to_screenshot_pixels(x: float, y: float, screen: Screen) -> tuple[int, int]:
    """Normalized point -> the screenshot pixel it falls in."""
    return (_pixel_index(x, screen.width), _pixel_index(y, screen.height))


def from_screenshot_pixels(px: float, py: float, screen: Screen) -> Point:
    """Screenshot pixel (its centre) -> normalized point."""
    return ((px + 0.5) / screen.width, (py + 0.5) / screen.height)


def to_device(x: float, y: float, screen: Screen) -> tuple[int, int]:
    """Normalized point -> the device pixel to inject input at (offset included)."""
    return (
        screen.offset_x + _pixel_index(x, screen.device_width),
        screen.offset_y + _pixel_index(y, screen.device_height),
    )


def from_device(dx: float, dy: float, screen: Screen) -> Point:
    """Device pixel (its centre, offset included) -> normalized point."""
    return (
        (dx - screen.offset_x + 0.5) / screen.device_width,
        (dy - screen.offset_y + 0.5) / screen.device_height,
    )


def box_from_device(left: float, top: float, right: float, bottom: float, screen: Screen) -> Box:
    """Device-pixel bounds (right and bottom exclusive, as Android reports them) -> normalized."""

    def clamp(v: float) -> float:
        return min(max(v, 0.0), 1.0)

    return (
        clamp((left - screen.offset_x) / screen.device_width),
        clamp((top - screen.offset_y) / screen.device_height),
        clamp((right - screen.offset_x) / screen.device_width),
        clamp((bottom - screen.offset_y) / screen.device_height),
    )


def box_center(box: Box) -> Point:
    left, top, right, bottom = box
    return ((left + right) / 2, (top + bottom) / 2)


def layout_to_device(length: float, density: float) -> int:
    """A length (or one coordinate) in layout units -> whole device pixels, for a UI laid out in
    density-independent units and drawn at ``density`` device pixels per unit (the simulated
    phone designs 1080 units wide and draws at any screen width)."""
    return round(length * density)


def layout_box_to_device(box: Box, density: float) -> tuple[int, int, int, int]:
    """A box in layout units -> device pixels, each edge rounded as ``layout_to_device`` does."""
    left, top, right, bottom = box
    return (
        layout_to_device(left, density),
        layout_to_device(top, density),
        layout_to_device(right, density),
        layout_to_device(bottom, density),
    )


def device_to_layout(dx: float, dy: float, density: float) -> Point:
    """A device pixel -> layout units (the inverse of ``layout_box_to_device`` for a point)."""
    return (dx / density, dy / density)


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
        raise InvalidActionError(msg)
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


def scroll_to_swipe(
    direction: Direction,
    x: float | None = None,
    y: float | None = None,
    amount: float | None = None,
) -> Box:
    """The finger motion (x1, y1, x2, y2) that scrolls a touch screen in ``direction``.

    The finger moves against the direction of scrolling, ``amount`` of the screen (default
    half), centred on (x, y) (default the screen centre), kept ``SCROLL_MARGIN`` from the edges.
    """
    cx = 0.5 if x is None else x
    cy = 0.5 if y is None else y
    length = min(DEFAULT_SCROLL_AMOUNT if amount is None else amount, 1 - 2 * SCROLL_MARGIN)
    # The finger's unit vector: scrolling down means pulling content up.
    fx, fy = {"down": (0, -1), "up": (0, 1), "right": (-1, 0), "left": (1, 0)}[direction]
    xs = _shift_inside(cx - fx * length / 2, cx + fx * length / 2)
    ys = _shift_inside(cy - fy * length / 2, cy + fy * length / 2)
    return (xs[0], ys[0], xs[1], ys[1])


def _shift_inside(start: float, end: float) -> tuple[float, float]:
    """Slide a segment so both ends lie within the margins, keeping its length."""
    low, high = SCROLL_MARGIN, 1 - SCROLL_MARGIN
    shift = max(low - min(start, end), 0.0) - max(max(start, end) - high, 0.0)
    return (start + shift, end + shift)


def swipe_to_scroll(x1: float, y1: float, x2: float, y2: float) -> Direction:
    """The scroll direction a finger motion produces (the inverse of ``scroll_to_swipe``)."""
    dx, dy = x2 - x1, y2 - y1
    if abs(dy) >= abs(dx):
        return "down" if dy < 0 else "up"
    return "right" if dx < 0 else "left"


def finger_direction(
    x1: float, y1: float, x2: float, y2: float, *, vertical_bias: float = 1.0
) -> Direction:
    """Where a finger moving from (x1, y1) to (x2, y2) goes on screen ("up" = towards the top).

    This is the *finger* sense that AITW / AITZ labels use, the opposite of ``Scroll``'s:
    ``finger_direction`` "up" is ``swipe_to_scroll`` "down". The motion counts as vertical when
    ``|dy| >= vertical_bias * |dx|`` (1.0: the dominant axis, ties vertical).
    """
    dx, dy = x2 - x1, y2 - y1
    if abs(dy) >= vertical_bias * abs(dx):
        return "up" if dy < 0 else "down"
    return "left" if dx < 0 else "right"


YXHW = tuple[float, float, float, float]
"""A box as AITW / AITZ store it: (top, left, height, width), y first."""


def point_from_yx(y: float, x: float) -> Point:
    """A normalized point stored y first (AITW ``touch_yx`` / ``lift_yx``) -> (x, y)."""
    return (x, y)


def yxhw_from_pixels(top: float, left: float, height: float, width: float, screen: Screen) -> YXHW:
    """A (top, left, height, width) box in screenshot pixels (AITZ ``ui_positions``) -> the same
    box normalized, as AITW stores it: (top/H, left/W, height/H, width/W)."""
    return (top / screen.height, left / screen.width, height / screen.height, width / screen.width)


def box_from_yxhw(box: YXHW) -> Box:
    """A normalized (top, left, height, width) box -> (left, top, right, bottom), within [0, 1]."""
    top, left, height, width = box

    def clamp(v: float) -> float:
        return min(max(v, 0.0), 1.0)

    return (clamp(left), clamp(top), clamp(left + width), clamp(top + height))


def scroll_to_wheel(
    direction: Direction, amount: float | None, clicks_per_screen: int
) -> tuple[int, int]:
    """Mouse-wheel clicks (horizontal, vertical) for a scroll; positive is right / up."""
    clicks = max(
        1, round((DEFAULT_SCROLL_AMOUNT if amount is None else amount) * clicks_per_screen)
    )
    return {
        "up": (0, clicks),
        "down": (0, -clicks),
        "right": (clicks, 0),
        "left": (-clicks, 0),
    }[direction]


Rotation = Literal[0, 1, 2, 3]
"""A display's rotation from its natural orientation in quarter turns (Android's
``Surface.ROTATION_0/90/180/270``): the angle the drawn content is turned by."""


def oriented_size(width: int, height: int, rotation: Rotation) -> tuple[int, int]:
    """The (width, height) a display of natural size ``width`` x ``height`` shows when rotated."""
    return (height, width) if rotation % 2 else (width, height)


def natural_to_oriented(x: float, y: float, rotation: Rotation) -> Point:
    """A normalized point of the natural (unrotated) panel -> the same spot in the rotated frame.

    Android's input and window coordinates are in the rotated (logical) frame; a panel rotated a
    quarter turn (``ROTATION_90``) shows the natural top-right corner at the logical top-left
    (AOSP ``InputReader`` rotates touch points the same way: x' = y, y' = W - x).
    """
    if rotation == 0:
        return (x, y)
    if rotation == 1:
        return (y, 1 - x)
    if rotation == 2:
        return (1 - x, 1 - y)
    return (1 - y, x)


def oriented_to_natural(x: float, y: float, rotation: Rotation) -> Point:
    """The inverse of ``natural_to_oriented``."""
    if rotation == 0:
        return (x, y)
    if rotation == 1:
        return (1 - y, x)
    if rotation == 2:
        return (1 - x, 1 - y)
    return (y, 1 - x)


def upright_quarter_turns(rotation: Rotation) -> int:
    """Counter-clockwise quarter turns that make a natural-orientation capture of a display
    rotated by ``rotation`` look the way the display shows it (``natural_to_oriented`` on pixels)."""
    return rotation % 4


def away_from_corners(px: int, py: int, width: int, height: int) -> tuple[int, int]:
    """A device point moved one pixel inwards if it is a corner of the ``width`` x ``height``
    screen: pyautogui's fail-safe aborts whenever the pointer rests on a corner, and that
    abort is kept for people, so a model's click on a corner must not trigger it."""
    if px in (0, width - 1) and py in (0, height - 1):
        return (px + 1 if px == 0 else px - 1, py + 1 if py == 0 else py - 1)
    return (px, py)
