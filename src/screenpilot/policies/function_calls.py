"""Reading ``mobile_use`` / ``computer_use`` calls as models really write them.

Qwen2.5-VL, Qwen3-VL, GUI-Owl and MAI-UI answer with calls of one schema (the Qwen2.5-VL
cookbook's ``mobile_use`` / ``computer_use``), and drift from it in a few regular ways: the
action used as the function name (``{"name": "left_click", ...}``), ``key`` / ``type`` /
``function`` as names, arguments given as a bare list, the ``action`` field left out while the
arguments make the intent plain, another family's action or argument names (``click`` for
``left_click``, ``start_coordinate``), and the newer families' extra actions (``answer``,
``triple_click``, MAI-UI's ``swipe`` with a direction, ``drag``).

One normaliser reads them all through alias tables, records each change as a repair, and refuses
only what stays ambiguous (several keys with no modifier: a chord or a sequence?). What it
produces is read by ``tools.qwen.action_from_qwen``, or, for the actions that schema lacks,
mapped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screenpilot.errors import InvalidActionError, ParseError
from screenpilot.policies.parsing import ToolCall, model_point
from screenpilot.policies.settings import Platform
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, Finish, to_action
from screenpilot.tools.coords import ModelFrame
from screenpilot.tools.keys import MODIFIERS, normalize_key
from screenpilot.tools.qwen import COMPUTER_USE_ACTIONS, MOBILE_USE_ACTIONS, action_from_qwen

FUNCTIONS = {"mobile": "mobile_use", "desktop": "computer_use"}
_SCHEMA = {
    "mobile_use": {row.name for row in MOBILE_USE_ACTIONS},
    "computer_use": {row.name for row in COMPUTER_USE_ACTIONS},
}
ACTION_ALIASES: dict[str, dict[str, str]] = {
    "mobile_use": {
        "tap": "click",
        "left_click": "click",
        "press": "long_press",
        "input": "type",
        "open_app": "open",
        "launch": "open",
        "press_back": "system_button",
        "back": "system_button",
        "home": "system_button",
        "sleep": "wait",
        "finish": "terminate",
        "finished": "terminate",
    },
    "computer_use": {
        "click": "left_click",
        "tap": "left_click",
        "double_tap": "double_click",
        "left_double": "double_click",
        "right_single": "right_click",
        "hotkey": "key",
        "press": "key",
        "input": "type",
        "move": "mouse_move",
        "sleep": "wait",
        "finish": "terminate",
        "finished": "terminate",
    },
}
"""Action names models write -> the schema's, per function."""
ARGUMENT_ALIASES = {
    "coordinates": "coordinate",
    "point": "coordinate",
    "position": "coordinate",
    "coordinate1": "coordinate",
    "start_coordinate": "coordinate",
    "end_coordinate": "coordinate2",
    "content": "text",
    "app": "text",
    "app_name": "text",
    "duration": "time",
    "seconds": "time",
}
STATUS_ALIASES = {"fail": "failure", "failed": "failure", "succeed": "success", "done": "success"}
_EXTRA_ACTIONS = {"answer", "interact", "call_user", "ask_user", "triple_click", "hscroll", "drag"}
_BUTTON_NAMES = {"back": "Back", "home": "Home", "menu": "Menu", "enter": "Enter"}


def _function(call: ToolCall, platform: Platform, repairs: list[str]) -> tuple[str, Any]:
    """The function meant, and the arguments (with the action put back where it was the name)."""
    name, arguments = call.name, call.arguments
    platform_function = FUNCTIONS[platform]
    if name in _SCHEMA:
        return name, arguments
    known = _SCHEMA[platform_function] | ACTION_ALIASES[platform_function].keys() | _EXTRA_ACTIONS
    if name is None:
        repairs.append("function: the call names no function; read as " + platform_function)
        return platform_function, arguments
    lowered = name.strip().lower()
    if lowered in known:
        repairs.append(f"function: the action {name!r} was written as the function name")
        if isinstance(arguments, dict):
            return platform_function, {"action": lowered, **arguments}
        return platform_function, {"action": lowered, "_list": arguments}
    if isinstance(arguments, dict) and "action" in arguments:
        repairs.append(f"function: unknown function name {name!r}; its action was read")
        return platform_function, arguments
    msg = f"unknown function {name!r}; expected {platform_function} or one of its actions"
    raise InvalidActionError(msg)


