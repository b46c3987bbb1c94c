"""The loop end to end: ScriptedPolicy -> DemoEnv -> run directory -> report.html."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image

from screenpilot.agent import Agent, Decision, Observation, Step, load_run, run_episode
from screenpilot.agent.core import StepResult
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import ConfigError, DeviceError, ParseError
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools import Action, Tap, to_action, to_json
from tests.helpers import ADD_BUTTON, EMPTY, FIELD, HOME_ICON, ROW0, tap

SCRIPT = [
    tap(HOME_ICON),
    tap(FIELD),
    {"type": "type", "text": "bread"},
    {"type": "key", "key": "enter"},
    {"type": "type", "text": "jam"},
    tap(ADD_BUTTON),
    tap(ROW0),
    {"type": "finish", "status": "success", "answer": "added"},
]
TASK = "Add bread and jam, then tick off milk"


def test_full_episode_writes_trajectory_manifest_and_report(demo: DemoEnv, run_dir: Path) -> None:
    episode = Agent(demo, ScriptedPolicy(SCRIPT), run_dir=run_dir).run(TASK)

    assert episode.outcome == "success" and episode.success and episode.answer == "added"
    assert demo.state.items == [("milk", True), ("eggs", False), ("bread", False), ("jam", False)]

    lines = (run_dir / "trajectory.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(SCRIPT)
    for index, (line, expected) in enumerate(zip(lines, SCRIPT, strict=True)):
        record = json.loads(line)
        assert record["index"] == index
        assert record["status"] == "executed"
        assert record["action"] == to_json(to_action(expected))
        assert record["raw_output"] == json.dumps(to_json(to_action(expected)), ensure_ascii=False)
        assert record["screen"] == {
            "width": 1080,
            "height": 2400,
            "device_width": 1080,
            "device_height": 2400,
            "offset_x": 0,
            "offset_y": 0,
        }
        assert record["screenshot"] == f"screens/{index:04d}.png"
        with Image.open(run_dir / record["screenshot"]) as image:
            assert image.size == (1080, 2400)
        assert set(record["timings"]) >= {"policy", "env", "total"}
        assert record["error"] is None
    first, second = json.loads(lines[0]), json.loads(lines[1])
    assert first["app"] is None and second["app"] == "Shopping list"
    assert first["result_info"] == {"device_point": [270, 1629], "hit": "Shopping list"}
    assert any(e["description"] == "Add an item" for e in second["ui_elements"])

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["task"] == TASK
    assert manifest["outcome"] == "success" and manifest["answer"] == "added"
    assert manifest["steps"] == len(SCRIPT)
    assert manifest["policy"]["name"] == "scripted"
    assert manifest["environment"]["name"] == "DemoEnv"
    assert manifest["settings"]["max_steps"] == 30
    assert manifest["started_at"] <= manifest["ended_at"]
    assert manifest["final_screenshot"] == "screens/final.png"
    assert (run_dir / "screens/final.png").exists()

    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert TASK in report
    for index in range(len(SCRIPT)):
        assert f'id="step-{index}"' in report
    assert (
        report.count("data:image/jpeg;base64,") == len(SCRIPT) + 1
    )  # every step and the final screen
    assert "type “bread”" in report and "finish: success" in report


def test_run_episode_without_a_run_dir_keeps_steps_in_memory(demo: DemoEnv) -> None:
    episode = run_episode(demo, ScriptedPolicy(SCRIPT[:2]), "open the list", max_steps=5)
    assert episode.run_dir is None
    assert [s.status for s in episode.steps][:2] == ["executed", "executed"]
    # The script ran out: the scripted policy finishes with failure, never success.
    assert episode.outcome == "failure"


def test_model_faults_are_recorded_and_fed_back(demo: DemoEnv, run_dir: Path) -> None:
    seen: list[list[tuple[str, str | None]]] = []
    answers = iter(
        [
            Decision(
                error=ParseError("no tool call found", raw_output="I think I should tap"),
                raw_output="I think I should tap",
            ),
            "raise",
            Decision(action=Tap(x=HOME_ICON[0], y=HOME_ICON[1]), raw_output="tap icon"),
            Decision(
                action=to_action({"type": "right_click", "x": 0.5, "y": 0.5}),
                raw_output="right click",
            ),
            Decision(action=to_action({"type": "key", "key": "f5"}), raw_output="f5"),
            Decision(action=to_action({"type": "finish", "status": "success"}), raw_output="done"),
        ]
    )

    def decide(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        seen.append([(s.status, s.error.kind if s.error else None) for s in history])
        answer = next(answers)
        if answer == "raise":
            raise ParseError("unbalanced braces", raw_output="{{")
        assert isinstance(answer, Decision)
        return answer

    episode = Agent(demo, FunctionPolicy(decide), run_dir=run_dir).run("open the list")
    assert episode.outcome == "success"
    statuses = [(s.status, s.error.kind if s.error else None) for s in episode.steps]
    assert statuses == [
        ("model_error", "parse_error"),
        ("model_error", "parse_error"),
        ("executed", None),
        ("model_error", "unsupported_action"),  # DemoEnv has no right click
        ("model_error", "unsupported_action"),  # nor an F5 key
        ("executed", None),
    ]
    assert seen[1] == [("model_error", "parse_error")]  # the next turn sees the fault
    assert seen[5] == statuses[:5]
    assert demo.state.screen == "list"  # the faulty steps changed nothing
    records = load_run(run_dir).steps
    assert records[0].raw_output == "I think I should tap" and records[0].error is not None
    assert records[0].error.message == "no tool call found"
    assert records[1].raw_output == "{{"
    assert (
        records[3].error is not None and "cannot perform 'right_click'" in records[3].error.message
    )


def test_the_same_action_on_an_unchanged_screen_stalls(demo: DemoEnv) -> None:
    script = [tap(HOME_ICON)] + [tap(EMPTY)] * 10
    episode = Agent(demo, ScriptedPolicy(script), stall_limit=3).run("do nothing useful")
    assert episode.outcome == "stalled" and not episode.success
    assert (
        len(episode.steps) == 4
    )  # the icon, then three identical taps on a screen that never changed


def test_repeats_that_change_the_screen_do_not_stall(demo: DemoEnv) -> None:
    script = [tap(HOME_ICON)] + [tap(ROW0)] * 6 + [{"type": "finish", "status": "success"}]
    episode = Agent(demo, ScriptedPolicy(script), stall_limit=3).run("toggle milk six times")
    assert episode.outcome == "success"
    assert demo.state.items[0] == ("milk", False)


def test_scrolling_until_the_end_of_a_list_stalls_only_there() -> None:
    env = DemoEnv(items=tuple(f"item {n}" for n in range(25)))
    script = [tap(HOME_ICON)] + [{"type": "scroll", "direction": "down"}] * 12
    episode = Agent(env, ScriptedPolicy(script), stall_limit=3).run("scroll to the end")
    assert episode.outcome == "stalled"
    # 25 items, 9 visible, 4 rows per scroll: the view moves 4 times (0, 4, 8, 12, 16), then stops.
    assert env.state.first_row == 16
    assert len(episode.steps) == 1 + 4 + 3


def test_the_step_budget_truncates(demo: DemoEnv) -> None:
    episode = Agent(
        demo, ScriptedPolicy([tap(HOME_ICON), tap(ROW0), tap(ROW0), tap(ROW0)]), max_steps=3
    ).run("t")
    assert episode.outcome == "max_steps" and len(episode.steps) == 3


class FailingEnv(DemoEnv):
    """A demo phone that disappears at a given step."""

    def __init__(self, fail_at: int) -> None:
        super().__init__(items=("milk",))
        self.fail_at = fail_at
        self.steps = 0

    def step(self, action: Action) -> StepResult:
        self.steps += 1
        if self.steps == self.fail_at:
            raise DeviceError("device vanished", device="demo-1", command="input tap 540 600")
        return super().step(action)


def test_a_device_failure_raises_after_saving_the_run(run_dir: Path) -> None:
    env = FailingEnv(fail_at=3)
    with pytest.raises(DeviceError, match="device vanished") as caught:
        Agent(env, ScriptedPolicy(SCRIPT), run_dir=run_dir).run(TASK)
    assert str(run_dir) in "".join(getattr(caught.value, "__notes__", [str(run_dir)]))
    run = load_run(run_dir)
    assert [s.status for s in run.steps] == ["executed", "executed", "device_error"]
    assert run.steps[2].error is not None and "device vanished" in run.steps[2].error.message
    assert "input tap 540 600" in run.steps[2].error.message
    assert run.manifest.outcome == "error"
    assert run.manifest.error is not None and run.manifest.error.startswith(
        "DeviceError: device vanished"
    )
    assert (run_dir / "screens/0002.png").exists()
    assert 'id="step-2"' in (run_dir / "report.html").read_text()


def test_a_policy_crash_is_not_a_model_fault(demo: DemoEnv, run_dir: Path) -> None:
    def crash(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        Agent(demo, FunctionPolicy(crash), run_dir=run_dir).run("t")
    assert load_run(run_dir).manifest.outcome == "error"


def test_dry_run_records_without_executing(demo: DemoEnv, run_dir: Path) -> None:
    episode = Agent(demo, ScriptedPolicy(SCRIPT), dry_run=True, run_dir=run_dir).run(TASK)
    assert episode.outcome == "success"  # finish still ends the run
    assert [s.status for s in episode.steps] == ["dry_run"] * len(SCRIPT)
    assert demo.state.screen == "home" and demo.state.items == [("milk", False), ("eggs", False)]
    assert load_run(run_dir).manifest.settings["dry_run"] is True


def test_old_observations_are_released(demo: DemoEnv) -> None:
    script = [tap(HOME_ICON)] + [tap(ROW0)] * 8 + [{"type": "finish", "status": "success"}]
    episode = Agent(demo, ScriptedPolicy(script), keep_observations=3).run("t")
    assert [s.observation is not None for s in episode.steps] == [False] * 7 + [True] * 3


def test_secrets_never_reach_the_run_directory(demo: DemoEnv, run_dir: Path) -> None:
    secret = 'hunter2 "quoted" 密码'
    script = [
        tap(HOME_ICON),
        tap(FIELD),
        {"type": "type", "text": secret},
        {"type": "finish", "status": "success"},
    ]
    Agent(demo, ScriptedPolicy(script), run_dir=run_dir, secrets=(secret,)).run(
        f"log in with {secret}"
    )
    for name in ("trajectory.jsonl", "manifest.json", "report.html"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert "hunter2" not in text and "密码" not in text, name
    assert "***" in (run_dir / "trajectory.jsonl").read_text()


def test_a_run_directory_is_never_overwritten(demo: DemoEnv, run_dir: Path) -> None:
    Agent(demo, ScriptedPolicy(SCRIPT[-1:]), run_dir=run_dir).run("t")
    with pytest.raises(ConfigError, match="already holds a run"):
        Agent(demo, ScriptedPolicy(SCRIPT[-1:]), run_dir=run_dir).run("t")


@pytest.mark.parametrize(
    "settings", [{"max_steps": 0}, {"stall_limit": 1}, {"keep_observations": 0}]
)
def test_bad_settings_are_refused_at_once(demo: DemoEnv, settings: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        Agent(demo, ScriptedPolicy([]), **settings)  # type: ignore[arg-type]
