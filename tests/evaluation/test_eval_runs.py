"""Evaluation runs and offline scoring: hand-computed metrics, the output files, resuming after
SIGKILL, batching and concurrency, prediction files in both formats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from screenpilot.agent.core import Decision, Observation, Policy, Step
from screenpilot.errors import ConfigError, ParseError
from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.runner import EvalOptions, evaluate_policy, score_predictions
from screenpilot.evaluation.scoring import read_scores
from screenpilot.policies import FunctionPolicy
from screenpilot.tools.actions import Action, Finish, Key, Scroll, Tap, TypeText, to_json
from tests.evaluation.aitz_fixtures import small_split, uniform_answer, uniform_split

ROOT = Path(__file__).resolve().parents[2]


def small_policy(task: str, observation: Observation, history: Sequence[Step]) -> Action:
    """Right, wrong text, right | right scroll, unparseable."""
    key = (observation.info["episode_id"], observation.info["step_id"])
    answers: dict[tuple[str, int], Action] = {
        ("1", 0): Tap(x=0.5, y=0.5),
        ("1", 1): TypeText(text="bye"),
        ("1", 2): Finish(status="success"),
        ("2", 0): Scroll(direction="down"),
    }
    if key not in answers:
        raise ParseError("no tool call in the output", raw_output="I am not sure")
    return answers[key]


EXPECTED_SMALL = {
    "protocol": "qwen",
    "overall": {
        "steps": 5,
        "type_match": 0.8,
        "exact_match": 0.6,
        "invalid_rate": 0.2,
        "episodes": 2,
        "goal_progress": pytest.approx((1 / 3 + 1 / 2) / 2),
        "success_rate": 0.0,
    },
    "by_subset": {
        "general": {
            "steps": 3,
            "type_match": 1.0,
            "exact_match": pytest.approx(2 / 3),
            "invalid_rate": 0.0,
            "episodes": 1,
            "goal_progress": pytest.approx(1 / 3),
            "success_rate": 0.0,
        },
        "install": {
            "steps": 2,
            "type_match": 0.5,
            "exact_match": 0.5,
            "invalid_rate": 0.5,
            "episodes": 1,
            "goal_progress": 0.5,
            "success_rate": 0.0,
        },
    },
    "by_action": {
        name: {
            "steps": 1,
            "type_match": tm,
            "exact_match": em,
            "invalid_rate": inv,
            "goal_progress": None,
            "success_rate": None,
        }
        for name, tm, em, inv in [
            ("click", 1.0, 1.0, 0.0),
            ("press", 0.0, 0.0, 1.0),
            ("scroll", 1.0, 1.0, 0.0),
            ("stop", 1.0, 1.0, 0.0),
            ("type", 1.0, 0.0, 0.0),
        ]
    },
}


def test_a_policy_run_writes_steps_metrics_manifest_and_report(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    out = tmp_path / "out"
    metrics = evaluate_policy(
        dataset, FunctionPolicy(small_policy, name="small"), out, EvalOptions()
    )
    for key in ("protocol", "overall", "by_subset", "by_action"):
        assert metrics[key] == EXPECTED_SMALL[key]
    assert json.loads((out / "metrics.json").read_text()) == metrics

    lines = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    assert [(line["episode_id"], line["step_id"]) for line in lines] == [
        ("1", 0),
        ("1", 1),
        ("1", 2),
        ("2", 0),
        ("2", 1),
    ]
    invalid = lines[4]
    assert invalid["invalid"] and invalid["prediction"] is None
    assert invalid["error"] == "no tool call in the output" and invalid["raw"] == "I am not sure"
    assert invalid["gt"] == to_json(Key(key="back")) and invalid["subset"] == "install"
    assert lines[1]["prediction"] == {"type": "type", "text": "bye"}
    assert lines[1]["type_match"] and not lines[1]["exact_match"]
    assert all("policy" in line["timings"] for line in lines)

    manifest = json.loads((out / "manifest.json").read_text())
    identity = manifest["identity"]
    assert identity["protocol"] == "qwen" and identity["history"] == "actions"
    assert identity["dataset"]["annotation_sha256"] == dataset.annotation_sha256
    assert identity["dataset"]["split"] == "test" and identity["policy"]["name"] == "small"
    assert manifest["screenpilot_version"] and manifest["ended_at"]
    assert manifest["last_session"]["steps"] == 5

    report = (out / "report.html").read_text()
    assert 'id="1-1"' in report and 'id="2-1"' in report and 'id="1-0"' not in report
    assert "no tool call in the output" in report and "<svg" in report


def test_an_existing_run_is_resumed_only_when_asked_and_compatible(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    out = tmp_path / "out"
    policy = FunctionPolicy(small_policy, name="small")
    first = evaluate_policy(dataset, policy, out, EvalOptions())
    with pytest.raises(ConfigError, match="already holds an evaluation; pass --resume"):
        evaluate_policy(dataset, policy, out, EvalOptions())
    with pytest.raises(ConfigError, match="different protocol"):
        evaluate_policy(dataset, policy, out, EvalOptions("aitw", resume=True))
    with pytest.raises(ConfigError, match="different history"):
        evaluate_policy(dataset, policy, out, EvalOptions(coat_history=True, resume=True))
    calls = []
    counting = FunctionPolicy(
        lambda t, o, h: calls.append(1) or small_policy(t, o, h), name="small"
    )
    assert evaluate_policy(dataset, counting, out, EvalOptions(resume=True)) == first
    assert calls == []  # every step was already scored


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[3])
    from pathlib import Path
    from screenpilot.evaluation.aitz_env import load_aitz
    from screenpilot.evaluation.runner import EvalOptions, evaluate_policy
    from screenpilot.policies import FunctionPolicy
    from tests.evaluation.aitz_fixtures import uniform_answer

    data, out, block_at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[4])
    seen = []

    def policy(task, observation, history):
        if len(seen) == block_at:
            time.sleep(3600)  # the test kills us here
        seen.append(1)
        return uniform_answer(task, observation, history)

    evaluate_policy(load_aitz(data), FunctionPolicy(policy, name="uniform"), out, EvalOptions())
    """
)


