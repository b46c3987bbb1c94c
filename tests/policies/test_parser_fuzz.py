"""Every reader, fed thousands of mutated answers: an Action or a ModelError, nothing else, and a
cost that grows with the length of the text, never faster.

The mutations are what looping or broken models produce: truncations, repeated fragments, deep
nesting, huge numbers, stray tags and quotes, control and private-use characters, long runs of
one character, answers past the length cap. They come from a fixed seed, so a failure reproduces.
Time is the reading thread's CPU time, judged as a ratio against parsing the format's own
normal answers in the same run, never as an absolute limit: an input may take at most ``SLACK`` times what its length would cost at the
normal answers' rate (plus a floor), and an input over budget is timed again before it fails.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

import pytest

from screenpilot.errors import ModelError
from screenpilot.policies.catalog import CARDS
from screenpilot.policies.formats import FORMAT_NAMES, READERS
from screenpilot.policies.text_scan import MAX_ANSWER_CHARS
from screenpilot.tools.actions import Finish, Key, Scroll, Swipe, Tap, TypeText

SEED = 20261206
INPUTS_PER_FORMAT = 2000
SLACK = 60.0
"""How many times its length's share of a normal answer's cost one input may take."""
FLOOR_ANSWERS = 30
"""An input may always take as long as this many normal answers (fixed costs)."""
PHONE = (1080, 2400)
FRAGMENTS = [
    "<tool_call>",
    "</tool_call>",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    '"',
    "'",
    ",",
    ":",
    "\\",
    '"name": "mobile_use"',
    '"arguments":',
    '"action": "click"',
    '"coordinate": [1, 2]',
    "✿FUNCTION✿: ",
    "\n✿ARGS✿: ",
    "Thought: ",
    "Action: ",
    "click(",
    "point='<point>",
    "</point>'",
    "<|box_start|>(1,2)<|box_end|>",
    "<|object_ref_start|>",
    "<ref>",
    "<box>",
    "<think>",
    "</think>",
    "<thinking>",
    "<action>",
    "</action>",
    "do(action=",
    "finish(",
    "<seed:tool_call>",
    "<function=click>",
    "<parameter=point>",
    "```json\n",
    "<|im_end|>",
    "1e309",
    "-0",
    "NaN",
    "Infinity",
    "9" * 400,
    "\x00",
    "\u202e",
    "\ue012",
    "🙂",
    "\r\n",
]
SEED_ACTIONS = [
    Tap(x=0.3, y=0.6),
    Swipe(x=0.5, y=0.8, x2=0.5, y2=0.2),
    Scroll(direction="down"),
    TypeText(text='it\'s "fine"\nok'),
    Key(key="back"),
    Finish(status="success", answer="42"),
]


def seeds(name: str) -> list[str]:
    """The format's own answers for a few actions (what normal output looks like)."""
    if name == "canonical":
        return [action.model_dump_json() for action in SEED_ACTIONS]
    card = CARDS[name]
    frame = card.default_frame(PHONE)
    answers = []
    for action in SEED_ACTIONS:
        try:
            answers.append(card.answer(action, frame))
        except ValueError:
            continue  # not in this card's grammar
    return answers


def mutate(rng: random.Random, text: str) -> str:
    """One to four random edits of ``text``."""
    for _ in range(rng.randint(1, 4)):
        where = rng.randint(0, len(text))
        kind = rng.randrange(9)
        if kind == 0:
            text = text[: rng.randint(0, len(text))]
        elif kind == 1:
            text = text[:where] + rng.choice(FRAGMENTS) + text[where:]
        elif kind == 2:
            end = min(len(text), where + rng.randint(1, 40))
            text = text[:where] + text[where:end] * rng.randint(2, 300) + text[end:]
        elif kind == 3:
            opener = rng.choice(["[", "{", "(", '{"a":', "<tool_call>", "[["])
            text = text[:where] + opener * rng.randint(10, 3000) + text[where:]
        elif kind == 4:
            text = text[:where] + rng.choice(FRAGMENTS) * rng.randint(2, 500) + text[where:]
        elif kind == 5:
            text = (
                text[:where] + rng.choice(" \n\t0a'\"([{") * rng.randint(100, 60_000) + text[where:]
            )
        elif kind == 6:
            text = "".join(
                rng.choice(["9" * 50, "-1", "1.5", "1e9"]) if c.isdigit() else c for c in text
            )
        elif kind == 7:
            text = (
                text[:where]
                + "".join(chr(rng.randint(0, 0x2FFFF)) for _ in range(rng.randint(1, 20)))
                + text[where:]
            )
        else:
            text = text.replace(rng.choice(["</tool_call>", "}", "'", ")", "</point>"]), "")
    return text


