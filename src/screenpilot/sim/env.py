"""``SimEnv``: the simulated phone as an Environment, optionally running a task template."""

from __future__ import annotations

import random
from typing import Any

from screenpilot.agent.core import Environment, Observation, StepResult
from screenpilot.errors import InvalidActionError, UnsupportedActionError
from screenpilot.sim.catalog import parse_task
from screenpilot.sim.navigation import APPS
from screenpilot.sim.phone import SimPhone
from screenpilot.sim.state import PhoneData, seeded_data
from screenpilot.sim.tasks import Task, Template
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)
from screenpilot.tools.keys import PHONE_KEYS

NOT_TYPED = "No text field had focus, so nothing was typed; tap a field first."


class SimEnv(Environment):
    """A 1080x2400 (configurable) simulated Android phone with six apps.

    With a ``task`` (a ``Task``, a ``Template`` or ``"TEMPLATE[:SEED]"``) each reset sets the
    phone up for it and ``task_success`` judges the episode; without one it is a seeded phone to
    explore. ``reset(seed=N)`` draws the task's parameters and the phone's contents from seed
    N; without a seed, the seed given here (or in the spec string) is used."""

    simulated = True

    def __init__(
        self,
        task: Task | Template | str | None = None,
        *,
        seed: int = 0,
        width: int = 1080,
        height: int = 2400,
    ) -> None:
        chosen = parse_task(task) if isinstance(task, str) else task
        if isinstance(chosen, Task):
            seed = chosen.seed
            chosen = chosen.template
        self.template: Template | None = chosen
        self.seed, self.width, self.height = seed, width, height
        self.task = self._task(seed)
        self.phone = self._new_phone()
        self._screen = coords.Screen.same_size(width, height)

    @classmethod
    def from_spec(cls, argument: str | None) -> SimEnv:
        """``--env sim`` (a free phone) or ``--env sim:TEMPLATE[:SEED]`` (a task)."""
        return cls(task=argument or None)

    def _task(self, seed: int) -> Task | None:
        return None if self.template is None else Task.create(self.template, seed)

    def _new_phone(self) -> SimPhone:
        if self.task is not None:
            data = self.task.initial_data()
        else:
            data = (
                seeded_data(random.Random(f"free/{self.seed}")) if self.seed >= 0 else PhoneData()
            )
        return SimPhone(data, width=self.width, height=self.height)

    @property
    def screen_size(self) -> tuple[int, int]:
        return (self.width, self.height)

    def describe(self) -> dict[str, Any]:
        info = {**super().describe(), "seed": self.seed}
        if self.task is not None:
            info.update(
                task=self.task.name,
                template=self.task.template.name,
                params=self.task.params,
                feasible=self.task.template.feasible,
            )
        return info

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        if seed is not None and seed != self.seed:
            self.seed, self.task = seed, self._task(seed)
        self.phone = self._new_phone()
        return self._observe()

    def task_success(self, finish: Finish | None) -> bool | None:
        """The task's own predicate on the phone as the episode left it (None without a task)."""
        if self.task is None:
            return None
        status = finish.status if finish is not None else "unfinished"
        return self.task.evaluate(self.phone, status, finish.answer if finish else None)

    def step(self, action: Action) -> StepResult:
        self.check_supported(action)
        phone, info = self.phone, dict[str, Any]()
        if isinstance(action, Finish):
            return StepResult(self._observe(), terminated=True, info=info)
        if isinstance(action, Tap | DoubleTap | LongPress):
            x, y = coords.to_device(action.x, action.y, self._screen)
            info["device_point"] = [x, y]
            for _ in range(2 if isinstance(action, DoubleTap) else 1):
                info["hit"] = phone.tap(x, y, long=isinstance(action, LongPress))
        elif isinstance(action, Swipe | Scroll):
            if isinstance(action, Scroll):
                path = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
            else:
                path = (action.x, action.y, action.x2, action.y2)
            start = coords.to_device(path[0], path[1], self._screen)
            end = coords.to_device(path[2], path[3], self._screen)
            info["device_path"] = [*start, *end]
            phone.swipe(*start, *end)
        elif isinstance(action, TypeText):
            if phone.focus is None:
                info["typed"] = False
                return StepResult(self._observe(NOT_TYPED), info=info)
            phone.type_text(action.text)
        elif isinstance(action, Key):
            if action.key not in PHONE_KEYS:
                msg = f"the simulated phone has no key {action.key!r}; keys: {', '.join(sorted(PHONE_KEYS))}"
                raise UnsupportedActionError(msg)
            phone.key(action.key)
        elif isinstance(action, OpenApp):
            phone.launch(self._app(action.app))
        elif not isinstance(action, Wait):  # pragma: no cover  (check_supported rejects it)
            raise UnsupportedActionError(f"SimEnv cannot perform {action.type}")
        return StepResult(self._observe(), info=info)

    @staticmethod
    def _app(name: str) -> str:
        wanted = name.strip().casefold()
        for label, (package, _, _) in APPS.items():
            if wanted in {label.casefold(), package}:
                return label
        msg = f"no app {name!r} on this phone; apps: {', '.join(APPS)}"
        raise InvalidActionError(msg)

    def _observe(self, note: str | None = None) -> Observation:
        phone = self.phone
        info: dict[str, Any] = {"page": phone.page.name}
        if self.task is not None:
            info["task"] = self.task.name
        return Observation(
            screenshot=phone.render().copy(),
            screen=self._screen,
            ui_elements=phone.ui_elements(),
            app=phone.app,
            notes=(note,) if note else (),
            info=info,
        )

    def close(self) -> None:
        return None
