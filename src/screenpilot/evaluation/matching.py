"""Action matching for AITZ: three protocols, each a pure function ``(GroundTruth, Action | None)
-> Match``, so that a number always says which rules produced it.

``aitw`` — Google's ``check_actions_match`` (google-research/google-research,
``android_in_the_wild/action_matching.py``): an action that is not a gesture (DUAL_POINT)
matches on its integer type alone; a gesture is a tap when touch and lift are at most 0.04 apart
(normalized Euclidean), otherwise a swipe; tap vs swipe never matches; two taps match when some
annotation box grown by 1.4x its height and width (2.4x in total, top/left clamped at 0, height
and width clamped at 1) holds both touch points, or when the points are at most 0.14 apart; two
swipes match when their dominant axis is the same (the sign is ignored).

``aitz`` — CoAT's ``ActionEvaluator`` (IMNearth/CoAT @ 9ab1a9f, ``coat/evaluate.py`` with
``coat/screen_utils.py``): five types click / scroll / type / press / stop, the ground-truth type
and scroll direction read from the first and second word of ``coat_action_desc`` (finger sense),
the button from the words enter / back / home in it. A click matches when the predicted box,
grown 1.2x about its centre, holds the ground-truth point, or when it has IoU > 0.5 with a
ground-truth UI box (also grown 1.2x) that holds the point, computed in screenshot pixels. Text
matches by substring either way or ``Levenshtein.ratio > 0.8``, case-sensitive. Stop always
matches (complete vs impossible is not distinguished).
*Fixed bug:* the released ``_parse_answer_`` fills the ground-truth point only for scrolls, so
every click is compared with pixel (0, 0) and a perfect click never matches; here the point is
the touch point for clicks, as the scroll branch computes it.
*Adaptation:* screenpilot predictions are points, not boxes; a predicted tap's box is the
smallest annotated UI box holding it (the element it hits, as CoAT's set-of-marks mode maps an
index to a box), or a zero-size box at the point when it hits none.
If a step has no usable ``coat_action_desc``, its type comes from the AITW fields and a swipe's
direction from CoAT's own labelling rule (vertical when ``|dy| >= 0.9 |dx|``,
``coat/action_utils.py``).

``qwen`` (default) — the evaluator AgentCPM-GUI published as "based on evaluator of Qwen 2.5 VL"
(OpenBMB/AgentCPM-GUI, ``eval/utils/evaluator.py``): ground truth from the AITW fields; a click
matches when the predicted point lies in a ground-truth UI box grown to 1.2x (final size, same
clamping as AITW) that holds the ground-truth touch point, else when the points are at most 0.14
apart; a scroll matches on the finger's cardinal direction (ties vertical); text after
lower-casing and stripping, by containment either way; press on the button; stop always.

Ground truth that typed nothing (a TYPE step whose ``result_action_text`` is empty, as some
steps of the real test split are) scores as each source scores it, which in all three is an
exact match for any predicted ``type`` action:
- ``aitw``: ``check_actions_match`` (google-research @ 8d8a4f1) takes no text at all; an action
  that is not a gesture matches on its type alone.
- ``qwen``: AgentCPM-GUI (@ acbaf50, ``eval/utils/evaluator.py``) lower-cases and strips both
  texts and tests ``pred in gt or gt in pred``; ``"" in pred`` is true for every string (a
  ground truth of spaces strips to ``""`` too).
- ``aitz``: CoAT (@ 9ab1a9f, ``coat/evaluate.py``) tests ``pred in gt or gt in pred or
  Levenshtein.ratio(pred, gt) > 0.8`` without stripping; ``"" in pred`` is true. A ground truth
  of spaces is not empty there: it matches a prediction holding that run of spaces, or one
  within the ratio. Its type still comes from ``coat_action_desc``.

Deviations, the same in every protocol:
- An empty (or whitespace-only) predicted text never matches a non-empty ground truth. The
  released scorers test ``pred in gt``, which is true for ``""``.
- A predicted swipe is a tap or a swipe by the same 0.04 rule as the ground truth.
- Only ``tap`` is a click in ``aitz`` and ``qwen``; long presses, double taps, waits and app
  launches are types of their own that AITZ ground truth never has. In ``aitw`` every touch
  gesture is a DUAL_POINT, as AITW records them.

Scroll conventions: ground truth is a finger motion (touch -> lift). A predicted ``Scroll``
becomes its finger motion through ``coords.scroll_to_swipe`` (``Scroll("down")`` = finger up).
"""

