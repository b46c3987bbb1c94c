"""``ReplayEnv``: steps through the screens of a recorded run, so a new policy can be scored
open-loop on them. Whatever the policy does, the next observation is the next recorded screen.
Each step's info holds the recorded action and how the new one compares with it, field by
field (``agent/replay_compare.py``).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from screenpilot.agent.core import Environment, Observation, StepResult
from screenpilot.agent.recording import RunData, StepRecord, load_run
from screenpilot.agent.replay_compare import DEFAULT_TOLERANCE, compare_actions
from screenpilot.errors import ConfigError
from screenpilot.tools.actions import ACTION_CLASSES, Action, Finish, to_json


class ReplayEnv(Environment):
    """The recorded screens of a run directory, in order."""

    supported_actions = frozenset(ACTION_CLASSES)
    simulated = True

    def __init__(self, run_dir: str | Path, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
        if not 0 <= tolerance <= 1:
            msg = f"the tolerance is a normalized distance in [0, 1], got {tolerance}"
            raise ConfigError(msg)
        self.tolerance = tolerance
        self.run: RunData = load_run(run_dir)
        self._steps = [s for s in self.run.steps if s.status == "executed" and s.action is not None]
        if not self._steps:
            msg = f"{self.run.run_dir} has no executed steps to replay"
            raise ConfigError(msg)
        self._index = 0

    @classmethod
    def from_spec(cls, argument: str | None, *, ui_tree: bool = True) -> ReplayEnv:
        cls.refuse_ui_tree_off(ui_tree)
        if not argument:
            msg = "replay needs a run directory: --env replay:RUN_DIR"
            raise ConfigError(msg)
        return cls(argument)

    @property
    def task(self) -> str:
        """The task of the recorded run."""
        return self.run.manifest.task

    @property
    def recorded_steps(self) -> int:
        """The recorded steps replayed (the executed ones), each compared with a new action."""
        return len(self._steps)

    @property
    def screen_size(self) -> tuple[int, int]:
        return self._steps[min(self._index, len(self._steps) - 1)].screen.size

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self._index = 0
        return self._observe(self._steps[0])

    def step(self, action: Action) -> StepResult:
        recorded = self._steps[self._index]
        assert recorded.action is not None
        comparison = compare_actions(
            recorded.action, action, recorded.ui_elements, tolerance=self.tolerance
        )
        info = {
            "recorded_step": recorded.index,
            "recorded_action": to_json(recorded.action),
            "type_match": action.type == recorded.action.type,
            **comparison.info(),
        }
        if isinstance(action, Finish) or self._index + 1 == len(self._steps):
            return StepResult(self._observe(recorded), terminated=True, info=info)
        self._index += 1
        return StepResult(self._observe(self._steps[self._index]), info=info)

    def _observe(self, record: StepRecord) -> Observation:
        path = self.run.run_dir / (record.screenshot or "")
        try:
            with Image.open(path) as image:
                screenshot = image.convert("RGB")
        except (OSError, ValueError) as exc:
            msg = f"cannot read the recorded screenshot of step {record.index}: {path} ({exc})"
            raise ConfigError(msg) from exc
        return Observation(
            screenshot=screenshot,
            screen=record.screen,
            timestamp=record.timestamp,
            ui_elements=tuple(record.ui_elements),
            app=record.app,
            notes=tuple(record.notes),
            info={"recorded_step": record.index},
        )

    def describe(self) -> dict[str, object]:
        return {
            **super().describe(),
            "recording": str(self.run.run_dir),
            "recorded_steps": self.recorded_steps,
            "tolerance": self.tolerance,
        }
