"""``SimEnv``: the simulated phone as an Environment, optionally running a task template."""

from __future__ import annotations

import random
from typing import Any

from screenpilot.agent.core import Observation
from screenpilot.environments.device import SimulatedTouchEnv
from screenpilot.environments.gestures import DevicePoint, Done
from screenpilot.errors import InvalidActionError, UnsupportedActionError
from screenpilot.sim.catalog import parse_task
from screenpilot.sim.navigation import APPS
from screenpilot.sim.phone import SimPhone
from screenpilot.sim.state import PhoneData, seeded_data
from screenpilot.sim.tasks import Task, Template
from screenpilot.tools import coords
from screenpilot.tools.actions import Finish
from screenpilot.tools.keys import PHONE_KEYS

NOT_TYPED = "No text field had focus, so nothing was typed; tap a field first."


class SimEnv(SimulatedTouchEnv):
    """A 1080x2400 (configurable) simulated Android phone with six apps.

    With a ``task`` (a ``Task``, a ``Template`` or ``"TEMPLATE[:SEED]"``) each reset sets the
    phone up for it and ``task_success`` judges the episode; without one it is a seeded phone to
    explore. ``reset(seed=N)`` draws the task's parameters and the phone's contents from seed
    N; without a seed, the seed given here (or in the spec string) is used."""

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
        self._note: str | None = None

    @classmethod
    def from_spec(cls, argument: str | None, *, ui_tree: bool = True) -> SimEnv:
        """``--env sim`` (a free phone) or ``--env sim:TEMPLATE[:SEED]`` (a task)."""
        cls.refuse_ui_tree_off(ui_tree)  # the phone's own tree, always known
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
        self._note = None
        return self._observe()

    def task_success(self, finish: Finish | None) -> bool | None:
        """The task's own predicate on the phone as the episode left it (None without a task)."""
        if self.task is None:
            return None
        status = finish.status if finish is not None else "unfinished"
        return self.task.evaluate(self.phone, status, finish.answer if finish else None)

    def observe(self) -> Observation:
        note, self._note = self._note, None
        return self._observe(note)

    # --- the gestures (device pixels) --------------------------------------------------------

    @property
    def input_screen(self) -> coords.Screen:
        return self._screen

    def touch(self, point: DevicePoint, *, long: bool) -> str | None:
        return self.phone.tap(*point, long=long)

    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        self.phone.swipe(*start, *end)
        return None

    def key(self, key: str) -> Done:
        if key not in PHONE_KEYS:
            msg = f"the simulated phone has no key {key!r}; keys: {', '.join(sorted(PHONE_KEYS))}"
            raise UnsupportedActionError(msg)
        self.phone.key(key)
        return None

    def type_text(self, text: str) -> Done:
        if self.phone.focus is None:
            self._note = NOT_TYPED
            return {"typed": False}
        self.phone.type_text(text)
        return None

    def open_app(self, app: str) -> Done:
        self.phone.launch(self._app(app))
        return None

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
