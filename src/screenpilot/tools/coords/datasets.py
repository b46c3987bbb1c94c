"""Frames datasets store: AITW / AITZ keep points and boxes y first."""

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
