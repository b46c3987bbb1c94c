"""Each family's answers as released models write them: native grounding, drifted calls, the
2026 families' grammars and conventions, and coordinates past the assumed frame."""

from __future__ import annotations

import json

import pytest

from screenpilot.errors import InvalidActionError, ModelError, OutOfFrameError, ParseError
from screenpilot.policies.catalog import CARD_ALIASES, CARDS, card_for_model, get_card
from screenpilot.tools.actions import Finish, Key, OpenApp, Scroll, Swipe, Tap, TypeText
from tests.test_cli import screenpilot

PHONE = (1080, 2400)
DESKTOP = (1920, 1080)


def read(card: str, text: str, size: tuple[int, int] = PHONE, resized=None, platform="mobile"):  # type: ignore[no-untyped-def]
    return CARDS[card].parse(text, size, resized, platform=platform)


# --- grounding answers --------------------------------------------------------------------


def test_qwen2vl_native_grounding_is_a_tap_at_the_box_centre_with_the_box_kept() -> None:
    text = "<|object_ref_start|>Wi-Fi switch<|object_ref_end|><|box_start|>(800,150),(900,190)<|box_end|><|im_end|>"
    parsed = read("qwen2vl", text)
    assert isinstance(parsed.action, Tap)
    assert (parsed.action.x, parsed.action.y) == pytest.approx((0.85, 0.17))
    assert parsed.box == pytest.approx((0.8, 0.15, 0.9, 0.19))
    assert parsed.repairs == ()  # the model's own format: nothing to repair


def test_qwenvl_reads_ref_and_box_and_refuses_two_targets() -> None:
    parsed = read("qwenvl", "<ref>the Send button</ref><box>(536,509),(588,602)</box>")
    assert parsed.action == Tap(x=0.562, y=0.5555) and parsed.box == pytest.approx(
        (0.536, 0.509, 0.588, 0.602)
    )
    with pytest.raises(ParseError, match="2 different targets"):
        read("qwenvl", "<ref>a</ref><box>(1,2),(3,4)</box> and <ref>b</ref><box>(5,6),(7,8)</box>")
    with pytest.raises(ParseError, match="covers the whole screen"):
        read("qwen2vl", "<|box_start|>(1,1),(996,991)<|box_end|>")


@pytest.mark.parametrize(
    ("card", "text", "resized", "expected"),
    [
        (
            "qwen25vl",
            '```json\n[{"bbox_2d": [336, 742, 372, 780], "label": "OK"}]\n```',
            (672, 1484),
            (354 / 672, 761 / 1484),
        ),
        ("qwen3vl", '{"point_2d": [500, 250], "label": "search"}', None, (500 / 999, 250 / 999)),
        (
            "maiui",
            '<grounding_think>The gear.</grounding_think>\n<answer>\n{"coordinate":[499,999]}\n</answer>',
            None,
            (499 / 999, 1.0),
        ),
        ("uivenus", "[100,200,300,400]", (672, 1484), (200 / 672, 300 / 1484)),
        ("qwen2vl", "(250,750)", None, (0.25, 0.75)),
    ],
)
def test_each_familys_grounding_syntax(card: str, text: str, resized, expected) -> None:  # type: ignore[no-untyped-def]
    action = read(card, text, resized=resized).action
    assert isinstance(action, Tap)
    assert (action.x, action.y) == pytest.approx(expected)