from __future__ import annotations

from collections.abc import Callable

from screenpilot.evaluation.groundtruth import (
    AITW_NAMES,
    KNOWN_CODES,
    PRESS_CODES,
    SWIPE_DISTANCE_THRESHOLD,
    ActionCode,
    Coarse,
    GroundTruth,
    Match,
    blank_against,
    distance,
    gt_action,
    gt_kind,
    indel_ratio,
    is_tap,
    predicted_kind,
)
from screenpilot.evaluation.result_card import ProtocolSource
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    Scroll,
    Swipe,
    Tap,
    TypeText,
)
from screenpilot.tools.coords import YXHW, Point

TAP_DISTANCE_THRESHOLD = 0.14
"""Two taps at most this far apart (normalized) match (AITW, and the qwen fallback)."""
AITW_BOX_GROWTH = 1.4
"""AITW grows each annotation box by 1.4x its own size (2.4x in total)."""
QWEN_BOX_SCALE = 1.2
"""The qwen protocol grows ground-truth UI boxes to 1.2x their size."""
COAT_BOX_SCALE = 1.2
"""CoAT grows boxes to 1.2x their size about their centre."""
COAT_IOU_THRESHOLD = 0.5
COAT_TEXT_RATIO = 0.8
COAT_VERTICAL_BIAS = 0.9
"""CoAT labels a swipe vertical when ``|dy| >= 0.9 |dx|``."""


def grow_yxhw(box: YXHW, growth: float) -> YXHW:
    """AITW / AgentCPM box growth: each side gains ``growth`` times its size, centred, the
    top-left clamped at 0 and the height and width at 1 (the sources' own clamping)."""
    top, left, height, width = box
    dh, dw = growth * height, growth * width
    return (
        max(0.0, top - dh / 2),
        max(0.0, left - dw / 2),
        min(1.0, height + dh),
        min(1.0, width + dw),
    )


def in_yxhw(point: Point, box: YXHW) -> bool:
    x, y = point
    top, left, height, width = box
    return top <= y <= top + height and left <= x <= left + width


# --- qwen -------------------------------------------------------------------------------------


def match_qwen(gt: GroundTruth, pred: Action | None) -> Match:
    """AgentCPM-GUI's Qwen2.5-VL-style evaluator (see the module docstring)."""
    want = gt_kind(gt)
    if pred is None:
        return Match(False, False, want.type, None)
    got = predicted_kind(pred)
    if got.type != want.type:
        return Match(False, False, want.type, got.type)
    exact = True
    if want.type == "click":
        assert want.point is not None and got.point is not None
        grown = [grow_yxhw(box, QWEN_BOX_SCALE - 1) for box in gt.boxes]
        holding = [box for box in grown if in_yxhw(want.point, box)]
        exact = any(in_yxhw(got.point, box) for box in holding) or (
            distance(got.point, want.point) <= TAP_DISTANCE_THRESHOLD
        )
    else:
        exact = same_gesture_text_or_key(want, got)
    return Match(True, exact, want.type, got.type)


def same_gesture_text_or_key(want: Coarse, got: Coarse) -> bool:
    """AgentCPM-GUI's rules beyond points, in both of its modes: a scroll by its finger
    direction, text lower-cased and stripped, containment either way (an empty prediction
    never matches here), a key by its button; other kinds match on their type."""
    if want.type == "scroll":
        return got.direction == want.direction
    if want.type == "type":
        p, g = (got.text or "").lower().strip(), (want.text or "").lower().strip()
        return not blank_against(p, g) and (p in g or g in p)
    if want.type == "press":
        return got.button == want.button
    return True


# --- aitw -------------------------------------------------------------------------------------


def _aitw_form(action: Action) -> tuple[int | None, Point | None, Point | None]:
    """A canonical action as AITW records it: (action code, touch, lift)."""
    if isinstance(action, Tap | LongPress | DoubleTap):
        return (ActionCode.DUAL_POINT, (action.x, action.y), (action.x, action.y))
    if isinstance(action, Swipe):
        return (ActionCode.DUAL_POINT, (action.x, action.y), (action.x2, action.y2))
    if isinstance(action, Scroll):
        x1, y1, x2, y2 = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
        return (ActionCode.DUAL_POINT, (x1, y1), (x2, y2))
    if isinstance(action, TypeText):
        return (ActionCode.TYPE, None, None)
    if isinstance(action, Key):
        return (PRESS_CODES.get(action.key), None, None)
    if isinstance(action, Finish):
        code = ActionCode.STATUS_TASK_COMPLETE
        return (
            code if action.status == "success" else ActionCode.STATUS_TASK_IMPOSSIBLE,
            None,
            None,
        )
    return (None, None, None)


