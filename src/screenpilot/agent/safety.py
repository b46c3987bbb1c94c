"""The safety gate the loop consults before executing each action.

Rules look at the action and the screen it was chosen on and name their concerns; the gate
then asks a person through the ``confirm`` callback. Without a callback, flagged actions are
denied on real devices and let through (but recorded) on simulated ones.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from screenpilot.agent.core import Observation, SafetyReview
from screenpilot.tools.actions import ActionBase, DoubleTap, LongPress, Tap, TypeText

SafetyRule = Callable[[ActionBase, Observation], "str | None"]
"""Returns a one-line concern when the action deserves a person's confirmation."""

_PASSWORD = re.compile(r"pass(word|code|phrase)?|\bpin\b|secret|密码|口令", re.IGNORECASE)
_SENSITIVE_LABEL = re.compile(
    r"\b(pay|payment|buy|purchase|checkout|check out|place order|order now|send|delete|remove|"
    r"erase|install|uninstall|transfer|subscribe|confirm payment)\b"
    r"|支付|付款|购买|发送|删除|安装|卸载|转账",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def password_field(action: ActionBase, observation: Observation) -> str | None:
    """Typing into a field that looks like a password or PIN field."""
    if not isinstance(action, TypeText):
        return None
    focused = observation.focused_element()
    if focused is None:
        return None
    hints = " ".join((focused.resource_id, focused.description, focused.text))
    if focused.password or _PASSWORD.search(hints):
        return "typing into a password field"
    return None


def card_number(action: ActionBase, observation: Observation) -> str | None:
    """Typed text that contains a payment card number (13-19 digits passing the Luhn check)."""
    if not isinstance(action, TypeText):
        return None
    for match in _DIGIT_RUN.finditer(action.text):
        if _luhn_valid(re.sub(r"\D", "", match.group())):
            return "the text looks like a payment card number"
    return None


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def sensitive_control(action: ActionBase, observation: Observation) -> str | None:
    """A tap on a control labelled pay / buy / send / delete / install (when labels are known)."""
    if not isinstance(action, Tap | DoubleTap | LongPress):
        return None
    labelled = [e for e in observation.ui_elements if e.label and e.contains(action.x, action.y)]
    target = min(labelled, key=lambda element: element.area, default=None)
    if target is not None and _SENSITIVE_LABEL.search(target.label):
        return f"{action.type} on a control labelled {target.label!r}"
    return None


DEFAULT_RULES: tuple[SafetyRule, ...] = (password_field, card_number, sensitive_control)


@dataclass(frozen=True, slots=True)
class ConfirmationRequest:
    """What a person is asked to confirm."""

    task: str
    action: ActionBase
    concerns: tuple[str, ...]
    observation: Observation


Confirm = Callable[[ConfirmationRequest], bool]


@dataclass
class SafetyGate:
    """Runs the rules over an action and, when one objects, decides whether it may proceed."""

    rules: Sequence[SafetyRule] = DEFAULT_RULES
    confirm: Confirm | None = None

    def review(
        self,
        task: str,
        action: ActionBase,
        observation: Observation,
        *,
        simulated: bool,
        ask: bool = True,
    ) -> SafetyReview | None:
        """None when no rule objects; otherwise the verdict, asking ``confirm`` if set and ``ask``."""
        concerns = tuple(c for rule in self.rules if (c := rule(action, observation)) is not None)
        if not concerns:
            return None
        if not ask:
            return SafetyReview(concerns=concerns, allowed=False, asked=False)
        if self.confirm is None:
            return SafetyReview(concerns=concerns, allowed=simulated, asked=False)
        allowed = bool(self.confirm(ConfirmationRequest(task, action, concerns, observation)))
        return SafetyReview(concerns=concerns, allowed=allowed, asked=True)


def allow_all(request: ConfirmationRequest) -> bool:
    """A confirm callback that says yes (for scripted runs you trust)."""
    return True


def deny_all(request: ConfirmationRequest) -> bool:
    """A confirm callback that says no."""
    return False


def prompt_on_terminal(request: ConfirmationRequest) -> bool:
    """Ask on the terminal; without one (no TTY), deny."""
    if not sys.stdin.isatty():
        return False
    from rich.prompt import Confirm as RichConfirm
    from rich.text import Text

    from screenpilot.tools.actions import to_json

    concerns = "; ".join(request.concerns)
    question = Text.assemble(  # the action's text is printed as it is, never read as markup
        ("Safety check", "bold yellow"), f": {concerns}. Execute {to_json(request.action)}?"
    )
    return RichConfirm.ask(question, default=False)
