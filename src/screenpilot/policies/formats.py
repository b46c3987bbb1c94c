"""Output formats: turn a model's raw text into an Action, for ``screenpilot parse`` and scoring.

``READERS[name](text, image_size, resized_size)`` gives a ``Parsed`` (the action, the repairs it
took, the target box); ``FORMATS[name]`` the same with only the action. Both raise a
``ModelError`` (usually ``ParseError``) naming what is wrong. Every model card is a format under
its name (and its aliases), besides ``canonical``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from screenpilot.errors import ConfigError, ParseError
from screenpilot.policies.cards import ModelCard, Parsed
from screenpilot.policies.catalog import CARD_ALIASES, CARDS
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import MAX_JSON_DEPTH, check_length, fenced, json_depth
from screenpilot.tools.actions import ACTION_CLASSES, Action, to_action
from screenpilot.tools.toolset import from_tool_call

Size = tuple[int, int]
OutputParser = Callable[[str, Size, "Size | None"], Action]
OutputReader = Callable[..., Parsed]
"""``(text, image_size, resized_size=None, platform="mobile") -> Parsed``."""


def parse_canonical(text: str, image_size: Size, resized_size: Size | None = None) -> Action:
    """Canonical action JSON (``{"type": "tap", ...}``) or a tool call (``{"name", "arguments"}``)."""
    check_length(text)
    inside = fenced(text)
    body = (inside[0] if inside else text).strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ParseError("no JSON object found in the output", raw_output=text)
    if json_depth(body[start : end + 1]) > MAX_JSON_DEPTH:
        raise ParseError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels", raw_output=text)
    try:
        data = json.loads(body[start : end + 1])
    except ValueError as exc:
        raise ParseError(f"the JSON object is malformed: {exc}", raw_output=text) from exc
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object", raw_output=text)
    if "name" in data and "type" not in data:
        return from_tool_call(str(data["name"]), data.get("arguments", {}))
    if "type" in data and not (isinstance(data["type"], str) and data["type"] in ACTION_CLASSES):
        raise ParseError(f"unknown action type {data['type']!r}", raw_output=text)
    return to_action(data)


def _read_canonical(
    text: str, image_size: Size, resized_size: Size | None = None, platform: Platform = "mobile"
) -> Parsed:
    return Parsed(parse_canonical(text, image_size, resized_size))


def _card_reader(card: ModelCard) -> OutputReader:
    def read(
        text: str, image_size: Size, resized_size: Size | None = None, platform: Platform = "mobile"
    ) -> Parsed:
        return card.parse(text, image_size, resized_size, platform=platform)

    read.__doc__ = f"The {card.name} model card's answer grammar."
    return read


def _actions_only(reader: OutputReader) -> OutputParser:
    def parse(text: str, image_size: Size, resized_size: Size | None = None) -> Action:
        return reader(text, image_size, resized_size).action

    parse.__doc__ = reader.__doc__
    return parse


READERS: dict[str, OutputReader] = {
    "canonical": _read_canonical,
    **{name: _card_reader(card) for name, card in CARDS.items()},
    **{alias: _card_reader(CARDS[name]) for alias, name in CARD_ALIASES.items()},
}
"""Output formats by name, read with their repairs; ``screenpilot parse --format NAME``."""
FORMATS: dict[str, OutputParser] = {name: _actions_only(read) for name, read in READERS.items()}
"""The same formats, giving only the action."""
FORMAT_NAMES = ("canonical", *CARDS)
"""The formats' own names (aliases left out), for messages."""


def read_output(
    format_name: str,
    text: str,
    image_size: Size,
    resized_size: Size | None = None,
    platform: Platform = "mobile",
) -> Parsed:
    """Read ``text`` in the named format; ConfigError for an unknown format."""
    reader = READERS.get(format_name)
    if reader is None:
        msg = f"unknown output format {format_name!r}; known formats: {', '.join(FORMAT_NAMES)}"
        raise ConfigError(msg)
    parsed: Parsed = reader(text, image_size, resized_size, platform)
    return parsed


def parse_output(
    format_name: str, text: str, image_size: Size, resized_size: Size | None = None
) -> Action:
    """The action of ``text`` in the named format; ConfigError for an unknown format."""
    return read_output(format_name, text, image_size, resized_size).action
