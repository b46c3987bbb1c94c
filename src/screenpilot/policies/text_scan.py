"""Scanning model text in linear time: chat markers, thinking blocks, numbers, bracketed lists.

Model text is read with ``str.find`` and single passes, never with patterns that can backtrack,
so a looping model's megabyte of output costs time in proportion to its length.
"""

from __future__ import annotations

import contextlib
import math

from screenpilot.errors import AnswerTooLongError

MAX_ANSWER_CHARS = 200_000
"""The longest answer read: about 50,000 tokens, well past any GUI step with its thinking. A
longer one (a model looping until its token budget ran out) is an ``AnswerTooLongError``."""
MAX_JSON_DEPTH = 64
"""The deepest JSON nesting read; a tool call needs three or four levels."""
CHAT_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|end_of_text|>", "<|eot_id|>")
"""End-of-turn markers: the answer ends at the first one."""
THINK_TAGS = (("<think>", "</think>"), ("<thinkt>", "</thinkt>"))
MAX_BRACKETED = 160
"""Characters a bracketed coordinate list may span: a box of four long numbers fits easily."""
_NUMBER_CHARS = frozenset("0123456789.-+eE")
_LIST_CHARS = frozenset("0123456789.-+eE ,\t\n()[]")


def check_length(text: str) -> None:
    """Refuse an answer longer than ``MAX_ANSWER_CHARS`` before reading any of it."""
    if len(text) > MAX_ANSWER_CHARS:
        msg = (
            f"the answer is {len(text):,} characters long, past the {MAX_ANSWER_CHARS:,} read "
            "(the model probably looped): not read"
        )
        raise AnswerTooLongError(msg, raw_output=text[:2000])


class JsonStrings:
    """Follows JSON string literals one character at a time, for scanners that look at brackets
    and commas: ``outside(char)`` is True when ``char`` is structural (not in a string, not a
    quote). ``inside`` and ``escaped`` tell where a text that ends mid-string stopped."""

    __slots__ = ("escaped", "inside")

    def __init__(self) -> None:
        self.inside = self.escaped = False

    def outside(self, char: str) -> bool:
        if self.inside:
            if self.escaped:
                self.escaped = False
            elif char == "\\":
                self.escaped = True
            elif char == '"':
                self.inside = False
            return False
        if char == '"':
            self.inside = True
            return False
        return True


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep brackets nest in JSON-ish text (strings skipped); stops counting past ``limit``."""
    depth = deepest = 0
    strings = JsonStrings()
    for char in text:
        if not strings.outside(char):
            continue
        if char in "{[":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif char in "}]":
            depth = max(depth - 1, 0)
    return deepest


def cut_at_markers(text: str) -> str:
    """The text up to its first end-of-turn marker, with stray ``<|im_start|>`` dropped."""
    for marker in CHAT_MARKERS:
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    return text.replace("<|im_start|>", "")


def drop_blocks(text: str, start_tag: str, end_tag: str) -> str:
    """``text`` without its ``start_tag ... end_tag`` blocks (an unclosed one runs to the end)."""
    pieces, position = [], 0
    while True:
        start = text.find(start_tag, position)
        if start < 0:
            pieces.append(text[position:])
            return "".join(pieces)
        pieces.append(text[position:start])
        end = text.find(end_tag, start + len(start_tag))
        if end < 0:
            return "".join(pieces)
        position = end + len(end_tag)


def clean_answer(text: str) -> str:
    """The answer without end-of-turn markers and thinking blocks."""
    text = cut_at_markers(text)
    for start_tag, end_tag in THINK_TAGS:
        text = drop_blocks(text, start_tag, end_tag)
    return text


def fenced(text: str) -> tuple[str, int] | None:
    """The body of the first markdown fence (```` ```json ... ``` ````, the closing fence
    optional) and where the fence starts; None without one."""
    start = text.find("```")
    if start < 0:
        return None
    position = start + 3
    while position < len(text) and (text[position].isalnum() or text[position] in "_-"):
        position += 1  # the language tag
    end = text.find("```", position)
    return text[position : end if end >= 0 else len(text)].strip(), start


def labelled(text: str, label: str, position: int = 0) -> tuple[int, int] | None:
    """Where ``label`` followed by optional spaces and a colon (``:`` or ``：``) first occurs at
    or after ``position``: the label's start and the index after the colon."""
    while (found := text.find(label, position)) >= 0:
        after = skip_spaces(text, found + len(label))
        if after < len(text) and text[after] in ":：":
            return found, after + 1
        position = found + len(label)
    return None