def _list_arguments(action: str | None, values: list[Any], repairs: list[str]) -> dict[str, Any]:
    """Arguments given as a bare list: a point, or a list of keys."""
    repairs.append("arguments: given as a bare list")
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return {"coordinate": values}
    keys = [v.get("text") if isinstance(v, dict) else v for v in values]
    names = [k for k in keys if isinstance(k, str)]
    if names and len(names) == len(keys):
        return {"keys": names} if action in (None, "key") else {"text": " ".join(names)}
    msg = f"cannot tell what the argument list {values!r} means"
    raise InvalidActionError(msg)


def _arguments(function: str, raw: Any, repairs: list[str]) -> dict[str, Any]:
    """Schema-named arguments with a schema action name."""
    if isinstance(raw, list):
        raw = {"_list": raw}
    if not isinstance(raw, dict):
        raise ParseError(f"the arguments are not a JSON object: {raw!r}")
    arguments = dict(raw)
    listed = arguments.pop("_list", None)
    given = arguments.get("action")
    named = given if isinstance(given, str) else None
    if listed is not None:
        arguments.update(_list_arguments(named, listed, repairs))
    for alias, name in ARGUMENT_ALIASES.items():
        if alias in arguments and name not in arguments:
            arguments[name] = arguments.pop(alias)
            repairs.append(f"argument: {alias!r} read as {name!r}")
    action = (named or _implied_action(function, arguments, repairs)).strip().lower()
    schema_name = ACTION_ALIASES[function].get(action)
    if schema_name is not None and action not in _SCHEMA[function]:
        repairs.append(f"action: {action!r} read as {schema_name!r}")
        if action in ("back", "home", "press_back"):
            arguments.setdefault("button", "Back" if action != "home" else "Home")
        action = schema_name
    arguments["action"] = action
    return arguments


def _implied_action(function: str, arguments: Mapping[str, Any], repairs: list[str]) -> str:
    mobile = function == "mobile_use"
    if "coordinate2" in arguments:
        implied = "swipe" if mobile else "left_click_drag"
    elif "coordinate" in arguments:
        implied = "click" if mobile else "left_click"
    elif "keys" in arguments:
        implied = "key"
    elif "text" in arguments:
        implied = "type"
    elif "status" in arguments:
        implied = "terminate"
    else:
        msg = f"the call gives no action and its arguments do not imply one: {dict(arguments)!r}"
        raise InvalidActionError(msg)
    repairs.append(f"action: missing; {implied!r} implied by the arguments")
    return implied


def _keys(function: str, arguments: dict[str, Any], repairs: list[str]) -> None:
    """Key arguments in the schema's shape: ``keys`` (a chord) on desktops, ``text`` on phones."""
    keys = arguments.get("keys")
    if keys is None and isinstance(arguments.get("key"), str):
        keys = arguments.pop("key")
    if isinstance(keys, str):
        keys = [part for part in keys.replace("+", " ").split() if part] or [keys]
    if keys is None and function == "computer_use" and isinstance(arguments.get("text"), str):
        keys = [part for part in arguments["text"].replace("+", " ").split() if part]
        repairs.append("argument: key names given as text")
    if keys is None:
        return
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise InvalidActionError(f"key needs key names, got {keys!r}")
    names = [_key_name(key) for key in keys]
    if len(names) > 1 and not all(name in MODIFIERS for name in names[:-1]):
        msg = f"keys {keys!r}: several keys without modifiers, a chord or a sequence?"
        raise InvalidActionError(msg)
    if function == "computer_use":
        arguments["keys"] = names
    else:
        arguments["text"] = "+".join(names)
        arguments.pop("keys", None)


def _key_name(key: str) -> str:
    try:
        return normalize_key(key)
    except ValueError as exc:
        raise InvalidActionError(str(exc)) from None


def _point(arguments: Mapping[str, Any], name: str, frame: ModelFrame) -> coords.Point:
    x, y = model_point(arguments.get(name), name)
    return coords.from_model(x, y, frame)


