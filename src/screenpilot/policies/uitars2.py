"""UI-TARS-2 (ByteDance Seed): ``<seed:tool_call><function=click><parameter=point><point>x y
</point></parameter></function></seed:tool_call>`` in relative 0-1000 units.

No weights are released (bytedance/UI-TARS issues #213, #217); the format is the one UI-TARS-desktop
renders and parses (``multimodal/omni-tars/core/src/environments/prompt_t5.ts``, its
``GUIAgentT5Adapter`` divides coordinates by 1000) and PyPI ``ui-tars`` >= 0.2 parses
(``parse_xml_action*``). Served APIs spell the tags with a suffix
(``<function_never_used_51bce...=click>``); both spellings are read. The prompt follows the
omni-tars layout (thinking instruction, role, function definitions) with this card's functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import ParseError
from screenpilot.policies.cards import (
    Message,
    Parsed,
    PromptContext,
    history_turns,
    image_part,
    text_part,
)
from screenpilot.policies.parsing import FunctionCall
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import between, clean_answer, cut_at_markers
from screenpilot.policies.uitars import UITarsCard
from screenpilot.tools.actions import Action, ActionBase, Finish, Key, TypeText, to_action
from screenpilot.tools.coords import ModelFrame

THINK = "thinkt"
THINKING = (
    f"You should first think about the reasoning process in the mind and then provide the user "
    f"with the answer. The reasoning process is enclosed within <{THINK}> </{THINK}> tags, i.e. "
    f"<{THINK}> reasoning process here </{THINK}> answer here"
)
ROLE = (
    "You are an agent designed to accomplish tasks.\n\nYou are a GUI agent. You are given a task "
    "and your action history, with screenshots. You need to perform the next action to complete "
    "the task. \n"
)
POINT = "The format is: <point>x y</point>"
FUNCTIONS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("click", "Click at a point.", {"point": f"Click coordinates. {POINT}"}),
    ("left_double", "Double-click at a point.", {"point": f"Double-click coordinates. {POINT}"}),
    ("right_single", "Right-click at a point.", {"point": f"Right-click coordinates. {POINT}"}),
    ("long_press", "Press and hold at a point.", {"point": f"Press coordinates. {POINT}"}),
    ("move_to", "Move the pointer to a point.", {"point": f"Target coordinates. {POINT}"}),
    (
        "drag",
        "Drag from a start point to an end point.",
        {"start_point": f"Drag start. {POINT}", "end_point": f"Drag end. {POINT}"},
    ),
    (
        "scroll",
        "Scroll at a point in a direction.",
        {"point": f"Scroll position. {POINT}", "direction": "up, down, left or right."},
    ),
    ("type", "Type text.", {"content": "The text; end it with \\n to submit."}),
    ("hotkey", "Press a key combination.", {"key": "Keys split with a space, lowercase."}),
    ("press_home", "Go to the home screen.", {}),
    ("press_back", "Go back.", {}),
    ("open_app", "Open an app.", {"app_name": "The app's name."}),
    ("wait", "Wait for the screen to change.", {"time": "Seconds to wait."}),
    ("finished", "The task is done.", {"content": "The answer, if the task asked a question."}),
    ("infeasible", "The task cannot be done.", {"content": "Why."}),
)


def _definitions() -> str:
    lines = [
        json.dumps(
            {
                "type": "function",
                "name": name,
                "parameters": {
                    "type": "object",
                    "properties": {
                        key: {"type": "string", "description": text} for key, text in params.items()
                    },
                    "required": list(params),
                },
                "description": description,
            },
            ensure_ascii=False,
        )
        for name, description, params in FUNCTIONS
    ]
    calling = (
        "- To call a function, use the following structure without any suffix:\n\n"
        f"<{THINK}> reasoning process </{THINK}>\n<seed:tool_call>\n<function=example_function_name>\n"
        "<parameter=example_parameter_1>value_1</parameter>\n</function>\n</seed:tool_call>\n\n"
        "## Important Notes\n- Function calls must begin with <function= and end with </function>.\n"
        "- All required parameters must be explicitly provided."
    )
    return (
        "## Function Definition\n\n- You have access to the following functions:\n"
        + "\n".join(lines)
        + "\n\n"
        + calling
    )


def _opening(text: str, tag: str, position: int) -> tuple[str, int, int] | None:
    """``<tag...=VALUE>`` at or after ``position``: VALUE, where the tag starts, and the index
    after its ``>``."""
    start = text.find(f"<{tag}", position)
    if start < 0:
        return None
    equals, close = text.find("=", start), text.find(">", start)
    if equals < 0 or close < 0 or equals > close:
        return None
    return text[equals + 1 : close].strip(), start, close + 1


def seed_calls(text: str) -> list[FunctionCall]:
    """Every ``<function=...>`` call and its ``<parameter=...>`` values, in order."""
    body = clean_answer(text)
    calls, position = [], 0
    while (opened := _opening(body, "function", position)) is not None:
        name, tag_start, inner_start = opened
        end = body.find("</function", inner_start)
        stop = end if end >= 0 else len(body)
        inner = body[inner_start:stop]
        params: dict[str, str] = {}
        cursor = 0
        while (param := _opening(inner, "parameter", cursor)) is not None:
            key, _, value_start = param
            value_end = inner.find("</parameter", value_start)
            params[key] = inner[value_start : value_end if value_end >= 0 else len(inner)].strip()
            cursor = value_end + 1 if value_end >= 0 else len(inner)
        close = body.find(">", stop) if end >= 0 else -1
        calls.append(
            FunctionCall(name, params, body[tag_start : close + 1 if close >= 0 else stop])
        )
        position = stop + 1
    return calls


@dataclass(frozen=True)
class UITars2Card(UITarsCard):
    """UI-TARS-2's XML function calls."""

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        messages: list[Message] = [
            {"role": "system", "content": f"{THINKING}\n\n{ROLE}\n\n{_definitions()}"},
            {"role": "user", "content": [text_part(task)]},
        ]
        messages += history_turns(
            history, context, lambda step: self.history_line(step, frame, context.platform)
        )
        current = [image_part(context.image)]
        current += [text_part(f"\n{self.notes_heading}: {note}") for note in observation.notes]
        messages.append({"role": "user", "content": current})
        return messages

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        calls = seed_calls(text)
        if not calls:
            raise ParseError("no <function=...> call found", raw_output=text)
        thinking = between(cut_at_markers(text), f"<{THINK}>", f"</{THINK}>")
        repairs = (
            (f"calls: {len(calls)} calls in one answer; the first was acted on",)
            if len(calls) > 1
            else ()
        )
        action = self._seed_action(calls[0], frame)
        reasoning = thinking[0].strip() if thinking else None
        return Parsed(action, reasoning, tuple(call.raw for call in calls[1:]), repairs)

    def _seed_action(self, call: FunctionCall, frame: ModelFrame) -> Action:
        name, kwargs = call.name, call.kwargs
        if name == "move_to":
            x, y = self._point(kwargs, ("point",), frame)
            return to_action({"type": "mouse_move", "x": x, "y": y})
        if name == "press":
            return to_action({"type": "key", "key": kwargs.get("key", "")})
        if name == "navigate_back":
            return Key(key="back")
        if name == "infeasible":
            return Finish(status="failure", answer=kwargs.get("content") or None)
        return self._action(call, frame)

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        if isinstance(action, TypeText):
            return _xml("type", {"content": action.text})
        if isinstance(action, Finish):
            name = "finished" if action.status == "success" else "infeasible"
            return _xml(name, {"content": action.answer} if action.answer else {})
        name, _, rest = super().render(action, frame, platform).partition("(")
        params = {}
        for part in _split_arguments(rest.removesuffix(")")):
            key, _, value = part.partition("=")
            params[key.strip()] = value.strip().strip("'")
        return _xml(name, params)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"<{THINK}>Next step.</{THINK}>\n{self.render(action, frame, platform)}"


def _xml(name: str, params: dict[str, str]) -> str:
    lines = [f"<parameter={key}>{value}</parameter>" for key, value in params.items()]
    return "\n".join(
        ["<seed:tool_call>", f"<function={name}>", *lines, "</function>", "</seed:tool_call>"]
    )


def _split_arguments(text: str) -> list[str]:
    """``point='<point>1 2</point>', direction='down'`` -> its ``key=value`` parts."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current))
    return [part for part in parts if part.strip()]


__all__ = ["UITars2Card", "seed_calls"]
