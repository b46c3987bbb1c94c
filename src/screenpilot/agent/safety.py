"""The safety gate the loop consults before executing each action.

The gate first looks at what the action touches: for a press (tap, double tap, long press), the
label at its point, from the environment's UI tree (``Environment.ui_tree_of``) or, where the tree
has none, from OCR of the screenshot around the point (``LabelReader``); for typing, the focused
field. Rules then name their concerns, and the gate asks a person through the ``confirm``
callback. Without a callback, flagged actions are denied on real devices and let through (but
recorded) on simulated ones. A press the gate could not look at (no tree, no OCR) is itself a
concern on a real device: a gate that cannot see must not wave actions through.

By default the gate reads with ``agent.ocr.default_reader()``: OCR where the ``ocr`` extra is
installed, nothing otherwise (the engine loads on the first press it has to read).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image

from screenpilot.agent.core import (
    Environment,
    Observation,
    SafetyReview,
    Sighting,
    UIElement,
    smallest_element_at,
)
from screenpilot.agent.ocr import default_reader
from screenpilot.agent.safety_words import CONTROL_WORDS, FIELD_WORDS, find
from screenpilot.tools.actions import ActionBase, DoubleTap, LongPress, Tap, TypeText

PRESSES = (Tap, DoubleTap, LongPress)
"""Actions that press what lies under their point: the gate reads its label."""

LabelReader = Callable[[Image.Image, float, float], Sighting | None]
"""Reads the words at a normalized point of a screenshot (OCR); None when there are none."""


@dataclass(frozen=True, slots=True)
class Target:
    """What the rules judge: the action, its screen, and what the gate saw there."""

    action: ActionBase
    observation: Observation
    seen: Sighting | None
    """The label at a press's point; None for other actions or where nothing was readable."""
    looked: bool
    """Whether the gate had a way to look (a UI tree or OCR)."""
    focused: UIElement | None
    """The focused element, where the UI tree is known."""
    simulated: bool


SafetyRule = Callable[[Target], "str | None"]
"""Returns a one-line concern when the action deserves a person's confirmation."""


def secret_field(target: Target) -> str | None:
    """Typing into a password, PIN or one-time-code field (by its flag, hint, label or id)."""
    focused = target.focused
    if not isinstance(target.action, TypeText) or focused is None:
        return None
    if focused.password:
        return "typing into a password field"
    hints = " ".join((focused.resource_id, focused.description, focused.text))
    found = find(hints, FIELD_WORDS)
    if found is None:
        return None
    return f"typing into a {found.concern} field ({found.word!r})"


def card_number(target: Target) -> str | None:
    """Typed text that contains a payment card number (13-19 digits passing the Luhn check)."""
    action = target.action
    if not isinstance(action, TypeText):
        return None
    if any(_luhn_valid(run) for run in _digit_runs(action.text)):
        return "the text looks like a payment card number"
    return None


def _digit_runs(text: str) -> list[str]:
    """Runs of 13 to 19 digits, single spaces or hyphens allowed between them."""
    runs, current, gap = [], "", False
    for char in text + "\0":
        if char.isascii() and char.isdigit():
            current, gap = current + char, False
        elif char in " -" and current and not gap:
            gap = True
        else:
            if 13 <= len(current) <= 19:
                runs.append(current)
            current, gap = "", False
    return runs


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def sensitive_control(target: Target) -> str | None:
    """A press on a control whose label names paying, buying, sending, deleting, installing,
    transferring, subscribing, signing out or a factory reset, in any language of the table."""
    if not isinstance(target.action, PRESSES) or target.seen is None:
        return None
    found = find(target.seen.label, CONTROL_WORDS)
    if found is None:
        return None
    return f"{target.action.type} on a control labelled {target.seen.label!r} ({found.concern})"


def unseen_target(target: Target) -> str | None:
    """On a real device, a press the gate had no way to look at (no UI tree, no OCR)."""
    if not isinstance(target.action, PRESSES) or target.looked or target.simulated:
        return None
    return (
        f"{target.action.type} on something the safety gate cannot see (no UI tree there, no OCR)"
    )


DEFAULT_RULES: tuple[SafetyRule, ...] = (
    secret_field,
    card_number,
    sensitive_control,
    unseen_target,
)


