"""The three matching protocols against hand-computed cases, thresholds and box borders included.

Screens are 200x400 pixels unless said otherwise, so one pixel is 0.005 wide and 0.0025 tall.
"""

from __future__ import annotations

import pytest

from screenpilot.evaluation.matching import (
    PROTOCOLS,
    GroundTruth,
    gt_action,
    indel_ratio,
    match_aitw,
    match_aitz,
    match_qwen,
)
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
)
from screenpilot.tools.coords import Screen

SCREEN = Screen.same_size(200, 400)


def gt(
    code: int,
    touch: tuple[float, float] | None = None,
    lift: tuple[float, float] | None = None,
    *,
    text: str = "",
    pixel_boxes: tuple[tuple[int, int, int, int], ...] = (),
    desc: str = "",
    screen: Screen = SCREEN,
) -> GroundTruth:
    """Ground truth with boxes given as AITZ stores them: pixel (top, left, height, width)."""
    return GroundTruth(
        code=code,
        touch=touch,
        lift=lift or touch,
        text=text,
        screen=screen,
        boxes=tuple(coords.yxhw_from_pixels(*b, screen) for b in pixel_boxes),
        pixel_boxes=pixel_boxes,
        description=desc,
    )


def verdicts(truth: GroundTruth, pred: Action | None) -> dict[str, tuple[bool, bool]]:
    return {
        name: (m.type_match, m.exact_match)
        for name, m in ((n, f(truth, pred)) for n, f in PROTOCOLS.items())
    }


# --- taps ------------------------------------------------------------------------------------

# A box 0.8 wide and 0.5 tall around the ground truth at the centre: normalized y 0.25-0.75,
# x 0.1-0.9. qwen grows it to 1.2x: y 0.2-0.8, x 0.02-0.98. AITW adds 1.4x: x 0-1.
WIDE = ((100, 20, 200, 160),)


@pytest.mark.parametrize(
    ("point", "qwen"),
    [
        ((0.975, 0.5), True),  # outside the box, inside the 1.2x box (right edge 0.98)
        ((0.985, 0.5), False),  # just past the 1.2x box, 0.485 away
        ((0.5, 0.795), True),  # inside the 1.2x box's bottom edge (0.8)
        ((0.5, 0.805), False),
    ],
)
def test_qwen_click_in_the_enlarged_box_holding_the_ground_truth(
    point: tuple[float, float], qwen: bool
) -> None:
    truth = gt(4, (0.5, 0.5), pixel_boxes=WIDE)
    assert match_qwen(truth, Tap(x=point[0], y=point[1])).exact_match is qwen
    # AITW's box is 2.4x as large: every one of these points lies in it with the ground truth.
    assert match_aitw(truth, Tap(x=point[0], y=point[1])).exact_match


@pytest.mark.parametrize(("dy", "expected"), [(0.1399, True), (0.1401, False)])
def test_click_distance_threshold_is_0_14_in_qwen_and_aitw(dy: float, expected: bool) -> None:
    truth = gt(4, (0.5, 0.3))  # no UI boxes: distance alone decides
    pred = Tap(x=0.5, y=0.3 + dy)
    assert match_qwen(truth, pred).exact_match is expected
    assert match_aitw(truth, pred).exact_match is expected
    assert match_aitz(truth, pred).exact_match is False  # CoAT has no distance rule


def test_a_box_counts_only_if_it_holds_the_ground_truth() -> None:
    # The box is at the top (y 0-0.1); the prediction is inside it, the ground truth is not.
    truth = gt(4, (0.5, 0.5), pixel_boxes=((0, 0, 40, 200),))
    pred = Tap(x=0.5, y=0.05)
    assert verdicts(truth, pred) == {
        "qwen": (True, False),
        "aitw": (True, False),
        "aitz": (True, False),
    }


def test_aitw_grows_boxes_by_1_4_and_qwen_by_1_2() -> None:
    # Box y 0.45-0.55, x 0.45-0.55 (pixels: top 180, left 90, 40 tall, 20 wide).
    # AITW: +0.14 on each axis -> 0.38-0.62. qwen: +0.02 -> 0.44-0.56.
    truth = gt(4, (0.5, 0.5), pixel_boxes=((180, 90, 40, 20),))
    both_in = Tap(x=0.61, y=0.61)  # 0.156 away: only AITW's box saves it
    assert match_aitw(truth, both_in).exact_match
    assert not match_qwen(truth, both_in).exact_match
    beyond = Tap(x=0.61, y=0.63)  # outside AITW's box too, 0.170 away
    assert not match_aitw(truth, beyond).exact_match
    assert not match_qwen(truth, beyond).exact_match


