"""The Qwen2.5-VL ``mobile_use`` and ``computer_use`` functions, derived from our action space.

Each Qwen action is a row of a table that names the canonical action it stands for, so the
function definitions and both conversions come from one place. The texts are the prompt format
of the Qwen2.5-VL cookbooks (QwenLM/Qwen2.5-VL ``cookbooks/utils/agent_function_call.py``) and
must stay byte-for-byte; coordinates are absolute pixels of the smart-resized screenshot, which
is why ``ModelFrame`` is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screenpilot.errors import InvalidActionError
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    ActionBase,
    Key,
    PointAction,
    Scroll,
    Swipe,
    to_action,
)
from screenpilot.tools.coords import ModelFrame


@dataclass(frozen=True)
class QwenAction:
    """One value of a Qwen function's ``action`` enum and the canonical type it maps to."""

    name: str
    help: str
    canonical: str


MOBILE_USE_ACTIONS = (
    QwenAction(
        "key",
        'Perform a key event on the mobile device.\n    - This supports adb\'s `keyevent` syntax.\n    - Examples: "volume_up", "volume_down", "power", "camera", "clear".',
        "key",
    ),
    QwenAction("click", "Click the point on the screen with coordinate (x, y).", "tap"),
    QwenAction(
        "long_press",
        "Press the point on the screen with coordinate (x, y) for specified seconds.",
        "long_press",
    ),
    QwenAction(
        "swipe",
        "Swipe from the starting point with coordinate (x, y) to the end point with coordinates2 (x2, y2).",
        "swipe",
    ),
    QwenAction("type", "Input the specified text into the activated input box.", "type"),
    QwenAction("system_button", "Press the system button.", "key"),
    QwenAction("open", "Open an app on the device.", "open_app"),
    QwenAction("wait", "Wait specified seconds for the change to happen.", "wait"),
    QwenAction(
        "terminate", "Terminate the current task and report its completion status.", "finish"
    ),
)

COMPUTER_USE_ACTIONS = (
    QwenAction(
        "key",
        "Performs key down presses on the arguments passed in order, then performs key releases in reverse order.",
        "key",
    ),
    QwenAction("type", "Type a string of text on the keyboard.", "type"),
    QwenAction(
        "mouse_move",
        "Move the cursor to a specified (x, y) pixel coordinate on the screen.",
        "mouse_move",
    ),
    QwenAction("left_click", "Click the left mouse button.", "tap"),
    QwenAction(
        "left_click_drag",
        "Click and drag the cursor to a specified (x, y) pixel coordinate on the screen.",
        "swipe",
    ),
    QwenAction("right_click", "Click the right mouse button.", "right_click"),
    QwenAction("middle_click", "Click the middle mouse button.", "middle_click"),
    QwenAction("double_click", "Double-click the left mouse button.", "double_tap"),
    QwenAction("scroll", "Performs a scroll of the mouse scroll wheel.", "scroll"),
    QwenAction("wait", "Wait specified seconds for the change to happen.", "wait"),
    QwenAction(
        "terminate", "Terminate the current task and report its completion status.", "finish"
    ),
)

_MOBILE_DESCRIPTION = """Use a touchscreen to interact with a mobile device, and take screenshots.
* This is an interface to a mobile device with touchscreen. You can perform actions like clicking, typing, swiping, etc.
* Some applications may take time to start or process actions, so you may need to wait and take successive screenshots to see the results of your actions.
* The screen's resolution is {width}x{height}.
* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element. Don't click boxes on their edges unless asked."""

_COMPUTER_DESCRIPTION = """Use a mouse and keyboard to interact with a computer, and take screenshots.
* This is an interface to a desktop GUI. You do not have access to a terminal or applications menu. You must click on desktop icons to start applications.
* Some applications may take time to start or process actions, so you may need to wait and take successive screenshots to see the results of your actions. E.g. if you click on Firefox and a window doesn't open, try wait and taking another screenshot.
* The screen's resolution is {width}x{height}.
* Whenever you intend to move the cursor to click on an element like an icon, you should consult a screenshot to determine the coordinates of the element before moving the cursor.
* If you tried clicking on a program or link but it failed to load, even after waiting, try adjusting your cursor position so that the tip of the cursor visually falls on the element that you want to click.
* Make sure to click any buttons, links, icons, etc with the cursor tip in the center of the element. Don't click boxes on their edges unless asked."""

_XY = "(x, y): The x (pixels from the left edge) and y (pixels from the top edge) coordinates to move the mouse to."
_SYSTEM_BUTTONS = {"Back": "back", "Home": "home", "Menu": "menu", "Enter": "enter"}
_STATUS = {
    "description": "The status of the task. Required only by `action=terminate`.",
    "type": "string",
    "enum": ["success", "failure"],
}


