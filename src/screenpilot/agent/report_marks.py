"""What report pages draw over a screenshot: the action, the box a model located, and what the
safety gate saw at the action's target with its verdict."""

from __future__ import annotations

from html import escape

from screenpilot.agent.core import SafetyReview
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    ActionBase,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    OpenApp,
    PointAction,
    Scroll,
    Swipe,
    TypeText,
    Wait,
)

ACTION_COLOUR = "#ff2d55"
"""The action a step took."""
MUTED_COLOUR = "#8c959f"
"""An action that was not carried out."""
RECORDED_COLOUR = "#1a7f37"
"""The action a recording holds for the screen (a replay draws it beside the new one)."""


def box_overlay(
    box: list[float] | None,
    width: int,
    height: int,
    colour: str = "#0969da",
    *,
    dashed: bool = True,
) -> str:
    """An outline of a box (normalized edges), if there is one: dashed for the box a model
    located, solid for a ground-truth box."""
    if not box or len(box) != 4:
        return ""
    frame = coords.Screen.same_size(width, height)
    (left, top), (right, bottom) = (
        coords.to_screenshot_pixels(box[0], box[1], frame),
        coords.to_screenshot_pixels(box[2], box[3], frame),
    )
    return (
        f'<rect x="{left}" y="{top}" width="{max(right - left, 1)}" height="{max(bottom - top, 1)}" '
        f'fill="none" stroke="{escape(colour)}" stroke-width="3"'
        + (' stroke-dasharray="8 5"/>' if dashed else "/>")
    )


def action_overlay(
    action: ActionBase | None, width: int, height: int, muted: bool, colour: str | None = None
) -> str:
    """SVG marks for an action on a ``width`` x ``height`` thumbnail (in ``colour`` if given)."""
    if action is None:
        return ""
    frame = coords.Screen.same_size(width, height)
    colour = colour or (MUTED_COLOUR if muted else ACTION_COLOUR)
    radius = max(10, width // 16)
    marks: list[str] = []

    def at(x: float, y: float) -> tuple[int, int]:
        return coords.to_screenshot_pixels(x, y, frame)

    def ring(x: float, y: float, r: float) -> str:
        cx, cy = at(x, y)
        return (
            f'<circle cx="{cx}" cy="{cy}" r="{r:.0f}" fill="{colour}" fill-opacity="0.25" '
            f'stroke="{colour}" stroke-width="4"/><circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>'
        )

    def arrow(x1: float, y1: float, x2: float, y2: float) -> str:
        (ax, ay), (bx, by) = at(x1, y1), at(x2, y2)
        return (
            f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="{colour}" stroke-width="5" '
            f'stroke-linecap="round" marker-end="url(#head)" style="color:{colour}"/>'
            f'<circle cx="{ax}" cy="{ay}" r="7" fill="{colour}"/>'
        )

    if isinstance(action, PointAction):
        marks.append(ring(action.x, action.y, radius))
        if isinstance(action, DoubleTap):
            marks.append(ring(action.x, action.y, radius * 1.6))
    elif isinstance(action, Swipe):
        marks.append(arrow(action.x, action.y, action.x2, action.y2))
    elif isinstance(action, Scroll):
        # Drawn in the direction the content is revealed, labelled to avoid confusion.
        cx, cy = (0.5, 0.5) if action.x is None or action.y is None else (action.x, action.y)
        dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[action.direction]
        reach = (action.amount or coords.DEFAULT_SCROLL_AMOUNT) / 2
        marks.append(arrow(cx - dx * reach, cy - dy * reach, cx + dx * reach, cy + dy * reach))
    defs = (
        '<defs><marker id="head" viewBox="0 0 10 10" refX="6" refY="5" markerWidth="4" '
        'markerHeight="4" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="context-stroke"/></marker></defs>'
    )
    return defs + "".join(marks)


def action_label(action: ActionBase) -> str:
    if isinstance(action, TypeText):
        return f"type “{action.text}”"
    if isinstance(action, Key):
        return f"key {action.key}"
    if isinstance(action, OpenApp):
        return f"open {action.app}"
    if isinstance(action, Wait):
        return f"wait {action.seconds:g} s"
    if isinstance(action, Finish):
        return f"finish: {action.status}"
    if isinstance(action, LongPress):
        return f"hold {action.seconds:g} s"
    if isinstance(action, Scroll):
        return f"scroll {action.direction}"
    return ""


def safety_overlay(review: SafetyReview | None, width: int, height: int) -> str:
    """The outline of what the safety gate read at the target, coloured by its verdict (red:
    denied, amber: allowed after a concern, green: nothing to object to), with the verdict."""
    if review is None or review.seen is None or review.seen.box is None:
        return ""
    frame = coords.Screen.same_size(width, height)
    box = review.seen.box
    (left, top), (right, bottom) = (
        coords.to_screenshot_pixels(box[0], box[1], frame),
        coords.to_screenshot_pixels(box[2], box[3], frame),
    )
    if not review.concerns:
        colour, verdict = "#1a7f37", "ok"
    else:
        colour, verdict = ("#9a6700", "allowed") if review.allowed else ("#cf222e", "denied")
    caption = f"{verdict}: {review.seen.label} ({review.seen.source})"
    text_y = top - 6 if top > 24 else bottom + 20
    return (
        f'<rect x="{left}" y="{top}" width="{max(right - left, 1)}" height="{max(bottom - top, 1)}" '
        f'fill="none" stroke="{colour}" stroke-width="3"/>'
        f'<text x="{left}" y="{text_y}" fill="{colour}" font-size="18" font-weight="600" '
        f'paint-order="stroke" stroke="#fff" stroke-width="4">{escape(caption)}</text>'
    )


__all__ = [
    "ACTION_COLOUR",
    "MUTED_COLOUR",
    "RECORDED_COLOUR",
    "action_label",
    "action_overlay",
    "box_overlay",
    "safety_overlay",
]
