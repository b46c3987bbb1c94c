"""The model cards by name: which prompt and answer grammar each model family gets."""

from __future__ import annotations

from screenpilot.errors import ConfigError
from screenpilot.policies.autoglm import AutoGLMCard
from screenpilot.policies.cards import ModelCard
from screenpilot.policies.grounding import GroundingCard
from screenpilot.policies.qwen3_cards import (
    GUIOwlCard,
    MAIUICard,
    Qwen3FunctionCard,
    qwen3_convention,
)
from screenpilot.policies.qwen_cards import QwenFunctionCard
from screenpilot.policies.tool_card import ToolCallCard
from screenpilot.policies.uitars import UITarsCard
from screenpilot.policies.uitars2 import UITars2Card
from screenpilot.policies.uivenus import UIVenusCard
from screenpilot.tools.coords import MAX_PIXELS, Convention

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
    "uitars2": UITars2Card("uitars2", RELATIVE_1000, history_images=4, v15=True),
    "qwenvl": GroundingCard("qwenvl", Convention("relative", 1000, shape="box")),
    "qwen3vl": Qwen3FunctionCard(
        "qwen3vl",
        qwen3_convention(999),
        system_files={"mobile": "qwen3vl_mobile", "desktop": "qwen3vl_computer"},
        desktop_convention=qwen3_convention(1000),
    ),
    "guiowl": GUIOwlCard(
        "guiowl",
        qwen3_convention(1000),
        system_files={"mobile": "guiowl_mobile", "desktop": "guiowl_computer"},
    ),
    "maiui": MAIUICard(
        "maiui", qwen3_convention(999), history_images=2, system_files={"mobile": "maiui_mobile"}
    ),
    "uivenus": UIVenusCard(
        "uivenus", Convention("resized-pixels", min_pixels=3136, native_max_pixels=MAX_PIXELS)
    ),
    "autoglm": AutoGLMCard("autoglm", RELATIVE_1000),
    "tools": ToolCallCard("tools", Convention("relative", 1)),
}
"""Model cards by name; also the output formats of the same names (``policies.formats``)."""


CARD_ALIASES: dict[str, str] = {
    "qwen2.5vl": "qwen25vl",
    "qwen-vl": "qwenvl",
    "qwen2-vl": "qwen2vl",
    "qwen2.5-vl": "qwen25vl",
    "qwen3-vl": "qwen3vl",
    "ui-tars": "uitars",
    "ui-tars-1.5": "uitars15",
    "ui-tars-2": "uitars2",
    "mai-ui": "maiui",
    "gui-owl": "guiowl",
    "mobile-agent-v3.5": "guiowl",
    "ui-venus": "uivenus",
    "autoglm-phone": "autoglm",
}
"""Other names a card answers to (``--card`` and ``--format``)."""


def get_card(name: str) -> ModelCard:
    """The card named ``name`` (or an alias); ConfigError listing the known ones otherwise."""
    card = CARDS.get(CARD_ALIASES.get(name, name))
    if card is None:
        msg = f"unknown model card {name!r}; known cards: {', '.join(CARDS)}"
        raise ConfigError(msg)
    return card


MODEL_NAMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ui-tars-1.5", "uitars-1.5"), "uitars15"),
    (("ui-tars-2", "uitars-2"), "uitars2"),
    (("ui-tars", "uitars"), "uitars"),
    (("mai-ui", "maiui"), "maiui"),
    (("gui-owl", "guiowl"), "guiowl"),
    (("ui-venus", "uivenus"), "uivenus"),
    (("autoglm",), "autoglm"),
    (("qwen3-vl", "qwen3vl"), "qwen3vl"),
    (("qwen2-vl", "qwen2vl"), "qwen2vl"),
    (("qwen-vl",), "qwenvl"),
)
"""Pieces of model ids, in order of precedence, and the card each implies."""


def card_for_model(model: str | None) -> str:
    """A card name guessed from a model id ("bytedance/UI-TARS-1.5-7B" -> uitars15)."""
    lowered = (model or "").lower().replace("_", "-")
    for pieces, card in MODEL_NAMES:
        if any(piece in lowered for piece in pieces):
            return card
    return DEFAULT_CARD


__all__ = ["CARDS", "CARD_ALIASES", "DEFAULT_CARD", "card_for_model", "get_card"]
