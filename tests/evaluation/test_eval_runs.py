"""AITZ evaluation runs of a policy: hand-computed metrics, the evaluation folder, batching and
concurrency (resuming is in test_eval_resume.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from screenpilot.agent.core import Decision, Observation, Policy, Request, Step
from screenpilot.errors import ConfigError, ModelError, ParseError
from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.aitz_run import AITZSettings, evaluate_policy, read_scores
from screenpilot.policies import FunctionPolicy
from screenpilot.tools.actions import Action, Key, Tap, TypeText, to_json
from tests.evaluation.aitz_fixtures import (
    small,
    small_split,
    uniform,
    uniform_answer,
    uniform_split,
)

ROOT = Path(__file__).resolve().parents[2]


EXPECTED_SMALL = {
    "protocol": "qwen",
    "overall": {
        "steps": 5,
        "type_match": 0.8,
        "exact_match": 0.6,
        "invalid_rate": 0.2,
        "repaired_rate": 0.0,
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
            "repaired_rate": 0.0,
            "episodes": 1,
            "goal_progress": pytest.approx(1 / 3),
            "success_rate": 0.0,
        },
        "install": {
            "steps": 2,
            "type_match": 0.5,
            "exact_match": 0.5,
            "invalid_rate": 0.5,
            "repaired_rate": 0.0,
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
            "repaired_rate": 0.0,
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


def test_a_policy_run_writes_results_metrics_manifest_and_report(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    out = tmp_path / "out"
    metrics = evaluate_policy(dataset, small, out)
    for key in ("protocol", "overall", "by_subset", "by_action"):
        assert metrics[key] == EXPECTED_SMALL[key]
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert {p.name for p in out.iterdir()} == {
        "results.jsonl",
        "metrics.json",
        "manifest.json",
        "report.html",
    }

    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
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
    settings = manifest["settings"]
    assert manifest["benchmark"] == "aitz" and manifest["source"]["policy"]["name"] == "small"
    assert settings["protocol"] == "qwen" and settings["coat_history"] is False
    assert settings["dataset"] == {
        "split": "test",
        "subset": None,
        "limit": None,
        "annotation_sha256": dataset.annotation_sha256,
    }
    assert (settings["workers"], settings["batch_size"], settings["report"]) == (1, 1, True)
    assert manifest["dataset"]["steps"] == 5 and manifest["dataset"]["episodes"] == 2
    assert manifest["screenpilot_version"] and manifest["python"] and manifest["platform"]
    assert manifest["started_at"] and manifest["ended_at"] and manifest["resumed_at"] == []
    assert manifest["last_session"]["units"] == 5

    report = (out / "report.html").read_text()
    assert 'id="1-1"' in report and 'id="2-1"' in report and 'id="1-0"' not in report
    assert "no tool call in the output" in report and "<svg" in report


def test_invalid_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="protocol: unknown protocol 'exact'; known: qwen"):
        AITZSettings(protocol="exact")
    with pytest.raises(ConfigError, match="workers: must be at least 1, got 0"):
        AITZSettings(workers=0)
    with pytest.raises(ConfigError, match="batch_size: must be at least 1, got 0"):
        AITZSettings(batch_size=0)


class BatchingPolicy(Policy):
    """Answers like ``uniform_answer``; records the size of every batch it is given."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        raise AssertionError("act_batch should be used")

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        self.batches.append(len(requests))
        return [Decision(action=uniform_answer(*request)) for request in requests]


class Counted:
    """A policy factory that counts the policies it builds and how many were closed."""

    def __init__(self, make: Callable[[], Policy]) -> None:
        self.make, self.built, self.closed = make, 0, 0

    def __call__(self) -> Policy:
        self.built += 1
        policy = self.make()
        close = policy.close

        def counted_close() -> None:
            self.closed += 1
            close()

        policy.close = counted_close  # type: ignore[method-assign]
        return policy


