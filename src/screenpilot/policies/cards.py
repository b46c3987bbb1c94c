"""Model cards: one object per model family that knows its prompt, its answer grammar and its
coordinate frame.

A card builds chat messages (text parts and PIL image parts; each policy serializes them its
own way), parses a completion into an Action through ``screenpilot.tools.coords``, and writes
an Action back in its own call syntax (for history and round-trip tests). Cards: ``qwen2vl``
(Hermes tool calls, 0-1000 coordinates), ``qwen25vl`` (the cookbook ``mobile_use`` /
``computer_use`` prompt, pixels of the smart-resized image), ``uitars`` and ``uitars15``.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import ModelError, ParseError
from screenpilot.policies import prompts
from screenpilot.policies.parsing import find_tool_calls, model_point
from screenpilot.policies.settings import Platform
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, ActionBase, PointAction
from screenpilot.tools.coords import ModelFrame
from screenpilot.tools.qwen import (
    action_from_qwen,
    action_to_qwen,
    computer_use_function,
    mobile_use_function,
)

Size = tuple[int, int]
Message = dict[str, Any]
PHONE_MAX_PIXELS = 1280 * 28 * 28
"""Default largest pixel budget: about 1,280 visual tokens, enough for phone screens and fast."""
"""``{"role": ..., "content": str | [{"type": "text", "text": ...} | {"type": "image", "image": PIL}]}``"""


@dataclass(frozen=True)
class Parsed:
    """A completion read as an action, with the model's reasoning and any calls left unused."""

    action: Action
    reasoning: str | None = None
    ignored_calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromptContext:
    """What a card needs to know about the image beyond the observation."""

    image: Image.Image
    """The screenshot as the model will see it (already smart-resized)."""
    platform: Platform = "mobile"
    history_images: int = 0
    """How many previous screenshots to show besides the current one."""


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def image_part(image: Image.Image) -> dict[str, Any]:
    return {"type": "image", "image": image}


def _cursor(history: Sequence[Step]) -> coords.Point | None:
    """Where the mouse was left by the last executed pointing action, if any."""
    for step in reversed(history):
        if step.status == "executed" and isinstance(step.action, PointAction):
            return (step.action.x, step.action.y)
    return None


@dataclass(frozen=True)
class ModelCard(abc.ABC):
    """Prompt, parser and coordinate convention of one model family."""

    name: str
    min_pixels: int = coords.MIN_PIXELS
    max_pixels: int = PHONE_MAX_PIXELS
    """The default pixel budget a run resizes screenshots to; pixel-coordinate frames follow it."""
    history_images: int = 0
    notes_heading: ClassVar[str] = "Note"

    def pixel_budget(self, platform: Platform = "mobile") -> tuple[int, int]:
        """(min_pixels, max_pixels) used when no budget is given, on ``platform``."""
        return (self.min_pixels, self.max_pixels)

    def default_resized_size(self, image_size: Size, platform: Platform = "mobile") -> Size:
        """The size a run shows a screenshot at under the default pixel budget."""
        return self.resized_size(image_size, *self.pixel_budget(platform))

    def default_frame(self, image_size: Size, platform: Platform = "mobile") -> ModelFrame:
        """The frame of a screenshot shown at the default pixel budget."""
        return self.frame(image_size, self.default_resized_size(image_size, platform))

    def describe_frame(self, image_size: Size, platform: Platform = "mobile") -> str:
        """The default frame in words, e.g. ``pixels 672x1484 (qwen25vl default max_pixels=...)``."""
        low, high = self.pixel_budget(platform)
        frame = self.default_frame(image_size, platform)
        kind = (
            f"relative {int(frame.width)}"
            if frame.name.startswith("relative")
            else f"pixels {int(frame.width)}x{int(frame.height)}"
        )
        return f"{kind} ({self.name} default min_pixels={low} max_pixels={high}, {platform})"

    def resized_size(self, image_size: Size, min_pixels: int, max_pixels: int) -> Size:
        """(width, height) of the image the model sees under a pixel budget (one smart_resize)."""
        height, width = coords.smart_resize(
            image_size[1], image_size[0], min_pixels=min_pixels, max_pixels=max_pixels
        )
        return (width, height)

    @abc.abstractmethod
    def frame(self, image_size: Size, resized_size: Size | None) -> ModelFrame:
        """The frame the model's coordinates are in for this screenshot."""

    @abc.abstractmethod
    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        """The chat messages for one step."""

    def tools(self, platform: Platform) -> list[dict[str, Any]] | None:
        """Function-calling tools sent beside the messages (``tools=[...]``); None for cards
        that write their action space into the prompt themselves."""
        return None

    @abc.abstractmethod
    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed: ...

    @abc.abstractmethod
    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        """The action in the card's own call syntax; ValueError if it cannot be written."""

    @abc.abstractmethod
    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        """A complete model answer that performs ``action`` (for tests and forced decoding)."""

    def parse(
        self,
        text: str,
        image_size: Size,
        resized_size: Size | None = None,
        *,
        history: Sequence[Step] = (),
        platform: Platform = "mobile",
    ) -> Parsed:
        """Read a completion; every failure is a ModelError carrying the reason and ``text``.

        Without ``resized_size`` the screenshot is taken to be shown at the default budget."""
        resized = resized_size or self.default_resized_size(image_size, platform)
        try:
            return self._parse(text, self.frame(image_size, resized), history, platform)
        except ModelError as exc:
            exc.raw_output = text
            raise
        except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError) as exc:
            raise ParseError(f"cannot read the answer: {exc}", raw_output=text) from exc

    def history_line(self, step: Step, frame: ModelFrame, platform: Platform) -> str:
        """One previous step: its summary if the step has one, else its call; plus any error."""
        summary = step.decision.info.get("summary")
        if isinstance(summary, str) and summary.strip():
            text = summary.strip()
        elif step.action is not None:
            try:
                text = self.render(step.action, frame, platform)
            except ValueError:
                text = json.dumps(step.action.model_dump(mode="json"), ensure_ascii=False)
        else:
            text = "(no valid action)"
        if step.error is not None:
            text += f" [failed: {step.error.message}]"
        return text


