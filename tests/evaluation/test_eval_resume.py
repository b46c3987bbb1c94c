"""Resuming AITZ evaluation runs: after SIGKILL to the metrics of an uninterrupted run, a
script where it stopped, and refusing other settings, another policy or a damaged manifest."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent.core import Decision, Observation, Policy, Step
from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.aitz_run import AITZSettings, evaluate_policy, read_scores
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools.actions import Action, Finish, Tap, TypeText, to_json
from tests.evaluation.aitz_fixtures import (
    small,
    small_policy,
    small_split,
    uniform,
    uniform_answer,
    uniform_split,
)
from tests.helpers import same_scores

ROOT = Path(__file__).resolve().parents[2]


def test_an_existing_run_is_resumed_only_when_asked_and_compatible(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    out = tmp_path / "out"
    first = evaluate_policy(dataset, small, out)
    with pytest.raises(ConfigError, match="is not empty; pass --resume"):
        evaluate_policy(dataset, small, out)
    built: list[int] = []

    def counted() -> Policy:
        built.append(1)
        return small()

    with pytest.raises(ConfigError) as refused:
        evaluate_policy(
            dataset, counted, out, AITZSettings(protocol="aitw", coat_history=True), resume=True
        )
    assert str(refused.value) == (
        f"cannot resume {out}: coat_history was False, now True; protocol was 'qwen', now 'aitw'"
    )
    assert built == []  # settings are checked before any policy is built
    other = FunctionPolicy(small_policy, name="other")
    with pytest.raises(ConfigError, match=re.escape("policy.name was 'small', now 'other'")):
        evaluate_policy(dataset, lambda: other, out, resume=True)
    calls = []
    counting = FunctionPolicy(
        lambda t, o, h: calls.append(1) or small_policy(t, o, h), name="small"
    )
    faster = AITZSettings(workers=2, batch_size=2, report=False)  # may change on resume
    assert evaluate_policy(dataset, lambda: counting, out, faster, resume=True) == first
    assert calls == []  # every step was already scored
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["settings"]["workers"], manifest["settings"]["batch_size"]) == (2, 2)


def test_a_damaged_manifest_is_a_clear_error_on_resume(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    out = tmp_path / "out"
    evaluate_policy(dataset, small, out)
    for damage in ("", '{"benchmark": "aitz", "sett'):
        (out / "manifest.json").write_text(damage)
        with pytest.raises(ConfigError, match=r"cannot resume .*: its manifest.json is damaged"):
            evaluate_policy(dataset, small, out, resume=True)
    (out / "manifest.json").unlink()
    with pytest.raises(ConfigError, match=r"it has results\.jsonl but no manifest\.json"):
        evaluate_policy(dataset, small, out, resume=True)


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[3])
    from pathlib import Path
    from screenpilot.evaluation.aitz_env import load_aitz
    from screenpilot.evaluation.aitz_run import evaluate_policy
    from screenpilot.policies import FunctionPolicy
    from tests.evaluation.aitz_fixtures import uniform_answer

    data, out, block_at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[4])
    seen = []

    def policy(task, observation, history):
        if len(seen) == block_at:
            time.sleep(3600)  # the test kills us here
        seen.append(1)
        return uniform_answer(task, observation, history)

    evaluate_policy(load_aitz(data), lambda: FunctionPolicy(policy, name="uniform"), out)
    """
)


def test_resume_after_sigkill_gives_the_metrics_of_an_uninterrupted_run(tmp_path: Path) -> None:
    uniform_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    whole = evaluate_policy(dataset, uniform, tmp_path / "whole")
    assert whole["overall"]["exact_match"] == pytest.approx(10 / 12)
    assert whole["overall"]["goal_progress"] == pytest.approx(2 / 3)
    assert whole["overall"]["success_rate"] == 0.5

    script, out, completed = tmp_path / "child.py", tmp_path / "killed", 5
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "data"), str(out), str(ROOT), str(completed)]
    )
    results = out / "results.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if results.exists() and results.read_text().count("\n") >= completed:
                break
            assert child.poll() is None, "the child exited before it was killed"
            time.sleep(0.01)
        else:
            pytest.fail("the child never scored its steps")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert not (out / "metrics.json").exists()
    assert len(read_scores(out)) == completed
    with results.open("a") as handle:  # as if killed in the middle of a line
        handle.write('{"episode_id": "3", "step_')
    calls = []
    counting = FunctionPolicy(
        lambda t, o, h: calls.append(1) or uniform_answer(t, o, h), name="uniform"
    )
    resumed = evaluate_policy(dataset, lambda: counting, out, resume=True)
    same_scores(resumed, whole, out)
    assert len(calls) == 12 - completed
    assert len(results.read_text().splitlines()) == 12
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["resumed_at"]) == 1 and manifest["last_session"]["units"] == 12 - completed


class InterruptedScript(ScriptedPolicy):
    """A script that is stopped (as by Ctrl-C) when it reaches ``stop_at``."""

    def __init__(self, actions: list[Action], stop_at: int) -> None:
        super().__init__(actions)
        self.stop_at = stop_at

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        if self.state()["position"] == self.stop_at:
            raise KeyboardInterrupt
        return super().act(task, observation, history)


def test_every_episode_plays_the_script_from_its_first_action(tmp_path: Path) -> None:
    """Three episodes of taps at x = 0.1, 0.2, 0.3: a script of the first two taps gets steps
    0 and 1 of every episode right and gives up on step 2 (the script has no more actions)."""
    uniform_split(tmp_path / "data", episodes=3, steps=3)
    dataset = load_aitz(tmp_path / "data")
    script: list[Action] = [Tap(x=0.1, y=0.5), Tap(x=0.2, y=0.5)]
    metrics = evaluate_policy(dataset, lambda: ScriptedPolicy(script), tmp_path / "out")
    scores = read_scores(tmp_path / "out")
    for (_, step_id), score in scores.items():
        expected = script[step_id] if step_id < 2 else Finish(status="failure")
        assert score.prediction == to_json(expected)
    assert [score.exact_match for score in scores.values()] == [True, True, False] * 3
    assert metrics["overall"]["exact_match"] == pytest.approx(6 / 9)


def test_a_resumed_script_continues_where_it_stopped(tmp_path: Path) -> None:
    """A script plays each episode's steps in order from its first action; resumed after an
    interruption inside an episode it must continue from its saved position, not from its
    first action: the metrics equal an uninterrupted run's."""
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    script: list[Action] = [Tap(x=0.5, y=0.5), TypeText(text="hello"), Finish(status="success")]
    whole = evaluate_policy(dataset, lambda: ScriptedPolicy(script), tmp_path / "whole")
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        evaluate_policy(dataset, lambda: InterruptedScript(script, stop_at=2), out)
    logged = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [line["policy_state"] for line in logged] == [{"position": 1}, {"position": 2}]
    resumed = evaluate_policy(dataset, lambda: ScriptedPolicy(script), out, resume=True)
    same_scores(resumed, whole, out)


def test_a_policy_with_state_runs_on_one_worker(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    with pytest.raises(ConfigError, match=r"keeps state between decisions.*--workers 1"):
        evaluate_policy(
            dataset, lambda: ScriptedPolicy([]), tmp_path / "out", AITZSettings(workers=2)
        )