def inputs(name: str) -> Iterator[str]:
    rng = random.Random(f"{SEED}/{name}")
    normal = seeds(name)
    for number in range(INPUTS_PER_FORMAT):
        if number % 250 == 0:  # now and then one past the length cap
            yield rng.choice(normal) + "x" * (MAX_ANSWER_CHARS + rng.randint(1, 500_000))
        else:
            yield mutate(rng, rng.choice(normal))


def run(read: Callable[[str], object], text: str) -> float:
    """The CPU time reading ``text`` took this thread: on a busy machine a long read is shared
    with other processes more often than a short one, and wall-clock time would count that."""
    started = time.thread_time()
    try:
        read(text)
    except ModelError as exc:
        assert str(exc)  # every refusal says why
    return time.thread_time() - started


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_any_text_reads_as_an_action_or_a_model_error_in_linear_time(name: str) -> None:
    def read(text: str) -> object:
        return READERS[name](text, PHONE, None)

    normal = seeds(name)
    unit = sorted(run(read, text) / len(text) for text in normal * 5)[len(normal) * 5 // 2]
    floor = FLOOR_ANSWERS * unit * max(len(text) for text in normal)
    slowest = 0.0
    for text in inputs(name):
        budget = floor + SLACK * unit * len(text)
        spent = run(read, text)  # a non-ModelError exception fails the test here
        if spent > budget:  # a busy machine, or a real blow-up: look again
            spent = min(spent, *(run(read, text) for _ in range(3)))
        assert spent <= budget, f"{len(text):,} characters took {spent:.3f} s: {text[:200]!r}"
        slowest = max(slowest, spent / (floor + unit * len(text)))
    print(f"{name}: slowest input at {slowest:.1f}x its length's share")  # noqa: T201


HARD_SHAPES = {
    "function marks with no arguments": ("", "✿FUNCTION✿: a\n", ""),
    "tool-call arguments as deep JSON text": ('{"name": "tap", "arguments": "', "[", '"}'),
    "an open tool call, then brackets": ("<tool_call>{", "[", ""),
    "calls opened and never closed": ("", "click(point='(", ""),
}
"""Shapes that once cost quadratic time or escaped as RecursionError: a head, a unit repeated
to the length asked, and a tail."""


def hard(shape: str, length: int) -> str:
    head, unit, tail = HARD_SHAPES[shape]
    repeats = (length - len(head) - len(tail)) // len(unit)
    return head + unit * repeats + tail


@pytest.mark.parametrize("shape", HARD_SHAPES)
@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_hard_shapes_read_typed_and_four_times_longer_costs_about_four_times(
    name: str, shape: str
) -> None:
    def read(text: str) -> object:
        return READERS[name](text, PHONE, None)

    short, long = hard(shape, 40_000), hard(shape, 160_000)
    # Linear is 4x; quadratic would be 16x. Tiny times are all fixed cost: nothing to compare.
    # The two lengths take turns, so that a busy spell slows both; a ratio past 8x is measured
    # again before it fails (a quadratic reader is past it every time).
    for _ in range(3):
        times: dict[str, list[float]] = {"short": [], "long": []}
        for _ in range(5):
            times["short"].append(run(read, short))  # a non-ModelError fails here
            times["long"].append(run(read, long))
        short_time, long_time = min(times["short"]), min(times["long"])
        if long_time <= 8 * short_time + 0.005:
            break
    assert long_time <= 8 * short_time + 0.005, f"{short_time:.4f} s, then {long_time:.4f} s"
