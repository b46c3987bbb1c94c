"""``eval sim`` and ``run --task``: per-episode runs, results, metrics that match what happened,
invalid outputs counted honestly, resuming, and the command line."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent import Decision, Observation, Policy, Step, load_run
from screenpilot.agent.core import PolicyInfo
from screenpilot.agent.loop import MAX_STEPS
from screenpilot.errors import ConfigError, ParseError
from screenpilot.evaluation.sim import SimSettings, plan, read_results, run_eval
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.registry import make_policy
from tests.helpers import same_scores


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
    settings = SimSettings(
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
    assert manifest["benchmark"] == "sim" and manifest["source"]["policy"]["name"] == "reference"
    assert manifest["settings"]["seed"] == 5 and manifest["settings"]["episodes_per_task"] == 2
    assert manifest["dataset"]["episodes"] == [r["id"] for r in results]
    assert manifest["last_session"]["units"] == 4 and manifest["ended_at"]
    assert {p.name for p in out.iterdir()} == {
        "episodes",
        "results.jsonl",
        "metrics.json",
        "manifest.json",
        "report.html",
    }
    run = load_run(out / results[0]["run_dir"])
    assert (
        run.manifest.outcome == "success"
        and run.manifest.environment["task"] == "settings.wifi_on:5"
    )
    assert (out / results[0]["run_dir"] / "report.html").exists()
    index = (out / "report.html").read_text()
    assert 'href="episodes/settings.wifi_on-5/report.html"' in index
    assert index.count('<section class="card"') == 4 and "4 (100.0%)" in index


def test_unparseable_outputs_are_recorded_and_reported(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    settings = SimSettings(tasks="settings.bluetooth_off,notes.delete", max_steps=3, workers=2)
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
        SimSettings(tasks="clock.alarm_on", max_steps=2),
        lambda: FunctionPolicy(out_of_frame, name="out_of_frame"),  # type: ignore[arg-type]
    )
    assert (metrics["steps"], metrics["invalid_outputs"], metrics["successes"]) == (2, 2, 0)
    result = next(iter(read_results(tmp_path / "eval").values()))
    run = load_run(tmp_path / "eval" / result.run_dir)
    assert run.steps[0].error is not None and run.steps[0].error.kind == "invalid_action"


class CountingReference(Policy):
    """The reference policy, counting the episodes it starts; it describes itself as the
    reference policy, so a run it resumes is the same run."""

    def __init__(self, episodes: list[str]) -> None:
        self.inner, self.episodes = make_policy("reference"), episodes

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        if not history:
            self.episodes.append(task)
        return self.inner.act(task, observation, history)

    def reset(self) -> None:
        self.inner.reset()  # the reference policy plans per episode

    def describe(self) -> PolicyInfo:
        return self.inner.describe()


def test_resume_runs_only_what_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    settings = SimSettings(tasks="home.open_app", episodes_per_task=3)
    whole = run_eval(out, settings, lambda: make_policy("reference"))
    lines = (out / "results.jsonl").read_text().splitlines()
    (out / "results.jsonl").write_text(lines[0] + "\n" + lines[1][:30])  # killed mid-line
    (out / "metrics.json").unlink()
    episodes: list[str] = []
    metrics = run_eval(out, settings, lambda: CountingReference(episodes), resume=True)
    assert len(episodes) == 2
    same_scores(metrics, whole, out)
    assert list(read_results(out)) == ["home.open_app:0", "home.open_app:1", "home.open_app:2"]
    with pytest.raises(ConfigError, match="not empty"):
        run_eval(out, settings, lambda: make_policy("reference"))


def test_resume_with_other_settings_or_another_policy_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    run_eval(out, SimSettings(tasks="home.open_app", max_steps=5), lambda: make_policy("reference"))
    built: list[int] = []

    def reference() -> Policy:
        built.append(1)
        return make_policy("reference")

    with pytest.raises(ConfigError) as refused:
        run_eval(out, SimSettings(tasks="home.open_app", max_steps=6), reference, resume=True)
    assert str(refused.value) == f"cannot resume {out}: max_steps was 5, now 6"
    assert built == []  # refused before any policy was built
    garbage_policy = FunctionPolicy(garbage, name="garbage")
    with pytest.raises(ConfigError, match=re.escape("policy.name was 'reference', now 'garbage'")):
        run_eval(
            out,
            SimSettings(tasks="home.open_app", max_steps=5),
            lambda: garbage_policy,
            resume=True,
        )
    more = SimSettings(tasks="home.open_app", max_steps=5, workers=3)  # workers may change
    assert run_eval(out, more, reference, resume=True)["episodes"] == 1
    (out / "manifest.json").write_text("{}")
    with pytest.raises(
        ConfigError, match=r"its manifest\.json is damaged \(missing screenpilot_version, python,"
    ):
        run_eval(out, more, reference, resume=True)


class Counted:
    """A policy factory that counts the policies it builds and closes."""

    def __init__(self) -> None:
        self.built, self.closed = 0, 0

    def __call__(self) -> Policy:
        self.built += 1
        factory = self

        class Closing(CountingReference):
            def close(self) -> None:
                factory.closed += 1

        return Closing([])


def test_each_worker_builds_its_policy_once(tmp_path: Path) -> None:
    factory = Counted()
    settings = SimSettings(tasks="home.open_app", episodes_per_task=3, workers=2)
    metrics = run_eval(tmp_path / "eval", settings, factory)
    assert metrics["successes"] == 3
    assert (factory.built, factory.closed) == (2, 2)


def test_the_index_page_is_drawn_like_the_run_reports(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    run_eval(
        out,
        SimSettings(tasks="clock.alarm_on", max_steps=1),
        lambda: FunctionPolicy(garbage, name="<b>bold</b>"),
    )
    index = (out / "report.html").read_text()
    episode = (out / "episodes" / "clock.alarm_on-0" / "report.html").read_text()
    styles = [re.findall(r"<style>.*</style>", page, re.DOTALL) for page in (index, episode)]
    assert styles[0] == styles[1] and len(styles[0]) == 1  # the run report's own page
    assert index.startswith("<!doctype html>") and "<header><h1>" in index
    assert "&lt;b&gt;bold&lt;/b&gt;" in index and "<b>" not in index
    assert '<a href="episodes/clock.alarm_on-0/report.html">clock.alarm_on:0</a>' in index


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
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["successes"] == 2
    # The result card: the plan's hash over "name<TAB>goal" lines, the budget, the predicate.
    planned = "".join(
        f"{t.name}\t{t.goal}\n"
        for t in plan(SimSettings(tasks="contacts.lookup_phone", episodes_per_task=2))
    )
    card = metrics["card"]
    assert card["benchmark"] == "sim" and card["counts"] == {"episodes": 2, "templates": 1}
    assert card["data"]["sha256"] == hashlib.sha256(planned.encode()).hexdigest()
    assert card["setting"] == {"max steps": 30, "stall limit": 3, "screen": "1080x2400"}
    assert card["protocol"]["path"] == "src/screenpilot/sim/tasks.py"
    assert card["model"]["policy"] == "reference"
    assert "result card" in result.stderr and "  protocol: task predicate: " in result.stderr
    assert 'id="result-card"' in (out / "report.html").read_text()
    again = screenpilot("eval", "sim", "--tasks", "contacts.*", "--out", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr
    other = screenpilot(
        "eval", "sim", "--tasks", "contacts.*", "--max-steps", "10", "--out", str(out), "--resume"
    )
    assert other.returncode == 2 and "Traceback" not in other.stderr
    assert (
        f"cannot resume {out}: episodes_per_task was 2, now 1; max_steps was {MAX_STEPS}, now 10; "
        "tasks was 'contacts.lookup_phone', now 'contacts.*'"
    ) in other.stderr


def test_the_command_line_builds_one_policy_per_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from screenpilot.cli import app
    from screenpilot.cli.options import PolicyChoice

    built: list[str] = []
    original = PolicyChoice.build

    def counted(self: PolicyChoice) -> Policy:
        built.append(self.name)
        return original(self)

    monkeypatch.setattr(PolicyChoice, "build", counted)
    out = tmp_path / "[copy] [/b]"
    args = ["eval", "sim", "--tasks", "home.open_app", "--episodes-per-task", "3"]
    result = CliRunner().invoke(app, [*args, "--workers", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert built == ["reference", "reference"]  # one per worker, none only to check it
    assert f"report: {out / 'report.html'}" in result.output  # as it is, not as markup
    assert json.loads((out / "metrics.json").read_text())["successes"] == 3


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


def test_a_falsely_finished_task_is_never_shown_as_a_success(tmp_path: Path) -> None:
    """The agent says success at once on contacts.add: the terminal, the run report's header
    and final card, and the eval index all say the task was not accomplished."""
    script = tmp_path / "finish.jsonl"
    script.write_text('{"type": "finish", "status": "success"}\n')
    out = tmp_path / "run"
    result = screenpilot(
        "run", "--task", "contacts.add", "--actions", str(script), "--out", str(out)
    )
    assert result.returncode == 1, result.stderr
    assert "task contacts.add: not accomplished" in result.stderr
    html = (out / "report.html").read_text()
    said = '<span class="badge" style="background:#57606a">success</span>'
    judged = '<span class="badge" style="background:#cf222e">not accomplished</span>'
    assert html.count(f"agent: {said} · task: {judged}") == 2  # the header and the final card
    assert 'style="background:#1a7f37">success' not in html  # no green success anywhere

    eval_out = tmp_path / "eval"
    run_eval(
        eval_out,
        SimSettings(tasks="contacts.add", max_steps=2),
        lambda: ScriptedPolicy([{"type": "finish", "status": "success"}]),
    )
    index = (eval_out / "report.html").read_text()
    assert "agent: success after 1 step · task: not accomplished" in index