def _main_axis(touch: Point, lift: Point) -> int:
    """AITW's argmax over (|dy|, |dx|): 0 for vertical (ties too), 1 for horizontal."""
    return 0 if abs(lift[1] - touch[1]) >= abs(lift[0] - touch[0]) else 1


def match_aitw(gt: GroundTruth, pred: Action | None) -> Match:
    """Google's AITW ``check_actions_match`` (see the module docstring)."""
    want = AITW_NAMES.get(gt.code, str(gt.code))
    if pred is None:
        return Match(False, False, want, None)
    code, touch, lift = _aitw_form(pred)
    got = AITW_NAMES.get(code, pred.type) if code is not None else pred.type
    if code is None or code != gt.code:
        return Match(False, False, want, got)
    if code != ActionCode.DUAL_POINT:
        exact = not (isinstance(pred, TypeText) and blank_against(pred.text, gt.text))
        return Match(True, exact, want, got)
    assert touch is not None and lift is not None and gt.touch is not None and gt.lift is not None
    pred_tap, gt_tap = is_tap(touch, lift), is_tap(gt.touch, gt.lift)
    if pred_tap != gt_tap:
        exact = False
    elif gt_tap:
        grown = [grow_yxhw(box, AITW_BOX_GROWTH) for box in gt.boxes]
        same_box = any(in_yxhw(touch, box) and in_yxhw(gt.touch, box) for box in grown)
        exact = same_box or distance(touch, gt.touch) <= TAP_DISTANCE_THRESHOLD
    else:
        exact = _main_axis(touch, lift) == _main_axis(gt.touch, gt.lift)
    return Match(True, exact, want, got)


# --- aitz (CoAT) ------------------------------------------------------------------------------

_COAT_TYPES = ("click", "scroll", "type", "press", "stop")
PixelBox = tuple[float, float, float, float]
"""(left, top, right, bottom) in screenshot pixels."""


def _coat_type(word: str) -> str | None:
    """CoAT's ``action_map``: "input" is type, else the first type name the word contains."""
    word = word.lower()
    if word == "input":
        return "type"
    return next((kind for kind in _COAT_TYPES if kind in word), None)


def coat_kind(gt: GroundTruth) -> Coarse:
    """The ground truth as CoAT reads it: from ``coat_action_desc`` (fields as a fallback)."""
    words = gt.description.split(" ")
    kind = _coat_type(words[0]) if gt.description else None
    if kind is None:
        base = gt_kind(gt)
        if base.type == "scroll" and gt.touch is not None and gt.lift is not None:
            direction = coords.finger_direction(
                *gt.touch, *gt.lift, vertical_bias=COAT_VERTICAL_BIAS
            )
            return Coarse("scroll", direction=direction)
        return base
    if kind == "scroll":
        return Coarse("scroll", direction=words[1].strip() if len(words) > 1 else "")
    if kind == "press":
        button = next((b for b in ("enter", "back", "home") if b in gt.description), "")
        return Coarse("press", button=button)
    if kind == "click":
        return Coarse("click", point=gt.touch)
    if kind == "type":
        return Coarse("type", text=gt.text)
    return Coarse("stop")


def _pixel_boxes(gt: GroundTruth) -> list[PixelBox]:
    return [(left, top, left + width, top + height) for top, left, height, width in gt.pixel_boxes]


def _scale_about_centre(box: PixelBox, scale: float) -> PixelBox:
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half_w, half_h = (right - left) * scale / 2, (bottom - top) * scale / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _in_box(x: float, y: float, box: PixelBox) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _iou(a: PixelBox, b: PixelBox) -> float:
    """CoAT's ``intersect_iou``: areas below one square pixel count as one."""
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(
        0.0, min(a[3], b[3]) - max(a[1], b[1])
    )
    area_a = max((a[2] - a[0]) * (a[3] - a[1]), 1.0)
    area_b = max((b[2] - b[0]) * (b[3] - b[1]), 1.0)
    return inter / (area_a + area_b - inter)