@dataclass(frozen=True)
class QwenFunctionCard(ModelCard):
    """Qwen2-VL / Qwen2.5-VL: Hermes ``<tool_call>`` answers with ``mobile_use`` / ``computer_use``.

    ``relative`` cards (Qwen2-VL) declare a 1000x1000 screen, so the tool's pixel wording and the
    model's native 0-1000 grounding agree; the others declare the smart-resized size.
    """

    relative: bool = False

    def frame(self, image_size: Size, resized_size: Size | None) -> ModelFrame:
        if self.relative:
            return ModelFrame.relative(1000)
        return ModelFrame.pixels(*(resized_size or self.default_resized_size(image_size)))

    @staticmethod
    def function_name(platform: Platform) -> str:
        return "mobile_use" if platform == "mobile" else "computer_use"

    def system_prompt(self, frame: ModelFrame, platform: Platform) -> str:
        build = mobile_use_function if platform == "mobile" else computer_use_function
        return prompts.hermes_system_prompt([build(int(frame.width), int(frame.height))])

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size)
        progress = "".join(
            f"Step {n}: {self.history_line(step, frame, context.platform)}; "
            for n, step in enumerate(history, start=1)
        )
        text = prompts.QWEN_TASK.format(task=task, progress=progress)
        if observation.notes:
            text += "".join(f"\n{self.notes_heading}: {note}" for note in observation.notes)
        content: list[dict[str, Any]] = [text_part(text)]
        content += _previous_images(history, context)
        content.append(image_part(context.image))
        return [
            {"role": "system", "content": self.system_prompt(frame, context.platform)},
            {"role": "user", "content": content},
        ]

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        calls, prose = find_tool_calls(text)
        first = calls[0]
        name = first.name or self.function_name(platform)
        arguments = dict(first.arguments)
        for key in ("coordinate", "coordinate2"):
            if key in arguments and arguments[key] is not None:
                arguments[key] = list(model_point(arguments[key], key))
        action = action_from_qwen(name, arguments, frame, cursor=_cursor(history))
        return Parsed(action, prose or None, tuple(call.raw for call in calls[1:]))

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        function = self.function_name(platform)
        call = {"name": function, "arguments": action_to_qwen(function, action, frame)}
        return json.dumps(call, ensure_ascii=False)

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"<tool_call>\n{self.render(action, frame, platform)}\n</tool_call>"


def _previous_images(history: Sequence[Step], context: PromptContext) -> list[dict[str, Any]]:
    """Screenshots of the last ``history_images`` steps that still have them, labelled."""
    if context.history_images <= 0:
        return []
    parts: list[dict[str, Any]] = []
    for n, step in list(enumerate(history, start=1))[-context.history_images :]:
        if step.observation is not None:
            image = step.observation.screenshot.resize(context.image.size)
            parts += [text_part(f"\nScreenshot before step {n}:"), image_part(image)]
    if parts:
        parts.append(text_part("\nCurrent screenshot:"))
    return parts


__all__ = [
    "ModelCard",
    "Parsed",
    "PromptContext",
    "QwenFunctionCard",
]
