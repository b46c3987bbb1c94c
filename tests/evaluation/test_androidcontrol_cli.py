"""``screenpilot eval androidcontrol`` and ``eval androidcontrol-convert`` as a user runs them,
and the two settings as a policy receives them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent.core import Observation, Step
from screenpilot.evaluation.aitz_run import evaluate_policy
from screenpilot.evaluation.androidcontrol_data import load_androidcontrol
from screenpilot.evaluation.androidcontrol_run import AndroidControlSettings
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools.actions import Action, Finish, to_json
from tests.evaluation.androidcontrol_fixtures import write_release
from tests.evaluation.test_eval_resume import InterruptedScript
from tests.helpers import same_scores
from tests.test_cli import screenpilot


@pytest.fixture
def converted(tmp_path: Path) -> Path:
    release = write_release(tmp_path / "release")
    out = tmp_path / "ac"
    result = screenpilot(
        "eval", "androidcontrol-convert", str(release), "--splits",
        str(release / "splits.json"), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["episodes"] == {"test": 2, "validation": 1} and summary["other_splits"] == 1
    return out


def _lines(*datasets: Path | str, data: Path) -> str:
    seen: dict[tuple[str, int], dict[str, object]] = {}
    for step_set in datasets:
        for step in load_androidcontrol(data, str(step_set)).steps:
            seen[(step.episode_id, step.step_id)] = {
                "episode_id": step.episode_id, "step_id": step.step_id,
                "action": to_json(step.action),
            }  # fmt: skip
    return "".join(json.dumps(line) + "\n" for line in seen.values())


def test_scoring_the_released_actions_as_predictions(converted: Path, tmp_path: Path) -> None:
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(_lines("cpm", "full", data=converted))
    out = tmp_path / "out"
    base = ["eval", "androidcontrol", "--data", str(converted), "--predictions", str(predictions)]
    result = screenpilot(*base, "--out", str(out))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert (metrics["protocol"], metrics["setting"], metrics["step_set"]) == ("cpm", "high", "cpm")
    assert metrics["protocol_source"].startswith("OpenBMB/AgentCPM-GUI@acbaf50")
    assert metrics["counts"]["steps"] == 11 and metrics["counts"]["synthetic_finish_steps"] == 3
    # the long press, a DUAL_POINT in AgentCPM-GUI's files, is a click there: LongPress misses
    assert metrics["overall"]["exact_match"] == pytest.approx(10 / 11)
    assert metrics["overall"]["success_rate"] == pytest.approx(2 / 3)
    assert metrics["by_action"]["long_press"]["type_match"] == 0.0
    assert metrics["predictions_unmatched_lines"] == 1  # the open_app step, not in this set
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["benchmark"] == "androidcontrol"
    assert manifest["settings"]["dataset"]["step_set"] == "cpm"
    assert "AndroidControl evaluation — cpm protocol" in (out / "report.html").read_text()
    uis1 = screenpilot(*base, "--protocol", "uis1")
    assert uis1.returncode == 0, uis1.stderr
    metrics = json.loads(uis1.stdout)
    assert (metrics["step_set"], metrics["overall"]["steps"]) == ("full", 8)
    assert metrics["overall"]["exact_match"] == 1.0
    assert metrics["predictions_unmatched_lines"] == 4  # three finish steps, validation's click


def test_a_script_run_is_resumed_only_with_the_same_settings(
    converted: Path, tmp_path: Path
) -> None:
    # A script plays from its first action in every episode: the first episode's actions,
    # on that episode alone (--limit 1), match every step.
    script = tmp_path / "actions.jsonl"
    first = load_androidcontrol(converted, "full").episodes[0]
    script.write_text("".join(json.dumps(to_json(s.action)) + "\n" for s in first.steps))
    out = tmp_path / "run"
    args = ["eval", "androidcontrol", "--data", str(converted), "--protocol", "osatlas",
            "--steps", "full", "--limit", "1", "--actions", str(script), "--out", str(out)]  # fmt: skip
    result = screenpilot(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overall"]["exact_match"] == 1.0
    assert "osatlas / high / full: 5 steps" in result.stderr
    again = screenpilot(*args)
    assert again.returncode == 2 and "pass --resume" in again.stderr
    resumed = screenpilot(*args, "--resume")
    assert resumed.returncode == 0 and json.loads(resumed.stdout) == json.loads(result.stdout)
    refused = screenpilot(*args, "--resume", "--setting", "low")
    assert refused.returncode == 2
    assert f"cannot resume {out}: setting was 'high', now 'low'" in refused.stderr
    wrong = screenpilot(*args[:-2], "--out", str(tmp_path / "x"), "--setting", "middle")
    assert wrong.returncode == 2 and "setting" in wrong.stderr and "Traceback" not in wrong.stderr


def test_the_low_setting_gives_each_step_its_instruction(converted: Path, tmp_path: Path) -> None:
    dataset = load_androidcontrol(converted, "full")
    seen: list[tuple[str, tuple[str, ...]]] = []

    def record(task: str, observation: Observation, history: Sequence[Step]) -> Action:
        seen.append((task, observation.notes))
        return Finish(status="success")

    for setting in ("high", "low"):
        settings = AndroidControlSettings(protocol="cpm", setting=setting)  # type: ignore[arg-type]
        evaluate_policy(dataset, lambda: FunctionPolicy(record), tmp_path / setting, settings)
    goal = "Open the Clock app and set an alarm"
    assert seen[1] == (goal, ())
    assert seen[8 + 1] == (goal, ("The instruction for this step: tap OK",))
    assert seen[8 + 5] == ("Check the weather", ("The instruction for this step: step 0",))


def test_an_interrupted_script_resumes_to_the_same_metrics(converted: Path, tmp_path: Path) -> None:
    dataset = load_androidcontrol(converted, "cpm")
    script: list[Action] = [s.action for s in dataset.steps][:6]
    settings = AndroidControlSettings(protocol="cpm")
    whole = evaluate_policy(dataset, lambda: ScriptedPolicy(script), tmp_path / "whole", settings)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        evaluate_policy(dataset, lambda: InterruptedScript(script, stop_at=3), out, settings)
    resumed = evaluate_policy(dataset, lambda: ScriptedPolicy(script), out, settings, resume=True)
    same_scores(resumed, whole, out)
    # Each episode plays the script from its first action (tap, scroll, type, key, finish):
    # episode 11's five steps match; its tap also matches the first step of 22 (a long press,
    # which the release stores as a click, at the same point) and of 33 (a tap there); the
    # scroll, type and key that follow miss the wait, key and finish of 22 and 33's finish.
    assert whole["overall"]["exact_match"] == pytest.approx(7 / 11)