def test_aitz_click_uses_the_predicted_elements_box_grown_1_2_about_its_centre() -> None:
    # Ground truth at pixel (100, 200). A 40x20 box whose left edge is at 104 grows to
    # 100-148: the ground truth sits on its border (inclusive). At 105 it grows to 101-149.
    for left, expected in ((104, True), (105, False)):
        truth = gt(4, (0.5, 0.5), pixel_boxes=((190, left, 20, 40),))
        pred = Tap(x=(left + 20) / 200, y=0.5)  # inside that box
        assert match_aitz(truth, pred).exact_match is expected, left
        assert match_qwen(truth, pred).exact_match  # 0.1 away at most: within 0.14


def test_aitz_click_matches_by_iou_with_a_ground_truth_box() -> None:
    # G (50-150 x 190-290) holds the ground truth (100, 200). The prediction (100, 250) hits
    # the smaller P (50-150 x 215-290): P grown 1.2x is y 207.5-297.5, so it misses the point,
    # but its IoU with G grown 1.2x (120x120) is 10800 / 14400 = 0.75 > 0.5.
    g, p = (190, 50, 100, 100), (215, 50, 75, 100)
    pred = Tap(x=0.5, y=0.625)
    assert match_aitz(gt(4, (0.5, 0.5), pixel_boxes=(g, p)), pred).exact_match
    # Without G there is no ground-truth box to overlap: a miss.
    assert not match_aitz(gt(4, (0.5, 0.5), pixel_boxes=(p,)), pred).exact_match


def test_aitz_perfect_click_matches_the_released_scorer_bug_is_fixed() -> None:
    # CoAT's released scorer compares every click with pixel (0, 0); a perfect click missed.
    truth = gt(4, (0.6, 0.7), desc="click on the button")
    assert match_aitz(truth, Tap(x=0.6, y=0.7)).exact_match
    corner = gt(4, (0.001, 0.001), desc="click on the corner")
    assert not match_aitz(corner, Tap(x=0.6, y=0.7)).exact_match


@pytest.mark.parametrize(("dy", "kind"), [(0.0399, "tap"), (0.0401, "swipe")])
def test_a_gesture_is_a_tap_up_to_0_04(dy: float, kind: str) -> None:
    truth = gt(4, (0.5, 0.5), (0.5, 0.5 + dy))
    assert gt_action(truth).type == kind
    as_tap = Tap(x=0.5, y=0.5)
    expected = kind == "tap"
    for name, (type_match, exact) in verdicts(truth, as_tap).items():
        assert exact is expected, name
        # AITW calls both DUAL_POINT; the others tell a click from a scroll.
        assert type_match is (expected or name == "aitw"), name


def test_a_short_predicted_swipe_is_a_tap() -> None:
    truth = gt(4, (0.5, 0.5))
    short = Swipe(x=0.5, y=0.5, x2=0.5, y2=0.53)
    assert all(v == (True, True) for v in verdicts(truth, short).values())


# --- scrolls ---------------------------------------------------------------------------------

FINGER_UP = ((0.5, 0.8), (0.5, 0.2))  # AITZ labels this "scroll up"


def test_scroll_conventions() -> None:
    truth = gt(4, *FINGER_UP, desc="scroll up")
    assert gt_action(truth) == Swipe(x=0.5, y=0.8, x2=0.5, y2=0.2)
    # Scroll("down") reveals what is below: the finger moves up. It matches everywhere.
    assert all(v == (True, True) for v in verdicts(truth, Scroll(direction="down")).values())
    # Scroll("up") is a finger moving down: only AITW, which ignores the sign, accepts it.
    assert verdicts(truth, Scroll(direction="up")) == {
        "qwen": (True, False),
        "aitw": (True, True),
        "aitz": (True, False),
    }
    reverse = Swipe(x=0.5, y=0.2, x2=0.5, y2=0.8)
    assert verdicts(truth, reverse) == verdicts(truth, Scroll(direction="up"))
    sideways = Swipe(x=0.8, y=0.5, x2=0.2, y2=0.5)
    assert all(v == (True, False) for v in verdicts(truth, sideways).values())


def test_aitz_reads_the_direction_from_coat_action_desc() -> None:
    # The description wins over the fingers in CoAT's scorer.
    truth = gt(4, *FINGER_UP, desc="scroll down")
    assert match_aitz(truth, Scroll(direction="up")).exact_match  # finger down
    assert not match_qwen(truth, Scroll(direction="up")).exact_match


