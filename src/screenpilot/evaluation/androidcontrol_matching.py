"""Action matching for AndroidControl: three protocols, each a pure function ``(GroundTruth,
Action | None) -> Match`` reproducing one published evaluator, so that a number always says whose
rules produced it. Type names in a ``Match`` are the protocol's own.

``cpm`` — AgentCPM-GUI's evaluator in its AndroidControl mode (OpenBMB/AgentCPM-GUI @ acbaf50,
``eval/utils/evaluator.py``, ``ActionEvaluator(eval_android_control=True)``). Ground truth from
the AITW fields: a DUAL_POINT is a click when touch and lift are at most 0.04 apart, else a scroll
in the finger's cardinal direction (largest cosine; ties go up, down, left, right in that order);
TYPE is type, BACK / HOME / ENTER are press, COMPLETE, IMPOSSIBLE *and NO_ACTION (a wait)* are
stop. A predicted wait is stop too (``action_map``: a bare duration). A click matches when the
predicted point lies in one of the **five** ground-truth boxes whose centres are nearest the
ground-truth point, among *all* of the screen's boxes grown to 1.2x (each side gains 0.2x,
centred, top-left clamped at 0, height and width at 1) — the boxes need not hold the ground-truth
point — or, failing that (or when the screen has no boxes), when the two points are at most
**0.04** apart (normalized Euclidean; ``_TAP_DISTANCE_THRESHOLD_AC``, "align with qwen's code").
A scroll matches on direction; text after lower-casing and stripping, by containment either way;
press on the button; stop always. An open_app step, which AgentCPM-GUI's files never hold (its
``process_ac.py`` drops them), matches nothing here.

``uis1`` — UI-S1's ``evaluate_android_control_action`` (X-PLUG/MobileAgent @ 3f55eab,
``UI-S1/evaluation/qwenvl_utils.py``). Types are the released ones (click, long_press, swipe,
type, open, system_button, wait). A click or long press needs the same type and matches when the
predicted point lies in a candidate box grown 1.2x about its centre (no clamping), else when it
is at most 0.04 from the ground-truth point; a swipe matches any swipe (``return True, True``:
the direction is not checked); type and open compare lower-cased, stripped text by containment
either way; system_button compares the button; wait matches wait. A tap against an open step
counts as a type match and is checked against that step's candidate boxes with the first box's
centre as the point; with no candidates it is a miss. *Candidates:* UI-S1's released file lists,
per click, the boxes of 0-3 elements holding the target (``check_options.candidate_bbox``), made by
a script it does not publish; here they are the interactive nodes (clickable, focusable, or with a
click / long-click / focus action: AgentCPM-GUI's ``get_interactive_nodes`` rule) that hold the
ground-truth point, and for open_app the nodes whose text equals the app's name, case aside.
*Addition:* the synthetic finish step (not in UI-S1's data) matches a finish.

``osatlas`` — OS-Atlas's ``evaluation_unify.py`` (OS-Copilot/OS-Atlas @ bad0840,
``eval/eval_scripts/android_control/``), which compares action strings (``CLICK <point>[[x,
y]]</point>``, ``TYPE [text]``, ``SCROLL [UP]``, ``OPEN_APP [name]``, ``PRESS_BACK``, ...): the
type is the first word; CLICK and LONG_PRESS match when the points are at most 140 apart on the
0-1000 scale (normalized distance 0.14; here on exact coordinates, where OS-Atlas compares its
integers); TYPE and OPEN_APP match when the strings are equal or the token F1 of the *second
whitespace-separated token* of each string exceeds 0.5 — that token is the text's first word with
its opening bracket, so in effect the first words must agree, case aside; every other action
matches only as the identical string (SCROLL on its direction, as AndroidControl labels it:
where the content comes from, ``Scroll``'s sense).

Shared with the AITZ protocols (``matching``): a predicted swipe whose ends are at most 0.04
apart is a tap, and an empty predicted text never matches a non-empty ground truth.
"""

from __future__ import annotations

import math

from screenpilot.evaluation.groundtruth import (
    ActionCode,
    Coarse,
    GroundTruth,
    Match,
    RecordedAction,
    blank_against,
    distance,
    gt_kind,
    is_tap,
    predicted_kind,
)
from screenpilot.evaluation.matching import (
    Matcher,
    grow_yxhw,
    in_yxhw,
    same_gesture_text_or_key,
)
from screenpilot.evaluation.result_card import ProtocolSource
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)
from screenpilot.tools.coords import YXHW, Point

