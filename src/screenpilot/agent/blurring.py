"""Where saved screenshots are blurred (``Agent(blur_flagged=True)``, ``--blur-secrets``).

Redaction covers text; a screenshot can still show what was typed. With blurring on, the
recorder makes these boxes unreadable before a screenshot is written:

- the focused field, on the screenshot of a step that types text the safety gate flags (a
  password, a card number, a one-time code) and on the next one, which shows the field filled
  in; where the UI tree names no focused field, the whole screen on both;
- every element of the UI tree whose text or description shows a secret the redactor knows
  (the typed text echoed on a later screen: a search result, a confirmation page).

What the UI tree does not describe (a screen without a tree, text drawn on a canvas, the
keyboard's key preview) is not found: only the whole-screen fallback covers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screenpilot.agent.core import Environment, Observation, Step, UIElement
from screenpilot.agent.recording import flagged_typing
from screenpilot.agent.secrets import Redactor
from screenpilot.tools.coords import Box

WHOLE_SCREEN: Box = (0.0, 0.0, 1.0, 1.0)


@dataclass
class Blurring:
    """Decides the boxes step by step; it remembers the field a flagged step typed into."""

    env: Environment
    redactor: Redactor
    carried: tuple[Box, ...] = ()
    """Boxes the next screenshot blurs: where the last step typed flagged text."""
    last: tuple[Box, ...] = ()
    """Boxes the last step's screenshot blurred (the final screen may show the same)."""

    def step(self, step: Step, observation: Observation) -> tuple[Box, ...]:
        """The boxes to blur in the screenshot ``step`` was decided on."""
        flagged, carried = flagged_typing(step), self.carried
        tree = self.env.ui_tree_of(observation) or ()
        boxes = [*carried, *self.echoes(tree)]
        focused = next((element.bounds for element in tree if element.focused), None)
        field = focused if focused is not None else WHOLE_SCREEN
        if flagged:
            boxes.append(field)
        elif carried and focused is not None:  # where the field is now, if it moved
            boxes.append(focused)
        self.carried = (field,) if flagged else ()
        self.last = tuple(dict.fromkeys(boxes))
        return self.last

    def final(self, observation: Observation) -> tuple[Box, ...]:
        """The boxes to blur in the final screenshot (often the last step's screen again)."""
        tree = self.env.ui_tree_of(observation) or ()
        return tuple(dict.fromkeys((*self.last, *self.carried, *self.echoes(tree))))

    def echoes(self, tree: Sequence[UIElement]) -> list[Box]:
        """The elements whose text or description shows a secret."""
        if not self.redactor:
            return []
        found = self.redactor.found
        return [e.bounds for e in tree if found(e.text) or found(e.description)]