def predicted_box(gt: GroundTruth, point: Point) -> PixelBox:
    """The box a predicted point stands for: the smallest UI box holding it, else the point."""
    px, py = coords.to_screenshot_pixels(point[0], point[1], gt.screen)
    holding = [box for box in _pixel_boxes(gt) if _in_box(px, py, box)]
    if not holding:
        return (px, py, px, py)
    return min(holding, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))


def coat_click_matches(gt: GroundTruth, pred_box: PixelBox, gt_point: Point) -> bool:
    """CoAT's ``_check_click_``, in screenshot pixels."""
    gx, gy = coords.to_screenshot_pixels(gt_point[0], gt_point[1], gt.screen)
    grown = _scale_about_centre(pred_box, COAT_BOX_SCALE)
    if _in_box(gx, gy, grown):
        return True
    holding = [
        box
        for box in (_scale_about_centre(b, COAT_BOX_SCALE) for b in _pixel_boxes(gt))
        if _in_box(gx, gy, box)
    ]
    return any(_iou(grown, box) > COAT_IOU_THRESHOLD for box in holding)


def match_aitz(gt: GroundTruth, pred: Action | None) -> Match:
    """CoAT's AITZ evaluator, ground-truth click bug fixed (see the module docstring)."""
    want = coat_kind(gt)
    if pred is None:
        return Match(False, False, want.type, None)
    got = predicted_kind(pred)
    if got.type != want.type:
        return Match(False, False, want.type, got.type)
    exact = True
    if want.type == "click":
        assert got.point is not None
        exact = want.point is not None and coat_click_matches(
            gt, predicted_box(gt, got.point), want.point
        )
    elif want.type == "scroll":
        exact = got.direction == want.direction
    elif want.type == "type":
        p, g = got.text or "", want.text or ""
        exact = not blank_against(p, g) and (
            p in g or g in p or indel_ratio(p, g) > COAT_TEXT_RATIO
        )
    elif want.type == "press":
        exact = got.button == want.button
    return Match(True, exact, want.type, got.type)


Matcher = Callable[[GroundTruth, "Action | None"], Match]
PROTOCOLS: dict[str, Matcher] = {"qwen": match_qwen, "aitw": match_aitw, "aitz": match_aitz}
"""Matching protocols by name; ``qwen`` is the default."""
DEFAULT_PROTOCOL = "qwen"
PROTOCOL_SOURCES = {
    "qwen": ProtocolSource(
        name="qwen",
        rule="click in a 1.2x ground-truth box holding the point, else within 0.14; scroll by "
        "finger direction; text lower-cased and stripped, containment either way",
        repository="OpenBMB/AgentCPM-GUI",
        commit="acbaf509b8afb3f58b782486f4e8c0e33d8a486b",
        path="eval/utils/evaluator.py",
    ),
    "aitw": ProtocolSource(
        name="aitw",
        rule="non-gestures on type alone; taps in one box grown 2.4x or within 0.14; swipes on "
        "the same axis",
        repository="google-research/google-research",
        commit="8d8a4f1b27753c7580d16261a1468b3d6ad2c3d3",
        path="android_in_the_wild/action_matching.py",
    ),
    "aitz": ProtocolSource(
        name="aitz",
        rule="type and scroll direction from coat_action_desc; click box grown 1.2x holds the "
        "point or IoU > 0.5 with a grown box holding it (click bug fixed); text substring or "
        "ratio > 0.8",
        repository="IMNearth/CoAT",
        commit="9ab1a9f0e76581c50c84f8ebc6ada1a2084a0c71",
        path="coat/evaluate.py",
    ),
}
"""Each protocol's rule in short and the code it follows, for the result card."""


__all__ = [
    "DEFAULT_PROTOCOL",
    "KNOWN_CODES",
    "PROTOCOLS",
    "PROTOCOL_SOURCES",
    "SWIPE_DISTANCE_THRESHOLD",
    "TAP_DISTANCE_THRESHOLD",
    "ActionCode",
    "GroundTruth",
    "Match",
    "gt_action",
    "gt_kind",
    "indel_ratio",
    "match_aitw",
    "match_aitz",
    "match_qwen",
    "same_gesture_text_or_key",
]
