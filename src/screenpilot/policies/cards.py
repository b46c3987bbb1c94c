"""Model cards: one object per model family that knows its prompt, its answer grammar and its
coordinate convention.

A card builds chat messages (text parts and PIL image parts; each policy serializes them its
own way), reads a completion as an Action, and writes an Action back in its own syntax (for
history and round-trip tests). Its ``convention`` (``tools.coords.Convention``) is data: units,
scale, axis order, point or box, the smart_resize factor and the pixel budget. Every coordinate
goes through it. The cards are listed in ``policies.catalog``.

What a card had to change to read an answer (an alias, a reshaped argument, a coordinate read in
another frame) is a *repair*: recorded on the decision (``info["repairs"]``), shown in reports,
counted by evaluations, so a user sees how often a model drifts from its own format.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from PIL import Image

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import ModelError, OutOfFrameError, ParseError
from screenpilot.policies.model_images import model_image
from screenpilot.policies.settings import HistoryWindow, Platform
from screenpilot.policies.text_scan import check_length
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, ActionBase, PointAction
from screenpilot.tools.coords import Convention, ModelFrame

Size = tuple[int, int]
Message = dict[str, Any]
"""``{"role": ..., "content": str | [{"type": "text", "text": ...} | {"type": "image", "image": PIL}]}``"""
PHONE_MAX_PIXELS = coords.RUN_MAX_PIXELS
"""Default largest pixel budget: about 1,280 visual tokens, enough for phone screens and fast."""


@dataclass(frozen=True)
class Parsed:
    """A completion read as an action, with the model's reasoning, any calls left unused, what
    had to be repaired to read it, and the target box when the model named one."""

    action: Action
    reasoning: str | None = None
    ignored_calls: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    box: coords.Box | None = None
    """The normalized box the model located, when it answered with a box (a tap at its centre)."""
    summary: str | None = None
    """The model's own one-line description of its action, which later prompts show as history."""


@dataclass(frozen=True)
class PromptContext:
    """What a card needs to know about the image beyond the observation."""

    image: Image.Image
    """The screenshot as the model will see it (already smart-resized)."""
    platform: Platform = "mobile"
    history_images: int = 0
    """How many previous screenshots to show besides the current one."""
    history_window: HistoryWindow = "sliding"
    """How earlier steps leave a window (``window_start``)."""
    resize: Callable[[Image.Image, Size], Image.Image] = model_image
    """How a screenshot becomes a model image (a policy hands one that remembers its work)."""

    def shown(self, screenshot: Image.Image) -> Image.Image:
        """An earlier screenshot as the model sees it: made exactly as the current one was, so
        that a screenshot shown again is the same image, byte for byte."""
        return self.resize(screenshot, self.image.size)


