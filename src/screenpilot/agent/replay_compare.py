"""Whether a new action does what a recorded one did, and the tally of a replay.

``screenpilot replay`` shows a policy the screens of a recorded run and compares each action it
takes with the action recorded on that screen, field by field (the fields of
``tools/actions.py``):

- ``type``: actions of different types differ, and nothing else is compared.
- ``target``: the point of a tap, double tap, long press, right / middle click or mouse move,
  the start of a swipe, and where a scroll scrolls (the screen centre when not given). Where the
  recorded screen's UI tree has an element that would take the action at either point (the
  smallest clickable element holding it; for a scroll, the smallest scrollable one), both
  points must fall in that same element, however far apart. Where it has none at either point
  (no tree, or blank space), the points must lie within ``tolerance`` of each other: the
  Euclidean distance in normalized coordinates (x and y each in [0, 1]); the default 0.04 is
  the distance AITW's matcher treats as one spot (a touch and lift at most 0.04 apart are a
  tap: google-research ``android_in_the_wild/action_matching.py``). A swipe's end point is
  always compared by distance (rows under a finger's end differ while the motion is the same).
- ``text`` (type) and ``answer`` (finish): equal character for character, with no case folding
  or trimming: a trailing space or newline is typed too. Where the recording's text was
  redacted (it holds ``***``), it is not compared and the step says so (``unchecked``).
- ``key``, ``direction`` (scroll), ``app`` (open app), ``status`` (finish): equal.
- ``amount`` (scroll; none means 0.5) and ``duration`` (the seconds of a long press, swipe or
  wait): equal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from screenpilot.agent.core import UIElement, smallest_element_at
from screenpilot.agent.secrets import MASK
from screenpilot.formatting import plural
from screenpilot.tools.actions import (
    ActionBase,
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
from screenpilot.tools.coords import DEFAULT_SCROLL_AMOUNT, Point

DEFAULT_TOLERANCE = 0.04
"""How far apart (normalized Euclidean distance) two points off any known element may lie."""

DIFFERENCES: dict[str, str] = {
    "type": "different type",
    "target": "target moved",
    "text": "different text",
    "key": "different key",
    "direction": "different direction",
    "amount": "different amount",
    "app": "different app",
    "status": "different status",
    "answer": "different answer",
    "duration": "different duration",
}
"""Each kind of difference, in the order summaries list them, as they say it."""

_SAME_NUMBER = 1e-6


@dataclass(frozen=True, slots=True)
class Comparison:
    """How a new action compares with the recorded one."""

    differences: tuple[str, ...] = ()
    """Kinds from ``DIFFERENCES``; empty when the actions match."""
    unchecked: tuple[str, ...] = ()
    """Fields that could not be compared (text the recording redacted)."""

    @property
    def match(self) -> bool:
        return not self.differences

    def info(self) -> dict[str, Any]:
        """What a replayed step records (``StepResult.info``)."""
        info: dict[str, Any] = {"match": self.match, "differences": list(self.differences)}
        if self.unchecked:
            info["unchecked"] = list(self.unchecked)
        return info


def compare_actions(
    recorded: ActionBase,
    new: ActionBase,
    elements: Sequence[UIElement] = (),
    tolerance: float = DEFAULT_TOLERANCE,
) -> Comparison:
    """Compare ``new`` with ``recorded`` on the recorded screen, whose UI tree is ``elements``
    (empty when unknown); see the module docstring for the rules."""
    if new.type != recorded.type:
        return Comparison(("type",))
    found = _place_differences(recorded, new, elements, tolerance)
    unchecked: list[str] = []
    found += _value_differences(recorded, new, unchecked)
    ordered = tuple(kind for kind in DIFFERENCES if kind in found)
    return Comparison(ordered, tuple(unchecked))


def _place_differences(
    recorded: ActionBase, new: ActionBase, elements: Sequence[UIElement], tolerance: float
) -> list[str]:
    """``target`` where the actions of one type act on different places."""
    same = True
    if isinstance(recorded, PointAction | Swipe) and isinstance(new, PointAction | Swipe):
        same = _same_target((recorded.x, recorded.y), (new.x, new.y), elements, tolerance)
    if isinstance(recorded, Swipe) and isinstance(new, Swipe):
        same = same and math.dist((recorded.x2, recorded.y2), (new.x2, new.y2)) <= tolerance
    if isinstance(recorded, Scroll) and isinstance(new, Scroll):
        points = _scroll_point(recorded), _scroll_point(new)
        same = _same_target(*points, elements, tolerance, scroll=True)
    return [] if same else ["target"]


def _value_differences(recorded: ActionBase, new: ActionBase, unchecked: list[str]) -> list[str]:
    """The other fields of two actions of one type that differ."""
    found: list[str] = []
    if isinstance(recorded, Scroll) and isinstance(new, Scroll):
        if recorded.direction != new.direction:
            found.append("direction")
        amounts = (a.amount or DEFAULT_SCROLL_AMOUNT for a in (recorded, new))
        if not _same_number(*amounts):
            found.append("amount")
    if isinstance(recorded, TypeText) and isinstance(new, TypeText):
        _compare_text("text", recorded.text, new.text, found, unchecked)
    if isinstance(recorded, Key) and isinstance(new, Key) and recorded.key != new.key:
        found.append("key")
    if isinstance(recorded, OpenApp) and isinstance(new, OpenApp) and recorded.app != new.app:
        found.append("app")
    if isinstance(recorded, Finish) and isinstance(new, Finish):
        if recorded.status != new.status:
            found.append("status")
        _compare_text("answer", recorded.answer, new.answer, found, unchecked)
    timed = LongPress | Swipe | Wait
    if (
        isinstance(recorded, timed)
        and isinstance(new, timed)
        and not _same_number(recorded.seconds, new.seconds)
    ):
        found.append("duration")
    return found


def _same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=_SAME_NUMBER)


def _scroll_point(action: Scroll) -> Point:
    return (0.5, 0.5) if action.x is None or action.y is None else (action.x, action.y)


def _compare_text(
    kind: str, recorded: str | None, new: str | None, found: list[str], unchecked: list[str]
) -> None:
    if recorded is not None and MASK in recorded:
        unchecked.append(kind)
    elif recorded != new:
        found.append(kind)


def _same_target(
    recorded: Point,
    new: Point,
    elements: Sequence[UIElement],
    tolerance: float,
    *,
    scroll: bool = False,
) -> bool:
    """The same element takes both points, or (no element at either) they lie close."""

    def takes(element: UIElement) -> bool:
        return element.scrollable if scroll else element.clickable

    first = smallest_element_at(elements, *recorded, where=takes)
    second = smallest_element_at(elements, *new, where=takes)
    if first is None and second is None:
        return math.dist(recorded, new) <= tolerance
    return first is second


@dataclass(frozen=True)
class ReplayTally:
    """How the steps of a replay compare with the recording, counted per recorded step."""

    recorded: int
    """Recorded steps the replay could compare (the executed ones)."""
    matched: int = 0
    mismatched: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    """Mismatched steps per kind of difference (a step with two kinds counts under both)."""

    @property
    def not_reached(self) -> int:
        """Recorded steps the replay ended before (the policy finished, or ran out of steps)."""
        return max(self.recorded - self.matched - self.mismatched, 0)

    @property
    def all_match(self) -> bool:
        return self.matched == self.recorded

    def text(self) -> str:
        """E.g. ``8 recorded steps: 6 match, 2 mismatch (1 target moved, 1 different text)``."""
        parts = [f"{self.matched} match"]
        if self.mismatched:
            kinds = ", ".join(
                f"{self.kinds[kind]} {DIFFERENCES[kind]}"
                for kind in DIFFERENCES
                if kind in self.kinds
            )
            parts.append(f"{self.mismatched} mismatch ({kinds})")
        if self.not_reached:
            parts.append(f"{self.not_reached} not reached")
        return f"{plural(self.recorded, 'recorded step')}: " + ", ".join(parts)


def tally(step_infos: Iterable[Mapping[str, Any]], recorded: int) -> ReplayTally:
    """Count the comparisons in a replay's steps (their ``result_info``; steps without one,
    such as a model's unusable output, compare nothing) against ``recorded`` steps."""
    matched = mismatched = 0
    kinds: dict[str, int] = {}
    for info in step_infos:
        if "match" not in info:
            continue
        if info["match"]:
            matched += 1
            continue
        mismatched += 1
        for kind in info.get("differences", []):
            kinds[kind] = kinds.get(kind, 0) + 1
    return ReplayTally(recorded, matched, mismatched, kinds)