def test_batches_and_workers_give_the_same_metrics(tmp_path: Path) -> None:
    uniform_split(tmp_path / "data", episodes=3, steps=3)
    dataset = load_aitz(tmp_path / "data")
    serial = evaluate_policy(dataset, uniform, tmp_path / "a")
    batching = BatchingPolicy()
    batched = evaluate_policy(dataset, lambda: batching, tmp_path / "b", AITZSettings(batch_size=4))
    assert batching.batches == [4, 4, 1]
    lines = (tmp_path / "b" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["step_id"] for line in lines] == [0, 1, 2] * 3

    together = threading.Barrier(3, timeout=60)  # every worker busy at once, or this breaks
    threads: set[str] = set()

    def concurrent_answer(task: str, observation: Observation, history: Sequence[Step]) -> Action:
        if threading.current_thread().name not in threads:
            threads.add(threading.current_thread().name)
            together.wait()
        return uniform_answer(task, observation, history)

    factory = Counted(lambda: FunctionPolicy(concurrent_answer))
    concurrent = evaluate_policy(dataset, factory, tmp_path / "c", AITZSettings(workers=3))
    assert len(threads) == 3
    assert (factory.built, factory.closed) == (3, 3)  # one policy per worker, each closed
    both = evaluate_policy(dataset, uniform, tmp_path / "d", AITZSettings(workers=2, batch_size=2))
    for metrics in (batched, concurrent, both):
        for key in ("overall", "by_subset", "by_action"):
            assert metrics[key] == serial[key]


def test_the_policy_factory_is_called_once_per_worker_and_never_to_validate(
    tmp_path: Path,
) -> None:
    uniform_split(tmp_path / "data", episodes=1, steps=2)
    dataset = load_aitz(tmp_path / "data")
    factory = Counted(uniform)
    evaluate_policy(dataset, factory, tmp_path / "a", AITZSettings(workers=4))
    assert (factory.built, factory.closed) == (2, 2)  # two steps: no third or fourth worker
    factory = Counted(uniform)
    evaluate_policy(dataset, factory, tmp_path / "a", AITZSettings(workers=4), resume=True)
    assert (factory.built, factory.closed) == (1, 1)  # nothing left: one, for its identity

    def broken() -> Policy:
        raise ConfigError("no such model")

    with pytest.raises(ConfigError, match="no such model"):
        evaluate_policy(dataset, broken, tmp_path / "b", AITZSettings(workers=4))
    assert not (tmp_path / "b" / "results.jsonl").exists()


def test_history_given_to_the_policy_is_the_ground_truth(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    seen: list[list[Any]] = []

    def record(task: str, observation: Observation, history: Sequence[Step]) -> Action:
        seen.append([(s.action, s.decision.info.get("summary")) for s in history])
        return Key(key="home")

    evaluate_policy(
        load_aitz(tmp_path / "data"),
        lambda: FunctionPolicy(record),
        tmp_path / "o",
        AITZSettings(coat_history=True),
    )
    assert seen[2] == [(Tap(x=0.5, y=0.5), "click on it"), (TypeText(text="hello"), "type hello")]
    assert seen[3] == []  # a new episode


def test_model_faults_returned_or_raised_in_batches_are_invalid_steps(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")

    def returns_error(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        return Decision(error=ParseError("bad JSON"), raw_output="{oops")

    out = tmp_path / "returned"
    metrics = evaluate_policy(dataset, lambda: FunctionPolicy(returns_error), out)
    assert metrics["overall"]["invalid_rate"] == 1.0
    score = read_scores(out)[("1", 0)]
    assert (score.error, score.raw, score.invalid) == ("bad JSON", "{oops", True)

    class FailingBatch(BatchingPolicy):
        def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
            raise ParseError("the batch came back empty")

    out = tmp_path / "batch"
    metrics = evaluate_policy(dataset, FailingBatch, out, AITZSettings(batch_size=2))
    assert metrics["overall"]["invalid_rate"] == 1.0
    assert {s.error for s in read_scores(out).values()} == {"the batch came back empty"}
