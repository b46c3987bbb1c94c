"""Finding what a locator names on the current screen: the UI tree, then OCR, then a model.

1. **The UI tree** (``Environment.ui_tree_of``): the element whose text, content description or
   resource id (the whole id, or the part after ``:id/``) equals the locator's words, else
   equals them normalized (``flows.text.normalized``: case, spaces, punctuation, accents). Text
   is tried before descriptions, descriptions before ids; among equals, an element that is not
   a text field comes first (a field's text is what was typed into it), except where a step
   types into the field; then tree order. ``index`` picks the n-th.
2. **OCR of the screenshot**, with the reader the safety gate uses (``agent.ocr``): a line
   that reads the words exactly, else normalized, else that holds them in a row (the box then
   narrowed to their share of the line). Only labels and texts are read this way.
3. **A grounding model**, when the flow has a policy: it is asked ``Tap <words>`` on the
   screenshot, and the point (or the centre of the box) it answers is taken. Any card that
   answers with a box or a point will do (``policies/grounding.py`` reads them).

What OCR or a model found is cached (``LocationCache``) per flow, step and screen: the same
step on a screen whose perceptual hash matches (``fingerprint.CACHE_MATCH``) reuses it without
reading or asking again. The tree is read fresh every time: it is exact and cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from PIL import Image

from screenpilot.agent.core import Environment, Observation, Policy, UIElement
from screenpilot.agent.ocr import TextLine
from screenpilot.errors import ModelError
from screenpilot.flows.cache import LocationCache
from screenpilot.flows.steps import Locator
from screenpilot.flows.text import find_words, normalized
from screenpilot.tools import coords
from screenpilot.tools.actions import PointAction
from screenpilot.tools.coords import Box

Source = Literal["tree", "ocr", "model", "cache", "point"]
SUMMARY_LABELS = 15
"""How many labels a message about the screen lists before it says how many more there are."""


class ScreenReader(Protocol):
    """What a flow needs of OCR: every line of a screenshot (``agent.ocr.OcrReader``)."""

    def lines(self, image: Image.Image) -> list[TextLine]: ...


@dataclass(frozen=True)
class Resolution:
    """Where a locator was found, by what, and what matched there."""

    x: float
    y: float
    source: Source
    how: str
    """What matched: ``exact text``, ``normalized description``, ``words in a line``, ..."""
    label: str = ""
    box: Box | None = None
    model_output: str | None = None

    def info(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "source": self.source,
            "how": self.how,
            "label": self.label,
            "point": [round(self.x, 6), round(self.y, 6)],
        }
        if self.box is not None:
            found["box"] = [round(edge, 6) for edge in self.box]
        if self.model_output is not None:
            found["model_output"] = self.model_output
        return found

    def text(self) -> str:
        where = {
            "tree": "in the UI tree",
            "ocr": "by OCR",
            "model": "by the grounding model",
            "cache": "in the cache of earlier runs",
            "point": "at the point given",
        }[self.source]
        label = f' "{self.label}"' if self.label else ""
        return f"found {where} ({self.how}{label})"


def point_in(box: Box, at: tuple[float, float] | None) -> tuple[float, float]:
    """The point at fractions ``at`` of ``box`` (its centre by default), kept on the screen."""
    left, top, right, bottom = box
    share_x, share_y = at if at is not None else (0.5, 0.5)
    x = left + (right - left) * share_x
    y = top + (bottom - top) * share_y
    return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)


def is_text_field(element: UIElement) -> bool:
    kind = element.kind.casefold()
    return "edit" in kind or kind in {"text", "entry", "password text"}


def _on_screen(element: UIElement) -> bool:
    left, top, right, bottom = element.bounds
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    return element.area > 0 and 0 <= centre_x <= 1 and 0 <= centre_y <= 1


def short_id(resource_id: str) -> str:
    return resource_id.rpartition(":id/")[2] if ":id/" in resource_id else resource_id


_FIELDS = {
    "label": ("text", "description", "id"),
    "text": ("text",),
    "description": ("description",),
    "id": ("id",),
}


def _values(element: UIElement, name: str) -> tuple[str, ...]:
    if name == "text":
        return (element.text,)
    if name == "description":
        return (element.description,)
    return (element.resource_id, short_id(element.resource_id))


def in_tree(
    target: Locator, elements: Sequence[UIElement], *, editable: bool = False
) -> Resolution | None:
    """The element ``target`` names among ``elements`` (see the module's order), or None;
    ``editable`` puts text fields first (a step typing into one)."""
    shown = [element for element in elements if _on_screen(element)]
    wanted = target.value
    for how in ("exact", "normalized"):
        for name in _FIELDS[target.field]:
            if how == "exact":
                found = [e for e in shown if wanted in _values(e, name)]
            else:
                key = normalized(wanted)
                found = [e for e in shown if key and key in map(normalized, _values(e, name))]
            if not found:
                continue
            ranked = sorted(found, key=lambda element: is_text_field(element) != editable)
            if target.index >= len(ranked):
                continue
            element = ranked[target.index]
            x, y = point_in(element.bounds, target.at)
            label = element.label or short_id(element.resource_id)
            return Resolution(x, y, "tree", f"{how} {name}", label, element.bounds)
    return None


def in_lines(
    target: Locator, lines: Sequence[TextLine], size: tuple[int, int]
) -> Resolution | None:
    """The line of text ``target`` names (exact, normalized, words in a row), or None."""
    if target.field not in ("label", "text"):
        return None
    wanted = target.value
    for how in ("exact", "normalized", "words in a line"):
        found = [(line, span) for line in lines if (span := _span(how, wanted, line.text))]
        if target.index >= len(found):
            continue
        line, (start, end) = found[target.index]
        left, top, right, bottom = line.box
        share = (right - left) / max(len(line.text), 1)
        left, right = left + start * share, left + end * share
        box = coords.box_from_image_pixels(left, top, right, bottom, size, clamp=True)
        x, y = point_in(box, target.at)
        return Resolution(x, y, "ocr", how, line.text[start:end], box)
    return None


def _span(how: str, wanted: str, text: str) -> tuple[int, int] | None:
    """Where ``text`` (an OCR line) holds ``wanted``, compared ``how``: the whole line when it
    reads the words exactly or normalized, the words' span when it holds them in a row."""
    if how == "exact":
        return (0, len(text)) if text == wanted else None
    if how == "normalized":
        key = normalized(wanted)
        return (0, len(text)) if key and normalized(text) == key else None
    return find_words(wanted, text)


@dataclass
class Locating:
    """Finds locators on an environment's screens, counting the model calls it makes."""

    env: Environment
    reader: ScreenReader | None = None
    grounder: Policy | None = None
    cache: LocationCache = field(default_factory=LocationCache)
    model_calls: int = 0
    _lines: tuple[Image.Image, list[TextLine]] | None = field(default=None, repr=False)

    def tree(self, observation: Observation) -> tuple[UIElement, ...] | None:
        return self.env.ui_tree_of(observation)

    def lines(self, observation: Observation) -> list[TextLine] | None:
        """The OCR lines of the screenshot (read once per screenshot); None without OCR."""
        if self.reader is None:
            return None
        image = observation.screenshot
        if self._lines is None or self._lines[0] is not image:
            self._lines = (image, self.reader.lines(image))
        return self._lines[1]

    def visible(self, target: Locator, observation: Observation) -> Resolution | None:
        """Where ``target`` shows on the screen, by the tree or OCR (never a model: a model
        points somewhere whether or not the thing is there)."""
        if target.field == "point":
            return Resolution(target.x or 0.0, target.y or 0.0, "point", "point")
        found = in_tree(target, self.tree(observation) or ())
        if found is not None:
            return found
        lines = self.lines(observation)
        return None if lines is None else in_lines(target, lines, observation.screen.size)

    def find(
        self,
        target: Locator,
        observation: Observation,
        *,
        key: str | None = None,
        editable: bool = False,
    ) -> Resolution | None:
        """Where to act on ``target``: the tree, the cache (under ``key``), OCR, the model."""
        if target.field == "point":
            return Resolution(target.x or 0.0, target.y or 0.0, "point", "point")
        found = in_tree(target, self.tree(observation) or (), editable=editable)
        if found is not None:
            return found
        if key is not None:
            cached = self.cache.get(key, observation.screenshot)
            if cached is not None:
                return Resolution(cached.x, cached.y, "cache", cached.how, cached.label, cached.box)
        lines = self.lines(observation)
        found = None if lines is None else in_lines(target, lines, observation.screen.size)
        if found is None:
            found = self.ground(target, observation)
        if found is not None and key is not None:
            self.cache.put(key, observation.screenshot, found)
        return found

    def ground(self, target: Locator, observation: Observation) -> Resolution | None:
        """Ask the grounding model where ``target`` is; None without one or when it answers
        no point."""
        if self.grounder is None or target.field == "id":
            return None
        self.model_calls += 1
        try:
            decision = self.grounder.act(f"Tap {target.value}", observation, ())
        except ModelError:
            return None
        action = decision.action
        if not isinstance(action, PointAction):
            return None
        given = decision.info.get("target_box")
        box = (
            (given[0], given[1], given[2], given[3])
            if isinstance(given, list) and len(given) == 4
            else None
        )
        x, y = (
            (action.x, action.y) if box is None or target.at is None else point_in(box, target.at)
        )
        return Resolution(x, y, "model", "grounding", "", box, model_output=decision.raw_output)

    def summary(self, observation: Observation) -> str:
        """What is on the screen, for a message: the tree's labels, else the OCR lines."""
        labels = [e.label for e in self.tree(observation) or () if e.label.strip()]
        origin = "UI tree"
        if not labels:
            lines = self.lines(observation)
            labels, origin = [line.text for line in lines or ()], "OCR"
            if lines is None:
                return "nothing readable (no UI tree and no OCR)"
        unique = list(dict.fromkeys(label.strip() for label in labels))
        if not unique:
            return f"no words ({origin})"
        shown = ", ".join(f'"{label}"' for label in unique[:SUMMARY_LABELS])
        more = len(unique) - SUMMARY_LABELS
        return f"{shown}{f' and {more} more' if more > 0 else ''} ({origin})"


__all__ = [
    "Locating",
    "Resolution",
    "ScreenReader",
    "in_lines",
    "in_tree",
    "is_text_field",
    "point_in",
    "short_id",
]