def window_start(count: int, size: int, window: HistoryWindow = "sliding") -> int:
    """Which of ``count`` earlier steps a window of ``size`` steps starts at.

    ``sliding`` shows the last ``size`` (each step drops the oldest, so every request rewrites
    the one before from there on). ``append`` starts the window at a multiple of ``size`` and
    keeps it until it holds ``size`` steps: the next step starts a new one. Between those
    restarts each request extends the previous one; it shows 1 to ``size`` earlier steps
    (``(size + 1) / 2`` on average) where ``sliding`` shows ``size``."""
    if size <= 0:
        return count
    if window == "sliding" or count == 0:
        return max(count - size, 0)
    return size * ((count - 1) // size)


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def image_part(image: Image.Image) -> dict[str, Any]:
    return {"type": "image", "image": image}


def cursor(history: Sequence[Step]) -> coords.Point | None:
    """Where the mouse was left by the last executed pointing action, if any."""
    for step in reversed(history):
        if step.status == "executed" and isinstance(step.action, PointAction):
            return (step.action.x, step.action.y)
    return None


def history_turns(
    history: Sequence[Step],
    context: PromptContext,
    answer: Callable[[Step], Any],
    *,
    failures: bool = False,
) -> list[Message]:
    """Earlier steps as chat turns: each step's screenshot as a user turn (those in the window
    of ``history_images`` steps that still have one), then the model's answer as an assistant turn
    (``answer(step)``), then, with ``failures``, a user turn saying why it failed."""
    messages: list[Message] = []
    first_image = window_start(len(history), context.history_images, context.history_window)
    for index, step in enumerate(history):
        if index >= first_image and step.observation is not None:
            image = context.shown(step.observation.screenshot)
            messages.append({"role": "user", "content": [image_part(image)]})
        messages.append({"role": "assistant", "content": answer(step)})
        if failures and step.error is not None:
            failed = f"The previous action failed: {step.error.message}"
            messages.append({"role": "user", "content": [text_part(failed)]})
    return messages


def previous_images(history: Sequence[Step], context: PromptContext) -> list[dict[str, Any]]:
    """Screenshots of the steps in the window of ``history_images`` that still have them,
    labelled."""
    if context.history_images <= 0:
        return []
    parts: list[dict[str, Any]] = []
    first = window_start(len(history), context.history_images, context.history_window)
    for n, step in list(enumerate(history, start=1))[first:]:
        if step.observation is not None:
            image = context.shown(step.observation.screenshot)
            parts += [text_part(f"\nScreenshot before step {n}:"), image_part(image)]
    if parts:
        parts.append(text_part("\nCurrent screenshot:"))
    return parts


@dataclass(frozen=True)
class ModelCard(abc.ABC):
    """Prompt, parser and coordinate convention of one model family."""

    name: str
    convention: Convention = field(default_factory=Convention)
    history_images: int = 0
    notes_heading: ClassVar[str] = "Note"

    def convention_for(self, platform: Platform = "mobile") -> Convention:
        """The convention on ``platform`` (a family may declare another screen for desktops)."""
        return self.convention

    def drops_history(self, history_images: int) -> bool:
        """Whether this card's prompt drops earlier steps as an episode goes on (showing
        ``history_images`` earlier screenshots), which ``history_window`` then governs."""
        return history_images > 0

    def pixel_budget(self, platform: Platform = "mobile") -> tuple[int, int]:
        """(min_pixels, max_pixels) used when no budget is given, on ``platform``."""
        convention = self.convention_for(platform)
        return (convention.min_pixels, convention.max_pixels)

    def resized_size(self, image_size: Size, min_pixels: int, max_pixels: int) -> Size:
        """(width, height) of the image the model sees under a pixel budget (one smart_resize)."""
        return self.convention.resized_size(image_size, min_pixels, max_pixels)

    def default_resized_size(self, image_size: Size, platform: Platform = "mobile") -> Size:
        """The size a run shows a screenshot at under the default pixel budget."""
        return self.resized_size(image_size, *self.pixel_budget(platform))

    def frame(
        self, image_size: Size, resized_size: Size | None, platform: Platform = "mobile"
    ) -> ModelFrame:
        """The frame the model's coordinates are in for this screenshot."""
        resized = resized_size or self.default_resized_size(image_size, platform)
        return self.convention_for(platform).frame(image_size, resized)

    def default_frame(self, image_size: Size, platform: Platform = "mobile") -> ModelFrame:
        """The frame of a screenshot shown at the default pixel budget."""
        return self.frame(image_size, None, platform)

    def describe_frame(self, image_size: Size, platform: Platform = "mobile") -> str:
        """The default frame in words, e.g. ``pixels 672x1484 (qwen25vl: pixels of the ...)``."""
        low, high = self.pixel_budget(platform)
        frame = self.default_frame(image_size, platform)
        kind = (
            f"relative {frame.width:g}"
            if frame.name.startswith("relative")
            else f"pixels {int(frame.width)}x{int(frame.height)}"
        )
        convention = self.convention_for(platform).describe()
        return f"{kind} ({self.name}: {convention}; min_pixels={low} max_pixels={high}, {platform})"

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

        Without ``resized_size`` the screenshot is taken to be shown at the default budget; pixel
        coordinates that do not fit that frame are read in the model's own processor's frame,
        then in the screenshot's pixels, and the change is recorded as a repair."""
        check_length(text)
        frame = self.frame(image_size, resized_size, platform)
        try:
            try:
                return self._parse(text, frame, history, platform)
            except OutOfFrameError as exc:
                if resized_size is not None:
                    raise
                return self._parse_in_fallback_frames(text, image_size, exc, history, platform)
        except ModelError as exc:
            exc.raw_output = text
            raise
        except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError) as exc:
            raise ParseError(f"cannot read the answer: {exc}", raw_output=text) from exc

    def _parse_in_fallback_frames(
        self,
        text: str,
        image_size: Size,
        error: OutOfFrameError,
        history: Sequence[Step],
        platform: Platform,
    ) -> Parsed:
        assumed = self.default_frame(image_size, platform)
        tried = []
        for frame in self.convention_for(platform).fallback_frames(image_size):
            if frame == assumed:
                continue
            try:
                parsed = self._parse(text, frame, history, platform)
            except OutOfFrameError:
                tried.append(frame.name)
                continue
            note = f"frame: coordinates past the assumed {assumed.name} were read in {frame.name}"
            return replace(parsed, repairs=(*parsed.repairs, note))
        if tried:
            raise OutOfFrameError(f"{error}; nor does it fit {' or '.join(tried)}") from error
        raise error

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


__all__ = [
    "PHONE_MAX_PIXELS",
    "Message",
    "ModelCard",
    "Parsed",
    "PromptContext",
    "Size",
    "cursor",
    "history_turns",
    "image_part",
    "previous_images",
    "text_part",
    "window_start",
]
