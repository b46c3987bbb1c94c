"""The action space's public JSON form and its validation errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screenpilot.errors import InvalidActionError
from screenpilot.tools import (
    ACTION_CLASSES,
    DESKTOP_ACTIONS,
    MOBILE_ACTIONS,
    Finish,
    Key,
    Scroll,
    Tap,
    TypeText,
    same_action,
    to_action,
    to_json,
)
from screenpilot.tools.keys import normalize_key

EXACT_FORMS = [
    {"type": "tap", "x": 0.5, "y": 0.25},
    {"type": "double_tap", "x": 0.1, "y": 0.9},
    {"type": "long_press", "x": 0.3, "y": 0.4, "seconds": 1.0},
    {"type": "swipe", "x": 0.5, "y": 0.8, "x2": 0.5, "y2": 0.2, "seconds": 0.3},
    {"type": "scroll", "direction": "down", "x": None, "y": None, "amount": None},
    {"type": "scroll", "direction": "left", "x": 0.2, "y": 0.7, "amount": 0.25},
    {"type": "type", "text": "naïve café 你好 ; $(x)"},
    {"type": "key", "key": "back"},
    {"type": "key", "key": "ctrl+c"},
    {"type": "open_app", "app": "Settings"},
    {"type": "wait", "seconds": 2.0},
    {"type": "finish", "status": "success", "answer": None},
    {"type": "finish", "status": "failure", "answer": "no such contact"},
    {"type": "right_click", "x": 0.0, "y": 1.0},
    {"type": "middle_click", "x": 1.0, "y": 0.0},
    {"type": "mouse_move", "x": 0.75, "y": 0.5},
]


@pytest.mark.parametrize("form", EXACT_FORMS, ids=lambda f: str(f["type"]))
def test_json_form_round_trips_exactly(form: dict[str, object]) -> None:
    action = to_action(form)
    assert to_json(action) == form
    assert next(iter(to_json(action))) == "type"
    assert to_action(json.dumps(form)) == action


def test_defaults_are_filled_in() -> None:
    assert to_json(to_action({"type": "long_press", "x": 0.5, "y": 0.5})) == {
        "type": "long_press",
        "x": 0.5,
        "y": 0.5,
        "seconds": 1.0,
    }
    assert to_json(to_action({"type": "scroll", "direction": "up"}))["amount"] is None
    assert to_json(to_action({"type": "wait"})) == {"type": "wait", "seconds": 1.0}
    assert to_json(Finish(status="success")) == {
        "type": "finish",
        "status": "success",
        "answer": None,
    }


def test_every_action_type_is_covered_and_partitioned() -> None:
    assert {form["type"] for form in EXACT_FORMS} == set(ACTION_CLASSES)
    assert set(ACTION_CLASSES) == MOBILE_ACTIONS | DESKTOP_ACTIONS
    assert "open_app" not in DESKTOP_ACTIONS
    assert {"right_click", "middle_click", "mouse_move"}.isdisjoint(MOBILE_ACTIONS)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            {"type": "tap", "x": 1.5, "y": 0.2},
            "tap.x: Input should be less than or equal to 1 (got 1.5)",
        ),
        (
            {"type": "tap", "x": -0.01, "y": 0.2},
            "tap.x: Input should be greater than or equal to 0",
        ),
        (
            {"type": "swipe", "x": 0.1, "y": 0.2, "x2": 0.3, "y2": 2},
            "swipe.y2: Input should be less than or equal to 1",
        ),
        ({"type": "tap", "x": float("nan"), "y": 0.2}, "tap.x: Input should be a finite number"),
        ({"type": "tap", "x": 0.5}, "tap.y: field required"),
        ({"type": "type", "text": ""}, "type.text: String should have at least 1 character"),
        ({"type": "open_app", "app": "   "}, "open_app.app: app name must not be blank"),
        (
            {"type": "teleport", "x": 0.5},
            "unknown action type 'teleport'; expected one of: tap, double_tap",
        ),
        ({"x": 0.5, "y": 0.5}, "missing field 'type'"),
        ({"type": "tap", "x": 0.5, "y": 0.5, "z": 1}, "tap.z: unexpected field"),
        ({"type": "key", "key": "hyperspace"}, "key.key: unknown key 'hyperspace'"),
        ({"type": "key", "key": "ctrl+back"}, "phone buttons cannot be part of a key combination"),
        ({"type": "scroll", "direction": "down", "x": 0.5}, "give both x and y, or neither"),
        (
            {"type": "scroll", "direction": "sideways"},
            "scroll.direction: Input should be 'up', 'down', 'left' or 'right'",
        ),
        (
            {"type": "scroll", "direction": "up", "amount": 0},
            "scroll.amount: Input should be greater than 0",
        ),
        (
            {"type": "wait", "seconds": 3600},
            "wait.seconds: Input should be less than or equal to 60",
        ),
        (
            {"type": "finish", "status": "done"},
            "finish.status: Input should be 'success' or 'failure'",
        ),
    ],
)
def test_validation_errors_name_the_field_and_reason(bad: dict[str, object], expected: str) -> None:
    with pytest.raises(InvalidActionError) as caught:
        to_action(bad)
    assert expected in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", "42", b"\xff"])
def test_malformed_json_is_an_invalid_action(bad: str | bytes) -> None:
    with pytest.raises(InvalidActionError):
        to_action(bad)


@pytest.mark.parametrize(
    ("given_key", "canonical"),
    [
        ("Back", "back"),
        (" HOME ", "home"),
        ("Return", "enter"),
        ("esc", "escape"),
        ("recent apps", "app_switch"),
        ("App Switch", "app_switch"),
        ("Ctrl + C", "ctrl+c"),
        ("control+shift+T", "ctrl+shift+t"),
        ("cmd+space", "meta+space"),
        ("PageDown", "page_down"),
        ("ctrl++", "ctrl++"),
        ("F5", "f5"),
        ("a", "a"),
        ("volume up", "volume_up"),
        ("Ctrl+Home", "ctrl+home"),
    ],
)
def test_key_names_are_normalized(given_key: str, canonical: str) -> None:
    assert normalize_key(given_key) == canonical
    assert Key(key=given_key).key == canonical


def test_actions_are_immutable() -> None:
    tap = Tap(x=0.1, y=0.2)
    with pytest.raises(ValueError, match="frozen"):
        tap.x = 0.3  # type: ignore[misc]


def test_same_action_tolerates_tiny_coordinate_differences() -> None:
    assert same_action(Tap(x=0.5, y=0.5), Tap(x=0.504, y=0.496))
    assert not same_action(Tap(x=0.5, y=0.5), Tap(x=0.51, y=0.5))
    assert not same_action(Tap(x=0.5, y=0.5), to_action({"type": "double_tap", "x": 0.5, "y": 0.5}))
    assert same_action(Scroll(direction="down"), Scroll(direction="down"))
    assert not same_action(Scroll(direction="down"), Scroll(direction="down", x=0.5, y=0.5))
    assert not same_action(TypeText(text="a"), TypeText(text="A"))


coordinates = st.floats(min_value=0, max_value=1, allow_nan=False)
texts = st.text(min_size=1, max_size=40)
actions = st.one_of(
    st.builds(lambda x, y: {"type": "tap", "x": x, "y": y}, coordinates, coordinates),
    st.builds(
        lambda x, y, s: {"type": "long_press", "x": x, "y": y, "seconds": s},
        coordinates,
        coordinates,
        st.floats(min_value=0.01, max_value=10),
    ),
    st.builds(
        lambda a, b, c, d: {"type": "swipe", "x": a, "y": b, "x2": c, "y2": d},
        coordinates,
        coordinates,
        coordinates,
        coordinates,
    ),
    st.builds(lambda t: {"type": "type", "text": t}, texts),
    st.builds(
        lambda d: {"type": "scroll", "direction": d},
        st.sampled_from(["up", "down", "left", "right"]),
    ),
    st.builds(
        lambda s, a: {"type": "finish", "status": s, "answer": a},
        st.sampled_from(["success", "failure"]),
        st.none() | texts,
    ),
)


@given(actions)
def test_any_valid_action_survives_json_text(form: dict[str, object]) -> None:
    action = to_action(form)
    assert to_action(json.dumps(to_json(action), ensure_ascii=False)) == action