CPM_BOX_SCALE = 1.2
CPM_NEAREST_BOXES = 5
CPM_TAP_DISTANCE = 0.04
UIS1_BOX_SCALE = 1.2
UIS1_POINT_DISTANCE = 0.04
OSATLAS_TAP_DISTANCE = 0.14
OSATLAS_SCALE = 1000
"""OS-Atlas compares points on the 0-1000 scale; distances are taken there too."""
OSATLAS_F1_THRESHOLD = 0.5


def _recorded(gt: GroundTruth) -> RecordedAction:
    if gt.recorded is None:
        raise ValueError("AndroidControl protocols need the released action (GroundTruth.recorded)")
    return gt.recorded


# --- cpm --------------------------------------------------------------------------------------


def _cpm_kind(pred: Action) -> Coarse:
    if isinstance(pred, LongPress):
        return Coarse("long_point", point=(pred.x, pred.y))
    if isinstance(pred, Wait):
        return Coarse("stop")
    return predicted_kind(pred)


def nearest_boxes(gt: GroundTruth, point: Point) -> list[YXHW]:
    """AgentCPM-GUI's ``obtain_gt_bbox`` in AndroidControl mode: the grown boxes whose centres
    are nearest ``point``, at most five, nearest first (ties in the file's order)."""
    x, y = point
    grown = [grow_yxhw(box, CPM_BOX_SCALE - 1) for box in gt.boxes]

    def centre_distance(box: YXHW) -> float:
        top, left, height, width = box
        return float(((top + height / 2 - y) ** 2 + (left + width / 2 - x) ** 2) ** 0.5)

    return sorted(grown, key=centre_distance)[:CPM_NEAREST_BOXES]


def match_cpm(gt: GroundTruth, pred: Action | None) -> Match:
    """AgentCPM-GUI's AndroidControl evaluator (see the module docstring)."""
    if gt.code == 2:  # open_app: no AITW code, not in AgentCPM-GUI's files
        return Match(False, False, "open_app", _cpm_kind(pred).type if pred else None)
    if gt.code == 0 and gt.touch is not None:
        want = Coarse("long_point", point=gt.touch)
    else:
        want = gt_kind(gt)
    if pred is None:
        return Match(False, False, want.type, None)
    got = _cpm_kind(pred)
    if got.type != want.type:
        return Match(False, False, want.type, got.type)
    exact = True
    if want.type in ("click", "long_point"):
        assert want.point is not None and got.point is not None
        inside = any(in_yxhw(got.point, box) for box in nearest_boxes(gt, want.point))
        exact = inside or distance(got.point, want.point) <= CPM_TAP_DISTANCE
    else:
        exact = same_gesture_text_or_key(want, got)
    return Match(True, exact, want.type, got.type)


# --- uis1 -------------------------------------------------------------------------------------

_UIS1_TYPES = {
    "click": "click",
    "long_press": "long_press",
    "scroll": "swipe",
    "input_text": "type",
    "open_app": "open",
    "navigate_back": "system_button",
    "navigate_home": "system_button",
    "wait": "wait",
    "finish": "finish",
}


def _uis1_kind(pred: Action) -> tuple[str, Point | None, str]:
    """A prediction in UI-S1's action space: (type, point, text or button)."""
    if isinstance(pred, Swipe) and is_tap((pred.x, pred.y), (pred.x2, pred.y2)):
        return ("click", (pred.x, pred.y), "")
    if isinstance(pred, Tap | LongPress):
        return (pred.type if isinstance(pred, LongPress) else "click", (pred.x, pred.y), "")
    if isinstance(pred, Swipe | Scroll):
        return ("swipe", None, "")
    if isinstance(pred, TypeText):
        return ("type", None, pred.text)
    if isinstance(pred, OpenApp):
        return ("open", None, pred.app)
    if isinstance(pred, Key):
        return ("system_button", None, pred.key)
    return (pred.type, None, "")


def _uis1_text(pred: str, gt: str) -> bool:
    """UI-S1's ``check_text`` (with the shared empty-text guard)."""
    p, g = pred.lower().strip(), gt.lower().strip()
    return not blank_against(p, g) and (p in g or g in p)


Corners = tuple[float, float, float, float]
"""(xmin, ymin, xmax, ymax), normalized: UI-S1's box form."""


