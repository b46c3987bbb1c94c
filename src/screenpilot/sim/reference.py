"""``ReferencePolicy``: plays a task template's reference solution, finding every element it
taps in the observation's UI tree (so it works on ``SimEnv`` and on ``AndroidEnv`` with
``ui_tree="eager"`` against ``screenpilot sim serve``). It proves each task is solvable and gives
newcomers a run that needs no model."""

from __future__ import annotations

import json
from collections.abc import Sequence

from screenpilot.agent.core import Decision, Observation, Policy, PolicyInfo, Step, UIElement
from screenpilot.errors import ConfigError
from screenpilot.sim.catalog import parse_task
from screenpilot.sim.tasks import (
    Done,
    Intent,
    Open,
    Press,
    Slide,
    Tap,
    Target,
    Task,
    Type,
)
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, Finish, Key, OpenApp, Scroll, TypeText, to_json
from screenpilot.tools.actions import Tap as TapAction

MAX_SCROLLS = 8


def find(elements: Sequence[UIElement], target: Target) -> UIElement | None:
    """The element ``target`` names in ``elements`` (tree order), or None."""

    def matches(element: UIElement) -> bool:
        if target.text is not None and (element.text != target.text or element.kind == "EditText"):
            return False
        if target.desc is not None and element.description != target.desc:
            return False
        return target.rid is None or element.resource_id.endswith(f":id/{target.rid}")

    found = [index for index, element in enumerate(elements) if matches(element)]
    if not found or not -len(found) <= target.index < len(found):
        return None
    position = found[target.index] + target.offset
    return elements[position] if 0 <= position < len(elements) else None


def expand(plan: list[Intent]) -> list[Intent]:
    """Opening an app is done as a person does it: go home, tap the launcher icon. (That also
    works over adb, where an app's label need not appear in its package name.)"""
    steps: list[Intent] = []
    for intent in plan:
        if isinstance(intent, Open):
            steps += [Press("home"), Tap(Target(desc=intent.app))]
        else:
            steps.append(intent)
    return steps


class ReferencePolicy(Policy):
    """Follows a simulated task's reference solution. Without a task it reads the one the
    simulated environment announces in ``observation.info["task"]``."""

    def __init__(self, task: Task | None = None) -> None:
        self._given = task
        self.task = task
        self._plan: list[Intent] = []
        self._position = 0
        self._scrolls = 0

    def reset(self) -> None:
        """Forget the last episode's task and plan (the next first step reads them again)."""
        self.task = self._given
        self._plan, self._position, self._scrolls = [], 0, 0

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        if not self._plan:  # its first decision, which may come mid-episode (a flow's hand-off)
            self._start(observation)
        if self._position >= len(self._plan):
            return self._decide(
                Finish(status="failure"), "the reference solution has no more steps"
            )
        intent = self._plan[self._position]
        action, note = self._resolve(intent, observation)
        return self._decide(action, note)

    def _start(self, observation: Observation) -> None:
        task = self.task
        announced = observation.info.get("task")
        if task is None or (isinstance(announced, str) and announced != task.name):
            if not isinstance(announced, str):
                msg = (
                    "the reference policy plays a simulated task's solution: run it with "
                    "--env sim --task TEMPLATE[:SEED] (see `screenpilot sim tasks`)"
                )
                raise ConfigError(msg)
            task = parse_task(announced)
        self.task = task
        self._plan, self._position, self._scrolls = expand(task.solution()), 0, 0

    def _decide(self, action: Action, note: str) -> Decision:

        return Decision(
            action=action,
            raw_output=json.dumps(to_json(action), ensure_ascii=False),
            reasoning=note,
        )

    def _resolve(self, intent: Intent, observation: Observation) -> tuple[Action, str]:
        elements = observation.ui_elements
        if isinstance(intent, Open):  # only when a plan is used without expand()
            self._position += 1
            return OpenApp(app=intent.app), f"open {intent.app}"
        if isinstance(intent, Type):
            self._position += 1
            return TypeText(text=intent.text), "type"
        if isinstance(intent, Press):
            self._position += 1
            return Key(key=intent.key), f"press {intent.key}"
        if isinstance(intent, Done):
            self._position += 1
            answer = intent.answer
            if intent.answer_from is not None:
                element = find(elements, intent.answer_from)
                answer = element.text if element is not None else None
            return Finish(status=intent.status, answer=answer), "done"
        element = find(elements, intent.target)
        if element is None:
            if isinstance(intent, Tap) and intent.scroll and self._scrolls < MAX_SCROLLS:
                self._scrolls += 1
                return Scroll(direction="down", x=0.5, y=0.6), f"scroll to find {intent.target}"
            self._position = len(self._plan)
            return Finish(
                status="failure"
            ), f"the reference solution found no element {intent.target}"
        self._position += 1
        self._scrolls = 0
        left, top, right, bottom = element.bounds
        if isinstance(intent, Slide):
            x = left + (right - left) * intent.fraction
            return TapAction(x=x, y=(top + bottom) / 2), f"slide to {intent.fraction:.0%}"
        x, y = coords.box_center(element.bounds)
        return TapAction(x=x, y=y), f"tap {element.label or element.resource_id}"

    def describe(self) -> PolicyInfo:
        return PolicyInfo(name="reference", extra={"task": self.task.name if self.task else None})