def test_resume_after_sigkill_gives_the_metrics_of_an_uninterrupted_run(tmp_path: Path) -> None:
    uniform_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    policy = FunctionPolicy(uniform_answer, name="uniform")
    whole = evaluate_policy(dataset, policy, tmp_path / "whole", EvalOptions())
    assert whole["overall"]["exact_match"] == pytest.approx(10 / 12)
    assert whole["overall"]["goal_progress"] == pytest.approx(2 / 3)
    assert whole["overall"]["success_rate"] == 0.5

    script, out, completed = tmp_path / "child.py", tmp_path / "killed", 5
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "data"), str(out), str(ROOT), str(completed)]
    )
    steps = out / "steps.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if steps.exists() and steps.read_text().count("\n") >= completed:
                break
            assert child.poll() is None, "the child exited before it was killed"
            time.sleep(0.01)
        else:
            pytest.fail("the child never scored its steps")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert not (out / "metrics.json").exists()
    assert len(read_scores(steps)) == completed
    with steps.open("a") as handle:  # as if killed in the middle of a line
        handle.write('{"episode_id": "3", "step_')
    calls = []
    counting = FunctionPolicy(
        lambda t, o, h: calls.append(1) or uniform_answer(t, o, h), name="uniform"
    )
    resumed = evaluate_policy(dataset, counting, out, EvalOptions(resume=True))
    assert resumed == whole
    assert len(calls) == 12 - completed
    assert len(steps.read_text().splitlines()) == 12
    assert len(json.loads((out / "manifest.json").read_text())["resumed_at"]) == 1