def between(text: str, start_tag: str, end_tag: str) -> list[str]:
    """The contents of every ``start_tag ... end_tag`` block; an unclosed last one runs to the end."""
    found: list[str] = []
    position = 0
    while True:
        start = text.find(start_tag, position)
        if start < 0:
            return found
        start += len(start_tag)
        end = text.find(end_tag, start)
        if end < 0:
            found.append(text[start:])
            return found
        found.append(text[start:end])
        position = end + len(end_tag)


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text``, in order (signs, decimals and exponents kept, other
    text skipped)."""
    found: list[float] = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        starts = char.isdigit() or (
            char == "-" and position + 1 < length and text[position + 1].isdigit()
        )
        if not starts:
            position += 1
            continue
        end = position + 1
        while end < length and (text[end].isdigit() or text[end] == "."):
            end += 1
        exponent = end + 1 + (end + 1 < length and text[end + 1] in "+-")
        if end < length and text[end] in "eE" and exponent < length and text[exponent].isdigit():
            end = exponent + 1  # 1e3, 2.5E-2
            while end < length and text[end].isdigit():
                end += 1
        token = text[position:end].rstrip(".")
        with contextlib.suppress(ValueError):  # "1.2.3" is not a number
            found.append(float(token))
        position = end
    return found


def read_bracketed(text: str, start: int) -> tuple[tuple[float, ...], int] | None:
    """The numbers of a bracketed list (``[1, 2]``, ``(1,2),(3,4)``, ``[[1, 2], [3, 4]]``)
    starting at ``text[start]`` (after optional spaces), and the index after it; None when the
    brackets hold anything but numbers or run past ``MAX_BRACKETED`` characters."""
    position = start
    while position < len(text) and text[position] in " \t\n":
        position += 1
    if position >= len(text) or text[position] not in "[(":
        return None
    depth, end = 0, position
    limit = min(len(text), position + MAX_BRACKETED)
    while end < limit:
        char = text[end]
        if char not in _LIST_CHARS:
            return None
        if char in "[(":
            depth += 1
            if depth > 2:  # a coordinate list nests two levels at most ([[x, y], [x, y]])
                return None
        elif char in "])":
            depth -= 1
            if depth == 0:
                break
        end += 1
    else:
        return None
    values = numbers_in(text[position : end + 1])
    if not values or not all(math.isfinite(value) for value in values):
        return None
    return tuple(values), end + 1


MAX_VALUE = 4_000
"""Characters one bracketed argument value may span."""
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _identifier_end(text: str, position: int) -> int:
    while position < len(text) and (text[position].isalnum() or text[position] == "_"):
        position += 1
    return position


def skip_spaces(text: str, position: int) -> int:
    """The index of the first character at or after ``position`` that is not a space or newline."""
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _quoted(text: str, position: int) -> tuple[str, int]:
    """A quoted value from ``text[position]`` (the quote); a quote closes it only when what
    follows ends the argument, so quotes inside typed text survive. Unclosed: to the end."""
    quote, position, out = text[position], position + 1, []
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            out.append(_ESCAPES.get(text[position + 1], "\\" + text[position + 1]))
            position += 2
            continue
        if char == quote:
            after = skip_spaces(text, position + 1)
            if after >= len(text) or text[after] in ",)":
                return "".join(out), position + 1
        out.append(char)
        position += 1
    return "".join(out), position


def _bracketed_value(text: str, position: int) -> tuple[str, int]:
    """A ``(...)`` / ``[...]`` value, brackets included, up to its matching close."""
    depth, end = 0, position
    limit = min(len(text), position + MAX_VALUE)
    while end < limit:
        if text[end] in "([":
            depth += 1
        elif text[end] in ")]":
            depth -= 1
            if depth == 0:
                return text[position : end + 1], end + 1
        end += 1
    return text[position:end], end


def read_call_expression(text: str, start: int = 0) -> tuple[str, dict[str, str], int, int] | None:
    """The first ``name(key=value, ...)`` call at or after ``start``: its name, its keyword
    values as text (quoted values unquoted, bracketed ones with their brackets), and where it
    starts and ends. None when there is no call. Nothing is evaluated."""
    position = start
    while position < len(text):
        if text[position].isalpha() or text[position] == "_":
            name_end = _identifier_end(text, position)
            opening = skip_spaces(text, name_end)
            if opening < len(text) and text[opening] == "(":
                name = text[position:name_end]
                kwargs, end = _arguments(text, opening + 1)
                return name, kwargs, position, end
            position = name_end
        else:
            position += 1
    return None


def _arguments(text: str, position: int) -> tuple[dict[str, str], int]:
    kwargs: dict[str, str] = {}
    while True:
        position = skip_spaces(text, position)
        if position >= len(text):
            return kwargs, position
        if text[position] == ")":
            return kwargs, position + 1
        if text[position] == ",":
            position += 1
            continue
        key_end = _identifier_end(text, position)
        equals = skip_spaces(text, key_end)
        if key_end == position or equals >= len(text) or text[equals] != "=":
            return kwargs, position  # not key=value: the call ends here
        value_start = skip_spaces(text, equals + 1)
        key = text[position:key_end]
        if value_start < len(text) and text[value_start] in "'\"":
            kwargs[key], position = _quoted(text, value_start)
        elif value_start < len(text) and text[value_start] in "([":
            kwargs[key], position = _bracketed_value(text, value_start)
        else:
            stop = value_start
            while stop < len(text) and text[stop] not in ",)":
                stop += 1
            kwargs[key], position = text[value_start:stop].strip(), stop


def quoted_strings(text: str) -> list[str]:
    """The quoted strings inside ``text`` (``['ctrl', 'c']`` -> ctrl, c)."""
    found, position = [], 0
    while position < len(text):
        if text[position] in "'\"":
            quote = text[position]
            end = text.find(quote, position + 1)
            if end < 0:
                break
            found.append(text[position + 1 : end])
            position = end + 1
        else:
            position += 1
    return found


__all__ = [
    "CHAT_MARKERS",
    "MAX_ANSWER_CHARS",
    "MAX_BRACKETED",
    "MAX_JSON_DEPTH",
    "JsonStrings",
    "between",
    "check_length",
    "clean_answer",
    "cut_at_markers",
    "drop_blocks",
    "fenced",
    "json_depth",
    "labelled",
    "numbers_in",
    "quoted_strings",
    "read_bracketed",
    "read_call_expression",
    "skip_spaces",
]
