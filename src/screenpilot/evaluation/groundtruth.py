"""AITZ ground truth for the matchers: the recorded step, its canonical action, and the
five-type vocabulary (click, scroll, type, press, stop) AITZ scorers reason in.

Action codes are AITW's ``ActionType`` (google-research ``android_in_the_wild/action_type.py``);
the tap-or-swipe rule (0.04) is AITW's ``_SWIPE_DISTANCE_THRESHOLD``
(``android_in_the_wild/action_matching.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    Finish,
    Key,
    Scroll,
    Swipe,
    Tap,
    TypeText,
)
from screenpilot.tools.coords import YXHW, Point, Screen

SWIPE_DISTANCE_THRESHOLD = 0.04
"""A gesture whose touch and lift are at most this far apart (normalized) is a tap (AITW)."""


class ActionCode:
    """AITW ``ActionType`` integer codes (google-research ``android_in_the_wild/action_type.py``)."""

    TYPE = 3
    DUAL_POINT = 4
    PRESS_BACK = 5
    PRESS_HOME = 6
    PRESS_ENTER = 7
    STATUS_TASK_COMPLETE = 10
    STATUS_TASK_IMPOSSIBLE = 11


KNOWN_CODES = frozenset({3, 4, 5, 6, 7, 10, 11})
PRESS_CODES = {"back": 5, "home": 6, "enter": 7}
AITW_NAMES = {
    3: "TYPE",
    4: "DUAL_POINT",
    5: "PRESS_BACK",
    6: "PRESS_HOME",
    7: "PRESS_ENTER",
    10: "STATUS_TASK_COMPLETE",
    11: "STATUS_TASK_IMPOSSIBLE",
}


@dataclass(frozen=True, slots=True)
class RecordedAction:
    """An action as a benchmark released it, where the AITW fields lose detail (AndroidControl:
    a long press is a DUAL_POINT like a click, open_app and wait have no AITW code)."""

    kind: str
    """AndroidControl's ``action_type`` (click, long_press, scroll, open_app, input_text,
    navigate_back, navigate_home, wait), or ``finish`` for a synthetic last step."""
    point: Point | None = None
    """Normalized (x, y) of a click, long press, or a scroll that has one."""
    direction: str | None = None
    """A scroll's direction as labelled: where the content moves into view (``Scroll``'s sense;
    the finger moves the other way)."""
    text: str = ""
    """The text typed, or the app opened."""
    synthetic: bool = False
    """A step added after the recorded ones (AgentCPM-GUI's finish step)."""


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """One recorded AITZ step, as the matchers need it."""

    code: int
    touch: Point | None
    """Normalized (x, y) where the finger went down; None for non-gestures."""
    lift: Point | None
    text: str
    screen: Screen
    boxes: tuple[YXHW, ...] = ()
    """UI annotation boxes, normalized (top, left, height, width) as AITW stores them."""
    pixel_boxes: tuple[tuple[int, int, int, int], ...] = ()
    """The same boxes in screenshot pixels, (top, left, height, width) as AITZ stores them."""
    description: str = ""
    """``coat_action_desc``: CoAT's wording of the action ("scroll up", "press the back button")."""
    recorded: RecordedAction | None = None
    """The action as the benchmark released it, where it says more than the AITW fields."""
    box_labels: tuple[str, ...] = ()
    """Each box's text (AndroidControl: a node's text or content description), where known."""
    box_interactive: tuple[bool, ...] = ()
    """Whether each box is an element one can act on (AndroidControl's accessibility flags)."""


@dataclass(frozen=True, slots=True)
class Match:
    """One step's verdict under one protocol."""

    type_match: bool
    exact_match: bool
    gt_type: str
    pred_type: str | None


@dataclass(frozen=True, slots=True)
class Coarse:
    """An action in the five-type vocabulary of AITZ scorers (click, scroll, type, press, stop)."""

    type: str
    point: Point | None = None
    direction: str | None = None
    """Scrolls: where the finger moves."""
    text: str | None = None
    button: str | None = None


def distance(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def is_tap(touch: Point, lift: Point) -> bool:
    """AITW's tap-or-swipe rule."""
    return distance(touch, lift) <= SWIPE_DISTANCE_THRESHOLD


def gt_action(gt: GroundTruth) -> Action:
    """The canonical action of a ground-truth step (raises ValueError for codes it lacks)."""
    if gt.code == ActionCode.DUAL_POINT:
        if gt.touch is None or gt.lift is None:
            raise ValueError("a DUAL_POINT step needs touch and lift points")
        if is_tap(gt.touch, gt.lift):
            return Tap(x=gt.touch[0], y=gt.touch[1])
        return Swipe(x=gt.touch[0], y=gt.touch[1], x2=gt.lift[0], y2=gt.lift[1])
    if gt.code == ActionCode.TYPE:
        # A recorded TYPE may carry no text. The action keeps it as recorded: validation, which
        # refuses an empty text from a model, is not applied to the dataset's own record.
        return TypeText(text=gt.text) if gt.text else TypeText.model_construct(text="")
    for key, code in PRESS_CODES.items():
        if gt.code == code:
            return Key(key=key)
    if gt.code == ActionCode.STATUS_TASK_COMPLETE:
        return Finish(status="success")
    if gt.code == ActionCode.STATUS_TASK_IMPOSSIBLE:
        return Finish(status="failure")
    raise ValueError(f"unknown AITW action code {gt.code}")


def gt_kind(gt: GroundTruth) -> Coarse:
    """The ground truth in the five-type vocabulary, from the AITW fields (also ``by_action``)."""
    if gt.code == ActionCode.DUAL_POINT and gt.touch is not None and gt.lift is not None:
        if is_tap(gt.touch, gt.lift):
            return Coarse("click", point=gt.touch)
        return Coarse("scroll", direction=coords.finger_direction(*gt.touch, *gt.lift))
    if gt.code == ActionCode.TYPE:
        return Coarse("type", text=gt.text)
    for key, code in PRESS_CODES.items():
        if gt.code == code:
            return Coarse("press", button=key)
    return Coarse("stop")


def predicted_kind(action: Action) -> Coarse:
    """A canonical prediction in the five-type vocabulary (other types keep their own name)."""
    if isinstance(action, Tap):
        return Coarse("click", point=(action.x, action.y))
    if isinstance(action, Swipe):
        start, end = (action.x, action.y), (action.x2, action.y2)
        if is_tap(start, end):
            return Coarse("click", point=start)
        return Coarse("scroll", direction=coords.finger_direction(*start, *end))
    if isinstance(action, Scroll):
        finger = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
        return Coarse("scroll", direction=coords.finger_direction(*finger))
    if isinstance(action, TypeText):
        return Coarse("type", text=action.text)
    if isinstance(action, Key):
        return Coarse("press", button=action.key)
    if isinstance(action, Finish):
        return Coarse("stop")
    return Coarse(action.type)


def blank_against(pred: str, gt: str) -> bool:
    """The empty-text loophole: a blank prediction against a non-blank ground truth."""
    return not pred.strip() and bool(gt.strip())


def indel_ratio(a: str, b: str) -> float:
    """``Levenshtein.ratio``: 1 - indel distance / total length (= 2 LCS / total length)."""
    if not a and not b:
        return 1.0
    previous = [0] * (len(b) + 1)
    for char in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if char == other else max(previous[j + 1], current[j]))
        previous = current
    return 2 * previous[-1] / (len(a) + len(b))
