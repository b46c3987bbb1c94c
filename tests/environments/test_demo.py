"""The demo phone behaves like a small app: its state says what the actions did."""

from __future__ import annotations

import pytest

from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import UnsupportedActionError
from screenpilot.tools import Key, Scroll, Swipe, Tap, TypeText, to_action
from tests.helpers import ADD_BUTTON, DELETE_CHECKED, FIELD, HOME_ICON, ROW0, ROW1


def test_typing_needs_a_focused_field(demo: DemoEnv) -> None:
    demo.reset()
    demo.step(Tap(x=HOME_ICON[0], y=HOME_ICON[1]))
    result = demo.step(TypeText(text="ignored"))
    assert result.info["typed"] is False and demo.state.field_text == ""
    demo.step(Tap(x=FIELD[0], y=FIELD[1]))
    observation = demo.step(TypeText(text="naïve café")).observation
    assert demo.state.field_text == "naïve café"
    field = observation.focused_element()
    assert field is not None and field.text == "naïve café"
    demo.step(Key(key="backspace"))
    demo.step(Tap(x=ADD_BUTTON[0], y=ADD_BUTTON[1]))
    assert demo.state.items[-1] == ("naïve caf", False) and demo.state.field_text == ""


def test_taps_land_on_device_pixels_through_the_contract(demo: DemoEnv) -> None:
    demo.reset()
    assert demo.step(Tap(x=0.25, y=0.679)).info == {
        "device_point": [270, 1629],
        "hit": "Shopping list",
    }
    result = demo.step(to_action({"type": "double_tap", "x": ROW1[0], "y": ROW1[1]}))
    assert result.info["hit"] == "item:1" and demo.state.items[1] == (
        "eggs",
        False,
    )  # toggled twice


def test_ui_tree_matches_the_screen(demo: DemoEnv) -> None:
    observation = demo.reset()
    assert [e.text for e in observation.ui_elements] == ["Shopping list"]
    observation = demo.step(Tap(x=HOME_ICON[0], y=HOME_ICON[1])).observation
    labels = [e.label for e in observation.ui_elements]
    assert labels == ["Navigate up", "Add an item", "Add", "Delete checked", "milk", "eggs"]
    row = observation.element_at(*ROW0)
    assert row is not None and row.text == "milk" and row.checked is False
    delete = observation.element_at(*DELETE_CHECKED)
    assert delete is not None and delete.kind == "button"


def test_scrolls_and_swipes_move_long_lists_the_right_way() -> None:
    env = DemoEnv(items=tuple(f"item {n}" for n in range(20)), start_in_app=True)
    env.reset()
    env.step(Scroll(direction="down"))
    assert env.state.first_row == 4
    env.step(
        Swipe(x=0.5, y=0.3, x2=0.5, y2=0.7)
    )  # finger down: content moves down, we see what is above
    assert env.state.first_row == 0
    env.step(Swipe(x=0.5, y=0.7, x2=0.5, y2=0.3))
    assert env.state.first_row == 4
    assert env.step(Tap(x=ROW0[0], y=ROW0[1])).info["hit"] == "item:0"
    assert env.state.items[4] == ("item 4", True)


def test_keys(demo: DemoEnv) -> None:
    demo.reset()
    demo.step(Tap(x=HOME_ICON[0], y=HOME_ICON[1]))
    demo.step(Tap(x=FIELD[0], y=FIELD[1]))
    demo.step(TypeText(text="tea"))
    demo.step(Key(key="enter"))
    assert demo.state.items[-1] == ("tea", False)
    demo.step(Key(key="back"))
    assert demo.state.focused is False and demo.state.screen == "list"
    demo.step(Key(key="back"))
    assert demo.state.screen == "home"
    with pytest.raises(UnsupportedActionError, match="no 'ctrl\\+c' key"):
        demo.step(Key(key="ctrl+c"))
