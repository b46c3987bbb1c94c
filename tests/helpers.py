"""Helpers shared by the tests: places on the demo phone and small builders."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from screenpilot.tools import coords

LABEL_APP = Path(__file__).parent / "label_app.py"
State = dict[str, Any]

# Points on the demo phone (1080x2400), normalized: see DemoEnv._layout.
HOME_ICON = (0.25, 0.679)
FIELD = (0.37, 0.167)
ADD_BUTTON = (0.847, 0.167)
ROW0 = (0.5, 0.2625)
ROW1 = (0.5, 0.325)
DELETE_CHECKED = (0.5, 0.89)
EMPTY = (0.5, 0.6)


def scores_only(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics without their ``latency`` block (the seconds a run took differ between runs)."""
    return {name: value for name, value in metrics.items() if name != "latency"}


def logged_latency(out: Path) -> dict[str, Any]:
    """The ``latency`` block recomputed by hand from the timings in ``results.jsonl``."""
    from screenpilot.agent.latency import summarize

    timings: list[dict[str, float]] = []
    for line in (out / "results.jsonl").read_text().splitlines():
        logged = json.loads(line).get("timings")
        timings += logged if isinstance(logged, list) else [logged] if logged else []
    return summarize(timings)


def same_scores(resumed: dict[str, Any], whole: dict[str, Any], out: Path) -> None:
    """A resumed evaluation's metrics are the uninterrupted run's, and its latency block
    summarizes exactly the timings it logged."""
    assert scores_only(resumed) == scores_only(whole)
    written = json.loads((out / "metrics.json").read_text())
    assert written["latency"] == resumed["latency"] == logged_latency(out)


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


def spellings(secret: str) -> set[str]:
    """How a leaked secret may look, written out here independently of the redactor: as it is,
    in other cases, URL-encoded (either case of hex), JSON-escaped (ASCII or not)."""
    from urllib.parse import quote, quote_plus

    found = {secret, secret.upper(), secret.lower(), secret.title(), secret.swapcase()}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)):
        found |= {encoded, encoded.lower(), encoded.upper()}
    for ascii_only in (True, False):
        found.add(json.dumps(secret, ensure_ascii=ascii_only)[1:-1])
    return found


def holds(text: str, secret: str) -> bool:
    """Whether ``text`` shows ``secret`` in any spelling (also ignoring case altogether).
    A boolean, so that a failing assertion never prints the secret."""
    folded = text.casefold()
    return any(form in text or form.casefold() in folded for form in spellings(secret))


def files_holding(folder: Path, secret: str) -> list[str]:
    """The files under ``folder`` (screenshots aside) that show ``secret``, by relative name."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix not in {".png", ".webp"}
        and holds(path.read_text(encoding="utf-8", errors="replace"), secret)
    )


class AppProcess:
    """A test application in a subprocess that writes its state to a JSON file: the state,
    waiting for a condition on it (polled, with a generous deadline), stopping it."""

    def __init__(self, state_path: Path, argv: list[str], env: dict[str, str] | None = None):
        self.state_path = state_path
        self.process = subprocess.Popen(argv, env=env)

    def state(self) -> State:
        try:
            loaded: State = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"ready": False}
        return loaded

    def wait_for(self, condition: Callable[[State], bool], what: str, timeout: float = 60) -> State:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state.get("ready") and condition(state):
                return state
            if self.process.poll() is not None:
                raise AssertionError(f"the app exited ({self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; app state: {state}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class LabelApp(AppProcess):
    """A window of labelled buttons in a subprocess (tests/label_app.py: Tk), and its state
    file: where each button is, and which were pressed."""

    def __init__(
        self,
        state_path: Path,
        labels: tuple[str, ...],
        command: list[str] | None = None,
        *,
        env: dict[str, str] | None = None,
    ) -> None:
        command = command or [sys.executable, str(LABEL_APP)]
        super().__init__(state_path, [*command, str(state_path), *labels], env)
        self.wait_for(lambda state: True, "the window to appear")

    def point(self, label: str, screen: coords.Screen) -> dict[str, float]:
        """A button's centre as the normalized point a policy would give."""
        left, top, width, height = self.state()["widgets"][label]
        x, y = coords.from_device(left + width // 2, top + height // 2, screen)
        return {"x": x, "y": y}
