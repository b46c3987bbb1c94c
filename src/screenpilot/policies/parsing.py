"""Tolerant readers for what Qwen-family models write: tool calls, JSON, points, UI-TARS calls.

Models drift: they wrap JSON in markdown fences, add prose, drop closing tags, emit several
calls, truncate, or use single quotes. These helpers recover the intended structure without
ever evaluating model text; anything they cannot read becomes a ``ParseError`` naming why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from screenpilot.errors import ParseError
from screenpilot.policies.text_scan import read_call_expression

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)(```|$)", re.DOTALL)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_GROUNDING_TOKENS = re.compile(
    r"<\|(?:box_start|box_end|object_ref_start|object_ref_end|quad_start|quad_end)\|>"
)


def strip_chat_markers(text: str) -> str:
    """Cut a decoded completion at its first end-of-turn marker and drop stray markers."""
    for marker in ("<|im_end|>", "<|endoftext|>"):
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    return text.replace("<|im_start|>", "")


def strip_think(text: str) -> str:
    """Drop ``<think>...</think>`` blocks (closed or not)."""
    return _THINK.sub("", text)


def _balance_json(text: str) -> str:
    """The text with its brackets made to match: a closer of the wrong kind (``[1, 2)``) becomes
    the right one, a stray closer is dropped, and what a truncated text leaves open is closed."""
    stack: list[str] = []
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}])":
            if not stack:
                continue  # a closer with nothing open
            char = stack.pop()
        out.append(char)
    repaired = "".join(out)
    if in_string:
        repaired += ('\\"' if escaped else "") + '"'
    repaired = repaired.rstrip()
    while repaired.endswith((",", ":")):
        repaired = repaired[:-1].rstrip()
    return repaired + "".join(reversed(stack))


def _without_trailing_commas(text: str) -> str:
    """Commas directly before a closing bracket dropped (``[1, 2,]``), outside strings."""
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped = not escaped and char == "\\"
            in_string = escaped or char != '"'
        elif char == '"':
            in_string = True
        elif char in "}]":
            while out and out[-1] in " \t\r\n,":
                if out.pop() == ",":
                    break
        out.append(char)
    return "".join(out)


def read_json(text: str) -> tuple[Any, str | None]:
    """The first JSON value in ``text`` and the repair it took (None when it was valid):
    trailing commas, single quotes, mismatched or missing closing brackets. ParseError if
    nothing readable is there."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ParseError("no JSON object found", raw_output=text)
    body = text[start:]
    decoder = json.JSONDecoder()
    candidates = [(body, None), (_without_trailing_commas(body), "json: trailing commas dropped")]
    if '"' not in body:  # a Python-style dict with single quotes
        candidates.append((body.replace("'", '"'), "json: single quotes read as double quotes"))
    candidates += [
        (
            _balance_json(candidate),
            "json: brackets matched and closed" + (f"; {note[6:]}" if note else ""),
        )
        for candidate, note in list(candidates)
    ]
    error: Exception | None = None
    for candidate, note in candidates:
        try:
            return decoder.raw_decode(candidate)[0], note
        except (ValueError, RecursionError) as exc:
            error = exc
    raise ParseError(f"the JSON is malformed: {error}", raw_output=text)


def loads_lenient(text: str) -> Any:
    """The first JSON value in ``text``, repairing common drift; ParseError if there is none."""
    return read_json(text)[0]


@dataclass(frozen=True)
class ToolCall:
    """One function call found in a completion."""

    name: str | None
    arguments: Any
    """A JSON object as a rule; models also write a bare list."""
    raw: str
    repairs: tuple[str, ...] = ()
    """What reading its JSON took (``read_json``)."""