def _corners(box: YXHW) -> Corners:
    top, left, height, width = box
    return (left, top, left + width, top + height)


def uis1_click(click: Point, candidates: list[Corners], gt_point: Point | None) -> bool:
    """UI-S1's ``check_click``: inside a candidate grown 1.2x about its centre, else within 0.04
    of the ground-truth point."""
    for x_min, y_min, x_max, y_max in candidates:
        cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
        width, height = (x_max - x_min) * UIS1_BOX_SCALE, (y_max - y_min) * UIS1_BOX_SCALE
        if cx - width / 2 <= click[0] <= cx + width / 2 and (
            cy - height / 2 <= click[1] <= cy + height / 2
        ):
            return True
    if gt_point is not None:
        return distance(gt_point, click) <= UIS1_POINT_DISTANCE
    return False


def uis1_candidates(gt: GroundTruth) -> list[Corners]:
    """The candidate boxes of a click / long press or an open_app step (module docstring)."""
    recorded = _recorded(gt)
    chosen = []
    for index, box in enumerate(gt.boxes):
        label = gt.box_labels[index] if index < len(gt.box_labels) else ""
        acts = index < len(gt.box_interactive) and gt.box_interactive[index]
        if recorded.kind == "open_app":
            if recorded.text.strip() and label.lower().strip() == recorded.text.lower().strip():
                chosen.append(_corners(box))
        elif acts and recorded.point is not None and in_yxhw(recorded.point, box):
            chosen.append(_corners(box))
    return chosen


def match_uis1(gt: GroundTruth, pred: Action | None) -> Match:
    """UI-S1's AndroidControl evaluator (see the module docstring)."""
    recorded = _recorded(gt)
    want = _UIS1_TYPES[recorded.kind]
    if pred is None:
        return Match(False, False, want, None)
    got, point, said = _uis1_kind(pred)
    if want == "open" and got == "click":
        candidates = uis1_candidates(gt)
        if not candidates:
            return Match(False, False, want, got)
        x_min, y_min, x_max, y_max = candidates[0]
        assert point is not None
        centre = ((x_min + x_max) / 2, (y_min + y_max) / 2)
        return Match(True, uis1_click(point, candidates, centre), want, got)
    if got != want:
        return Match(False, False, want, got)
    exact = True
    if want in ("click", "long_press"):
        assert point is not None
        exact = uis1_click(point, uis1_candidates(gt), recorded.point or gt.touch)
    elif want in ("type", "open"):
        exact = _uis1_text(said, recorded.text)
    elif want == "system_button":
        exact = said.lower().strip() == recorded.kind.removeprefix("navigate_")
    return Match(True, exact, want, got)


# --- osatlas ----------------------------------------------------------------------------------

_OSATLAS_NAMES = {
    "click": "CLICK",
    "long_press": "LONG_PRESS",
    "scroll": "SCROLL",
    "open_app": "OPEN_APP",
    "input_text": "TYPE",
    "navigate_back": "PRESS_BACK",
    "navigate_home": "PRESS_HOME",
    "wait": "WAIT",
    "finish": "COMPLETE",
}
_OSATLAS_KEYS = {"back": "PRESS_BACK", "home": "PRESS_HOME", "app_switch": "PRESS_RECENT"}


def _osatlas_gt(gt: GroundTruth) -> tuple[str, Point | None]:
    recorded = _recorded(gt)
    name = _OSATLAS_NAMES[recorded.kind]
    if recorded.kind == "scroll":
        return (f"SCROLL [{(recorded.direction or '').upper()}]", None)
    if recorded.kind in ("open_app", "input_text"):
        return (f"{name} [{recorded.text}]", None)
    return (name, recorded.point or gt.touch)


def _osatlas_pred(pred: Action) -> tuple[str, Point | None]:
    """A prediction as an OS-Atlas action string (and its point, for CLICK / LONG_PRESS)."""
    if isinstance(pred, Swipe):
        if is_tap((pred.x, pred.y), (pred.x2, pred.y2)):
            return ("CLICK", (pred.x, pred.y))
        direction = coords.swipe_to_scroll(pred.x, pred.y, pred.x2, pred.y2)
        return (f"SCROLL [{direction.upper()}]", None)
    if isinstance(pred, Tap | LongPress):
        return ("CLICK" if isinstance(pred, Tap) else "LONG_PRESS", (pred.x, pred.y))
    if isinstance(pred, Scroll):
        return (f"SCROLL [{pred.direction.upper()}]", None)
    if isinstance(pred, TypeText):
        return (f"TYPE [{pred.text}]", None)
    if isinstance(pred, OpenApp):
        return (f"OPEN_APP [{pred.app}]", None)
    if isinstance(pred, Key):
        return (_OSATLAS_KEYS.get(pred.key, f"PRESS_{pred.key.upper()}"), None)
    if isinstance(pred, Wait):
        return ("WAIT", None)
    if isinstance(pred, Finish):
        return ("COMPLETE" if pred.status == "success" else "IMPOSSIBLE", None)
    return (pred.type.upper(), None)


