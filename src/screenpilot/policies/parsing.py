"""Tolerant readers for what Qwen-family models write: tool calls, JSON, points, UI-TARS calls.

Models drift: they wrap JSON in markdown fences, add prose, drop closing tags, emit several
calls, truncate, or use single quotes. These helpers recover the intended structure without
ever evaluating model text; anything they cannot read becomes a ``ParseError`` naming why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from screenpilot.errors import ParseError
from screenpilot.policies.text_scan import (
    MAX_JSON_DEPTH,
    JsonStrings,
    clean_answer,
    fenced,
    json_depth,
    labelled,
    numbers_in,
    read_call_expression,
    skip_spaces,
)

MAX_CALLS = 32
"""Tool calls read from one answer at most (the first is acted on, the rest only recorded)."""

GROUNDING_TOKENS = (
    "<|box_start|>",
    "<|box_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
)


def _balance_json(text: str) -> str:
    """The text with its brackets made to match: a closer of the wrong kind (``[1, 2)``) becomes
    the right one, a stray closer is dropped, and what a truncated text leaves open is closed."""
    stack: list[str] = []
    out: list[str] = []
    strings = JsonStrings()
    for char in text:
        if strings.outside(char):
            if char in "{[":
                stack.append("}" if char == "{" else "]")
            elif char in "}])":
                if not stack:
                    continue  # a closer with nothing open
                char = stack.pop()
        out.append(char)
    repaired = "".join(out)
    if strings.inside:
        repaired += ('\\"' if strings.escaped else "") + '"'
    repaired = repaired.rstrip()
    while repaired.endswith((",", ":")):
        repaired = repaired[:-1].rstrip()
    return repaired + "".join(reversed(stack))


def _without_trailing_commas(text: str) -> str:
    """Commas directly before a closing bracket dropped (``[1, 2,]``), outside strings."""
    out: list[str] = []
    strings = JsonStrings()
    for char in text:
        if strings.outside(char) and char in "}]":
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
    if json_depth(body) > MAX_JSON_DEPTH:
        msg = f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"
        raise ParseError(msg, raw_output=text[:2000])
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


FUNCTION_MARK, ARGS_MARK = "✿FUNCTION✿", "✿ARGS✿"


def _qwen_agent_calls(text: str) -> tuple[list[ToolCall], int]:
    """qwen-agent's ``✿FUNCTION✿: name`` / ``✿ARGS✿: {...}`` pairs, and where the first starts.

    One pass: the next ``✿ARGS✿`` mark is looked up again only once the scan has passed it, so
    many function marks with no arguments after them cost no more than reading the text."""
    calls: list[ToolCall] = []
    first, position = -1, 0
    args: tuple[int, int] | None = (-1, -1)
    while (mark := labelled(text, FUNCTION_MARK, position)) is not None:
        start, name_start = mark
        line_end = text.find("\n", name_start)
        if line_end < 0:
            break
        if args is not None and args[0] < line_end:
            args = labelled(text, ARGS_MARK, line_end)
        if args is None:
            break  # no arguments follow anywhere: no more calls
        if skip_spaces(text, line_end) != args[0]:
            position = line_end
            continue
        end = text.find("✿", args[1])
        end = len(text) if end < 0 else end
        name = text[name_start:line_end].strip()
        read = ({"name": name, "arguments": loads_lenient(text[args[1] : end])}, None)
        calls.append(_call_from_json(read, text[start:end].strip()))
        first = start if first < 0 else first
        position = end
    return calls, first


def find_tool_calls(text: str) -> tuple[list[ToolCall], str]:
    """All tool calls in ``text`` and the prose before the first one (the model's reasoning).

    Reads Hermes ``<tool_call>`` blocks (closing tag optional), qwen-agent
    ``✿FUNCTION✿``/``✿ARGS✿`` pairs, and fenced or bare JSON objects, in that order of preference.
    """
    text = clean_answer(text)
    if "<tool_call>" in text:
        prose, *blocks = text.split("<tool_call>")
        calls = []
        for block in blocks[:MAX_CALLS]:
            body = block.split("</tool_call>")[0]
            inside = fenced(body)
            body = inside[0] if inside else body
            if body.strip():
                calls.append(_call_from_json(read_json(body), body.strip()))
        if calls:
            return calls, prose.strip()
    calls, first = _qwen_agent_calls(text)
    if calls:
        return calls, text[:first].strip()
    inside = fenced(text)
    body = inside[0] if inside else text
    start = body.find("{")
    if start < 0:
        raise ParseError(
            "no tool call found (expected <tool_call>{...}</tool_call>)", raw_output=text
        )
    prose = text[: text.find("{")].strip() if not inside else text[: inside[1]].strip()
    return [_call_from_json(read_json(body[start:]), body[start:].strip())], prose


def numbers(value: str) -> list[float]:
    """The numbers written in ``value``, grounding tokens and ``<point>`` tags ignored."""
    for token in GROUNDING_TOKENS:
        value = value.replace(token, " ")
    return numbers_in(value)


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


def parse_call(text: str) -> FunctionCall:
    """The first ``name(key='value', ...)`` call in ``text``; ParseError if there is none."""
    found = read_call_expression(text)
    if found is None:
        raise ParseError("no function call found (expected e.g. click(...))", raw_output=text)
    name, kwargs, start, end = found
    return FunctionCall(name, kwargs, text[start:end].strip())
