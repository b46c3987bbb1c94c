"""ReplayEnv re-scores a new policy open-loop on the screens of a recorded run."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops

from screenpilot.agent import Agent, load_run
from screenpilot.environments.demo import DemoEnv
from screenpilot.environments.replay import ReplayEnv
from screenpilot.errors import ConfigError
from screenpilot.policies import ScriptedPolicy
from screenpilot.tools import to_action
from tests.helpers import EMPTY, HOME_ICON, ROW0, ROW1, tap

SCRIPT = [tap(HOME_ICON), tap(ROW0), tap(ROW1), {"type": "finish", "status": "success"}]


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    run_dir = tmp_path / "recorded"
    Agent(DemoEnv(items=("milk", "eggs")), ScriptedPolicy(SCRIPT), run_dir=run_dir).run(
        "tick off both"
    )
    return run_dir


def test_replay_shows_the_recorded_screens_in_order(recorded: Path) -> None:
    env = ReplayEnv(recorded)
    assert env.task == "tick off both"
    observation = env.reset()
    shown = [observation]
    for _ in range(3):
        result = env.step(to_action(tap(EMPTY)))
        assert not result.terminated
        shown.append(result.observation)
    assert env.step(to_action(tap(EMPTY))).terminated  # the fourth recorded screen was the last
    for index, observation in enumerate(shown):
        with Image.open(recorded / f"screens/{index:04d}.png") as original:
            assert (
                ImageChops.difference(original.convert("RGB"), observation.screenshot).getbbox()
                is None
            )
    assert [e.label for e in shown[1].ui_elements][:2] == ["Navigate up", "Add an item"]


def test_a_new_policy_is_scored_against_the_recorded_actions(
    recorded: Path, tmp_path: Path
) -> None:
    other = [
        tap(HOME_ICON),
        {"type": "scroll", "direction": "down"},
        tap(ROW1),
        {"type": "finish", "status": "success"},
    ]
    episode = Agent(ReplayEnv(recorded), ScriptedPolicy(other), run_dir=tmp_path / "replayed").run(
        "tick off both"
    )
    assert [s.result_info["type_match"] for s in episode.steps] == [True, False, True, True]
    assert episode.steps[1].result_info["recorded_action"] == {
        "type": "tap",
        "x": ROW0[0],
        "y": ROW0[1],
    }
    assert load_run(tmp_path / "replayed").manifest.environment["recording"] == str(recorded)


def test_replay_refuses_runs_with_nothing_to_replay(tmp_path: Path) -> None:
    run_dir = tmp_path / "empty"
    Agent(
        DemoEnv(),
        ScriptedPolicy([{"type": "finish", "status": "failure"}]),
        dry_run=True,
        run_dir=run_dir,
    ).run("t")
    with pytest.raises(ConfigError, match="no executed steps"):
        ReplayEnv(run_dir)
    with pytest.raises(ConfigError, match="not a run directory"):
        ReplayEnv(tmp_path / "nowhere")


def test_a_missing_screenshot_names_the_file(recorded: Path) -> None:
    (recorded / "screens/0001.png").unlink()
    env = ReplayEnv(recorded)
    env.reset()
    with pytest.raises(ConfigError, match=r"0001\.png"):
        env.step(ReplayEnv(recorded).run.steps[0].action)  # type: ignore[arg-type]
