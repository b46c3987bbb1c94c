"""Output formats: turn a model's raw text into an Action, for ``screenpilot parse`` and policies.

Each format is a function ``(text, image_size, resized_size) -> Action`` that raises a
``ModelError`` (usually ``ParseError``) naming what is wrong; model cards register theirs here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from screenpilot.errors import ConfigError, ParseError
from screenpilot.policies.catalog import CARDS
from screenpilot.tools.actions import ACTION_CLASSES, Action, to_action
from screenpilot.tools.toolset import from_tool_call

Size = tuple[int, int]
OutputParser = Callable[[str, Size, "Size | None"], Action]

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def parse_canonical(text: str, image_size: Size, resized_size: Size | None = None) -> Action:
    """Canonical action JSON (``{"type": "tap", ...}``) or a tool call (``{"name", "arguments"}``)."""
    fenced = _FENCE.search(text)
    body = (fenced.group(1) if fenced else text).strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ParseError("no JSON object found in the output", raw_output=text)
    try:
        data = json.loads(body[start : end + 1])
    except ValueError as exc:
        raise ParseError(f"the JSON object is malformed: {exc}", raw_output=text) from exc
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object", raw_output=text)
    if "name" in data and "type" not in data:
        return from_tool_call(str(data["name"]), data.get("arguments", {}))
    if data.get("type") not in ACTION_CLASSES and "type" in data:
        raise ParseError(f"unknown action type {data['type']!r}", raw_output=text)
    return to_action(data)


FORMATS: dict[str, OutputParser] = {"canonical": parse_canonical}
"""Output formats by name; ``screenpilot parse --format NAME`` uses this table."""


def _card_parser(name: str) -> OutputParser:
    card = CARDS[name]

    def parse(text: str, image_size: Size, resized_size: Size | None = None) -> Action:
        return card.parse(text, image_size, resized_size).action

    parse.__doc__ = f"The {name} model card's answer grammar (see ``policies.cards``)."
    return parse


# The model cards' answer grammars, under the names of ``policies.catalog.CARDS``.
FORMATS.update({name: _card_parser(name) for name in CARDS})


def parse_output(
    format_name: str, text: str, image_size: Size, resized_size: Size | None = None
) -> Action:
    """Parse ``text`` in the named format; ConfigError for an unknown format."""
    parser = FORMATS.get(format_name)
    if parser is None:
        msg = f"unknown output format {format_name!r}; known formats: {', '.join(sorted(FORMATS))}"
        raise ConfigError(msg)
    return parser(text, image_size, resized_size)
