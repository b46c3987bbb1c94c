"""Helpers shared by the tests: places on the demo phone and small builders."""

from __future__ import annotations

# Points on the demo phone (1080x2400), normalized: see DemoEnv._layout.
HOME_ICON = (0.25, 0.679)
FIELD = (0.37, 0.167)
ADD_BUTTON = (0.847, 0.167)
ROW0 = (0.5, 0.2625)
ROW1 = (0.5, 0.325)
DELETE_CHECKED = (0.5, 0.89)
EMPTY = (0.5, 0.6)


def tap(point: tuple[float, float]) -> dict[str, object]:
    return {"type": "tap", "x": point[0], "y": point[1]}


class FakeClock:
    """A clock whose sleeps advance its time at once, so waits are exact and instant."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def reference_actions(spec: str) -> list[dict[str, object]]:
    """The actions of a simulated task's reference solution, played on the simulated phone
    (``--env sim``), as an action script for ``--policy scripted``."""
    from screenpilot.agent import Agent
    from screenpilot.sim.catalog import parse_task
    from screenpilot.sim.env import SimEnv
    from screenpilot.sim.reference import ReferencePolicy
    from screenpilot.tools.actions import to_json

    task = parse_task(spec)
    agent = Agent(SimEnv(spec), ReferencePolicy(task), stall_limit=None, report=False)
    episode = agent.run(task.goal)
    assert episode.outcome == "success", spec
    return [to_json(step.action) for step in episode.steps if step.action is not None]
