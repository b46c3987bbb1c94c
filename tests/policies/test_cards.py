"""Model cards: prompts byte-for-byte, realistic answers parsed, round trips, fuzzing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from screenpilot.agent.core import Decision, Observation, Step, StepError
from screenpilot.errors import InvalidActionError, ModelError, ParseError
from screenpilot.policies.cards import PromptContext
from screenpilot.policies.catalog import CARDS, card_for_model
from screenpilot.policies.formats import FORMATS
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
    to_action,
)
from screenpilot.tools.coords import ModelFrame

PHONE = (1080, 2400)
RESIZED = (1092, 2408)  # smart_resize of 1080x2400 with the hub's 12.8M-pixel budget


def observation(size: tuple[int, int] = PHONE, notes: tuple[str, ...] = ()) -> Observation:
    return Observation(Image.new("RGB", size), coords.Screen.same_size(*size), notes=notes)


# (card, answer, resized size, expected action) -- coordinates worked out by hand.
CORPUS: list[tuple[str, str, tuple[int, int] | None, Action]] = [
    # The Qwen2.5-VL cookbook's real output, 1092x2408 frame.
    (
        "qwen25vl",
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [935, 406]}}\n</tool_call>',
        RESIZED,
        Tap(x=935 / 1092, y=406 / 2408),
    ),
    (  # prose before, markdown fence, no closing tag, Chinese text
        "qwen25vl",
        '我需要输入。\n<tool_call>\n```json\n{"name": "mobile_use", "arguments": {"action": "type", "text": "牛奶"}}\n```',
        None,
        TypeText(text="牛奶"),
    ),
    (  # two calls: the first counts
        "qwen25vl",
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "system_button", "button": "Back"}}\n</tool_call>\n<tool_call>\n{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}\n</tool_call>',
        None,
        Key(key="back"),
    ),
    (  # truncated JSON, a smaller pixel budget (672x1484)
        "qwen25vl",
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "swipe", "coordinate": [336, 1000], "coordinate2": [336, 400',
        (672, 1484),
        Swipe(x=336 / 672, y=1000 / 1484, x2=336 / 672, y2=400 / 1484),
    ),
    (  # single quotes (a Python dict) and a bare arguments object
        "qwen25vl",
        "{'action': 'open', 'text': 'Settings'}",
        None,
        OpenApp(app="Settings"),
    ),
    (  # Qwen2-VL: relative 0..1000; a box in grounding tokens becomes its centre
        "qwen2vl",
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": "<|box_start|>(100,200),(300,400)<|box_end|>"}}\n</tool_call><|im_end|>',
        None,
        Tap(x=0.2, y=0.3),
    ),
    (  # the qwen-agent ✿FUNCTION✿ form, point written as (x,y) with the box tokens stripped
        "qwen2vl",
        '✿FUNCTION✿: mobile_use\n✿ARGS✿: {"action": "long_press", "coordinate": "(500,250)", "time": 2}\n✿RESULT✿',
        None,
        LongPress(x=0.5, y=0.25, seconds=2),
    ),
    (
        "qwen2vl",
        'Done.<tool_call>{"name": "mobile_use", "arguments": {"action": "terminate", "status": "failure"}}</tool_call>',
        None,
        Finish(status="failure"),
    ),
    # UI-TARS 1.0 (0..1000), as decoded with the box tokens skipped and kept
    (
        "uitars",
        "Thought: The search box is at the top.\nAction: click(start_box='(235,512)')",
        None,
        Tap(x=0.235, y=0.512),
    ),
    (
        "uitars",
        "Thought: scroll\nAction: scroll(start_box='<|box_start|>(500,800)<|box_end|>', end_box='<|box_start|>(500,200)<|box_end|>')",
        None,
        Swipe(x=0.5, y=0.8, x2=0.5, y2=0.2),
    ),
    ("uitars", "Thought: go back\nAction: press_back()", None, Key(key="back")),
    # UI-TARS 1.5: pixels of its own smart resize (min 100*28*28 -> 1092x2408 here)
    (
        "uitars15",
        "Thought: 点击搜索框\nAction: click(point='<point>546 1204</point>')",
        RESIZED,
        Tap(x=0.5, y=0.5),
    ),
    (
        "uitars15",
        "Thought: type\nAction: type(content='it\\'s \"fine\"\\n')",
        None,
        TypeText(text='it\'s "fine"\n'),
    ),
    (
        "uitars15",
        "Thought: more\nAction: scroll(point='<point>546 1204</point>', direction='down')",
        RESIZED,
        Scroll(direction="down", x=0.5, y=0.5),
    ),
    (
        "uitars15",
        "Action: finished(content='The price is 5')",
        None,
        Finish(status="success", answer="The price is 5"),
    ),
    ("uitars15", "Thought: wait\nAction: wait()", None, Wait(seconds=5)),
    ("uitars15", "Action: hotkey(key='ctrl c')", None, Key(key="ctrl+c")),
]


@pytest.mark.parametrize(("card", "text", "resized", "expected"), CORPUS)
def test_realistic_answers_parse_to_the_intended_action(
    card: str, text: str, resized: tuple[int, int] | None, expected: Action
) -> None:
    action = FORMATS[card](text, PHONE, resized)
    assert action.type == expected.type
    got, want = action.model_dump(), expected.model_dump()
    for key, value in want.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, abs=1e-9), key
        else:
            assert got[key] == value, key


def test_extra_calls_and_reasoning_are_kept() -> None:
    parsed = CARDS["qwen25vl"].parse(CORPUS[2][1], PHONE)
    assert parsed.ignored_calls == (
        '{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}',
    )
    parsed = CARDS["uitars"].parse(CORPUS[8][1], PHONE)
    assert parsed.reasoning == "The search box is at the top."
    assert CARDS["qwen25vl"].parse(CORPUS[1][1], PHONE).reasoning == "我需要输入。"


@pytest.mark.parametrize(
    ("card", "text", "error", "reason"),
    [
        ("qwen25vl", "I think I should tap the button.", ParseError, "no tool call"),
        ("qwen25vl", "<tool_call>\n{nonsense}\n</tool_call>", ParseError, "malformed"),
        (
            "qwen25vl",
            '<tool_call>{"name": "mobile_use", "arguments": {"action": "fly"}}</tool_call>',
            InvalidActionError,
            "unknown action 'fly'",
        ),
        (
            "qwen25vl",
            '<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [5000, 10]}}</tool_call>',
            InvalidActionError,
            "outside the pixels-672x1484 frame",
        ),
        ("uitars15", "Thought: hmm", ParseError, "no function call"),
        ("uitars15", "Action: dance()", ParseError, "unknown action dance"),
        ("uitars", "Action: click(start_box='(12)')", ParseError, "must be a point"),
    ],
)
def test_unreadable_answers_are_typed_errors_with_reason_and_raw_text(
    card: str, text: str, error: type[ModelError], reason: str
) -> None:
    with pytest.raises(error, match=reason) as caught:
        FORMATS[card](text, PHONE, None)
    assert caught.value.raw_output == text


def test_qwen25vl_system_prompt_is_the_cookbook_text() -> None:
    card = CARDS["qwen25vl"]
    context = PromptContext(Image.new("RGB", RESIZED))
    system, user = card.messages("Open settings", observation(), (), context)
    prompt = system["content"]
    head = (
        "You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist "
        "with the user query.\n\nYou are provided with function signatures within <tools></tools> "
        'XML tags:\n<tools>\n{"type": "function", "function": {"name_for_human": "mobile_use", '
        '"name": "mobile_use", "description": "Use a touchscreen to interact with a mobile '
        "device, and take screenshots.\\n* This is an interface to a mobile device with touchscreen."
    )
    tail = (
        '"required": ["action"], "type": "object"}, "args_format": "Format the arguments as a '
        'JSON object."}}\n</tools>\n\nFor each function call, return a json object with function '
        "name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )
    assert prompt.startswith(head) and prompt.endswith(tail)
    assert "* The screen's resolution is 1092x2408.\\n" in prompt
    assert user["content"][0] == {
        "type": "text",
        "text": "The user query: Open settings\nTask progress (You have done the following "
        "operation on the current device): ",
    }
    assert user["content"][1]["type"] == "image" and user["content"][1]["image"].size == RESIZED


def _step(index: int, action: Action | None, **decision: object) -> Step:
    error = None
    if action is None:
        error = StepError("parse_error", "no tool call found")
        made = Decision(error=ParseError("no tool call found"), **decision)  # type: ignore[arg-type]
    else:
        made = Decision(action=action, **decision)  # type: ignore[arg-type]
    return Step(index, observation(), made, "executed" if error is None else "model_error", error)


def test_history_uses_summaries_else_the_cards_call_and_shows_errors() -> None:
    history = [
        _step(0, OpenApp(app="Settings"), info={"summary": "open the Settings app"}),
        _step(1, Tap(x=0.5, y=0.25), reasoning="tap wifi"),
        _step(2, None, raw_output="blah"),
    ]
    history[1].error = StepError("denied", "not executed: needs confirmation")
    context = PromptContext(Image.new("RGB", RESIZED))
    text = CARDS["qwen25vl"].messages("t", observation(notes=("screen is dark",)), history, context)
    assert text[1]["content"][0]["text"] == (
        "The user query: t\nTask progress (You have done the following operation on the current "
        "device): Step 1: open the Settings app; Step 2: "
        '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [546, 602]}}'
        " [failed: not executed: needs confirmation]; Step 3: (no valid action) "
        "[failed: no tool call found]; \nNote: screen is dark"
    )
    card = CARDS["uitars15"]
    shown = PromptContext(context.image, history_images=card.history_images)
    turns = card.messages("t", observation(), history, shown)
    assistant = [m["content"] for m in turns if m["role"] == "assistant"]
    assert assistant[1] == "Thought: tap wifi\nAction: click(point='<point>546 602</point>')"
    assert assistant[0] == "Thought: open the Settings app\nAction: open_app(app_name='Settings')"
    failures = [m for m in turns if m["role"] == "user" and "failed" in str(m["content"])]
    assert len(failures) == 2
    # UI-TARS shows the last screenshots: 3 previous + the current one.
    images = [p for m in turns if m["role"] == "user" for p in m["content"] if p["type"] == "image"]
    assert len(images) == 4


ROUND_TRIP = [
    Tap(x=0.31, y=0.77),
    DoubleTap(x=0.1, y=0.9),
    LongPress(x=0.5, y=0.5, seconds=2),
    Swipe(x=0.5, y=0.8, x2=0.52, y2=0.2),
    Scroll(direction="up"),
    TypeText(text='it\'s a "test"\nwith 汉字 and \\ backslash'),
    Key(key="back"),
    Key(key="home"),
    OpenApp(app="Chrome"),
    Wait(seconds=5),
    Finish(status="success", answer="42"),
    Finish(status="failure"),
]


QWEN_CALLS = {"qwen2vl", "qwen25vl", "qwen3vl", "guiowl", "maiui"}
"""Cards that answer with ``mobile_use`` calls."""
NOT_IN_GRAMMAR = (
    {(name, "double_tap") for name in QWEN_CALLS}  # mobile_use has no double click
    | {("qwenvl", action.type) for action in ROUND_TRIP if action.type != "tap"}  # it only locates
    | {("uivenus", "scroll"), ("autoglm", "scroll")}  # both swipe instead
)


def expected_back(name: str, action: Action) -> Action | None:
    """What a card reads back from its own answer for ``action`` (None: it cannot write it)."""
    if (name, action.type) in NOT_IN_GRAMMAR:
        return None
    if name in QWEN_CALLS and isinstance(action, Scroll):  # mobile_use scrolls by swiping
        x1, y1, x2, y2 = coords.scroll_to_swipe(action.direction)
        return Swipe(x=x1, y=y1, x2=x2, y2=y2)
    if name in QWEN_CALLS and isinstance(action, Finish):  # terminate has no answer field
        return Finish(status=action.status)
    if name in ("uivenus", "autoglm") and isinstance(action, Finish) and action.status == "failure":
        return None  # neither has a way to give up
    if name == "uivenus" and isinstance(action, Wait):  # Wait() takes no time
        return Wait(seconds=1.0)
    if name in ("uivenus", "autoglm") and isinstance(action, LongPress):  # no duration
        return LongPress(x=action.x, y=action.y)
    return action


@pytest.mark.parametrize("name", list(CARDS))
@pytest.mark.parametrize("action", ROUND_TRIP, ids=lambda a: a.type)
def test_round_trip_action_answer_action(name: str, action: Action) -> None:
    card = CARDS[name]
    frame = card.frame(PHONE, None)
    expected = expected_back(name, action)
    if expected is None:
        with pytest.raises(ValueError, match="cannot be written"):
            card.answer(action, frame)
        return
    back = card.parse(card.answer(action, frame), PHONE).action
    assert back.type == expected.type
    pixel = 1 / frame.width, 1 / frame.height
    for key, value in expected.model_dump().items():
        if isinstance(value, float) and key in ("x", "x2", "y", "y2"):
            assert abs(getattr(back, key) - value) <= pixel[key.startswith("y")], key
        else:
            assert getattr(back, key) == value, key


def test_every_agent_card_writes_the_common_actions() -> None:
    common = [Tap(x=0.5, y=0.5), Swipe(x=0, y=0, x2=1, y2=1), TypeText(text="a"), Key(key="back")]
    for name, card in CARDS.items():
        for action in common if name != "qwenvl" else common[:1]:
            assert card.answer(action, card.frame(PHONE, None))


@settings(max_examples=150, deadline=None)
@given(x=st.floats(0, 1), y=st.floats(0, 1), name=st.sampled_from(list(CARDS)))
def test_any_tap_survives_a_round_trip_within_one_model_pixel(
    x: float, y: float, name: str
) -> None:
    card = CARDS[name]
    frame = card.frame(PHONE, RESIZED)
    back = card.parse(card.answer(Tap(x=x, y=y), frame), PHONE, RESIZED).action
    assert isinstance(back, Tap)
    assert abs(back.x - x) <= 1 / frame.width and abs(back.y - y) <= 1 / frame.height


FRAGMENTS = st.sampled_from(
    [
        "<tool_call>",
        "</tool_call>",
        "{",
        "}",
        "[",
        "]",
        '"',
        "'",
        ",",
        ":",
        '"name": "mobile_use"',
        '"arguments":',
        '"action": "click"',
        '"coordinate": ',
        "[1, 2]",
        "✿FUNCTION✿: ",
        "\n✿ARGS✿: ",
        "Thought: ",
        "Action: ",
        "click(",
        "point='<point>",
        "</point>'",
        ")",
        "<|box_start|>(1,2)<|box_end|>",
        "1e309",
        "-5",
        "\\",
        "```json\n",
        "<think>",
        "<|im_end|>",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=25),
    name=st.sampled_from(list(FORMATS)),
)
def test_no_input_raises_anything_but_a_model_error(parts: list[str], name: str) -> None:
    text = "".join(parts)
    try:
        action = FORMATS[name](text, PHONE, None)
    except ModelError as exc:
        assert str(exc)
    else:
        assert to_action(json.loads(action.model_dump_json())) == action


def test_the_card_is_chosen_from_the_model_name() -> None:
    assert card_for_model("Qwen/Qwen2-VL-7B-Instruct") == "qwen2vl"
    assert card_for_model("Qwen/Qwen2.5-VL-7B-Instruct") == "qwen25vl"
    assert card_for_model("bytedance-research/UI-TARS-7B-SFT") == "uitars"
    assert card_for_model("ByteDance-Seed/UI-TARS-1.5-7B") == "uitars15"
    assert ModelFrame.relative(1000) == CARDS["qwen2vl"].frame(PHONE, RESIZED)


def test_desktop_prompts_use_computer_use_and_clicks_without_a_point_use_the_cursor() -> None:
    card = CARDS["qwen25vl"]
    context = PromptContext(Image.new("RGB", (1316, 728)), platform="desktop")
    system, _ = card.messages("t", observation((2560, 1440)), (), context)
    assert '"name": "computer_use"' in system["content"]
    assert "The screen's resolution is 1316x728." in system["content"]
    moved = _step(0, Tap(x=0.25, y=0.5))
    answer = (
        '<tool_call>{"name": "computer_use", "arguments": {"action": "right_click"}}</tool_call>'
    )
    parsed = card.parse(answer, (2560, 1440), (1316, 728), history=[moved], platform="desktop")
    assert parsed.action.model_dump() == {"type": "right_click", "x": 0.25, "y": 0.5}
    with pytest.raises(InvalidActionError, match="mouse position is unknown"):
        card.parse(answer, (2560, 1440), (1316, 728), platform="desktop")