def _extra_action(
    action: str, arguments: dict[str, Any], frame: ModelFrame, repairs: list[str]
) -> Action | None:
    """The newer families' actions the Qwen2.5-VL schema does not have."""
    text = arguments.get("text")
    if action == "answer":
        return Finish(status="success", answer=text if isinstance(text, str) else None)
    if action in ("interact", "call_user", "ask_user"):
        repairs.append(f"action: {action!r} (the model asks for a person) ends the episode")
        return Finish(status="failure", answer=text if isinstance(text, str) else None)
    if action == "triple_click":
        repairs.append("action: 'triple_click' performed as a double click")
        x, y = _point(arguments, "coordinate", frame)
        return to_action({"type": "double_tap", "x": x, "y": y})
    if action == "hscroll":
        pixels = arguments.get("pixels")
        if not isinstance(pixels, int | float) or pixels == 0:
            raise InvalidActionError(f"hscroll needs a non-zero number of pixels, got {pixels!r}")
        return to_action({"type": "scroll", "direction": "right" if pixels > 0 else "left"})
    if action == "drag" or (action == "swipe" and "direction" in arguments):
        return _motion(action, arguments, frame)
    return None


def _motion(action: str, arguments: dict[str, Any], frame: ModelFrame) -> Action:
    """MAI-UI's ``drag`` (two points) and ``swipe`` with a finger direction (a swipe up shows
    what is below: a scroll down), at a point when one is given."""
    if action == "drag":
        x, y = _point(arguments, "coordinate", frame)
        x2, y2 = _point(arguments, "coordinate2", frame)
        return to_action({"type": "swipe", "x": x, "y": y, "x2": x2, "y2": y2})
    finger = str(arguments.get("direction", "")).strip().lower()
    scroll = {"up": "down", "down": "up", "left": "right", "right": "left"}.get(finger)
    if scroll is None:
        raise InvalidActionError(f"swipe needs direction up/down/left/right, got {finger!r}")
    fields: dict[str, Any] = {"type": "scroll", "direction": scroll}
    if arguments.get("coordinate") is not None:
        fields["x"], fields["y"] = _point(arguments, "coordinate", frame)
    return to_action(fields)


def read_call(
    call: ToolCall,
    frame: ModelFrame,
    platform: Platform,
    *,
    cursor: coords.Point | None = None,
    repairs: list[str],
) -> Action:
    """One call of the family as an Action; repairs are appended to ``repairs``."""
    function, raw = _function(call, platform, repairs)
    arguments = _arguments(function, raw, repairs)
    action = arguments["action"]
    if isinstance(arguments.get("status"), str):
        status = arguments["status"].strip().lower()
        if status in STATUS_ALIASES:
            repairs.append(
                f"argument: status {arguments['status']!r} read as {STATUS_ALIASES[status]!r}"
            )
            arguments["status"] = STATUS_ALIASES[status]
    if (
        isinstance(arguments.get("button"), str)
        and arguments["button"] not in _BUTTON_NAMES.values()
    ):
        button = _BUTTON_NAMES.get(arguments["button"].strip().lower())
        if button is not None:
            repairs.append(f"argument: button {arguments['button']!r} read as {button!r}")
            arguments["button"] = button
    if action == "key":
        _keys(function, arguments, repairs)
    if action in _EXTRA_ACTIONS or (action == "swipe" and "direction" in arguments):
        extra = _extra_action(action, arguments, frame, repairs)
        if extra is not None:
            return extra
    for name in ("coordinate", "coordinate2"):
        if arguments.get(name) is not None:
            arguments[name] = list(model_point(arguments[name], name))
    unused = sorted(set(arguments) - _ALLOWED.get(action, set()) - {"action"})
    if unused:
        repairs.append(f"arguments: ignored {', '.join(unused)} (not used by {action})")
    return action_from_qwen(function, arguments, frame, cursor=cursor)


_ALLOWED: dict[str, set[str]] = {
    "key": {"keys", "text"},
    "click": {"coordinate"},
    "left_click": {"coordinate"},
    "long_press": {"coordinate", "time"},
    "swipe": {"coordinate", "coordinate2"},
    "type": {"text"},
    "system_button": {"button"},
    "open": {"text"},
    "wait": {"time"},
    "terminate": {"status"},
    "mouse_move": {"coordinate"},
    "left_click_drag": {"coordinate"},
    "right_click": {"coordinate"},
    "middle_click": {"coordinate"},
    "double_click": {"coordinate"},
    "scroll": {"pixels", "coordinate"},
}
"""The arguments each schema action reads; others are ignored (and the drift recorded)."""


__all__ = ["ACTION_ALIASES", "ARGUMENT_ALIASES", "FUNCTIONS", "read_call"]
