"""Families built on Qwen3-VL that answer with ``mobile_use`` / ``computer_use`` calls: Qwen3-VL
itself, GUI-Owl-1.5 (Mobile-Agent-v3.5) and MAI-UI.

Their images are resized with factor 32 (patch 16, 2x2 merge) and their coordinates are relative,
but the scale differs, and the public sources disagree about it (QwenLM/Qwen3-VL issues #1741 and
#1859): each card follows the model's own inference code.

- Qwen3-VL: the mobile cookbook's prompt declares a 999x999 screen and maps back with
  ``x / 999 * width`` (QwenLM/Qwen3-VL ``cookbooks/mobile_agent.ipynb``); the computer-use and
  grounding cookbooks declare 1000x1000 and divide by 1000. So: 999 on phones, 1000 on desktops.
- GUI-Owl-1.5: 0-1000 (X-PLUG/MobileAgent ``Mobile-Agent-v3.5/README.md``: "outputs relative
  coordinates (0-1000)"; its deployment code divides by 1000; its AndroidWorld evaluation by 999).
- MAI-UI: 0-999 (Tongyi-MAI/MAI-UI ``src/mai_naivigation_agent.py``: ``SCALE_FACTOR = 999``; its
  grounding evaluation divides by 1000).

The 999/1000 difference is 0.1 % of the screen, about one pixel on a phone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from screenpilot.agent.core import Observation, Step
from screenpilot.policies import prompts
from screenpilot.policies.cards import (
    Message,
    ModelCard,
    Parsed,
    PromptContext,
    history_turns,
    image_part,
    text_part,
)
from screenpilot.policies.function_calls import FUNCTIONS
from screenpilot.policies.qwen_cards import read_calls_or_target
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import between, clean_answer
from screenpilot.tools.actions import ActionBase
from screenpilot.tools.coords import Convention, ModelFrame
from screenpilot.tools.qwen import action_to_qwen


def qwen3_convention(scale: float) -> Convention:
    """Relative coordinates on a factor-32 resize: Qwen3-VL's processor (patch 16, merge 2),
    with a run budget of 1,024 visual tokens and the hub's 64..16384 tokens as its own."""
    return Convention(
        "relative",
        scale,
        factor=32,
        min_pixels=64 * 32 * 32,
        max_pixels=1024 * 32 * 32,
        native_max_pixels=16384 * 32 * 32,
    )


def action_line(text: str) -> str | None:
    """The one-line ``Action: ...`` description before the tool call, if the model wrote one."""
    body = clean_answer(text).split("<tool_call>")[0]
    for marker in ("Action:", "Action："):
        start = body.rfind(marker)
        if start >= 0:
            line = body[start + len(marker) :].strip().split("\n")[0].strip().strip('"')
            return line or None
    return None


@dataclass(frozen=True)
class Qwen3FunctionCard(ModelCard):
    """A Qwen3-VL-family card: a fixed system prompt per platform, ``<tool_call>`` answers."""

    system_files: dict[str, str] = field(default_factory=dict)
    """Platform -> the prompt file (``policies/prompt_texts``) sent as the system message."""
    desktop_convention: Convention | None = None

    def convention_for(self, platform: Platform = "mobile") -> Convention:
        if platform == "desktop" and self.desktop_convention is not None:
            return self.desktop_convention
        return self.convention

    def _progress(self, history: Sequence[Step], frame: ModelFrame, platform: Platform) -> str:
        lines = (self.history_line(step, frame, platform) for step in history)
        return "".join(
            f"Step {n}: {line.replace(chr(10), '').replace(chr(34), '')}; "
            for n, line in enumerate(lines, start=1)
        )

    def user_text(self, task: str, progress: str, observation: Observation) -> str:
        """The mobile cookbook's user text (``The user query: ...``), with the screen's notes."""
        text = (
            f"The user query: {task}.\nTask progress (You have done the following operation "
            f"on the current device): {progress}.\n"
        )
        return text + "".join(f"{self.notes_heading}: {note}\n" for note in observation.notes)

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        progress = self._progress(history, frame, context.platform)
        system = prompts.load(self.system_files[context.platform])
        return [
            {"role": "system", "content": [text_part(system)]},
            {
                "role": "user",
                "content": [
                    text_part(self.user_text(task, progress, observation)),
                    image_part(context.image),
                ],
            },
        ]

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        parsed = read_calls_or_target(self, text, frame, history, platform)
        return replace(parsed, summary=action_line(text))

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        function = FUNCTIONS[platform]
        call = {"name": function, "arguments": action_to_qwen(function, action, frame)}
        return json.dumps(call, ensure_ascii=False)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        call = self.render(action, frame, platform)
        return f"Thought: Next step.\nAction: Do it.\n<tool_call>\n{call}\n</tool_call>"


