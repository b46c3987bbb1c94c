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
from screenpilot.policies.settings import Platform, PolicySettings
from screenpilot.tools import coords

__all__ = ["PHONE_MAX_PIXELS", "CardPolicy", "Prepared", "Request", "resize_for_model"]


@dataclass(frozen=True)
class Prepared:
    """One step's prompt: the messages and the size of the image inside them."""

    messages: list[Message]
    resized_size: tuple[int, int]
    seconds: float
    tools: list[dict[str, Any]] | None = None
    """The card's function-calling tools, if it sends its action space that way."""


def resize_for_model(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The screenshot as RGB at the model's input size (a no-op when it already is)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return rgb if rgb.size == size else rgb.resize(size, Image.Resampling.BICUBIC)


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

    def prepare(self, task: str, observation: Observation, history: Sequence[Step]) -> Prepared:
        started = time.perf_counter()
        size = self.card.resized_size(observation.screen.size, self.min_pixels, self.max_pixels)
        image = resize_for_model(observation.screenshot, size)
        context = PromptContext(image, self.platform, self.history_images)
        messages = self.card.messages(task, observation, history, context)
        tools = self.card.tools(self.platform)
        return Prepared(messages, size, time.perf_counter() - started, tools)

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
