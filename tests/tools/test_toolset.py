"""Actions as function-calling tools: langchain, OpenAI and the Qwen2.5-VL function shapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screenpilot.errors import InvalidActionError
from screenpilot.tools import (
    ACTION_CLASSES,
    MOBILE_ACTIONS,
    Finish,
    Key,
    Scroll,
    Swipe,
    Tap,
    action_tools,
    from_tool_call,
    openai_tools,
    same_action,
    to_action,
    to_json,
    to_tool_call,
)
from screenpilot.tools.coords import ModelFrame
from screenpilot.tools.qwen import (
    action_from_qwen,
    action_to_qwen,
    computer_use_function,
    mobile_use_function,
)

TAP_TOOL = {
    "type": "function",
    "function": {
        "name": "tap",
        "description": "Tap (left-click) the element at a point.",
        "parameters": {
            "properties": {
                "x": {
                    "description": "Horizontal position as a fraction of the screenshot width: 0 is the left edge, 1 the right edge.",
                    "maximum": 1,
                    "minimum": 0,
                    "type": "number",
                },
                "y": {
                    "description": "Vertical position as a fraction of the screenshot height: 0 is the top edge, 1 the bottom edge.",
                    "maximum": 1,
                    "minimum": 0,
                    "type": "number",
                },
            },
            "required": ["x", "y"],
            "type": "object",
        },
    },
}

FINISH_TOOL = {
    "type": "function",
    "function": {
        "name": "finish",
        "description": "Stop: the task is done (success) or cannot be done (failure).",
        "parameters": {
            "properties": {
                "status": {
                    "description": "success or failure.",
                    "enum": ["success", "failure"],
                    "type": "string",
                },
                "answer": {
                    "anyOf": [{"type": "string"}, {"type": "null"}],
                    "default": None,
                    "description": "The answer, if the task asked a question.",
                },
            },
            "required": ["status"],
            "type": "object",
        },
    },
}


def test_openai_tool_schemas_are_exact() -> None:
    tools = openai_tools(["finish", "tap"])
    assert tools == [TAP_TOOL, FINISH_TOOL]  # in the action space's order, whatever was asked
    assert [t["function"]["name"] for t in openai_tools()] == [
        n for n in ACTION_CLASSES if n in MOBILE_ACTIONS
    ]
    for tool in openai_tools(ACTION_CLASSES):
        assert (
            "type" not in tool["function"]["parameters"]["properties"]
        )  # the discriminator is the name


def test_openai_tools_are_fresh_copies() -> None:
    first = openai_tools(["tap"])
    first[0]["function"]["name"] = "changed"
    assert openai_tools(["tap"])[0]["function"]["name"] == "tap"


def test_unknown_tool_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown action types"):
        openai_tools(["tap", "fly"])


def test_langchain_tools_build_validated_actions() -> None:
    tools = {tool.name: tool for tool in action_tools(ACTION_CLASSES)}
    assert set(tools) == set(ACTION_CLASSES)
    assert tools["tap"].invoke({"x": 0.1, "y": 0.2}) == Tap(x=0.1, y=0.2)
    assert tools["swipe"].invoke({"x": 0.5, "y": 0.8, "x2": 0.5, "y2": 0.2}) == Swipe(
        x=0.5, y=0.8, x2=0.5, y2=0.2
    )
    assert tools["key"].invoke({"key": "Ctrl+C"}) == Key(key="ctrl+c")
    assert tools["tap"].args_schema is not None
    with pytest.raises(ValueError, match="less than or equal to 1"):
        tools["tap"].invoke({"x": 3, "y": 0.2})


@pytest.mark.parametrize("name", list(ACTION_CLASSES))
def test_tool_call_round_trip(name: str) -> None:
    from screenpilot.environments.check import SAMPLE_ACTIONS

    action = to_action({"type": name, **SAMPLE_ACTIONS.get(name, {"status": "success"})})
    call = to_tool_call(action)
    assert call["name"] == name and "type" not in call["arguments"]
    assert from_tool_call(call["name"], call["arguments"]) == action
    assert from_tool_call(call["name"], json.dumps(call["arguments"])) == action


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("fly", {}, "unknown tool 'fly'"),
        ("tap", "{x: 1", "arguments of tool 'tap' are not valid JSON"),
        ("tap", "[0.5, 0.5]", "must be a JSON object"),
        ("tap", {"type": "swipe", "x": 0.5, "y": 0.5}, "tool 'tap' called with type='swipe'"),
        ("tap", {"x": 0.5}, "tap.y: field required"),
    ],
)
def test_bad_tool_calls_are_the_models_error(name: str, arguments: object, message: str) -> None:
    with pytest.raises(InvalidActionError, match=message.replace("(", r"\(").replace("[", r"\[")):
        from_tool_call(name, arguments)  # type: ignore[arg-type]


# --- Qwen2.5-VL mobile_use / computer_use ------------------------------------------------------

MOBILE_USE_LINE_START = (
    '{"name": "mobile_use", "description": "Use a touchscreen to interact with a mobile device, and take '
    "screenshots.\\n* This is an interface to a mobile device with touchscreen. You can perform actions like "
    "clicking, typing, swiping, etc.\\n* Some applications may take time to start or process actions, so you "
    "may need to wait and take successive screenshots to see the results of your actions.\\n* The screen's "
    "resolution is 1092x2408.\\n* Make sure to click any buttons, links, icons, etc with the cursor tip in the "
    'center of the element. Don\'t click boxes on their edges unless asked.", "parameters": {"properties": '
    '{"action": {"description": "The action to perform. The available actions are:\\n* `key`: Perform a key '
    "event on the mobile device.\\n    - This supports adb's `keyevent` syntax.\\n    - Examples: "
    '\\"volume_up\\", \\"volume_down\\", \\"power\\", \\"camera\\", \\"clear\\".\\n* `click`: Click the point '
    "on the screen with coordinate (x, y).\\n"
)


def test_mobile_use_renders_like_the_cookbook() -> None:
    function = mobile_use_function(1092, 2408)
    line = json.dumps(function, ensure_ascii=False)
    assert line.startswith(MOBILE_USE_LINE_START)
    parameters = function["parameters"]
    assert list(parameters) == ["properties", "required", "type"]
    assert list(parameters["properties"]) == [
        "action",
        "coordinate",
        "coordinate2",
        "text",
        "time",
        "button",
        "status",
    ]
    assert list(parameters["properties"]["action"]) == ["description", "enum", "type"]
    assert list(parameters["properties"]["status"]) == ["description", "type", "enum"]
    assert parameters["properties"]["action"]["enum"] == [
        "key",
        "click",
        "long_press",
        "swipe",
        "type",
        "system_button",
        "open",
        "wait",
        "terminate",
    ]
    assert parameters["properties"]["button"]["enum"] == ["Back", "Home", "Menu", "Enter"]


def test_computer_use_lists_its_actions_and_resolution() -> None:
    function = computer_use_function(1316, 728)
    assert "The screen's resolution is 1316x728." in function["description"]
    assert function["parameters"]["properties"]["action"]["enum"] == [
        "key",
        "type",
        "mouse_move",
        "left_click",
        "left_click_drag",
        "right_click",
        "middle_click",
        "double_click",
        "scroll",
        "wait",
        "terminate",
    ]


FRAME = ModelFrame.qwen25(1080, 2400)  # 1092 x 2408


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"action": "click", "coordinate": [546, 602]}, Tap(x=0.5, y=0.25)),
        (
            {"action": "long_press", "coordinate": [546, 602], "time": 2},
            to_action({"type": "long_press", "x": 0.5, "y": 0.25, "seconds": 2}),
        ),
        (
            {"action": "swipe", "coordinate": [546, 1806], "coordinate2": [546, 602]},
            Swipe(x=0.5, y=0.75, x2=0.5, y2=0.25),
        ),
        ({"action": "type", "text": "你好"}, to_action({"type": "type", "text": "你好"})),
        ({"action": "system_button", "button": "Back"}, Key(key="back")),
        ({"action": "key", "text": "volume_up"}, Key(key="volume_up")),
        ({"action": "open", "text": "Chrome"}, to_action({"type": "open_app", "app": "Chrome"})),
        ({"action": "wait", "time": 3}, to_action({"type": "wait", "seconds": 3})),
        ({"action": "terminate", "status": "failure"}, Finish(status="failure")),
    ],
)
def test_mobile_use_calls_become_actions(arguments: dict[str, object], expected: object) -> None:
    assert action_from_qwen("mobile_use", arguments, FRAME) == expected


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"action": "fly"}, "unknown action 'fly'"),
        ({"action": "click"}, "'coordinate' must be a pair"),
        ({"action": "click", "coordinate": [5000, 10]}, "outside the pixels-1092x2408 frame"),
        ({"action": "click", "coordinate": ["a", 1]}, "must hold two numbers"),
        ({"action": "system_button", "button": "Power"}, "system_button needs button"),
        ({"action": "type"}, "type.text: field required"),
    ],
)
def test_bad_mobile_use_calls_are_the_models_error(
    arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidActionError, match=message):
        action_from_qwen("mobile_use", arguments, FRAME)


def test_computer_use_uses_the_cursor_when_no_coordinate_is_given() -> None:
    frame = ModelFrame.qwen25(1920, 1080, max_pixels=1280 * 28 * 28)  # 1316 x 728
    assert action_from_qwen(
        "computer_use", {"action": "left_click", "coordinate": [658, 364]}, frame
    ) == Tap(x=0.5, y=0.5)
    assert action_from_qwen(
        "computer_use", {"action": "double_click"}, frame, cursor=(0.25, 0.5)
    ) == to_action({"type": "double_tap", "x": 0.25, "y": 0.5})
    drag = action_from_qwen(
        "computer_use",
        {"action": "left_click_drag", "coordinate": [658, 364]},
        frame,
        cursor=(0.1, 0.1),
    )
    assert drag == Swipe(x=0.1, y=0.1, x2=0.5, y2=0.5)
    assert action_from_qwen("computer_use", {"action": "key", "keys": ["ctrl", "s"]}, frame) == Key(
        key="ctrl+s"
    )
    assert action_from_qwen("computer_use", {"action": "scroll", "pixels": -300}, frame) == Scroll(
        direction="down"
    )
    with pytest.raises(InvalidActionError, match="mouse position is unknown"):
        action_from_qwen("computer_use", {"action": "right_click"}, frame)
    with pytest.raises(InvalidActionError, match="move the mouse first"):
        action_from_qwen("computer_use", {"action": "left_click_drag", "coordinate": [1, 1]}, frame)


unit = st.floats(min_value=0, max_value=1, allow_nan=False)
mobile_actions = st.one_of(
    st.builds(Tap, x=unit, y=unit),
    st.builds(
        lambda x, y, s: to_action({"type": "long_press", "x": x, "y": y, "seconds": s}),
        unit,
        unit,
        st.floats(0.1, 10),
    ),
    st.builds(Swipe, x=unit, y=unit, x2=unit, y2=unit),
    st.builds(lambda t: to_action({"type": "type", "text": t}), st.text(min_size=1, max_size=20)),
    st.sampled_from(
        [
            Key(key="back"),
            Key(key="home"),
            Key(key="enter"),
            Key(key="volume_down"),
            Finish(status="success"),
        ]
    ),
)


@given(mobile_actions, st.integers(200, 3000), st.integers(200, 3000))
def test_mobile_use_round_trip_is_within_one_model_pixel(
    action: object, width: int, height: int
) -> None:
    frame = ModelFrame.qwen25(width, height)
    back = action_from_qwen("mobile_use", action_to_qwen("mobile_use", action, frame), frame)  # type: ignore[arg-type]
    assert same_action(back, action, tolerance=1 / min(frame.width, frame.height))  # type: ignore[arg-type]


def test_scroll_is_written_as_the_equivalent_swipe_for_phones() -> None:
    call = action_to_qwen("mobile_use", Scroll(direction="down"), FRAME)
    assert call == {"action": "swipe", "coordinate": [546, 1806], "coordinate2": [546, 602]}
    assert to_json(action_from_qwen("mobile_use", call, FRAME))["y2"] < 0.5


def test_actions_a_function_cannot_express_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        action_to_qwen("mobile_use", to_action({"type": "right_click", "x": 0.5, "y": 0.5}), FRAME)
    with pytest.raises(ValueError, match="cannot be written"):
        action_to_qwen("computer_use", Swipe(x=0.1, y=0.1, x2=0.2, y2=0.2), FRAME)