@dataclass(frozen=True)
class GUIOwlCard(Qwen3FunctionCard):
    """GUI-Owl-1.5: the deployment prompt (1000x1000), ``Action: ...`` then ``<tool_call>``; the
    user text of its ``build_messages`` (``Mobile-Agent-v3.5/mobile_use/utils.py``)."""

    def _progress(self, history: Sequence[Step], frame: ModelFrame, platform: Platform) -> str:
        lines = [
            f"Step {n}: {self.history_line(step, frame, platform)}"
            for n, step in enumerate(history, start=1)
        ]
        return "\n".join(lines) or "None"

    def user_text(self, task: str, progress: str, observation: Observation) -> str:
        text = (
            "Please generate the next move according to the UI screenshot, instruction and "
            f"previous actions.\n\nInstruction: {task}\n\nPrevious actions:\n{progress}"
        )
        return text + "".join(f"\n{self.notes_heading}: {note}" for note in observation.notes)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"Action: Do it.\n<tool_call>\n{self.render(action, frame, platform)}\n</tool_call>"


@dataclass(frozen=True)
class MAIUICard(Qwen3FunctionCard):
    """MAI-UI: its own system prompt, the bare instruction as the first user turn, earlier
    answers as assistant turns (the last two with their screenshots), ``<thinking>`` then
    ``<tool_call>`` (``src/mai_naivigation_agent.py``). ``swipe`` takes a direction: MAI-UI's
    ``swipe up`` is read as a finger moving up, which shows what is below (a scroll down)."""

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        messages: list[Message] = [
            {"role": "system", "content": [text_part(prompts.load(self.system_files["mobile"]))]},
            {"role": "user", "content": [text_part(task)]},
        ]
        messages += history_turns(
            history, context, lambda step: [text_part(self._turn(step, frame))]
        )
        current: list[dict[str, Any]] = [image_part(context.image)]
        current += [text_part(f"{self.notes_heading}: {note}") for note in observation.notes]
        messages.append({"role": "user", "content": current})
        return messages

    def _turn(self, step: Step, frame: ModelFrame) -> str:
        thinking = (step.decision.reasoning or "").strip()
        try:
            arguments = action_to_qwen("mobile_use", step.action, frame) if step.action else {}
        except ValueError:
            arguments = {}
        call = json.dumps({"name": "mobile_use", "arguments": arguments}, separators=(",", ":"))
        return f"<thinking>\n{thinking}\n</thinking>\n<tool_call>\n{call}\n</tool_call>"

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        if "</think>" in text and "</thinking>" not in text:  # its thinking variants
            text = "<thinking>" + text.replace("</think>", "</thinking>")
        thinking = between(text, "<thinking>", "</thinking>")
        body = text.replace("<thinking>", "").replace("</thinking>", "\n")
        parsed = read_calls_or_target(self, body, frame, history, platform)
        reasoning = thinking[0].strip() if thinking else parsed.reasoning
        return replace(parsed, reasoning=reasoning or None)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        call = self.render(action, frame, platform)
        return f"<thinking>\nNext step.\n</thinking>\n<tool_call>\n{call}\n</tool_call>"


__all__ = ["GUIOwlCard", "MAIUICard", "Qwen3FunctionCard", "action_line", "qwen3_convention"]