def test_aitz_without_a_description_labels_swipes_with_coats_0_9_rule() -> None:
    # dx = 0.3, dy = -0.28: the dominant axis is horizontal, but |dy| >= 0.9 |dx| is vertical.
    truth = gt(4, (0.3, 0.6), (0.6, 0.32))
    pred = Swipe(x=0.3, y=0.6, x2=0.6, y2=0.32)
    assert match_qwen(truth, pred).exact_match  # right == right
    assert not match_aitz(truth, pred).exact_match  # CoAT: up; the prediction: right
    assert match_aitz(truth, Scroll(direction="down")).exact_match  # a finger moving up


# --- text, keys, stop ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pred", "qwen", "aitz"),
    [
        ("Lyft", True, True),
        ("lyft taxi", True, False),  # qwen lower-cases; CoAT is case-sensitive, ratio 0.46
        ("Lyft!", True, True),
        ("Lyfr", False, False),  # ratio 6/8 = 0.75
        ("  LYFT ", True, False),
        (" ", False, False),  # the empty-text loophole, closed
    ],
)
def test_typed_text(pred: str, qwen: bool, aitz: bool) -> None:
    truth = gt(3, text="Lyft", desc='type in the content: "Lyft"')
    action = TypeText(text=pred)
    assert match_qwen(truth, action).exact_match is qwen
    assert match_aitz(truth, action).exact_match is aitz
    # AITW compares types only, except that blank text never matches.
    assert match_aitw(truth, action).exact_match is bool(pred.strip())


@pytest.mark.parametrize(
    ("gt_text", "pred", "qwen", "aitw", "aitz"),
    [
        # Nothing typed: "" in pred is true in Python (qwen, CoAT); AITW never reads text.
        ("", "Lyft", True, True, True),
        ("", " ", True, True, True),
        # Spaces: qwen strips them to ""; CoAT does not strip, so "  " must be in the prediction
        # (or the prediction in it, or the ratio above 0.8).
        ("  ", "Lyft", True, True, False),
        ("  ", "a  b", True, True, True),
        ("  ", " ", True, True, True),  # " " in "  "
    ],
)
def test_ground_truth_that_typed_nothing(
    gt_text: str, pred: str, qwen: bool, aitw: bool, aitz: bool
) -> None:
    truth = gt(3, text=gt_text, desc=f'type in the content: "{gt_text}"')
    action = TypeText(text=pred)
    assert verdicts(truth, action) == {
        "qwen": (True, qwen),
        "aitw": (True, aitw),
        "aitz": (True, aitz),
    }
    # The type still has to match.
    assert all(v == (False, False) for v in verdicts(truth, Tap(x=0.5, y=0.5)).values())
    recorded = gt_action(truth)
    assert isinstance(recorded, TypeText) and recorded.text == gt_text


def test_coat_accepts_a_levenshtein_ratio_above_0_8() -> None:
    assert indel_ratio("wether today", "weather today") == pytest.approx(24 / 25)
    truth = gt(3, text="weather today", desc="type weather today")
    assert match_aitz(truth, TypeText(text="wether today")).exact_match
    assert not match_qwen(truth, TypeText(text="wether today")).exact_match
    assert indel_ratio("", "") == 1.0 and indel_ratio("abc", "") == 0.0


def test_keys() -> None:
    back = gt(5, desc="press the back button")
    assert all(v == (True, True) for v in verdicts(back, Key(key="back")).values())
    # Home for back: a different type in AITW, the right type but the wrong button elsewhere.
    assert verdicts(back, Key(key="home")) == {
        "qwen": (True, False),
        "aitw": (False, False),
        "aitz": (True, False),
    }
    enter = gt(7, desc="press enter")
    assert match_aitz(enter, Key(key="enter")).exact_match
    assert not match_aitw(enter, Key(key="app_switch")).type_match


def test_stop_ignores_the_status_except_in_aitw() -> None:
    complete = gt(10, desc="stop and set the query as completed")
    assert verdicts(complete, Finish(status="failure")) == {
        "qwen": (True, True),
        "aitw": (False, False),
        "aitz": (True, True),
    }
    impossible = gt(11, desc="stop and set the query as impossible")
    assert gt_action(impossible) == Finish(status="failure")
    assert match_aitw(impossible, Finish(status="failure")).exact_match


def test_no_prediction_and_foreign_types_never_match() -> None:
    truth = gt(4, (0.5, 0.5))
    assert all(v == (False, False) for v in verdicts(truth, None).values())
    assert all(v == (False, False) for v in verdicts(truth, OpenApp(app="Clock")).values())
    # A long press is a touch at a point in AITW's records, a type of its own elsewhere.
    assert verdicts(truth, LongPress(x=0.5, y=0.5)) == {
        "qwen": (False, False),
        "aitw": (True, True),
        "aitz": (False, False),
    }
