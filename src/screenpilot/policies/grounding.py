"""Grounding answers: where a model says a thing is, as a box or a point, in whatever syntax.

Read, in one left-to-right scan of the text (no regular expression over model text):

- Qwen2-VL's box tokens: ``<|object_ref_start|>label<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>``
  (one pair is a point);
- Qwen-VL's tags: ``<ref>label</ref><box>(x1,y1),(x2,y2)</box>``;
- ``<point>x y</point>`` and ``<bbox>x1 y1 x2 y2</bbox>``;
- JSON fields ``"bbox_2d"``, ``"point_2d"``, ``"coordinate"``, ``"bbox"``, ``"point"`` (Qwen2.5-VL /
  Qwen3-VL grounding, MAI-UI's ``<answer>``);
- failing those, bare ``[x1, y1, x2, y2]``, ``[x, y]`` and ``(x, y)``.

A box becomes a tap at its centre and is kept on the result. Several *different* targets are
ambiguous and refused; the same target written twice is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import ParseError
from screenpilot.policies.cards import (
    Message,
    ModelCard,
    Parsed,
    PromptContext,
    image_part,
    text_part,
)
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import clean_answer, numbers_in, read_bracketed
from screenpilot.tools.actions import ActionBase, Tap
from screenpilot.tools.coords import Convention, ModelFrame, box_center

_TAGS = (
    ("<|box_start|>", "<|box_end|>", "box tokens"),
    ("<box>", "</box>", "<box>"),
    ("<point>", "</point>", "<point>"),
    ("<bbox>", "</bbox>", "<bbox>"),
)
WHOLE_SCREEN = 0.9
"""A box covering at least this share of the screen locates nothing."""
_FIELDS = ('"bbox_2d"', '"point_2d"', '"coordinate"', '"bbox"', '"point"')


@dataclass(frozen=True)
class Target:
    """Two (a point) or four (a box) numbers as the model wrote them, and where they were."""

    numbers: tuple[float, ...]
    source: str


def _tagged(text: str) -> list[Target]:
    found = []
    for start_tag, end_tag, source in _TAGS:
        position = text.find(start_tag)
        while position >= 0:
            start = position + len(start_tag)
            end = text.find(end_tag, start)
            body = text[start : end if end >= 0 else len(text)]
            found.append(Target(tuple(numbers_in(body)), source))
            if end < 0:
                break
            position = text.find(start_tag, end + len(end_tag))
    return found


def _fields(text: str) -> list[Target]:
    found = []
    for name in _FIELDS:
        position = text.find(name)
        while position >= 0:
            after = position + len(name)
            colon = text.find(":", after)
            if colon >= 0 and not text[after:colon].strip():
                read = read_bracketed(text, colon + 1)
                if read is not None:
                    found.append(Target(read[0], name.strip('"')))
            position = text.find(name, after)
    return found


def _bare(text: str) -> list[Target]:
    found, position = [], 0
    while position < len(text):
        if text[position] in "[(":
            read = read_bracketed(text, position)
            if read is not None:
                if len(read[0]) in (2, 4):
                    found.append(Target(read[0], "bare numbers"))
                position = read[1]
                continue
        position += 1
    return found


def find_targets(text: str) -> list[Target]:
    """Every target written in ``text``, in the most explicit syntax present."""
    body = clean_answer(text)
    return _tagged(body) or _fields(body) or _bare(body)


def read_target(text: str, convention: Convention, frame: ModelFrame) -> Parsed:
    """A grounding answer as a tap (at the box's centre, the box kept); ParseError otherwise."""
    targets = find_targets(text)
    distinct = list(dict.fromkeys(target.numbers for target in targets))
    if not distinct:
        raise ParseError("no coordinates found (expected a box or a point)", raw_output=text)
    if len(distinct) > 1:
        shown = "; ".join(", ".join(f"{n:g}" for n in numbers) for numbers in distinct[:4])
        msg = f"{len(distinct)} different targets in one answer ({shown}): which one is meant?"
        raise ParseError(msg, raw_output=text)
    numbers = distinct[0]
    if len(numbers) == 2:
        x, y = convention.point(numbers[0], numbers[1], frame)
        return Parsed(Tap(x=x, y=y))
    if len(numbers) == 4:
        box = convention.box(*numbers, frame)
        if (box[2] - box[0]) * (box[3] - box[1]) >= WHOLE_SCREEN:
            msg = f"the box {list(numbers)} covers the whole screen: it locates nothing"
            raise ParseError(msg, raw_output=text)
        x, y = box_center(box)
        degenerate = box[0] == box[2] and box[1] == box[3]
        return Parsed(Tap(x=x, y=y), box=None if degenerate else box)
    msg = f"a target needs 2 numbers (a point) or 4 (a box), got {len(numbers)}: {list(numbers)}"
    raise ParseError(msg, raw_output=text)


@dataclass(frozen=True)
class GroundingCard(ModelCard):
    """A model that only locates things (Qwen-VL, the first generation): the task is the thing
    to find, the answer a box or a point, the action a tap there. Qwen-VL writes
    ``<ref>label</ref><box>(x1,y1),(x2,y2)</box>`` in [0, 1000) (QwenLM/Qwen-VL ``README.md``).
    The prompt is this card's own; the model was not trained on an agent prompt."""

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        text = f"Locate the element to tap for this task and answer with its box: {task}"
        return [{"role": "user", "content": [image_part(context.image), text_part(text)]}]

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        return read_target(text, self.convention_for(platform), frame)

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        if not isinstance(action, Tap):
            raise ValueError(f"{action.type} cannot be written as a grounding answer")
        x, y = self.convention.write(action.x, action.y, frame)
        return f"<ref>target</ref><box>({x:g},{y:g}),({x:g},{y:g})</box>"

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return self.render(action, frame, platform)


__all__ = ["GroundingCard", "Target", "find_targets", "read_target"]
