"""Task templates for the simulated phone: a goal, a seeded parameter sampler, an initial-state
setup, a success predicate on the final state, and a reference solution.

A task is a template plus a seed (``settings.bluetooth_off:3``). The seed fixes the phone's
content and the parameters, so the same name always gives the same episode. A feasible task
succeeds only if the agent finished with success *and* the predicate holds; an infeasible one
only if the agent finished with failure.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from screenpilot.sim.state import FIRST_NAMES, LAST_NAMES, PhoneData, seeded_data

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone

Params = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """How a reference solution finds a UI element: by text, description and/or resource id
    (the part after ``:id/``); ``index`` picks among matches, ``offset`` moves to a neighbour
    in tree order (a value's label -> the value)."""

    text: str | None = None
    desc: str | None = None
    rid: str | None = None
    index: int = 0
    offset: int = 0


@dataclass(frozen=True)
class Open:
    app: str


@dataclass(frozen=True)
class Tap:
    target: Target
    scroll: bool = False
    """Scroll down until the element shows."""


@dataclass(frozen=True)
class Type:
    text: str


@dataclass(frozen=True)
class Press:
    key: str


@dataclass(frozen=True)
class Slide:
    target: Target
    fraction: float


@dataclass(frozen=True)
class Done:
    status: Literal["success", "failure"] = "success"
    answer: str | None = None
    answer_from: Target | None = None
    """Read the answer from this element's text on the final screen."""


Intent = Open | Tap | Type | Press | Slide | Done
Check = Callable[["SimPhone", Params, "str | None"], bool]


def _no_setup(data: PhoneData, params: Params) -> None:
    return None


@dataclass(frozen=True)
class Template:
    """One parameterized task."""

    name: str
    goal: str
    sample: Callable[[random.Random, PhoneData], Params]
    check: Check
    solution: Callable[[Params], list[Intent]]
    setup: Callable[[PhoneData, Params], None] = _no_setup
    feasible: bool = True

    @property
    def app(self) -> str:
        return self.name.split(".", 1)[0]


@dataclass
class Task:
    """A template instantiated with a seed: goal text, parameters, and the initial phone."""

    template: Template
    seed: int
    params: Params
    data: PhoneData = field(repr=False)

    @classmethod
    def create(cls, template: Template, seed: int) -> Task:
        rng = random.Random(f"{template.name}/{seed}")
        data = seeded_data(rng)
        params = template.sample(rng, data)
        template.setup(data, params)
        data.sort()
        return cls(template, seed, params, data)

    @property
    def name(self) -> str:
        return f"{self.template.name}:{self.seed}"

    @property
    def goal(self) -> str:
        return self.template.goal.format(**self.params)

    def initial_data(self) -> PhoneData:
        return copy.deepcopy(self.data)

    def solution(self) -> list[Intent]:
        return self.template.solution(self.params)

    def evaluate(self, phone: SimPhone, outcome: str, answer: str | None) -> bool:
        """Whether an episode that ended with ``outcome`` on ``phone`` accomplished the task."""
        if not self.template.feasible:
            return outcome == "failure"
        return outcome == "success" and bool(self.template.check(phone, self.params, answer))


def normalized(text: str | None) -> str:
    """Lower case, letters and digits only: how answers are compared."""
    return re.sub(r"[^0-9a-z]+", "", (text or "").casefold())


def answer_has(answer: str | None, expected: str) -> bool:
    return bool(normalized(expected)) and normalized(expected) in normalized(answer)


def digits(text: str) -> str:
    """The digits of a phone number, for comparing numbers however they were typed."""
    return "".join(c for c in text if c.isdigit())


def new_name(rng: random.Random, data: PhoneData) -> str:
    """A random full name that is not in the phone's contacts yet."""
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if data.contact(name) is None:
            return name


def tap(
    text: str | None = None,
    *,
    desc: str | None = None,
    rid: str | None = None,
    scroll: bool = False,
) -> Tap:
    """A reference-solution tap on the element with this text, description or resource id."""
    return Tap(Target(text=text, desc=desc, rid=rid), scroll=scroll)
