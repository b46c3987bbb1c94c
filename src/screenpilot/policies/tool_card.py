"""The ``tools`` card: screenpilot's own action space offered as function-calling tools.

Every action type is one tool whose JSON schema comes from the action's pydantic model
(``tools.toolset.openai_tools``); coordinates are fractions of the screenshot (0..1), the
canonical frame, so nothing is rescaled. A served model receives them as the request's
``tools=[...]`` and answers with ``tool_calls`` (vLLM with ``--enable-auto-tool-choice
--tool-call-parser hermes``, and any server that implements OpenAI function calling); a local
model reads them in the Hermes block the Qwen2.5 chat template writes. Either way the answer is
read as Hermes ``<tool_call>`` text.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import ParseError
from screenpilot.policies.cards import (
    Message,
    ModelCard,
    Parsed,
    PromptContext,
    image_part,
    text_part,
)
from screenpilot.policies.parsing import find_tool_calls
from screenpilot.policies.prompts import HERMES_TOOLS
from screenpilot.policies.settings import Platform
from screenpilot.tools.actions import DESKTOP_ACTIONS, MOBILE_ACTIONS, ActionBase
from screenpilot.tools.coords import ModelFrame
from screenpilot.tools.toolset import from_tool_call, openai_tools, to_tool_call

SYSTEM = (
    "You are a GUI agent operating {screen}. Each turn you are given the task, the actions "
    "taken so far and a screenshot of the current screen. Choose the next action and call "
    "exactly one of the provided tools. Coordinates are fractions of the screenshot: x from 0 "
    "(left edge) to 1 (right edge), y from 0 (top edge) to 1 (bottom edge). When the task is "
    "done, call finish with status success (and the answer, if the task asked a question); if "
    "it cannot be done, call finish with status failure."
)
SCREENS = {"mobile": "an Android phone", "desktop": "a computer's desktop"}
TASK = "Task: {task}\nActions so far: {progress}"


@dataclass(frozen=True)
class ToolCallCard(ModelCard):
    """Function calling over the canonical action space (normalized coordinates)."""

    def tools(self, platform: Platform) -> list[dict[str, Any]]:
        """The ``tools=[...]`` of a chat-completions request for a screen of ``platform``."""
        return openai_tools(MOBILE_ACTIONS if platform == "mobile" else DESKTOP_ACTIONS)

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        progress = " ".join(
            f"{n}. {self.history_line(step, frame, context.platform)}"
            for n, step in enumerate(history, start=1)
        )
        text = TASK.format(task=task, progress=progress or "none")
        text += "".join(f"\n{self.notes_heading}: {note}" for note in observation.notes)
        return [
            {"role": "system", "content": SYSTEM.format(screen=SCREENS[context.platform])},
            {"role": "user", "content": [text_part(text), image_part(context.image)]},
        ]

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        calls, prose = find_tool_calls(text)
        first = calls[0]
        if first.name is None:
            raise ParseError("the tool call names no tool", raw_output=text)
        action = from_tool_call(first.name, first.arguments)
        return Parsed(action, prose or None, tuple(call.raw for call in calls[1:]))

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return json.dumps(to_tool_call(action), ensure_ascii=False)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"<tool_call>\n{self.render(action, frame, platform)}\n</tool_call>"


def tool_calls_as_text(content: str | None, tool_calls: Sequence[Any]) -> str:
    """A response's reasoning text and ``tool_calls`` as one Hermes answer, the form cards read
    (and the form the model's own chat template would have written)."""
    parts = [content.strip()] if content and content.strip() else []
    for call in tool_calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise ParseError(f"a tool call without a function: {call!r}"[:300])
        arguments = function.get("arguments", {})
        if isinstance(arguments, str):
            # Else kept as text (nesting past the stack included): the parser reports it.
            with contextlib.suppress(ValueError, RecursionError):
                arguments = json.loads(arguments) if arguments.strip() else {}
        body = {"name": function.get("name"), "arguments": arguments}
        parts.append(f"<tool_call>\n{json.dumps(body, ensure_ascii=False)}\n</tool_call>")
    return "\n".join(parts)


def hermes_tools_system(system: str, tools: Sequence[dict[str, Any]]) -> str:
    """The system message with the tools appended as the Qwen2.5 chat template renders them
    (one ``tojson`` line per tool inside ``<tools></tools>``)."""
    lines = "\n".join(json.dumps(tool, ensure_ascii=False) for tool in tools)
    return f"{system}\n\n" + HERMES_TOOLS.format(tools=lines)


__all__ = ["ToolCallCard", "hermes_tools_system", "tool_calls_as_text"]
