"""The one dispatcher: which primitive gestures each action becomes, and the shared settle loop."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from screenpilot.environments.check import SAMPLE_ACTIONS
from screenpilot.environments.gestures import Button, DevicePoint, Done, Gestures, perform
from screenpilot.environments.settle import Settle, settle
from screenpilot.errors import UnsupportedActionError
from screenpilot.tools import coords
from screenpilot.tools.actions import ACTION_CLASSES, to_action
from tests.helpers import FakeClock


class RecordingDevice(Gestures):
    """A 1080x2400 touch screen (or, with ``wheel``, a mouse-driven screen) that records calls."""

    def __init__(self, wheel: int | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.wheel_clicks_per_screen = wheel

    @property
    def input_screen(self) -> coords.Screen:
        return coords.Screen.same_size(1080, 2400)

    def tap(self, point: DevicePoint, *, button: Button = "left", count: int = 1) -> Done:
        self.calls.append(("tap", point, button, count))
        return {"hit": "something"}

    def long_press(self, point: DevicePoint, seconds: float) -> Done:
        self.calls.append(("long_press", point, seconds))
        return None

    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        self.calls.append(("swipe", start, end, seconds))
        return None

    def key(self, key: str) -> Done:
        self.calls.append(("key", key))
        return None

    def type_text(self, text: str) -> Done:
        self.calls.append(("type_text", text))
        return None

    def wait(self, seconds: float) -> Done:
        self.calls.append(("wait", seconds))
        return None

    def wheel(self, point: DevicePoint, horizontal: int, vertical: int) -> Done:
        if self.wheel_clicks_per_screen is None:
            return super().wheel(point, horizontal, vertical)
        self.calls.append(("wheel", point, horizontal, vertical))
        return None


@pytest.mark.parametrize(
    ("action", "calls", "info"),
    [
        (
            {"type": "tap", "x": 0.5, "y": 0.25},
            [("tap", (540, 600), "left", 1)],
            {"device_point": [540, 600], "hit": "something"},
        ),
        (
            {"type": "double_tap", "x": 0.5, "y": 0.25},
            [("tap", (540, 600), "left", 2)],
            {"device_point": [540, 600], "hit": "something"},
        ),
        (
            {"type": "right_click", "x": 0.0, "y": 1.0},
            [("tap", (0, 2399), "right", 1)],
            {"device_point": [0, 2399], "hit": "something"},
        ),
        (
            {"type": "middle_click", "x": 0.5, "y": 0.5},
            [("tap", (540, 1200), "middle", 1)],
            {"device_point": [540, 1200], "hit": "something"},
        ),
        (
            {"type": "long_press", "x": 0.5, "y": 0.5, "seconds": 2.0},
            [("long_press", (540, 1200), 2.0)],
            {"device_point": [540, 1200]},
        ),
        (
            {"type": "swipe", "x": 0.5, "y": 0.8, "x2": 0.5, "y2": 0.2, "seconds": 0.5},
            [("swipe", (540, 1920), (540, 480), 0.5)],
            {"device_path": [540, 1920, 540, 480]},
        ),
        # Scrolling down pulls the content up: the finger goes from 3/4 to 1/4 of the height.
        (
            {"type": "scroll", "direction": "down"},
            [("swipe", (540, 1800), (540, 600), 0.3)],
            {"device_path": [540, 1800, 540, 600]},
        ),
        ({"type": "type", "text": "naïve"}, [("type_text", "naïve")], {}),
        ({"type": "key", "key": "back"}, [("key", "back")], {}),
        ({"type": "wait", "seconds": 1.5}, [("wait", 1.5)], {}),
        ({"type": "finish", "status": "success"}, [], {}),
    ],
)
def test_each_action_becomes_its_primitive_gestures(
    action: dict[str, Any], calls: list[tuple[Any, ...]], info: dict[str, Any]
) -> None:
    device = RecordingDevice()
    assert perform(to_action(action), device) == info
    assert device.calls == calls


def test_a_scroll_turns_the_wheel_on_a_device_that_has_one() -> None:
    device = RecordingDevice(wheel=10)
    # Half a screen down at 10 clicks per screen: 5 clicks away from the user, at the centre.
    info = perform(to_action({"type": "scroll", "direction": "down"}), device)
    assert device.calls == [("wheel", (540, 1200), 0, -5)]
    assert info == {"device_point": [540, 1200], "wheel_clicks": [0, -5]}
    device.calls.clear()
    perform(to_action({"type": "scroll", "direction": "left", "x": 0.25, "y": 0.5}), device)
    assert device.calls == [("wheel", (270, 1200), -5, 0)]


@pytest.mark.parametrize("name", ["mouse_move", "open_app"])
def test_primitives_a_device_lacks_are_refused_as_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedActionError, match="RecordingDevice"):
        perform(to_action({"type": name, **SAMPLE_ACTIONS[name]}), RecordingDevice())


@pytest.mark.parametrize("name", list(ACTION_CLASSES))
def test_every_action_type_is_dispatched(name: str) -> None:
    """No action type falls through: each one reaches a primitive, or is refused as unsupported."""
    sample = SAMPLE_ACTIONS.get(name, {"status": "success"})
    device = RecordingDevice(wheel=10)
    try:
        perform(to_action({"type": name, **sample}), device)
    except UnsupportedActionError:
        assert name in {"mouse_move", "open_app"}
        return
    assert bool(device.calls) is (name != "finish")


def _frames(*colours: int) -> list[Image.Image]:
    return [Image.new("L", (64, 64), colour) for colour in colours]


def test_settling_stops_when_two_captures_in_a_row_agree() -> None:
    frames = iter(_frames(0, 80, 160, 160, 255))
    clock = FakeClock()
    last, waited = settle(
        lambda: next(frames), lambda f: f, Settle(wait=0.5, timeout=5, poll=0.25), clock
    )
    assert last.getpixel((0, 0)) == 160
    assert waited == {"settle_s": 1.25, "settle_polls": 4, "settled": True}
    assert clock.sleeps == [0.5, 0.25, 0.25, 0.25]


def test_settling_gives_up_at_the_timeout() -> None:
    frames = iter(_frames(*range(0, 250, 40)))
    clock = FakeClock()
    _, waited = settle(lambda: next(frames), lambda f: f, Settle(timeout=1.0, poll=0.25), clock)
    assert waited == {"settle_s": 1.0, "settle_polls": 5, "settled": False}
    assert clock.now <= 1.0


def test_negative_waits_are_a_configuration_error() -> None:
    from screenpilot.errors import ConfigError

    with pytest.raises(ConfigError, match="settle waits must be >= 0"):
        Settle(poll=-1)
