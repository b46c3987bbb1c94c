"""What the model-card policies share: image preparation, messages, parsing into a Decision.

``CardPolicy`` turns (task, observation, history) into the card's messages with the screenshot
smart-resized to the pixel budget, and a completion back into a ``Decision``. Subclasses only
say how text is generated (``Qwen2VLPolicy`` in-process, ``OpenAIPolicy`` over HTTP).
"""

from __future__ import annotations

import abc
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from screenpilot.agent.core import Decision, Observation, Policy, PolicyInfo, Request, Step, Usage
from screenpilot.errors import ConfigError, ModelError
from screenpilot.policies.cards import PHONE_MAX_PIXELS, Message, ModelCard, PromptContext
from screenpilot.policies.catalog import card_for_model, get_card
from screenpilot.policies.model_images import ByIdentity, model_image
from screenpilot.policies.settings import Platform, PolicySettings
from screenpilot.tools import coords

__all__ = ["PHONE_MAX_PIXELS", "CardPolicy", "Prepared", "Request", "resize_for_model"]


@dataclass(frozen=True)
class Prepared:
    """One step's prompt: the messages and the size of the image inside them."""

    messages: list[Message]
    resized_size: tuple[int, int]
    seconds: float
    """The whole preparation: ``image_seconds`` and building the messages."""
    tools: list[dict[str, Any]] | None = None
    """The card's function-calling tools, if it sends its action space that way."""
    image_seconds: float = 0.0
    """Resizing the screenshot to the model's size (the ``image`` stage)."""

    @property
    def prompt_seconds(self) -> float:
        """Building the messages (the ``prompt`` stage)."""
        return self.seconds - self.image_seconds


resize_for_model = model_image


class CardPolicy(Policy):
    """A policy that prompts and parses through a model card."""

    policy_name = "card"

    def __init__(self, settings: PolicySettings | str, /, **changes: Any) -> None:
        """``settings`` (or just the model's name) with ``changes`` (``card=``, ``max_pixels=``,
        ... — the fields of ``PolicySettings``); unset budgets and history come from the card."""
        self.settings = PolicySettings.of(settings, **changes)
        if not self.settings.model:
            raise ConfigError("this policy needs --model (a hub id, a local path or a served name)")
        self.model: str = self.settings.model
        self.card: ModelCard = get_card(self.settings.card or card_for_model(self.model))
        self.platform: Platform = self.settings.platform
        default_min, default_max = self.card.pixel_budget(self.platform)
        chosen_min, chosen_max = self.settings.min_pixels, self.settings.max_pixels
        self.min_pixels = default_min if chosen_min is None else chosen_min
        self.max_pixels = default_max if chosen_max is None else chosen_max
        if not 0 < self.min_pixels <= self.max_pixels:
            msg = f"need 0 < min_pixels <= max_pixels, got {self.min_pixels} and {self.max_pixels}"
            raise ConfigError(msg)
        self.max_new_tokens = self.settings.max_new_tokens
        self.temperature = self.settings.temperature
        history = self.settings.history_images
        self.history_images = self.card.history_images if history is None else history
        self.history_window = self.settings.history_window
        if self.history_window == "append" and not self.card.drops_history(self.history_images):
            msg = (
                f"--history-window append changes nothing for the {self.card.name} card with "
                f"{self.history_images} earlier screenshots: its prompts drop no earlier step "
                "(each already extends the one before, or shows no history); leave it sliding"
            )
            raise ConfigError(msg)
        self._model_images: ByIdentity[Image.Image, Image.Image] = ByIdentity()

    def model_image(self, screenshot: Image.Image, size: tuple[int, int]) -> Image.Image:
        """``screenshot`` at the model's ``size``, resized once however often it is shown."""
        return self._model_images.get(screenshot, size, lambda shot: model_image(shot, size))

    def prepare(self, task: str, observation: Observation, history: Sequence[Step]) -> Prepared:
        started = time.perf_counter()
        size = self.card.resized_size(observation.screen.size, self.min_pixels, self.max_pixels)
        image = self.model_image(observation.screenshot, size)
        resized = time.perf_counter()
        context = PromptContext(
            image, self.platform, self.history_images, self.history_window, self.model_image
        )
        messages = self.card.messages(task, observation, history, context)
        tools = self.card.tools(self.platform)
        ended = time.perf_counter()
        return Prepared(messages, size, ended - started, tools, image_seconds=resized - started)

    def decide(
        self,
        text: str,
        observation: Observation,
        history: Sequence[Step],
        resized_size: tuple[int, int],
        timings: Mapping[str, float],
        usage: Usage | None = None,
    ) -> Decision:
        """Parse a completion; a model fault becomes a Decision carrying the error."""
        started = time.perf_counter()
        info: dict[str, Any] = {"resized_size": list(resized_size)}
        try:
            parsed = self.card.parse(
                text,
                observation.screen.size,
                resized_size,
                history=history,
                platform=self.platform,
            )
        except ModelError as exc:
            spent = dict(timings, parse=time.perf_counter() - started)
            return Decision(error=exc, raw_output=text, timings=spent, usage=usage, info=info)
        if parsed.ignored_calls:
            info["ignored_calls"] = list(parsed.ignored_calls)
        if parsed.repairs:
            info["repairs"] = list(parsed.repairs)
        if parsed.box is not None:
            info["target_box"] = [round(edge, 6) for edge in parsed.box]
        if parsed.summary:
            info["summary"] = parsed.summary
        spent = dict(timings, parse=time.perf_counter() - started)
        return Decision(
            action=parsed.action,
            raw_output=text,
            reasoning=parsed.reasoning,
            timings=spent,
            usage=usage,
            info=info,
        )

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        decision = self.act_batch([(task, observation, history)])[0]
        if isinstance(decision, ModelError):
            raise decision
        return decision

    @abc.abstractmethod
    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        """Generate for every request (one padded batch, or concurrent server calls)."""

    def prompt_hash(self) -> str:
        """A fingerprint of the prompt texts (a blank phone screen, no history)."""
        blank = Image.new("RGB", (1080, 2400))
        observation = Observation(blank, coords.Screen.same_size(1080, 2400), timestamp=0.0)
        messages = self.prepare("{task}", observation, ()).messages
        texts = [
            m["content"] if isinstance(m["content"], str) else [p.get("text") for p in m["content"]]
            for m in messages
        ]
        return hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:16]

    def describe(self) -> PolicyInfo:
        decoding: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "greedy": self.temperature == 0,
        }
        return PolicyInfo(
            name=self.policy_name,
            model=self.model,
            prompt_format=f"{self.card.name}/{self.platform}",
            prompt_hash=self.prompt_hash(),
            decoding=decoding,
            min_pixels=self.min_pixels,
            max_pixels=self.max_pixels,
            extra={
                "history_images": self.history_images,
                "settings": self.settings.recorded(),
                **self.describe_extra(),
            },
        )

    def describe_extra(self) -> dict[str, Any]:
        return {}
