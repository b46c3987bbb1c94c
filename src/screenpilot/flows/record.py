"""From a recorded run to a flow (``screenpilot flow from-run``).

Every executed step of the run becomes a step of the flow, in order: a press becomes a press on
a locator, typing and keys stay as they were, a run of scrolls followed by a press becomes
``scroll: {until: <what was pressed>}``, and ``finish(failure)`` (or a finish with an answer)
stays. Each step carries a guard: the signature of the screen it was taken on (``fingerprint``).

A press's locator is the label of what it pressed: from the run's UI tree, the smallest element
at the point with a label or a resource id, written the shortest way that finds that same
element again on the recorded screen (its label, else its text, description or id alone, else
with an index; a text field is named by its description or id before its text, which is what
was typed into it). Without a tree, the label the safety gate read there; else OCR around the
point; else, with a warning, the point itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from screenpilot.agent.core import UIElement
from screenpilot.agent.ocr import default_reader
from screenpilot.agent.recording import StepRecord, load_run
from screenpilot.agent.safety import LabelReader
from screenpilot.agent.secrets import MASK
from screenpilot.flows import steps as flow
from screenpilot.flows.fingerprint import guard_of
from screenpilot.flows.locate import in_tree, is_text_field, short_id
from screenpilot.flows.runner import DEFAULT, DefaultReader
from screenpilot.flows.spec import FlowSpec
from screenpilot.tools import actions
from screenpilot.tools.actions import PointAction
from screenpilot.tools.coords import Box

VERBS: dict[type[PointAction], flow.PressVerb] = {
    actions.Tap: "tap",
    actions.DoubleTap: "double_tap",
    actions.LongPress: "long_press",
    actions.RightClick: "right_click",
    actions.MiddleClick: "middle_click",
    actions.MouseMove: "hover",
}
OFF_CENTRE = 0.15
"""A press further than this share of an element's size from its centre keeps its place."""
MAX_INDEX = 8
"""The largest index a locator is tried with before the point is kept instead."""


@dataclass
class Recorded:
    """The flow made from a run, and what the conversion could not do well."""

    flow: FlowSpec
    warnings: list[str] = field(default_factory=list)


def _candidates(element: UIElement) -> list[flow.Locator]:
    """The ways to name ``element``, shortest first (a field by its hint or id first)."""
    named: list[flow.Locator] = []
    rid = short_id(element.resource_id)
    if is_text_field(element):
        for key, value in (("description", element.description), ("id", rid)):
            if value:
                named.append(flow.Locator.model_validate({key: value}))
    if element.label:
        named.append(flow.Locator(label=element.label))
    for key, value in (("text", element.text), ("description", element.description), ("id", rid)):
        if value:
            named.append(flow.Locator.model_validate({key: value}))
    return list(dict.fromkeys(named))


def _finds(target: flow.Locator, elements: Sequence[UIElement], x: float, y: float) -> Box | None:
    """The box ``target`` finds on the recorded screen, when it lies under the recorded point."""
    found = in_tree(target, elements)
    if found is None or found.box is None:
        return None
    left, top, right, bottom = found.box
    return found.box if left <= x <= right and top <= y <= bottom else None


def _where(box: Box, x: float, y: float) -> tuple[float, float] | None:
    """The point's place in ``box`` as fractions, where it is off the centre by more than
    ``OFF_CENTRE`` of the box's size (a slider pressed at its value); else None."""
    left, top, right, bottom = box
    share_x = (x - left) / (right - left) if right > left else 0.5
    share_y = (y - top) / (bottom - top) if bottom > top else 0.5
    if abs(share_x - 0.5) <= OFF_CENTRE and abs(share_y - 0.5) <= OFF_CENTRE:
        return None
    return round(share_x, 3), round(share_y, 3)


def from_tree(elements: Sequence[UIElement], x: float, y: float) -> flow.Locator | None:
    """The shortest locator that finds again the element pressed at (x, y), with where in it
    the press was when that is off its centre; or None."""
    under = [e for e in elements if e.contains(x, y) and (e.label or e.resource_id)]
    for element in sorted(under, key=lambda element: element.area):
        for target in _candidates(element):
            for index in range(MAX_INDEX):
                indexed = target.model_copy(update={"index": index})
                box = _finds(indexed, elements, x, y)
                if box is not None:
                    return indexed.model_copy(update={"at": _where(box, x, y)})
                if in_tree(indexed, elements) is None:
                    break
    return None


