"""``eval sim`` and ``run --task``: per-episode runs, results, metrics that match what happened,
invalid outputs counted honestly, resuming, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent import Decision, Observation, Step, load_run
from screenpilot.errors import ConfigError, ParseError
from screenpilot.evaluation.sim import EvalSettings, read_results, run_eval
from screenpilot.policies import FunctionPolicy
from screenpilot.registry import make_policy


def garbage(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
    """A policy whose every output is unparseable."""
    raw = "I think I should press the blue thing"
    return Decision(
        error=ParseError("no action found in the output", raw_output=raw), raw_output=raw
    )


def out_of_frame(task: str, observation: Observation, history: Sequence[Step]) -> dict[str, object]:
    """A policy whose actions do not validate (x = 5 is outside [0, 1])."""
    return {"type": "tap", "x": 5, "y": 0.5}


def test_eval_with_the_reference_policy(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    settings = EvalSettings(
        tasks="settings.wifi_on,clock.infeasible_time", episodes_per_task=2, seed=5
    )
    metrics = run_eval(out, settings, lambda: make_policy("reference"))
    lines = (out / "results.jsonl").read_text().splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["id"] for r in results] == [
        "settings.wifi_on:5",
        "settings.wifi_on:6",
        "clock.infeasible_time:5",
        "clock.infeasible_time:6",
    ]
    assert all(r["success"] for r in results)
    assert [r["outcome"] for r in results] == ["success", "success", "failure", "failure"]
    # wifi_on: home, tap Settings, tap the switch, finish; infeasible: home, tap Clock, finish.
    assert [r["steps"] for r in results] == [4, 4, 3, 3]
    assert metrics["success_rate"] == 1.0 and metrics["mean_steps"] == 3.5
    assert metrics["per_app"] == {
        "clock": {"episodes": 2, "successes": 2, "success_rate": 1.0},
        "settings": {"episodes": 2, "successes": 2, "success_rate": 1.0},
    }
    assert metrics["infeasible"] == {"episodes": 2, "successes": 2, "success_rate": 1.0}
    assert json.loads((out / "metrics.json").read_text()) == metrics
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["policy"]["name"] == "reference" and manifest["settings"]["seed"] == 5
    run = load_run(out / results[0]["run_dir"])
    assert (
        run.manifest.outcome == "success"
        and run.manifest.environment["task"] == "settings.wifi_on:5"
    )
    assert (out / results[0]["run_dir"] / "report.html").exists()
    assert "4/4 episodes succeeded" in (out / "report.html").read_text()


def test_unparseable_outputs_are_recorded_and_reported(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    settings = EvalSettings(tasks="settings.bluetooth_off,notes.delete", max_steps=3, workers=2)
    metrics = run_eval(out, settings, lambda: FunctionPolicy(garbage, name="garbage"))
    assert metrics["episodes"] == 2 and metrics["successes"] == 0
    assert metrics["steps"] == 6 and metrics["invalid_outputs"] == 6
    assert metrics["invalid_output_rate"] == 1.0
    assert metrics["outcomes"] == {"max_steps": 2}
    for result in read_results(out).values():
        run = load_run(out / result.run_dir)
        assert [s.status for s in run.steps] == ["model_error"] * 3
        assert run.steps[0].raw_output == "I think I should press the blue thing"
        assert run.steps[0].error is not None and run.steps[0].error.kind == "parse_error"


def test_invalid_actions_count_as_invalid_outputs(tmp_path: Path) -> None:
    metrics = run_eval(
        tmp_path / "eval",
        EvalSettings(tasks="clock.alarm_on", max_steps=2),
        lambda: FunctionPolicy(out_of_frame, name="out_of_frame"),  # type: ignore[arg-type]
    )
    assert (metrics["steps"], metrics["invalid_outputs"], metrics["successes"]) == (2, 2, 0)
    result = next(iter(read_results(tmp_path / "eval").values()))
    run = load_run(tmp_path / "eval" / result.run_dir)
    assert run.steps[0].error is not None and run.steps[0].error.kind == "invalid_action"


def test_resume_runs_only_what_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    settings = EvalSettings(tasks="home.open_app", episodes_per_task=3)
    run_eval(out, settings, lambda: make_policy("reference"))
    lines = (out / "results.jsonl").read_text().splitlines()
    (out / "results.jsonl").write_text(lines[0] + "\n" + lines[1][:30])  # killed mid-line
    episodes: list[str] = []

    class Counting(FunctionPolicy):
        def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
            if not history:
                episodes.append(task)
            return super().act(task, observation, history)

    reference = make_policy("reference")
    metrics = run_eval(out, settings, lambda: Counting(reference.act, name="counting"), resume=True)
    assert len(episodes) == 2 and metrics["episodes"] == 3 and metrics["successes"] == 3
    assert len(read_results(out)) == 3
    with pytest.raises(ConfigError, match="not empty"):
        run_eval(out, settings, lambda: make_policy("reference"))


def screenpilot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_eval_command_line(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    result = screenpilot(
        "eval",
        "sim",
        "--tasks",
        "contacts.lookup_phone",
        "--episodes-per-task",
        "2",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "success 2/2 (100.0%)" in result.stderr
    assert json.loads((out / "metrics.json").read_text())["successes"] == 2
    again = screenpilot("eval", "sim", "--tasks", "contacts.*", "--out", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr


def test_run_a_task_with_the_reference_policy(tmp_path: Path) -> None:
    """The README's first command: offline, no model."""
    out = tmp_path / "run"
    result = screenpilot(
        "run", "--task", "settings.bluetooth_off", "--policy", "reference", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "task settings.bluetooth_off: accomplished" in result.stderr
    run = load_run(out)
    assert (
        run.manifest.task == "Turn off Bluetooth" and run.manifest.environment["name"] == "SimEnv"
    )
    assert run.manifest.task_success is True
    assert (out / "report.html").exists()


def test_the_seed_of_a_task_goes_to_reset(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = screenpilot(
        "run", "--task", "contacts.add:3", "--policy", "reference", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    manifest = load_run(out).manifest
    assert manifest.settings["seed"] == 3 and manifest.environment["task"] == "contacts.add:3"
    assert manifest.environment["seed"] == 3 and manifest.task_success is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "words", "--task", "settings.wifi_on"), "not both"),
        (("run", "--task", "settings.wifi_on", "--env", "demo"), "--env sim"),
        (("run", "--task", "settings.wfi_on"), "did you mean 'settings.wifi_on'"),
        (("run", "Turn on Wi-Fi", "--policy", "reference"), "--env sim --task"),
        (("run",), "say what to do"),
    ],
)
def test_task_errors_are_one_line(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = screenpilot(*args, "--out", str(tmp_path / "r"))
    assert result.returncode == 2, result.stderr
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr


def test_sim_tasks_lists_the_templates() -> None:
    result = screenpilot("sim", "tasks", "clock.*")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "clock.add_alarm",
        "clock.add_alarm_label",
        "clock.alarm_off",
        "clock.alarm_on",
        "clock.delete_alarm",
        "clock.infeasible_time",
    ]
    assert lines[-1].endswith("(infeasible: the right answer is finish(failure))")


def test_sim_serve_on_a_busy_port_is_a_one_line_error() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = screenpilot("sim", "serve", "--port", str(busy.getsockname()[1]))
    assert result.returncode == 2 and "cannot listen on 127.0.0.1" in result.stderr