def _action_property(table: tuple[QwenAction, ...]) -> dict[str, Any]:
    lines = "\n".join(f"* `{row.name}`: {row.help}" for row in table)
    return {
        "description": f"The action to perform. The available actions are:\n{lines}",
        "enum": [row.name for row in table],
        "type": "string",
    }


def mobile_use_function(width: int, height: int) -> dict[str, Any]:
    """The ``mobile_use`` function for a model shown a ``width`` x ``height`` (resized) screen."""
    return {
        "name": "mobile_use",
        "description": _MOBILE_DESCRIPTION.format(width=width, height=height),
        "parameters": {
            "properties": {
                "action": _action_property(MOBILE_USE_ACTIONS),
                "coordinate": {
                    "description": f"{_XY} Required only by `action=click`, `action=long_press`, and `action=swipe`.",
                    "type": "array",
                },
                "coordinate2": {
                    "description": f"{_XY} Required only by `action=swipe`.",
                    "type": "array",
                },
                "text": {
                    "description": "Required only by `action=key`, `action=type`, and `action=open`.",
                    "type": "string",
                },
                "time": {
                    "description": "The seconds to wait. Required only by `action=long_press` and `action=wait`.",
                    "type": "number",
                },
                "button": {
                    "description": "Back means returning to the previous interface, Home means returning to the desktop, Menu means opening the application background menu, and Enter means pressing the enter. Required only by `action=system_button`",
                    "enum": list(_SYSTEM_BUTTONS),
                    "type": "string",
                },
                "status": dict(_STATUS),
            },
            "required": ["action"],
            "type": "object",
        },
    }


def computer_use_function(width: int, height: int) -> dict[str, Any]:
    """The ``computer_use`` function for a model shown a ``width`` x ``height`` (resized) screen."""
    return {
        "name": "computer_use",
        "description": _COMPUTER_DESCRIPTION.format(width=width, height=height),
        "parameters": {
            "properties": {
                "action": _action_property(COMPUTER_USE_ACTIONS),
                "keys": {"description": "Required only by `action=key`.", "type": "array"},
                "text": {"description": "Required only by `action=type`.", "type": "string"},
                "coordinate": {
                    "description": f"{_XY} Required only by `action=mouse_move` and `action=left_click_drag`.",
                    "type": "array",
                },
                "pixels": {
                    "description": "The amount of scrolling to perform. Positive values scroll up, negative values scroll down. Required only by `action=scroll`.",
                    "type": "number",
                },
                "time": {
                    "description": "The seconds to wait. Required only by `action=wait`.",
                    "type": "number",
                },
                "status": dict(_STATUS),
            },
            "required": ["action"],
            "type": "object",
        },
    }


def _point(arguments: Mapping[str, Any], field: str, frame: ModelFrame) -> coords.Point:
    value = arguments.get(field)
    if not isinstance(value, list | tuple) or len(value) != 2:
        msg = f"{field!r} must be a pair [x, y], got {value!r}"
        raise InvalidActionError(msg)
    try:
        x, y = float(value[0]), float(value[1])
    except (TypeError, ValueError) as exc:
        msg = f"{field!r} must hold two numbers, got {value!r}"
        raise InvalidActionError(msg) from exc
    return coords.from_model(x, y, frame)


_POINT_TYPES = frozenset(
    {"tap", "double_tap", "long_press", "right_click", "middle_click", "mouse_move"}
)
_PLAIN_FIELDS = {
    "long_press": {"seconds": "time"},
    "type": {"text": "text"},
    "open_app": {"app": "text"},
    "wait": {"seconds": "time"},
    "finish": {"status": "status"},
}
"""Canonical field -> Qwen argument, for fields that carry over unchanged."""


def _row(function: str, name: object) -> QwenAction:
    table = {"mobile_use": MOBILE_USE_ACTIONS, "computer_use": COMPUTER_USE_ACTIONS}.get(function)
    if table is None:
        msg = f"unknown function {function!r}; expected mobile_use or computer_use"
        raise InvalidActionError(msg)
    row = next((row for row in table if row.name == name), None)
    if row is None:
        names = ", ".join(r.name for r in table)
        msg = f"{function}: unknown action {name!r}; expected one of: {names}"
        raise InvalidActionError(msg)
    return row


