"""The model cards by name: which prompt and answer grammar each model family gets."""

from __future__ import annotations

from screenpilot.errors import ConfigError
from screenpilot.policies.cards import ModelCard, QwenFunctionCard
from screenpilot.policies.tool_card import ToolCallCard
from screenpilot.policies.uitars import UITarsCard

DEFAULT_CARD = "qwen25vl"


CARDS: dict[str, ModelCard] = {
    "qwen2vl": QwenFunctionCard("qwen2vl", relative=True),
    "qwen25vl": QwenFunctionCard("qwen25vl"),
    "uitars": UITarsCard("uitars", history_images=4),
    "uitars15": UITarsCard("uitars15", min_pixels=100 * 28 * 28, history_images=4, v15=True),
    "tools": ToolCallCard("tools"),
}
"""Model cards by name; also the output formats of the same names (``policies.formats``)."""


def get_card(name: str) -> ModelCard:
    """The card named ``name``; ConfigError listing the known ones otherwise."""
    card = CARDS.get(name)
    if card is None:
        msg = f"unknown model card {name!r}; known cards: {', '.join(CARDS)}"
        raise ConfigError(msg)
    return card


def card_for_model(model: str | None) -> str:
    """A card name guessed from a model id ("bytedance/UI-TARS-1.5-7B" -> uitars15)."""
    lowered = (model or "").lower().replace("_", "-")
    if "ui-tars-1.5" in lowered or "uitars-1.5" in lowered:
        return "uitars15"
    if "ui-tars" in lowered or "uitars" in lowered:
        return "uitars"
    if "qwen2-vl" in lowered or "qwen2vl" in lowered:
        return "qwen2vl"
    return DEFAULT_CARD


__all__ = ["CARDS", "DEFAULT_CARD", "card_for_model", "get_card"]