def look(
    environment: Environment,
    action: ActionBase,
    observation: Observation,
    reader: LabelReader | None,
) -> tuple[Sighting | None, bool, UIElement | None]:
    """What the gate sees for ``action``: the label at a press's point (the smallest labelled
    element of the UI tree containing it, else OCR around it), whether it could look at all,
    and the focused element. The tree is asked for only for presses and typing.

    Without OCR, a press has been looked at only where the tree reaches its point: a desktop's
    tree holds only the windows that export one, and elsewhere the gate is blind."""
    if not isinstance(action, (*PRESSES, TypeText)):
        return None, True, None
    tree = environment.ui_tree_of(observation)
    focused = next((e for e in tree if e.focused), None) if tree is not None else None
    looked = tree is not None or reader is not None
    if not isinstance(action, PRESSES):
        return None, looked, focused
    element = smallest_element_at(tree or (), action.x, action.y, lambda e: bool(e.label.strip()))
    if element is not None:
        return Sighting(element.label, "tree", element.bounds), True, focused
    if reader is not None:
        return reader(observation.screenshot, action.x, action.y), True, focused
    reached = any(e.contains(action.x, action.y) for e in tree or ())
    return None, reached, focused


@dataclass(frozen=True, slots=True)
class ConfirmationRequest:
    """What a person is asked to confirm."""

    task: str
    action: ActionBase
    concerns: tuple[str, ...]
    observation: Observation
    seen: Sighting | None = None


Confirm = Callable[[ConfirmationRequest], bool]


@dataclass
class SafetyGate:
    """Looks at what an action touches, runs the rules over it and, when one objects, decides
    whether it may proceed. ``reader`` reads labels off the screenshot where the UI tree has
    none: by default OCR when its engine is installed (``default_reader``); None leaves the
    gate to the tree alone."""

    rules: Sequence[SafetyRule] = DEFAULT_RULES
    confirm: Confirm | None = None
    reader: LabelReader | None = field(default_factory=default_reader)

    def review(
        self,
        task: str,
        action: ActionBase,
        observation: Observation,
        environment: Environment,
        *,
        ask: bool = True,
    ) -> SafetyReview | None:
        """None for actions the gate does not judge (a swipe, a key); otherwise what it saw,
        which rules objected, and the verdict, asking ``confirm`` if set and ``ask``."""
        if not isinstance(action, (*PRESSES, TypeText)):
            return None
        seen, looked, focused = look(environment, action, observation, self.reader)
        target = Target(action, observation, seen, looked, focused, environment.simulated)
        spoken = [(rule, concern) for rule in self.rules if (concern := rule(target)) is not None]
        concerns = tuple(concern for _, concern in spoken)
        rules = tuple(getattr(rule, "__name__", type(rule).__name__) for rule, _ in spoken)
        if not concerns:
            return SafetyReview((), allowed=True, asked=False, seen=seen, looked=looked)
        if not ask or self.confirm is None:
            allowed = ask and environment.simulated
            return SafetyReview(
                concerns, allowed, asked=False, rules=rules, seen=seen, looked=looked
            )
        request = ConfirmationRequest(task, action, concerns, observation, seen)
        allowed = bool(self.confirm(request))
        return SafetyReview(concerns, allowed, asked=True, rules=rules, seen=seen, looked=looked)


def allow_all(request: ConfirmationRequest) -> bool:
    """A confirm callback that says yes (for scripted runs you trust)."""
    return True


def deny_all(request: ConfirmationRequest) -> bool:
    """A confirm callback that says no."""
    return False


def prompt_on_terminal(
    request: ConfirmationRequest, redact: Callable[[str], str] | None = None
) -> bool:
    """Ask on the terminal; without one (no TTY), deny. ``redact`` hides the run's secrets in
    the question (a label on the screen may show one)."""
    if not sys.stdin.isatty():
        return False
    from rich.prompt import Confirm as RichConfirm
    from rich.text import Text

    from screenpilot.tools.actions import to_json

    concerns = "; ".join(request.concerns)
    action = to_json(request.action)
    if isinstance(request.action, TypeText):
        action["text"] = "***"  # flagged typing (a password, a card) is never shown
    seen = request.seen
    saw = f" The gate read {seen.label!r} there ({seen.source})." if seen is not None else ""
    asked = f": {concerns}.{saw} Execute {action}?"
    question = Text.assemble(  # the action's text is printed as it is, never read as markup
        ("Safety check", "bold yellow"), redact(asked) if redact is not None else asked
    )
    return RichConfirm.ask(question, default=False)
