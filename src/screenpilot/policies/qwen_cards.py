"""Qwen2-VL and Qwen2.5-VL: Hermes ``<tool_call>`` answers with ``mobile_use`` / ``computer_use``,
and their native grounding answers.

``qwen2vl`` declares a 1000x1000 screen, so the tool's pixel wording and the model's native 0-1000
grounding agree; ``qwen25vl`` declares the smart-resized size, its coordinates being pixels of
that image (QwenLM/Qwen2.5-VL ``cookbooks/mobile_agent.ipynb``). Asked to locate something, both
answer in their grounding syntax instead (Qwen2-VL's box tokens, Qwen2.5-VL's ``bbox_2d`` JSON):
such an answer is a tap at the box's centre, the box kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import ParseError
from screenpilot.policies import prompts
from screenpilot.policies.cards import (
    Message,
    ModelCard,
    Parsed,
    PromptContext,
    cursor,
    image_part,
    previous_images,
    text_part,
)
from screenpilot.policies.function_calls import FUNCTIONS, read_call
from screenpilot.policies.grounding import find_targets, read_target
from screenpilot.policies.parsing import find_tool_calls
from screenpilot.policies.settings import Platform
from screenpilot.tools.actions import ActionBase
from screenpilot.tools.coords import ModelFrame
from screenpilot.tools.qwen import action_to_qwen, computer_use_function, mobile_use_function

CALL_MARKERS = ("<tool_call>", "✿FUNCTION✿", '"name"', '"action"', "'action'", "'name'")
"""Text that means the answer is a function call rather than a grounding answer."""


def read_calls_or_target(
    card: ModelCard, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
) -> Parsed:
    """A function-call answer of the ``mobile_use`` / ``computer_use`` family, or, when the text
    holds no call, a grounding answer."""
    if not any(marker in text for marker in CALL_MARKERS):
        if not find_targets(text):
            msg = "no tool call found (expected <tool_call>{...}</tool_call>), nor a box or point"
            raise ParseError(msg, raw_output=text)
        return read_target(text, card.convention_for(platform), frame)
    calls, prose = find_tool_calls(text)
    repairs: list[str] = list(calls[0].repairs)
    action = read_call(calls[0], frame, platform, cursor=cursor(history), repairs=repairs)
    ignored = tuple(call.raw for call in calls[1:])
    if ignored:
        repairs.append(f"calls: {len(calls)} calls in one answer; the first was acted on")
    return Parsed(action, prose or None, ignored, tuple(repairs))


@dataclass(frozen=True)
class QwenFunctionCard(ModelCard):
    """Qwen2-VL / Qwen2.5-VL: the cookbook's Hermes tool prompt, ``<tool_call>`` answers."""

    def system_prompt(self, frame: ModelFrame, platform: Platform) -> str:
        build = mobile_use_function if platform == "mobile" else computer_use_function
        return prompts.hermes_system_prompt([build(int(frame.width), int(frame.height))])

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        progress = "".join(
            f"Step {n}: {self.history_line(step, frame, context.platform)}; "
            for n, step in enumerate(history, start=1)
        )
        text = prompts.QWEN_TASK.format(task=task, progress=progress)
        if observation.notes:
            text += "".join(f"\n{self.notes_heading}: {note}" for note in observation.notes)
        content: list[dict[str, Any]] = [text_part(text)]
        content += previous_images(history, context)
        content.append(image_part(context.image))
        return [
            {"role": "system", "content": self.system_prompt(frame, context.platform)},
            {"role": "user", "content": content},
        ]

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        return read_calls_or_target(self, text, frame, history, platform)

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        function = FUNCTIONS[platform]
        call = {"name": function, "arguments": action_to_qwen(function, action, frame)}
        return json.dumps(call, ensure_ascii=False)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"<tool_call>\n{self.render(action, frame, platform)}\n</tool_call>"


__all__ = ["CALL_MARKERS", "QwenFunctionCard", "read_calls_or_target"]