# --- drift in mobile_use / computer_use calls -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "repair"),
    [
        (
            '<tool_call>{"name": "left_click", "arguments": {"coordinate": [658, 364]}}</tool_call>',
            Tap(x=0.5, y=0.5),
            "written as the function name",
        ),
        (
            '<tool_call>{"name": "left_click", "arguments": [658, 364]}</tool_call>',
            Tap(x=0.5, y=0.5),
            "bare list",
        ),
        (
            '<tool_call>{"name": "computer_use", "arguments": {"coordinate": [658, 364]}}</tool_call>',
            Tap(x=0.5, y=0.5),
            "'left_click' implied",
        ),
        (
            '<tool_call>{"name": "computer_use", "arguments": {"action": "click", "coordinate": [658, 364]}}</tool_call>',
            Tap(x=0.5, y=0.5),
            "'click' read as 'left_click'",
        ),
        (
            '<tool_call>{"name": "key", "arguments": {"keys": ["ctrl", "c"]}}</tool_call>',
            Key(key="ctrl+c"),
            "written as the function name",
        ),
        (
            '<tool_call>{"name": "key", "arguments": [{"text": "ctrl"}, {"text": "t"}]}</tool_call>',
            Key(key="ctrl+t"),
            "bare list",
        ),
        (
            '<tool_call>{"name": "type", "arguments": {"text": "hello"}}</tool_call>',
            TypeText(text="hello"),
            "written as the function name",
        ),
        (
            '<tool_call>{"name": "function", "arguments": {"action": "left_click", "coordinate": [658, 364]}}</tool_call>',
            Tap(x=0.5, y=0.5),
            "unknown function name 'function'",
        ),
        (
            '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [658, 364)}}</tool_call>',
            Tap(x=0.5, y=0.5),
            "brackets matched",
        ),
    ],
)
def test_drifted_qwen25vl_calls_are_read_and_the_repair_recorded(
    text: str, expected, repair: str
) -> None:  # type: ignore[no-untyped-def]
    parsed = read("qwen25vl", text, DESKTOP, (1316, 728), "desktop")
    assert parsed.action == expected
    assert any(repair in note for note in parsed.repairs), parsed.repairs


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '<tool_call>{"name": "key", "arguments": {"keys": ["tab", "enter"]}}</tool_call>',
            "a chord or a sequence",
        ),
        (
            '<tool_call>{"name": "key", "arguments": {"keys": [48960]}}</tool_call>',
            "key needs key names",
        ),
        (
            '<tool_call>{"name": "computer_use", "arguments": {"text2": "x"}}</tool_call>',
            "do not imply one",
        ),
        (
            '<tool_call>{"name": "dance", "arguments": {"speed": 2}}</tool_call>',
            "unknown function 'dance'",
        ),
    ],
)
def test_ambiguous_calls_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ModelError, match=reason):
        read("qwen25vl", text, DESKTOP, (1316, 728), "desktop")


# --- the 2026 families ----------------------------------------------------------------------


def test_qwen3vl_divides_by_999_on_phones_and_1000_on_desktops() -> None:
    answer = 'Thought: Open it.\nAction: "Tap the search bar."\n<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [999, 0]}}\n</tool_call>'
    parsed = read("qwen3vl", answer)
    assert parsed.action == Tap(x=1.0, y=0.0) and parsed.summary == "Tap the search bar."
    desktop = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [500, 1000]}}\n</tool_call>'
    assert read("qwen3vl", desktop, DESKTOP, platform="desktop").action == Tap(x=0.5, y=1.0)
    answer_text = '<tool_call>{"name": "mobile_use", "arguments": {"action": "answer", "text": "42"}}</tool_call>'
    assert read("qwen3vl", answer_text).action == Finish(status="success", answer="42")


def test_maiui_swipes_by_direction_and_says_fail() -> None:
    swipe = '<thinking>\nMore below.\n</thinking>\n<tool_call>\n{"name":"mobile_use","arguments":{"action":"swipe","direction":"up","coordinate":[499,499]}}\n</tool_call>'
    parsed = read("maiui", swipe)
    assert parsed.action == Scroll(direction="down", x=499 / 999, y=499 / 999)
    assert parsed.reasoning == "More below."
    fail = '<thinking>No.</thinking><tool_call>{"name":"mobile_use","arguments":{"action":"terminate","status":"fail"}}</tool_call>'
    parsed = read("maiui", fail)
    assert parsed.action == Finish(status="failure") and "read as 'failure'" in parsed.repairs[0]
    drag = '<tool_call>{"name":"mobile_use","arguments":{"action":"drag","start_coordinate":[0,0],"end_coordinate":[999,999]}}</tool_call>'
    assert read("maiui", drag).action == Swipe(x=0, y=0, x2=1, y2=1)


def test_guiowl_reads_0_to_1000_and_keeps_its_action_line() -> None:
    answer = 'Action: Open the Clock app.\n<tool_call>\n{"name": "mobile_use", "arguments": {"action": "open", "text": "Clock"}}\n</tool_call>'
    parsed = read("guiowl", answer)
    assert parsed.action == OpenApp(app="Clock") and parsed.summary == "Open the Clock app."
    click = '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [1000, 500]}}\n</tool_call>'
    assert read("guiowl", click).action == Tap(x=1.0, y=0.5)


def test_uitars2_reads_seed_xml_in_both_spellings() -> None:
    plain = "<thinkt>The search icon.</thinkt>\n<seed:tool_call>\n<function=click>\n<parameter=point><point>250 500</point></parameter>\n</function>\n</seed:tool_call>"
    parsed = read("uitars2", plain)
    assert parsed.action == Tap(x=0.25, y=0.5) and parsed.reasoning == "The search icon."
    suffix = "_never_used_51bce0c785ca2f68081bfa7d91973934"
    served = f"<seed:tool_call{suffix}><function{suffix}=type><parameter{suffix}=content>hi</parameter{suffix}></function{suffix}></seed:tool_call{suffix}>"
    assert read("uitars2", served).action == TypeText(text="hi")
    scroll = "<seed:tool_call><function=scroll><parameter=point><point>500 500</point></parameter><parameter=direction>down</parameter></function></seed:tool_call>"
    assert read("uitars2", scroll).action == Scroll(direction="down", x=0.5, y=0.5)


