"""Comparing a new action with a recorded one, field by field, and a replay's tally."""

from __future__ import annotations

from typing import Any

import pytest

from screenpilot.agent.core import UIElement
from screenpilot.agent.replay_compare import ReplayTally, compare_actions, tally
from screenpilot.tools import to_action

BUTTON = UIElement((0.1, 0.1, 0.5, 0.2), text="OK", clickable=True)
OTHER = UIElement((0.5, 0.1, 0.9, 0.2), text="Cancel", clickable=True)
LABEL = UIElement((0.0, 0.5, 1.0, 0.6), text="just words")  # not clickable: no target
LIST = UIElement((0.0, 0.3, 1.0, 0.9), scrollable=True)
ROW = UIElement((0.0, 0.3, 1.0, 0.4), text="row", clickable=True)
TREE = (BUTTON, OTHER, LABEL, LIST, ROW)


def differ(recorded: dict[str, Any], new: dict[str, Any], **kwargs: Any) -> tuple[str, ...]:
    return compare_actions(to_action(recorded), to_action(new), **kwargs).differences


def tap(x: float, y: float) -> dict[str, Any]:
    return {"type": "tap", "x": x, "y": y}


def test_another_type_is_the_only_difference_named() -> None:
    assert differ(tap(0.2, 0.15), {"type": "type", "text": "x"}) == ("type",)
    assert differ(tap(0.2, 0.15), {"type": "double_tap", "x": 0.2, "y": 0.15}) == ("type",)


def test_with_a_tree_a_tap_must_land_on_the_same_clickable_element() -> None:
    assert differ(tap(0.11, 0.11), tap(0.49, 0.19), elements=TREE) == ()  # far apart, same button
    assert differ(tap(0.49, 0.15), tap(0.51, 0.15), elements=TREE) == ("target",)  # 0.02 apart
    assert differ(tap(0.2, 0.15), tap(0.2, 0.05), elements=TREE) == ("target",)  # off the button
    # Where no clickable element takes either point (blank space, a plain label), distance.
    assert differ(tap(0.2, 0.55), tap(0.23, 0.55), elements=TREE) == ()
    assert differ(tap(0.2, 0.55), tap(0.25, 0.55), elements=TREE) == ("target",)


def test_without_a_tree_points_must_lie_within_the_tolerance() -> None:
    assert differ(tap(0.5, 0.5), tap(0.52, 0.53)) == ()  # hypot(0.02, 0.03) = 0.036 apart
    assert differ(tap(0.5, 0.5), tap(0.53, 0.53)) == ("target",)  # 0.042 apart
    assert differ(tap(0.25, 0.679), tap(0.25, 0.1)) == ("target",)
    assert differ(tap(0.25, 0.679), tap(0.25, 0.1), tolerance=0.6) == ()


def test_gestures_compare_their_points_and_durations() -> None:
    swipe = {"type": "swipe", "x": 0.5, "y": 0.8, "x2": 0.5, "y2": 0.2, "seconds": 0.3}
    assert differ(swipe, {**swipe, "y2": 0.23}) == ()
    assert differ(swipe, {**swipe, "y2": 0.3}) == ("target",)
    assert differ(swipe, {**swipe, "seconds": 0.6}) == ("duration",)
    press = {"type": "long_press", "x": 0.2, "y": 0.15, "seconds": 1.0}
    assert differ(press, {**press, "x": 0.7, "seconds": 2.0}, elements=TREE) == (
        "target",
        "duration",
    )
    assert differ({"type": "wait", "seconds": 1}, {"type": "wait", "seconds": 2}) == ("duration",)


def test_scrolls_compare_direction_amount_and_the_scrolled_element() -> None:
    down = {"type": "scroll", "direction": "down"}
    assert differ(down, {**down, "x": 0.5, "y": 0.5, "amount": 0.5}) == ()  # the defaults
    assert differ(down, {"type": "scroll", "direction": "up", "amount": 0.3}) == (
        "direction",
        "amount",
    )
    # In the list, anywhere: the same list scrolls. Out of it: another target.
    assert differ(down, {**down, "x": 0.1, "y": 0.85}, elements=TREE) == ()
    assert differ(down, {**down, "x": 0.5, "y": 0.95}, elements=TREE) == ("target",)


def test_text_and_answers_are_compared_exactly() -> None:
    typed = {"type": "type", "text": "jam"}
    assert differ(typed, {"type": "type", "text": "ham"}) == ("text",)
    assert differ(typed, {"type": "type", "text": "jam "}) == ("text",)  # the space is typed too
    assert differ(typed, {"type": "type", "text": "Jam"}) == ("text",)
    redacted = compare_actions(to_action({"type": "type", "text": "***"}), to_action(typed))
    assert (redacted.match, redacted.unchecked) == (True, ("text",))
    done = {"type": "finish", "status": "success", "answer": "42"}
    assert differ(done, {**done, "answer": "41"}) == ("answer",)
    assert differ(done, {"type": "finish", "status": "failure"}) == ("status", "answer")


def test_keys_and_apps() -> None:
    assert differ({"type": "key", "key": "back"}, {"type": "key", "key": "home"}) == ("key",)
    assert differ({"type": "key", "key": "Enter"}, {"type": "key", "key": "enter"}) == ()
    opened = {"type": "open_app", "app": "Clock"}
    assert differ(opened, {"type": "open_app", "app": "Notes"}) == ("app",)


def test_the_tally_counts_recorded_steps() -> None:
    infos = [
        {"match": True, "differences": []},
        {},  # a model's unusable output compares nothing
        {"match": False, "differences": ["target"]},
        {"match": False, "differences": ["target", "duration"]},
        {"match": True, "differences": []},
    ]
    counted = tally(infos, recorded=6)
    assert counted == ReplayTally(6, 2, 2, {"target": 2, "duration": 1})
    assert counted.text() == (
        "6 recorded steps: 2 match, 2 mismatch (2 target moved, 1 different duration), "
        "2 not reached"
    )
    assert not counted.all_match
    assert tally([{"match": True}], recorded=1).text() == "1 recorded step: 1 match"


@pytest.mark.parametrize("tolerance", [-0.1, 1.5, float("nan")])
def test_a_tolerance_outside_the_screen_is_refused(tolerance: float, tmp_path: Any) -> None:
    from screenpilot.environments.replay import ReplayEnv
    from screenpilot.errors import ConfigError

    with pytest.raises(ConfigError, match="the tolerance is a normalized distance in"):
        ReplayEnv(tmp_path, tolerance=tolerance)