class _Converter:
    def __init__(self, run_dir: Path, reader: LabelReader | None, guards: bool) -> None:
        self.run_dir, self.reader, self.guards = run_dir, reader, guards
        self.warnings: list[str] = []

    def screenshot(self, record: StepRecord) -> Image.Image | None:
        path = self.run_dir / record.screenshot if record.screenshot else None
        if path is None or not path.exists():
            return None
        with Image.open(path) as image:
            converted: Image.Image = image.convert("RGB")
        return converted

    def guard(self, record: StepRecord) -> flow.Guard | None:
        if not self.guards:
            return None
        return guard_of(record.ui_elements or None, self.screenshot(record))

    def target(self, record: StepRecord, action: PointAction) -> flow.Locator:
        x, y = action.x, action.y
        if record.ui_elements:
            found = from_tree(record.ui_elements, x, y)
            if found is not None:
                return found
        seen = record.safety.seen if record.safety is not None else None
        if seen is not None and seen.label.strip():
            return flow.Locator(label=seen.label.strip())
        image = self.screenshot(record) if self.reader is not None else None
        if image is not None and self.reader is not None:
            sighting = self.reader(image, x, y)
            if sighting is not None and sighting.label.strip():
                return flow.Locator(label=sighting.label.strip())
        self.warnings.append(
            f"run step {record.index + 1} ({action.type} at {x:.3f}, {y:.3f}): no label found "
            "there; the flow presses the same point"
        )
        return flow.Locator(x=round(x, 4), y=round(y, 4))

    def convert(self, records: Sequence[StepRecord]) -> list[flow.FlowStep]:
        steps: list[flow.FlowStep] = []
        position = 0
        while position < len(records):
            record = records[position]
            action = record.action
            guard = self.guard(record)
            position += 1
            if isinstance(action, actions.Scroll):
                scrolls = 1
                while position < len(records) and _same_scroll(records[position].action, action):
                    scrolls, position = scrolls + 1, position + 1
                steps += self.scrolls(action, scrolls, records[position:], guard)
            elif isinstance(action, PointAction):
                target = self.target(record, action)
                steps.append(flow.Press(verb=VERBS[type(action)], target=target, guard=guard))
            elif isinstance(action, actions.TypeText):
                if MASK in action.text:
                    self.warnings.append(
                        f"run step {record.index + 1} typed text the run redacted (a password, "
                        f"a card number): the flow types {MASK}; write the text in by hand"
                    )
                steps.append(flow.Type(text=action.text, guard=guard))
            elif isinstance(action, actions.Key):
                steps.append(flow.Key(key=action.key, guard=guard))
            elif isinstance(action, actions.OpenApp):
                steps.append(flow.OpenApp(app=action.app, guard=guard))
            elif isinstance(action, actions.Swipe):
                points = {"x": action.x, "y": action.y, "x2": action.x2, "y2": action.y2}
                steps.append(flow.Swipe(**points, guard=guard))
            elif isinstance(action, actions.Wait):
                steps.append(flow.Wait(seconds=action.seconds, guard=guard))
            elif isinstance(action, actions.Finish) and (
                action.status == "failure" or action.answer
            ):
                steps.append(flow.Finish(status=action.status, answer=action.answer, guard=guard))
        return steps

    def scrolls(
        self,
        action: actions.Scroll,
        count: int,
        after: Sequence[StepRecord],
        guard: flow.Guard | None,
    ) -> list[flow.FlowStep]:
        """``count`` scrolls: until what the next press finds, where it has a label (the
        next step then presses it); else as many single scrolls."""
        point = {"x": action.x, "y": action.y} if action.x is not None else {}
        following = after[0] if after else None
        pressed = following.action if following is not None else None
        if following is not None and isinstance(pressed, PointAction) and following.ui_elements:
            until = from_tree(following.ui_elements, pressed.x, pressed.y)
            if until is not None:
                limit = max(flow.MAX_SCROLLS, 2 * count)
                return [
                    flow.Scroll(
                        direction=action.direction,
                        until=until,
                        max_scrolls=limit,
                        guard=guard,
                        **point,
                    )
                ]
        return [flow.Scroll(direction=action.direction, guard=guard, **point)] * count


def _same_scroll(candidate: object, first: actions.Scroll) -> bool:
    return isinstance(candidate, actions.Scroll) and candidate.direction == first.direction


def flow_from_run(
    run_dir: str | Path,
    *,
    reader: LabelReader | DefaultReader | None = DEFAULT,
    guards: bool = True,
) -> Recorded:
    """The flow a recorded run amounts to (its executed steps), with guards unless
    ``guards=False``; ``reader`` reads labels by OCR where the run kept no tree (by default the
    safety gate's shared reader, where the ``ocr`` extra is installed)."""
    run = load_run(run_dir)
    chosen = default_reader() if isinstance(reader, DefaultReader) else reader
    converter = _Converter(Path(run_dir), chosen, guards)
    executed = [record for record in run.steps if record.status == "executed"]
    steps = converter.convert(executed)
    if not steps:
        steps = [flow.Finish(status="success")]
        converter.warnings.append("the run executed no step but its finish")
    goal = run.manifest.task.strip() or None
    return Recorded(FlowSpec(tuple(steps), goal, source=str(run_dir)), converter.warnings)


__all__ = ["Recorded", "flow_from_run", "from_tree"]