def test_uivenus_reads_its_calls_and_trusts_a_stated_scroll_direction() -> None:
    click = "<think>The icon.</think>\n<action>Click(box=(336, 742))</action>\n<conclusion>Tapped it.</conclusion>"
    parsed = read("uivenus", click, resized=(672, 1484))
    assert parsed.action == Tap(x=0.5, y=0.5) and parsed.summary == "Tapped it."
    scroll = "<action>Scroll(start=(336, 300), end=(336, 900), direction='down')</action>"
    parsed = read("uivenus", scroll, resized=(672, 1484))
    assert parsed.action == Scroll(direction="down", x=0.5, y=300 / 1484)
    assert "the finger motion means 'up'" in parsed.repairs[0]
    assert read("uivenus", "<action>PressBack()</action>").action == Key(key="back")


def test_autoglm_reads_do_and_finish_on_0_to_1000() -> None:
    tap = '<think>The Settings icon.</think>\n<answer>do(action="Tap", element=[500, 250])</answer>'
    parsed = read("autoglm", tap)
    assert parsed.action == Tap(x=0.5, y=0.25) and parsed.reasoning == "The Settings icon."
    assert read("autoglm", 'finish(message="Done, it\'s "on".")').action == Finish(
        status="success", answer='Done, it\'s "on".'
    )
    with pytest.raises(InvalidActionError, match="no counterpart"):
        read("autoglm", 'do(action="Call_API", instruction="x")')


# --- coordinates past the assumed frame -----------------------------------------------------


def test_pixels_past_the_assumed_frame_are_read_in_the_models_own_frame_and_flagged() -> None:
    # A UI-TARS-1.5 run at the hub's budget saw 1092x2408; the default run budget is 672x1484.
    parsed = read("uitars15", "Action: click(point='<point>1000 2300</point>')")
    assert parsed.action == Tap(x=1000 / 1092, y=2300 / 2408)
    assert parsed.repairs == (
        "frame: coordinates past the assumed pixels-672x1484 were read in pixels-1092x2408",
    )
    with pytest.raises(
        OutOfFrameError, match="nor does it fit pixels-1092x2408 or pixels-1080x2400"
    ):
        read("uitars15", "Action: click(point='<point>5000 2300</point>')")
    with pytest.raises(OutOfFrameError, match="outside the pixels-672x1484 frame"):  # size known
        read("uitars15", "Action: click(point='<point>1000 2300</point>')", resized=(672, 1484))


# --- names ----------------------------------------------------------------------------------

NAMES = [
    "qwenvl",
    "qwen2vl",
    "qwen25vl",
    "qwen3vl",
    "uitars",
    "uitars15",
    "uitars2",
    "maiui",
    "guiowl",
    "uivenus",
    "autoglm",
]


def test_every_named_family_has_a_card_and_the_model_id_finds_it() -> None:
    assert set(NAMES) <= set(CARDS)
    assert get_card("ui-tars-1.5") is CARDS["uitars15"] and all(
        a in CARD_ALIASES for a in ("mai-ui", "gui-owl")
    )
    guesses = {
        "Qwen/Qwen3-VL-8B-Instruct": "qwen3vl",
        "ByteDance-Seed/UI-TARS-2": "uitars2",
        "Tongyi-MAI/MAI-UI-8B": "maiui",
        "mPLUG/GUI-Owl-1.5-8B-Instruct": "guiowl",
        "inclusionAI/UI-Venus-Navi-7B": "uivenus",
        "zai-org/AutoGLM-Phone-9B-Multilingual": "autoglm",
        "Qwen/Qwen-VL-Chat": "qwenvl",
        "Qwen/Qwen2.5-VL-7B-Instruct": "qwen25vl",
    }
    assert {model: card_for_model(model) for model in guesses} == guesses


@pytest.mark.parametrize("name", [*NAMES, "tools", "ui-tars-1.5"])
def test_parse_reads_every_card_and_states_its_frame(name: str) -> None:
    card = get_card(name)
    text = card.answer(Tap(x=0.25, y=0.5), card.default_frame(PHONE))
    result = screenpilot("parse", "--format", name, "-", stdin=text)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["type"] == "tap"
    assert result.stderr.startswith("frame: ")
