"""Hand-computed edges of each AndroidControl protocol rule."""

from __future__ import annotations

import pytest

from screenpilot.evaluation.androidcontrol_matching import (
    match_cpm,
    match_osatlas,
    match_uis1,
    nearest_boxes,
)
from screenpilot.evaluation.groundtruth import GroundTruth, RecordedAction
from screenpilot.tools.actions import (
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
from screenpilot.tools.coords import Screen

SCREEN = Screen.same_size(1000, 1000)
NO = (-1.0, -1.0)


def gt(
    kind: str,
    code: int,
    point: tuple[float, float] | None = None,
    *,
    lift: tuple[float, float] | None = None,
    direction: str | None = None,
    text: str = "",
    boxes: tuple[tuple[float, float, float, float], ...] = (),
    labels: tuple[str, ...] = (),
    interactive: tuple[bool, ...] = (),
    synthetic: bool = False,
) -> GroundTruth:
    """A step as the loader builds it; ``point`` is (x, y)."""
    return GroundTruth(
        code=code,
        touch=point,
        lift=lift or point,
        text=text if kind == "input_text" else "",
        screen=SCREEN,
        boxes=boxes,
        recorded=RecordedAction(kind, point, direction, text, synthetic),
        box_labels=labels,
        box_interactive=interactive,
    )


# One 0.1 x 0.1 box at (0.4, 0.4): grown 1.2x about its centre it spans 0.39 to 0.51.
BOX = (0.4, 0.4, 0.1, 0.1)


def verdict(match: object) -> tuple[bool, bool]:
    return (match.type_match, match.exact_match)  # type: ignore[attr-defined]


# --- cpm ---------------------------------------------------------------------------------------


def test_cpm_click_hits_a_box_grown_to_1_2x() -> None:
    step = gt("click", 4, (0.45, 0.45), boxes=(BOX,))
    assert verdict(match_cpm(step, Tap(x=0.51, y=0.45))) == (True, True)  # the grown edge
    assert verdict(match_cpm(step, Tap(x=0.5101, y=0.45))) == (True, False)
    assert verdict(match_cpm(step, Tap(x=0.45, y=0.389))) == (True, False)


def test_cpm_click_without_boxes_is_within_0_04() -> None:
    step = gt("click", 4, (0.0, 0.5))
    assert verdict(match_cpm(step, Tap(x=0.04, y=0.5))) == (True, True)
    assert verdict(match_cpm(step, Tap(x=0.0401, y=0.5))) == (True, False)


def test_cpm_takes_the_five_nearest_boxes_holding_the_point_or_not() -> None:
    near = tuple((0.1 * k, 0.0, 0.05, 0.05) for k in range(5))  # centres 0.1 k apart in y
    far = (0.9, 0.9, 0.05, 0.05)
    step = gt("click", 4, (0.5, 0.0), boxes=(far, *near))
    assert len(nearest_boxes(step, (0.5, 0.0))) == 5
    # a box that does not hold the ground-truth point still counts when it is among the five
    assert verdict(match_cpm(step, Tap(x=0.02, y=0.42))) == (True, True)
    # the sixth-nearest box does not count
    assert verdict(match_cpm(step, Tap(x=0.92, y=0.92))) == (True, False)


def test_cpm_scroll_is_the_finger_direction_of_the_released_label() -> None:
    # "scroll down" was converted to a finger moving up from the centre
    step = gt("scroll", 4, (0.5, 0.5), lift=(0.5, 0.2), direction="down")
    assert verdict(match_cpm(step, Scroll(direction="down"))) == (True, True)
    assert verdict(match_cpm(step, Swipe(x=0.5, y=0.8, x2=0.5, y2=0.3))) == (True, True)
    assert verdict(match_cpm(step, Scroll(direction="up"))) == (True, False)
    # a diagonal finger is vertical (up comes before left and right)
    diagonal = gt("scroll", 4, (0.5, 0.5), lift=(0.7, 0.3), direction="down")
    assert verdict(match_cpm(diagonal, Swipe(x=0.5, y=0.9, x2=0.5, y2=0.1))) == (True, True)


def test_cpm_waits_and_finishes_are_stop_and_long_presses_are_their_own_type() -> None:
    wait = gt("wait", 1)
    assert verdict(match_cpm(wait, Finish(status="success"))) == (True, True)
    assert verdict(match_cpm(wait, Wait())) == (True, True)
    finish = gt("finish", 10, synthetic=True)
    assert verdict(match_cpm(finish, Wait())) == (True, True)
    assert verdict(match_cpm(finish, Tap(x=0.5, y=0.5))) == (False, False)
    held = gt("long_press", 4, (0.45, 0.45), boxes=(BOX,))  # a DUAL_POINT, as converted
    assert verdict(match_cpm(held, LongPress(x=0.45, y=0.45))) == (False, False)
    assert verdict(match_cpm(held, Tap(x=0.45, y=0.45))) == (True, True)


def test_cpm_text_press_and_open_app() -> None:
    typed = gt("input_text", 3, text="Wake Up ")
    assert verdict(match_cpm(typed, TypeText(text="wake"))) == (True, True)
    assert verdict(match_cpm(typed, TypeText(text="wake up now"))) == (True, True)
    assert verdict(match_cpm(typed, TypeText(text="sleep"))) == (True, False)
    back = gt("navigate_back", 5)
    assert verdict(match_cpm(back, Key(key="back"))) == (True, True)
    assert verdict(match_cpm(back, Key(key="home"))) == (True, False)
    opened = gt("open_app", 2, text="Clock")
    assert verdict(match_cpm(opened, OpenApp(app="Clock"))) == (False, False)
    assert match_cpm(opened, None).gt_type == "open_app"


# --- uis1 --------------------------------------------------------------------------------------


def test_uis1_click_uses_interactive_boxes_holding_the_target() -> None:
    step = gt("click", 4, (0.45, 0.45), boxes=(BOX,), interactive=(True,))
    assert verdict(match_uis1(step, Tap(x=0.51, y=0.45))) == (True, True)
    assert verdict(match_uis1(step, Tap(x=0.5101, y=0.45))) == (True, False)
    assert verdict(match_uis1(step, Tap(x=0.49, y=0.45))) == (True, True)
    plain = gt("click", 4, (0.45, 0.45), boxes=(BOX,), interactive=(False,))
    assert verdict(match_uis1(plain, Tap(x=0.51, y=0.45))) == (True, False)
    assert verdict(match_uis1(plain, Tap(x=0.45, y=0.49))) == (True, True)  # 0.04 from it
    assert verdict(match_uis1(step, LongPress(x=0.45, y=0.45))) == (False, False)


def test_uis1_swipes_match_on_type_alone() -> None:
    step = gt("scroll", 4, (0.5, 0.5), lift=(0.5, 0.2), direction="down")
    assert verdict(match_uis1(step, Scroll(direction="up"))) == (True, True)
    assert verdict(match_uis1(step, Swipe(x=0.1, y=0.5, x2=0.9, y2=0.5))) == (True, True)
    assert verdict(match_uis1(step, Swipe(x=0.5, y=0.5, x2=0.5, y2=0.52))) == (False, False)


def test_uis1_open_app_by_name_or_by_tapping_its_icon() -> None:
    icon = (0.1, 0.1, 0.1, 0.1)
    step = gt("open_app", 2, text="Clock", boxes=(icon, BOX), labels=("clock", "OK"))
    assert verdict(match_uis1(step, OpenApp(app="clock"))) == (True, True)
    assert verdict(match_uis1(step, OpenApp(app="Maps"))) == (True, False)
    assert verdict(match_uis1(step, Tap(x=0.15, y=0.15))) == (True, True)
    assert verdict(match_uis1(step, Tap(x=0.45, y=0.45))) == (True, False)
    nameless = gt("open_app", 2, text="Clock", boxes=(BOX,), labels=("OK",))
    assert verdict(match_uis1(nameless, Tap(x=0.45, y=0.45))) == (False, False)


def test_uis1_buttons_waits_text_and_the_added_finish() -> None:
    home = gt("navigate_home", 6)
    assert verdict(match_uis1(home, Key(key="home"))) == (True, True)
    assert verdict(match_uis1(home, Key(key="back"))) == (True, False)
    assert verdict(match_uis1(gt("wait", 1), Wait())) == (True, True)
    assert verdict(match_uis1(gt("wait", 1), Finish(status="success"))) == (False, False)
    typed = gt("input_text", 3, text="Hello")
    assert verdict(match_uis1(typed, TypeText(text="HELLO world"))) == (True, True)
    finish = gt("finish", 10, synthetic=True)
    assert verdict(match_uis1(finish, Finish(status="success"))) == (True, True)


# --- osatlas -----------------------------------------------------------------------------------


def test_osatlas_click_is_within_0_14_on_the_thousand_scale() -> None:
    step = gt("click", 4, (0.0, 0.5))
    assert verdict(match_osatlas(step, Tap(x=0.14, y=0.5))) == (True, True)
    assert verdict(match_osatlas(step, Tap(x=0.1401, y=0.5))) == (True, False)
    assert verdict(match_osatlas(step, LongPress(x=0.0, y=0.5))) == (False, False)
    held = gt("long_press", 4, (0.0, 0.5))
    assert verdict(match_osatlas(held, LongPress(x=0.1, y=0.5))) == (True, True)


@pytest.mark.parametrize(
    ("truth", "predicted", "exact"),
    [
        ("hello world", "Hello there", True),  # the first words, bracket included, agree
        ("hello world", "world hello", False),
        ("hello", "hello world", False),  # "[hello]" against "[hello"
        ("hello world", "hello world", True),
        ("Wake up", "wake up", True),
    ],
)
def test_osatlas_type_compares_the_second_token(truth: str, predicted: str, exact: bool) -> None:
    step = gt("input_text", 3, text=truth)
    assert verdict(match_osatlas(step, TypeText(text=predicted))) == (True, exact)


def test_osatlas_open_app_scroll_and_exact_strings() -> None:
    maps = gt("open_app", 2, text="Google Maps")
    assert verdict(match_osatlas(maps, OpenApp(app="Google Chrome"))) == (True, True)
    assert verdict(match_osatlas(maps, OpenApp(app="Maps"))) == (True, False)
    down = gt("scroll", 4, (0.5, 0.5), lift=(0.5, 0.2), direction="down")
    assert verdict(match_osatlas(down, Scroll(direction="down"))) == (True, True)
    assert verdict(match_osatlas(down, Swipe(x=0.5, y=0.8, x2=0.5, y2=0.3))) == (True, True)
    assert verdict(match_osatlas(down, Scroll(direction="up"))) == (True, False)
    assert verdict(match_osatlas(gt("wait", 1), Wait())) == (True, True)
    assert verdict(match_osatlas(gt("navigate_back", 5), Key(key="home"))) == (False, False)
    finish = gt("finish", 10, synthetic=True)
    assert verdict(match_osatlas(finish, Finish(status="success"))) == (True, True)
    assert verdict(match_osatlas(finish, Finish(status="failure"))) == (False, False)
    assert match_osatlas(finish, None).gt_type == "COMPLETE"
