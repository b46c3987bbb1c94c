"""AITZ predictions files scored without a model: both formats, lines named in errors, and the
evaluation folder they write."""

from __future__ import annotations

import json
import re
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.aitz_run import AITZSettings, read_scores, score_predictions
from tests.evaluation.aitz_fixtures import small_split
from tests.evaluation.test_eval_runs import EXPECTED_SMALL


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
    metrics = score_predictions(dataset, predictions, "canonical", AITZSettings(), out)
    for key in ("overall", "by_subset", "by_action"):
        assert metrics[key] == EXPECTED_SMALL[key]
    assert metrics["predictions_unmatched_lines"] == 1 and metrics["predictions_missing_steps"] == 1
    assert len((out / "results.jsonl").read_text().splitlines()) == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"] == {
        "predictions": {
            "format": "canonical",
            "sha256": sha256(predictions.read_bytes()).hexdigest(),
        }
    }
    assert manifest["notes"]["predictions_path"] == str(predictions.resolve())
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert 'id="2-1"' in (out / "report.html").read_text()

    # A null action and an out-of-range one are invalid steps with their reason.
    write_lines(
        predictions,
        [
            {"episode_id": "1", "step_id": 0, "action": None},
            {"episode_id": "1", "step_id": 1, "action": {"type": "tap", "x": 2, "y": 0}},
        ],
    )
    metrics = score_predictions(dataset, predictions, "canonical", AITZSettings(), tmp_path / "s2")
    assert metrics["overall"]["invalid_rate"] == 1.0
    scores = read_scores(tmp_path / "s2")
    assert scores[("1", 0)].error == "no action"
    assert "tap.x" in (scores[("1", 1)].error or "")


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
    metrics = score_predictions(dataset, predictions, "raw", AITZSettings(protocol="aitw"), out)
    assert metrics["protocol"] == "aitw"
    assert metrics["overall"]["exact_match"] == pytest.approx(1 / 5)
    assert metrics["overall"]["invalid_rate"] == pytest.approx(4 / 5)
    scores = read_scores(out)
    assert scores[("1", 0)].prediction == {"type": "tap", "x": 0.5, "y": 0.5}
    assert scores[("1", 0)].raw == fenced
    assert "no JSON object" in (scores[("1", 1)].error or "")
    write_lines(predictions, [{"episode_id": "1", "step_id": 0, "raw": "x", "format": "nope"}])
    with pytest.raises(ConfigError, match="unknown output format 'nope'; known: canonical"):
        score_predictions(dataset, predictions, "raw", AITZSettings())


def test_repaired_outputs_are_counted(tmp_path: Path) -> None:
    """Two of five steps were read only after a repair: repaired_rate is 2/5, and each scored
    step lists what was repaired."""
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    drifted = '<tool_call>{"name": "click", "arguments": [500, 500]}</tool_call>'  # qwen2vl
    clean = '<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [500, 500]}}</tool_call>'
    lines = [
        {"episode_id": "1", "step_id": 0, "raw": drifted, "format": "qwen2vl"},
        {"episode_id": "1", "step_id": 1, "raw": clean, "format": "qwen2vl"},
        {
            "episode_id": "1",
            "step_id": 2,
            "raw": "{'type': 'tap', 'x': 0.5, 'y': 0.5}",
            "format": "canonical",
        },
        {
            "episode_id": "2",
            "step_id": 0,
            "raw": drifted.replace("click", "tap"),
            "format": "qwen2vl",
        },
    ]
    predictions = write_lines(tmp_path / "raw.jsonl", lines)
    out = tmp_path / "raw"
    metrics = score_predictions(dataset, predictions, "raw", AITZSettings(), out)
    assert metrics["overall"]["repaired_rate"] == pytest.approx(2 / 5)
    scores = read_scores(out)
    assert scores[("1", 0)].repairs == [
        "function: the action 'click' was written as the function name",
        "arguments: given as a bare list",
    ]
    assert scores[("1", 1)].repairs == [] and scores[("1", 2)].repairs == []
    assert scores[("2", 0)].repairs[-1] == "action: 'tap' read as 'click'"


def test_a_predictions_folder_resumes_only_with_the_same_file(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    dataset = load_aitz(tmp_path / "data")
    line = {"episode_id": "1", "step_id": 0, "action": {"type": "tap", "x": 0.5, "y": 0.5}}
    predictions = write_lines(tmp_path / "p.jsonl", [line])
    out = tmp_path / "scored"
    first = score_predictions(dataset, predictions, "canonical", AITZSettings(), out)
    again = score_predictions(dataset, predictions, "canonical", AITZSettings(), out, resume=True)
    assert again == first and len(read_scores(out)) == 1
    before = sha256(predictions.read_bytes()).hexdigest()
    write_lines(predictions, [{**line, "action": None}])
    after = sha256(predictions.read_bytes()).hexdigest()
    message = f"cannot resume {out}: predictions.sha256 was '{before}', now '{after}'"
    with pytest.raises(ConfigError, match=re.escape(message)):
        score_predictions(dataset, predictions, "canonical", AITZSettings(), out, resume=True)
