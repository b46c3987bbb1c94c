"""The one action dispatcher, and the small device protocol it drives.

``perform`` is the only place where an Action becomes something a device does: one ``match``
over the action union turns every action into primitive gestures at device pixels (tap, long
press, swipe from a point to a point over a duration, wheel, pointer move, key, text, app
launch, wait). Android, the desktop and the simulated phones implement only those primitives.
Coordinates reach device pixels through ``screenpilot.tools.coords`` alone.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, Literal

from typing_extensions import assert_never

from screenpilot.errors import UnsupportedActionError
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    MiddleClick,
    MouseMove,
    OpenApp,
    RightClick,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)

Button = Literal["left", "right", "middle"]
DevicePoint = tuple[int, int]
Done = Mapping[str, Any] | None
"""What a primitive reports for the step's record (e.g. what a tap hit), if anything."""

SCROLL_SWIPE_SECONDS = 0.3
"""How long the finger takes when a scroll is performed as a swipe on a touch screen."""


class Gestures(abc.ABC):
    """The primitives of a screen, in its device pixels. Each may raise a ``ModelError``
    (``UnsupportedActionError``, ``InvalidActionError``) before doing anything, e.g. for a key
    the device has no such key for."""

    wheel_clicks_per_screen: int | None = None
    """Wheel clicks that scroll one screen, for devices with a mouse wheel; None: a touch
    screen, where a scroll is a swipe against the scrolling direction."""

    @property
    @abc.abstractmethod
    def input_screen(self) -> coords.Screen:
        """The screen geometry input is injected in (scale and offset of device pixels)."""

    def device_point(self, x: float, y: float) -> DevicePoint:
        """The device pixel for a normalized point of the screenshot."""
        return coords.to_device(x, y, self.input_screen)

    @abc.abstractmethod
    def tap(self, point: DevicePoint, *, button: Button = "left", count: int = 1) -> Done:
        """Press and release ``count`` times in quick succession (a mouse ``button``)."""

    @abc.abstractmethod
    def long_press(self, point: DevicePoint, seconds: float) -> Done:
        """Press, hold ``seconds``, release."""

    @abc.abstractmethod
    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        """Press at ``start``, move to ``end`` over ``seconds``, release."""

    @abc.abstractmethod
    def key(self, key: str) -> Done:
        """Press a canonical key or combo (``screenpilot.tools.keys``)."""

    @abc.abstractmethod
    def type_text(self, text: str) -> Done:
        """Type ``text`` into whatever has the focus."""

    def wheel(self, point: DevicePoint, horizontal: int, vertical: int) -> Done:
        """Turn the mouse wheel at ``point``; positive is right / up."""
        raise UnsupportedActionError(f"{type(self).__name__} has no mouse wheel")

    def move(self, point: DevicePoint) -> Done:
        """Move the pointer without pressing."""
        raise UnsupportedActionError(f"{type(self).__name__} has no pointer to move")

    def open_app(self, app: str) -> Done:
        """Start the app called ``app`` (a label or a package)."""
        raise UnsupportedActionError(f"{type(self).__name__} cannot open apps")

    @abc.abstractmethod
    def wait(self, seconds: float) -> Done:
        """Let ``seconds`` pass (a simulated device may just move its clock on)."""


_BUTTONS: dict[str, Button] = {"right_click": "right", "middle_click": "middle"}


def perform(action: Action, device: Gestures) -> dict[str, Any]:
    """Carry out ``action`` on ``device``; returns what was done, for the step's record
    (``device_point`` or ``device_path`` in device pixels, plus what the device reported)."""
    info: dict[str, Any] = {}
    done: Done = None
    match action:
        case Tap() | DoubleTap() | RightClick() | MiddleClick():
            count = 2 if isinstance(action, DoubleTap) else 1
            button = _BUTTONS.get(action.type, "left")
            done = device.tap(_at(device, info, action.x, action.y), button=button, count=count)
        case LongPress():
            done = device.long_press(_at(device, info, action.x, action.y), action.seconds)
        case MouseMove():
            done = device.move(_at(device, info, action.x, action.y))
        case Swipe():
            path = (action.x, action.y, action.x2, action.y2)
            done = device.swipe(*_along(device, info, path), action.seconds)
        case Scroll():
            done = _scroll(action, device, info)
        case TypeText():
            done = device.type_text(action.text)
        case Key():
            done = device.key(action.key)
        case OpenApp():
            done = device.open_app(action.app)
        case Wait():
            done = device.wait(action.seconds)
        case Finish():
            pass
        case _:
            assert_never(action)
    info.update(done or {})
    return info


def _at(device: Gestures, info: dict[str, Any], x: float, y: float) -> DevicePoint:
    point = device.device_point(x, y)
    info["device_point"] = list(point)
    return point


def _along(
    device: Gestures, info: dict[str, Any], path: coords.Box
) -> tuple[DevicePoint, DevicePoint]:
    start, end = device.device_point(path[0], path[1]), device.device_point(path[2], path[3])
    info["device_path"] = [*start, *end]
    return start, end


def _scroll(action: Scroll, device: Gestures, info: dict[str, Any]) -> Done:
    """A finger swiped against the scrolling direction on a touch screen, or the mouse wheel
    turned over the point (the screen centre by default)."""
    clicks_per_screen = device.wheel_clicks_per_screen
    if clicks_per_screen is None:
        path = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
        return device.swipe(*_along(device, info, path), SCROLL_SWIPE_SECONDS)
    x = 0.5 if action.x is None else action.x
    y = 0.5 if action.y is None else action.y
    horizontal, vertical = coords.scroll_to_wheel(
        action.direction, action.amount, clicks_per_screen
    )
    info["wheel_clicks"] = [horizontal, vertical]
    return device.wheel(_at(device, info, x, y), horizontal, vertical)


__all__ = ["SCROLL_SWIPE_SECONDS", "Button", "DevicePoint", "Done", "Gestures", "perform"]
