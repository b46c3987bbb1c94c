"""The model cards by name: which prompt and answer grammar each model family gets."""

from __future__ import annotations

from screenpilot.errors import ConfigError
from screenpilot.policies.cards import ModelCard
from screenpilot.policies.qwen_cards import QwenFunctionCard
from screenpilot.policies.tool_card import ToolCallCard
from screenpilot.policies.uitars import UITarsCard
from screenpilot.tools.coords import Convention

DEFAULT_CARD = "qwen25vl"


RELATIVE_1000 = Convention("relative", 1000)
RESIZED_PIXELS = Convention("resized-pixels")

CARDS: dict[str, ModelCard] = {
    "qwen2vl": QwenFunctionCard("qwen2vl", Convention("relative", 1000, shape="box")),
    "qwen25vl": QwenFunctionCard("qwen25vl", RESIZED_PIXELS),
    "uitars": UITarsCard("uitars", RELATIVE_1000, history_images=4),
    "uitars15": UITarsCard(
        "uitars15",
        Convention("resized-pixels", min_pixels=100 * 28 * 28),
        history_images=4,
        v15=True,
    ),
    "tools": ToolCallCard("tools", Convention("relative", 1)),
}
"""Model cards by name; also the output formats of the same names (``policies.formats``)."""


CARD_ALIASES: dict[str, str] = {}
"""Other names a card answers to (``--card`` and ``--format``)."""


def get_card(name: str) -> ModelCard:
    """The card named ``name`` (or an alias); ConfigError listing the known ones otherwise."""
    card = CARDS.get(CARD_ALIASES.get(name, name))
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


__all__ = ["CARDS", "CARD_ALIASES", "DEFAULT_CARD", "card_for_model", "get_card"]
