"""Finger and wheel motion: scrolls as swipes or wheel clicks, and swipes read back as scrolls."""

from __future__ import annotations

from typing import Literal

from screenpilot.tools.coords.screens import Box

Direction = Literal["up", "down", "left", "right"]

SCROLL_MARGIN = 0.08
"""Scroll swipes stay this far from the screen edges (edge swipes are system gestures)."""

DEFAULT_SCROLL_AMOUNT = 0.5
"""A scroll with no amount moves half a screen."""


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