class BatchingPolicy(Policy):
    """Answers like ``uniform_answer``; records the size of every batch it is given."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        raise AssertionError("act_batch should be used")

    def act_batch(
        self, requests: Sequence[tuple[str, Observation, Sequence[Step]]]
    ) -> list[Decision]:
        self.batches.append(len(requests))
        return [Decision(action=uniform_answer(*request)) for request in requests]


def test_batches_and_workers_give_the_same_metrics(tmp_path: Path) -> None:
    uniform_split(tmp_path / "data", episodes=3, steps=3)
    dataset = load_aitz(tmp_path / "data")
    serial = evaluate_policy(dataset, FunctionPolicy(uniform_answer), tmp_path / "a", EvalOptions())
    batching = BatchingPolicy()
    batched = evaluate_policy(dataset, batching, tmp_path / "b", EvalOptions(batch_size=4))
    assert batching.batches == [4, 4, 1]
    threads: set[str] = set()
    lock = threading.Lock()

    def slow(task: str, observation: Observation, history: Sequence[Step]) -> Action:
        with lock:
            threads.add(threading.current_thread().name)
        time.sleep(0.02)
        return uniform_answer(task, observation, history)

    concurrent = evaluate_policy(
        dataset, FunctionPolicy(slow), tmp_path / "c", EvalOptions(workers=3)
    )
    assert len(threads) > 1
    for metrics in (batched, concurrent):
        for key in ("overall", "by_subset", "by_action"):
            assert metrics[key] == serial[key]


def test_history_given_to_the_policy_is_the_ground_truth(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    seen: list[list[Any]] = []

    def record(task: str, observation: Observation, history: Sequence[Step]) -> Action:
        seen.append([(s.action, s.decision.info.get("summary")) for s in history])
        return Key(key="home")

    evaluate_policy(
        load_aitz(tmp_path / "data"),
        FunctionPolicy(record),
        tmp_path / "o",
        EvalOptions(coat_history=True),
    )
    assert seen[2] == [(Tap(x=0.5, y=0.5), "click on it"), (TypeText(text="hello"), "type hello")]
    assert seen[3] == []  # a new episode


# --- prediction files ------------------------------------------------------------------------


def write_lines(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    return path


def test_scoring_a_canonical_predictions_file(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    predictions = write_lines(
        tmp_path / "p.jsonl",
        [
            {"episode_id": "1", "step_id": 0, "action": {"type": "tap", "x": 0.5, "y": 0.5}},
            {"episode_id": "1", "step_id": 1, "action": {"type": "type", "text": "bye"}},
            {"episode_id": "1", "step_id": 2, "action": {"type": "finish", "status": "success"}},
            {"episode_id": 2, "step_id": 0, "action": {"type": "scroll", "direction": "down"}},
            # ("2", 1) has no line: invalid, as an unparseable output would be.
            {"episode_id": "99", "step_id": 0, "action": None},  # not in the split: ignored
        ],
    )
    out = tmp_path / "scored"
    metrics = score_predictions(dataset, predictions, "canonical", EvalOptions(), out)
    for key in ("overall", "by_subset", "by_action"):
        assert metrics[key] == EXPECTED_SMALL[key]
    assert metrics["predictions_unmatched_lines"] == 1 and metrics["predictions_missing_steps"] == 1
    assert len((out / "steps.jsonl").read_text().splitlines()) == 4
    assert (
        json.loads((out / "manifest.json").read_text())["identity"]["predictions"]["format"]
        == "canonical"
    )
    assert 'id="2-1"' in (out / "report.html").read_text()

    # A null action and an out-of-range one are invalid steps with their reason.
    write_lines(
        predictions,
        [
            {"episode_id": "1", "step_id": 0, "action": None},
            {"episode_id": "1", "step_id": 1, "action": {"type": "tap", "x": 2, "y": 0}},
        ],
    )
    metrics = score_predictions(dataset, predictions, "canonical", EvalOptions(), tmp_path / "s2")
    assert metrics["overall"]["invalid_rate"] == 1.0
    scores = read_scores(tmp_path / "s2" / "steps.jsonl")
    assert scores[("1", 0)].error == "no action"
    assert "tap.x" in (scores[("1", 1)].error or "")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"p.jsonl:2 is not valid JSON"),
        ('{"step_id": 0, "action": null}', r"p.jsonl:2 needs an object with episode_id"),
        ('{"episode_id": "1", "step_id": 0, "action": null}', r"p.jsonl:2: a second prediction"),
        ('{"episode_id": "1", "step_id": 1}', r"p.jsonl:2 has no 'action'"),
    ],
)
def test_bad_prediction_files_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    small_split(tmp_path / "data")
    first = {"episode_id": "1", "step_id": 0, "action": None}
    predictions = write_lines(tmp_path / "p.jsonl", [first, line])
    with pytest.raises(ConfigError, match=message):
        score_predictions(load_aitz(tmp_path / "data"), predictions, "canonical", EvalOptions())


def test_scoring_raw_model_outputs_through_the_output_formats(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    fenced = 'Thought: tap the middle.\n```json\n{"type": "tap", "x": 0.5, "y": 0.5}\n```'
    predictions = write_lines(
        tmp_path / "raw.jsonl",
        [
            {"episode_id": "1", "step_id": 0, "raw": fenced, "format": "canonical"},
            {
                "episode_id": "1",
                "step_id": 1,
                "raw": "I would type something",
                "format": "canonical",
            },
        ],
    )
    out = tmp_path / "raw"
    metrics = score_predictions(dataset, predictions, "raw", EvalOptions("aitw"), out)
    assert metrics["protocol"] == "aitw"
    assert metrics["overall"]["exact_match"] == pytest.approx(1 / 5)
    assert metrics["overall"]["invalid_rate"] == pytest.approx(4 / 5)
    scores = read_scores(out / "steps.jsonl")
    assert scores[("1", 0)].prediction == {"type": "tap", "x": 0.5, "y": 0.5}
    assert scores[("1", 0)].raw == fenced
    assert "no JSON object" in (scores[("1", 1)].error or "")
    write_lines(predictions, [{"episode_id": "1", "step_id": 0, "raw": "x", "format": "nope"}])
    with pytest.raises(ConfigError, match="unknown output format 'nope'; known: canonical"):
        score_predictions(dataset, predictions, "raw", EvalOptions())


def test_model_faults_returned_or_raised_in_batches_are_invalid_steps(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")

    def returns_error(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        return Decision(error=ParseError("bad JSON"), raw_output="{oops")

    out = tmp_path / "returned"
    metrics = evaluate_policy(dataset, FunctionPolicy(returns_error), out, EvalOptions())
    assert metrics["overall"]["invalid_rate"] == 1.0
    score = read_scores(out / "steps.jsonl")[("1", 0)]
    assert (score.error, score.raw, score.invalid) == ("bad JSON", "{oops", True)

    class FailingBatch(BatchingPolicy):
        def act_batch(
            self, requests: Sequence[tuple[str, Observation, Sequence[Step]]]
        ) -> list[Decision]:
            raise ParseError("the batch came back empty")

    out = tmp_path / "batch"
    metrics = evaluate_policy(dataset, FailingBatch(), out, EvalOptions(batch_size=2))
    assert metrics["overall"]["invalid_rate"] == 1.0
    assert {s.error for s in read_scores(out / "steps.jsonl").values()} == {
        "the batch came back empty"
    }