def token_f1(predicted: str, truth: str) -> float:
    """OS-Atlas's ``calculate_f1_score``: F1 of the sets of lower-cased whitespace tokens."""
    pred_tokens, truth_tokens = set(predicted.lower().split()), set(truth.lower().split())
    common = pred_tokens & truth_tokens
    precision = len(common) / len(pred_tokens) if pred_tokens else 0
    recall = len(common) / len(truth_tokens) if truth_tokens else 0
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _second_token(action: str) -> str | None:
    tokens = action.split()
    return tokens[1] if len(tokens) > 1 else None


def match_osatlas(gt: GroundTruth, pred: Action | None) -> Match:
    """OS-Atlas's AndroidControl evaluator (see the module docstring)."""
    gt_action, gt_point = _osatlas_gt(gt)
    want = gt_action.split()[0]
    if pred is None:
        return Match(False, False, want, None)
    pred_action, pred_point = _osatlas_pred(pred)
    got = pred_action.split()[0]
    if got != want:
        return Match(False, False, want, got)
    if want in ("CLICK", "LONG_PRESS"):
        assert pred_point is not None and gt_point is not None
        scale = OSATLAS_SCALE
        exact = (
            math.hypot(
                pred_point[0] * scale - gt_point[0] * scale,
                pred_point[1] * scale - gt_point[1] * scale,
            )
            <= OSATLAS_TAP_DISTANCE * scale
        )
    elif want in ("OPEN_APP", "TYPE"):
        p, g = _second_token(pred_action), _second_token(gt_action)
        exact = pred_action == gt_action or (
            p is not None and g is not None and token_f1(p, g) > OSATLAS_F1_THRESHOLD
        )
        if isinstance(pred, TypeText) and blank_against(pred.text, gt.text):
            exact = False
    else:
        exact = pred_action == gt_action
    return Match(True, exact, want, got)


AC_PROTOCOLS: dict[str, Matcher] = {"cpm": match_cpm, "uis1": match_uis1, "osatlas": match_osatlas}
"""AndroidControl's matching protocols by name."""
AC_PROTOCOL_SOURCES = {
    "cpm": ProtocolSource(
        name="cpm",
        rule="click in one of the 5 accessibility boxes (grown 1.2x) nearest the true point, "
        "else within 0.04; scroll by finger direction; text lower-cased containment; finish "
        "always matches",
        repository="OpenBMB/AgentCPM-GUI",
        commit="acbaf509b8afb3f58b782486f4e8c0e33d8a486b",
        path="eval/utils/evaluator.py (eval_android_control=True)",
    ),
    "uis1": ProtocolSource(
        name="uis1",
        rule="click in a candidate box grown 1.2x, else within 0.04; swipes by type only; "
        "text containment",
        repository="X-PLUG/MobileAgent",
        commit="3f55eab",
        path="UI-S1/evaluation/qwenvl_utils.py (evaluate_android_control_action)",
    ),
    "osatlas": ProtocolSource(
        name="osatlas",
        rule="click within 140 on the 0-1000 scale; the second token of TYPE / OPEN_APP by "
        "token F1 > 0.5, else the same string",
        repository="OS-Copilot/OS-Atlas",
        commit="bad0840",
        path="eval/eval_scripts/android_control/evaluation_unify.py",
    ),
}
AC_NATIVE_STEPS = {"cpm": "cpm", "uis1": "full", "osatlas": "osatlas-7708"}
"""The step set each protocol's authors scored."""

__all__ = [
    "AC_NATIVE_STEPS",
    "AC_PROTOCOLS",
    "AC_PROTOCOL_SOURCES",
    "ActionCode",
    "match_cpm",
    "match_osatlas",
    "match_uis1",
    "nearest_boxes",
    "token_f1",
    "uis1_click",
]
