"""The action space, its tool forms, and the coordinate contract.

``to_action(obj)`` builds an Action from its JSON form; ``to_json(action)`` gives it back.
"""

from screenpilot.tools.actions import (
    ACTION_CLASSES,
    DESKTOP_ACTIONS,
    MOBILE_ACTIONS,
    Action,
    ActionBase,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    MiddleClick,
    MouseMove,
    OpenApp,
    PointAction,
    RightClick,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
    same_action,
    to_action,
    to_json,
)
from screenpilot.tools.toolset import action_tools, from_tool_call, openai_tools, to_tool_call

__all__ = [
    "ACTION_CLASSES",
    "DESKTOP_ACTIONS",
    "MOBILE_ACTIONS",
    "Action",
    "ActionBase",
    "DoubleTap",
    "Finish",
    "Key",
    "LongPress",
    "MiddleClick",
    "MouseMove",
    "OpenApp",
    "PointAction",
    "RightClick",
    "Scroll",
    "Swipe",
    "Tap",
    "TypeText",
    "Wait",
    "action_tools",
    "from_tool_call",
    "openai_tools",
    "same_action",
    "to_action",
    "to_json",
    "to_tool_call",
]
