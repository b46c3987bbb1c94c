"""``DeviceEnv``: an environment whose screen is driven by primitive gestures.

Its ``step`` is written once for every device: check the action is supported, hand it to the
one dispatcher (``gestures.perform``), then observe the screen once the action has taken
effect. A device class implements the primitives (``Gestures``), ``observe`` and, when the
screen needs time to react, ``observe_after`` (real devices wait for it to settle with
``settle.settle``, handing it ``stages``). The step's result carries its stages
(``agent.latency``): ``act`` (the gesture), ``settle`` (the wait for the screen to stand still)
and ``capture`` (the rest of observing the screen), read from the device's clock.
"""

from __future__ import annotations

import abc
import time
from typing import Any

from screenpilot.agent.core import Environment, Observation, StepResult
from screenpilot.agent.latency import Stopwatch
from screenpilot.environments.gestures import Button, DevicePoint, Done, Gestures, perform
from screenpilot.environments.settle import SYSTEM_CLOCK, Clock
from screenpilot.tools.actions import Action, Finish


class DeviceEnv(Environment, Gestures):
    """An Environment made of the gesture primitives, an observation and a clock."""

    clock: Clock = SYSTEM_CLOCK
    """Where waits get their time (a fake clock in tests)."""
    _stages: Stopwatch | None = None

    @property
    def stages(self) -> Stopwatch:
        """The current step's stages, for ``observe_after`` to hand to ``settle``."""
        if self._stages is None:
            self._stages = Stopwatch(self.clock.monotonic)
        return self._stages

    def step(self, action: Action) -> StepResult:
        self.check_supported(action)
        if isinstance(action, Finish):
            return StepResult(self.observe(), terminated=True)
        stages = self._stages = Stopwatch(self.clock.monotonic)
        started = time.perf_counter()
        with stages.time("act"):
            info = perform(action, self)
        if not self.simulated:  # a simulated device's record stays free of timings
            info["action_s"] = round(time.perf_counter() - started, 4)
        observing = self.clock.monotonic()
        observation = self.observe_after(action, info)
        waited = stages.seconds.get("settle", 0.0)
        stages.seconds["capture"] = self.clock.monotonic() - observing - waited
        return StepResult(observation, info=info, timings=dict(stages.seconds))

    @abc.abstractmethod
    def observe(self) -> Observation:
        """The screen as it is now."""

    def observe_after(self, action: Action, info: dict[str, Any]) -> Observation:
        """The screen once ``action`` has taken effect; devices that need time to react wait
        here and add what the wait cost to ``info``."""
        return self.observe()

    def wait(self, seconds: float) -> Done:
        self.clock.sleep(seconds)
        return None


class SimulatedTouchEnv(DeviceEnv):
    """A simulated touch screen: taps and long presses go to ``touch``, which says what was
    hit; nothing moves while the agent waits."""

    simulated = True

    @abc.abstractmethod
    def touch(self, point: DevicePoint, *, long: bool) -> str | None:
        """Press at ``point`` (held, when ``long``); returns what was hit, if anything."""

    def tap(self, point: DevicePoint, *, button: Button = "left", count: int = 1) -> Done:
        hit = None
        for _ in range(count):
            hit = self.touch(point, long=False)
        return {"hit": hit}

    def long_press(self, point: DevicePoint, seconds: float) -> Done:
        return {"hit": self.touch(point, long=True)}

    def wait(self, seconds: float) -> Done:
        return None


__all__ = ["DeviceEnv", "SimulatedTouchEnv"]
