"""ReplayEnv re-scores a new policy open-loop on the screens of a recorded run."""

from __future__ import annotations

import subprocess
import sys
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
    assert [s.result_info["differences"] for s in episode.steps] == [[], ["type"], [], []]
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


ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "examples/demo_actions.jsonl").read_text()


def replay(recording: Path, script: str, out: Path) -> subprocess.CompletedProcess[str]:
    actions = out.with_suffix(".jsonl")
    actions.write_text(script)
    args = ["replay", str(recording), "--actions", str(actions), "--out", str(out)]
    return subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def demo_recording(tmp_path: Path) -> Path:
    run_dir = tmp_path / "recorded"
    policy = ScriptedPolicy.from_file(ROOT / "examples/demo_actions.jsonl")
    Agent(DemoEnv(), policy, run_dir=run_dir).run("Add bread and jam")
    return run_dir


def cards(html: str) -> dict[int, str]:
    """The report's step cards by step index."""
    parts = html.split('<section class="card" id="step-')[1:]
    return {int(part.split('"', 1)[0]): part for part in parts}


def test_replay_compares_whole_actions_and_marks_the_steps_that_differ(
    demo_recording: Path, tmp_path: Path
) -> None:
    """The demo script with its first tap moved from y = 0.679 (the app's icon) to 0.10 (blank
    sky) and "ham" typed instead of "jam": two of eight steps differ, each in one way."""
    changed = DEMO.replace('"y": 0.679', '"y": 0.10').replace('"jam"', '"ham"')
    out = tmp_path / "replayed"
    result = replay(demo_recording, changed, out)
    assert result.returncode == 1, result.stderr
    summary = "8 recorded steps: 6 match, 2 mismatch (1 target moved, 1 different text)"
    assert summary + "\n" in result.stderr
    assert "≠ recorded tap(x=0.25, y=0.679)  (target moved)" in result.stderr
    assert "≠ recorded type(text='jam')  (different text)" in result.stderr

    steps = load_run(out).steps
    differences = [s.result_info["differences"] for s in steps]
    assert differences == [["target"], [], [], [], ["text"], [], [], []]
    assert steps[4].result_info["recorded_action"] == {"type": "type", "text": "jam"}

    html = (out / "report.html").read_text()
    assert f"<dt>Replay</dt><dd>{summary}</dd>" in html
    by_step = cards(html)
    marked = sorted(index for index, card in by_step.items() if 'class="badge mismatch"' in card)
    assert marked == [0, 4]
    assert "differs: target moved" in by_step[0] and "differs: different text" in by_step[4]
    assert all("matches the recording" in by_step[i] for i in (1, 2, 3, 5, 6, 7))
    # Step 1 on its 324 x 720 thumbnail: the recorded tap (green) at (0.25 * 324, 0.679 * 720)
    # = (81, 488), the new one (the action colour) at (81, 0.10 * 720) = (81, 72), and the legend.
    recorded_ring = (
        '<circle cx="81" cy="488" r="20" fill="#1a7f37" fill-opacity="0.25" stroke="#1a7f37"'
    )
    new_ring = '<circle cx="81" cy="72" r="20" fill="#ff2d55" fill-opacity="0.25" stroke="#ff2d55"'
    assert recorded_ring in by_step[0] and new_ring in by_step[0]
    assert 'style="background:#1a7f37">recorded: tap</span>' in by_step[0]
    assert '<span class="pill legend">new: tap</span>' in by_step[0]
    assert "recorded: type “jam”" in by_step[4] and "new: type “ham”" in by_step[4]


def test_replay_exits_0_only_when_every_recorded_step_matches(
    demo_recording: Path, tmp_path: Path
) -> None:
    same = replay(demo_recording, DEMO, tmp_path / "same")
    assert same.returncode == 0, same.stderr
    assert "8 recorded steps: 8 match\n" in same.stderr
    quitter = "\n".join(DEMO.splitlines()[:3]) + '\n{"type": "finish", "status": "failure"}\n'
    early = replay(demo_recording, quitter, tmp_path / "early")
    assert early.returncode == 1, early.stderr
    assert "8 recorded steps: 2 match, 1 mismatch (1 different type), 5 not reached" in (
        early.stderr
    )