def _call_from_json(read: tuple[Any, str | None], raw: str) -> ToolCall:
    value, note = read
    repairs: tuple[str, ...] = (note,) if note else ()
    if not isinstance(value, dict):
        raise ParseError("the tool call is not a JSON object", raw_output=raw)
    if "arguments" not in value and "name" not in value:
        return ToolCall(None, value, raw, repairs)  # bare arguments: {"action": "click", ...}
    arguments = value.get("arguments", {})
    if isinstance(arguments, str):
        arguments, inner = read_json(arguments) if arguments.strip() else ({}, None)
        repairs += ("arguments: given as a JSON string",) + ((inner,) if inner else ())
    if not isinstance(arguments, dict | list):
        raise ParseError("the tool call's arguments are not a JSON object", raw_output=raw)
    name = value.get("name")
    return ToolCall(name if isinstance(name, str) else None, arguments, raw, repairs)


_FUNCTION = re.compile(
    r"✿FUNCTION✿\s*[:：]\s*(?P<name>[^\n]*?)\s*\n\s*✿ARGS✿\s*[:：]\s*(?P<args>.*?)(?=✿|$)",
    re.DOTALL,
)


def find_tool_calls(text: str) -> tuple[list[ToolCall], str]:
    """All tool calls in ``text`` and the prose before the first one (the model's reasoning).

    Reads Hermes ``<tool_call>`` blocks (closing tag optional), qwen-agent
    ``✿FUNCTION✿``/``✿ARGS✿`` pairs, and fenced or bare JSON objects, in that order of preference.
    """
    text = strip_think(strip_chat_markers(text))
    if "<tool_call>" in text:
        prose, *blocks = text.split("<tool_call>")
        calls = []
        for block in blocks:
            body = block.split("</tool_call>")[0]
            fenced = _FENCE.search(body)
            body = fenced.group(1) if fenced else body
            if body.strip():
                calls.append(_call_from_json(read_json(body), body.strip()))
        if calls:
            return calls, prose.strip()
    matches = list(_FUNCTION.finditer(text))
    if matches:
        calls = [
            _call_from_json(
                ({"name": m["name"].strip(), "arguments": loads_lenient(m["args"])}, None),
                m[0].strip(),
            )
            for m in matches
        ]
        return calls, text[: matches[0].start()].strip()
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    if start < 0:
        raise ParseError(
            "no tool call found (expected <tool_call>{...}</tool_call>)", raw_output=text
        )
    prose = text[: text.find("{")].strip() if not fenced else text[: fenced.start()].strip()
    return [_call_from_json(read_json(body[start:]), body[start:].strip())], prose


def numbers(value: str) -> list[float]:
    """The numbers written in ``value``, grounding tokens and ``<point>`` tags ignored."""
    return [float(n) for n in _NUMBER.findall(_GROUNDING_TOKENS.sub(" ", value))]


def model_point(value: Any, what: str = "coordinate") -> tuple[float, float]:
    """A point in model units from ``[x, y]``, ``"(x,y)"``, ``"<point>x y</point>"`` or a box.

    Boxes (four numbers, e.g. ``<|box_start|>(x1,y1),(x2,y2)<|box_end|>``) become their centre.
    """
    if isinstance(value, str):
        found = numbers(value)
    elif isinstance(value, list | tuple) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    ):
        found = [float(v) for v in value]
    elif isinstance(value, list | tuple) and len(value) == 2:  # [[x1, y1], [x2, y2]]
        found = [float(n) for v in value for n in numbers(json.dumps(v))]
    else:
        found = []
    if len(found) == 2:
        return (found[0], found[1])
    if len(found) == 4:
        return ((found[0] + found[2]) / 2, (found[1] + found[3]) / 2)
    raise ParseError(f"{what} must be a point (x, y) or a box (x1, y1, x2, y2), got {value!r}")


@dataclass(frozen=True)
class FunctionCall:
    """A Python-style call read without evaluating it: ``click(point='<point>1 2</point>')``."""

    name: str
    kwargs: dict[str, str]
    raw: str


_CALL_START = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def parse_call(text: str) -> FunctionCall:
    """The first ``name(key='value', ...)`` call in ``text``; ParseError if there is none."""
    found = read_call_expression(text)
    if found is None:
        raise ParseError("no function call found (expected e.g. click(...))", raw_output=text)
    name, kwargs, start, end = found
    return FunctionCall(name, kwargs, text[start:end].strip())
