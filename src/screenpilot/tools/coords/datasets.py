"""Frames datasets store: AITW / AITZ keep points and boxes y first; ScreenSpot keeps pixels
that its scorers divide by the image size as they are (no pixel-centre offset)."""

from __future__ import annotations

from screenpilot.tools.coords.screens import Box, Point, Screen

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


def point_from_image_pixels(px: float, py: float, size: tuple[int, int]) -> Point:
    """A point in an image's pixels as published grounding scorers normalize it: (px / W, py /
    H), exactly (unlike ``from_screenshot_pixels``, which takes a pixel's centre)."""
    width, height = size
    return (px / width, py / height)


def image_pixels_from_point(x: float, y: float, size: tuple[int, int]) -> tuple[float, float]:
    """The inverse of ``point_from_image_pixels``: (x * W, y * H), unrounded."""
    width, height = size
    return (x * width, y * height)


def box_from_image_pixels(
    x1: float, y1: float, x2: float, y2: float, size: tuple[int, int], *, clamp: bool = False
) -> Box:
    """A (left, top, right, bottom) box in an image's pixels, divided by its size as the
    scorers do; ``clamp`` keeps it inside [0, 1] (for drawing)."""
    width, height = size
    box = (x1 / width, y1 / height, x2 / width, y2 / height)
    if clamp:
        return (
            min(max(box[0], 0.0), 1.0),
            min(max(box[1], 0.0), 1.0),
            min(max(box[2], 0.0), 1.0),
            min(max(box[3], 0.0), 1.0),
        )
    return box
