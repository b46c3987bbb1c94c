"""Screens and devices: screenshot pixels, device pixels (scale and offset), layout units of a
density-independent UI, and a display's rotation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Point = tuple[float, float]
Box = tuple[float, float, float, float]
"""A normalized box: (left, top, right, bottom)."""


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