def action_from_qwen(
    function: str,
    arguments: Mapping[str, Any],
    frame: ModelFrame,
    *,
    cursor: coords.Point | None = None,
) -> Action:
    """A ``mobile_use`` / ``computer_use`` call -> Action. ``cursor`` is where the mouse is."""
    row = _row(function, arguments.get("action"))
    kind = row.canonical
    fields: dict[str, Any] = {
        field: arguments[argument]
        for field, argument in _PLAIN_FIELDS.get(kind, {}).items()
        if arguments.get(argument) is not None
    }
    if kind in _POINT_TYPES:
        if "coordinate" in arguments or function == "mobile_use":
            fields["x"], fields["y"] = _point(arguments, "coordinate", frame)
        elif cursor is not None:
            fields["x"], fields["y"] = cursor
        else:
            msg = f"{row.name} without a coordinate, and the mouse position is unknown"
            raise InvalidActionError(msg)
    elif kind == "swipe":
        fields.update(_drag(function, arguments, frame, cursor))
    elif kind == "key":
        fields["key"] = _key_name(function, row.name, arguments)
    elif kind == "scroll":
        pixels = arguments.get("pixels")
        if not isinstance(pixels, int | float) or pixels == 0:
            msg = f"scroll needs a non-zero number of pixels, got {pixels!r}"
            raise InvalidActionError(msg)
        fields["direction"] = "up" if pixels > 0 else "down"
        if "coordinate" in arguments:
            fields["x"], fields["y"] = _point(arguments, "coordinate", frame)
    return to_action({"type": kind, **fields})


def _drag(
    function: str, arguments: Mapping[str, Any], frame: ModelFrame, cursor: coords.Point | None
) -> dict[str, float]:
    if function == "mobile_use":
        start = _point(arguments, "coordinate", frame)
        end = _point(arguments, "coordinate2", frame)
    elif cursor is None:
        msg = "left_click_drag needs a start: move the mouse first"
        raise InvalidActionError(msg)
    else:
        start, end = cursor, _point(arguments, "coordinate", frame)
    return {"x": start[0], "y": start[1], "x2": end[0], "y2": end[1]}


def _key_name(function: str, name: str, arguments: Mapping[str, Any]) -> str:
    if name == "system_button":
        button = arguments.get("button")
        if button not in _SYSTEM_BUTTONS:
            msg = f"system_button needs button in {list(_SYSTEM_BUTTONS)}, got {button!r}"
            raise InvalidActionError(msg)
        return _SYSTEM_BUTTONS[button]
    if function == "computer_use":
        keys = arguments.get("keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            msg = f"key needs keys as a list of key names, got {keys!r}"
            raise InvalidActionError(msg)
        return "+".join(keys)
    text = arguments.get("text")
    if not isinstance(text, str):
        msg = f"key needs text naming the key, got {text!r}"
        raise InvalidActionError(msg)
    return text


def action_to_qwen(function: str, action: ActionBase, frame: ModelFrame) -> dict[str, Any]:
    """An Action as ``mobile_use`` / ``computer_use`` arguments; ValueError if not expressible."""
    mobile = function == "mobile_use"

    def point(x: float, y: float) -> list[float]:
        return list(coords.to_model(x, y, frame))

    if isinstance(action, Key):
        buttons = {v: k for k, v in _SYSTEM_BUTTONS.items()}
        if not mobile:
            return {"action": "key", "keys": action.key.split("+")}
        if action.key in buttons:
            return {"action": "system_button", "button": buttons[action.key]}
        return {"action": "key", "text": action.key}
    if isinstance(action, Scroll) and mobile:
        x1, y1, x2, y2 = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
        return {"action": "swipe", "coordinate": point(x1, y1), "coordinate2": point(x2, y2)}
    if isinstance(action, Scroll) and action.direction in {"up", "down"}:
        pixels = round((action.amount or coords.DEFAULT_SCROLL_AMOUNT) * frame.height)
        result: dict[str, Any] = {
            "action": "scroll",
            "pixels": pixels if action.direction == "up" else -pixels,
        }
        if action.x is not None and action.y is not None:
            result["coordinate"] = point(action.x, action.y)
        return result
    table = MOBILE_USE_ACTIONS if mobile else COMPUTER_USE_ACTIONS
    row = next((row for row in table if row.canonical == action.type), None)
    if row is None or (isinstance(action, Swipe | Scroll) and not mobile):
        msg = f"{action.type} cannot be written as one {function} call"
        raise ValueError(msg)
    result = {"action": row.name}
    if isinstance(action, PointAction):
        result["coordinate"] = point(action.x, action.y)
    elif isinstance(action, Swipe):
        result["coordinate"] = point(action.x, action.y)
        result["coordinate2"] = point(action.x2, action.y2)
    for field, argument in _PLAIN_FIELDS.get(action.type, {}).items():
        result[argument] = getattr(action, field)
    return result
