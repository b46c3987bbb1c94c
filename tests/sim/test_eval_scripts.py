"""Scripted policies across episodes: every episode plays the script from its first action
(``Policy.reset``), whatever ran before, on one worker or several, and after a resume."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent import Agent, Decision, Observation, Step
from screenpilot.errors import ConfigError
from screenpilot.evaluation.sim import SimSettings, read_results, run_eval
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.sim.catalog import templates
from screenpilot.sim.env import SimEnv
from screenpilot.sim.tasks import Task
from screenpilot.tools.actions import Finish, Key
from tests.helpers import same_scores

TWO_KEYS = [Key(key="home"), Key(key="back")]


def test_a_script_that_claims_success_at_once_succeeds_on_no_task(tmp_path: Path) -> None:
    """Every episode says finish(success) as its first and only step. No feasible task holds
    on its initial phone and an infeasible one needs finish(failure), so 0 of all templates
    (before the script was rewound, the infeasible ones were scored as successes: every
    episode after the first was told "the script has no more actions", i.e. finish(failure))."""
    script = tmp_path / "finish.jsonl"
    script.write_text('{"type": "finish", "status": "success"}\n')
    out = tmp_path / "eval"
    args = ["eval", "sim", "--policy", "scripted", "--actions", str(script), "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    episodes = len(templates())
    assert f"success 0/{episodes} (0.0%), mean steps 1" in result.stderr
    results = list(read_results(out).values())
    assert len(results) == episodes
    assert {(r.outcome, r.steps, r.success) for r in results} == {("success", 1, False)}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["successes"] == 0


def test_two_episodes_each_play_the_whole_script() -> None:
    task = Task.create(templates()["clock.infeasible_time"], 0)
    policy = ScriptedPolicy(TWO_KEYS)
    for _ in range(2):
        episode = Agent(SimEnv(task), policy, max_steps=5).run(task.goal)
        assert [step.action for step in episode.steps] == [*TWO_KEYS, Finish(status="failure")]
        assert [step.status for step in episode.steps] == ["executed"] * 3
        assert episode.steps[-1].decision.reasoning == "The script has no more actions."


SETTINGS = SimSettings(tasks="clock.infeasible_time", episodes_per_task=4)
"""Four episodes a script of two keys and finish(failure) accomplishes (the task is
infeasible), each in three steps."""
SCRIPT = [*TWO_KEYS, Finish(status="failure")]


def test_a_script_runs_on_several_workers_each_with_its_own_copy(tmp_path: Path) -> None:
    settings = SETTINGS.model_copy(update={"workers": 2})
    metrics = run_eval(tmp_path / "eval", settings, lambda: ScriptedPolicy(SCRIPT))
    assert metrics["successes"] == 4
    assert [r.steps for r in read_results(tmp_path / "eval").values()] == [3, 3, 3, 3]


def test_one_script_shared_by_two_workers_is_refused(tmp_path: Path) -> None:
    """Two episodes at once would move one script position: refused before the second worker
    decides anything. A policy without state (no reset) may be shared, and is closed once."""
    shared = ScriptedPolicy(SCRIPT)
    settings = SETTINGS.model_copy(update={"workers": 2})
    with pytest.raises(ConfigError, match=r"returned one scripted policy for two workers"):
        run_eval(tmp_path / "refused", settings, lambda: shared)

    closed: list[str] = []

    class Closing(FunctionPolicy):
        def close(self) -> None:
            closed.append("closed")

    calls: list[int] = []

    def give_up(task: str, observation: Observation, history: Sequence[Step]) -> Finish:
        calls.append(1)
        return Finish(status="failure")

    stateless = Closing(give_up, name="give-up")
    metrics = run_eval(tmp_path / "shared", settings, lambda: stateless)
    assert (metrics["successes"], len(calls), closed) == (4, 4, ["closed"])


def test_a_resumed_script_plays_the_interrupted_episode_from_its_start(tmp_path: Path) -> None:
    """Interrupted inside the second episode (its second step), the resumed run plays that
    episode again from the script's first action, and ends as an uninterrupted run does."""
    settings = SETTINGS.model_copy(update={"episodes_per_task": 2})
    whole = run_eval(tmp_path / "whole", settings, lambda: ScriptedPolicy(SCRIPT))

    class Interrupted(ScriptedPolicy):
        calls = 0

        def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
            Interrupted.calls += 1
            if Interrupted.calls == 5:  # episode 1 took three decisions
                raise KeyboardInterrupt
            return super().act(task, observation, history)

    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        run_eval(out, settings, lambda: Interrupted(SCRIPT))
    assert [r.steps for r in read_results(out).values()] == [3]
    resumed = run_eval(out, settings, lambda: ScriptedPolicy(SCRIPT), resume=True)
    same_scores(resumed, whole, out)
    assert whole["successes"] == 2
    assert [r.steps for r in read_results(out).values()] == [3, 3]
