"""``screenpilot eval aitz`` as a user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.tools.actions import to_json
from tests.evaluation.test_aitz_data import SAMPLE
from tests.test_cli import screenpilot


def test_scoring_predictions_from_the_command_line(tmp_path: Path) -> None:
    steps = list(load_aitz(SAMPLE, "train").steps)
    lines = [
        {"episode_id": s.episode_id, "step_id": s.step_id, "action": to_json(s.action)}
        for s in steps
    ]
    lines[2]["action"] = {"type": "tap", "x": 0.9, "y": 0.9}  # the Clock tap, missed
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out"
    result = screenpilot(
        "eval",
        "aitz",
        "--data",
        str(SAMPLE),
        "--split",
        "train",
        "--predictions",
        str(predictions),
        "--protocol",
        "aitw",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["protocol"] == "aitw"
    assert metrics["overall"]["exact_match"] == 0.75
    assert metrics["overall"]["goal_progress"] == 0.5  # two leading matches of four
    assert metrics["by_subset"]["google_apps"]["steps"] == 4
    assert "exact match 75.00%" in result.stderr
    assert {p.name for p in out.iterdir()} == {
        "results.jsonl",
        "metrics.json",
        "manifest.json",
        "report.html",
    }
    assert 'id="523638528775825151-2"' in (out / "report.html").read_text()


def test_evaluating_a_policy_from_the_command_line(tmp_path: Path) -> None:
    steps = list(load_aitz(SAMPLE, "train").steps)
    script = tmp_path / "actions.jsonl"
    script.write_text("".join(json.dumps(to_json(s.action)) + "\n" for s in steps))
    out = tmp_path / "run"
    args = [
        "eval",
        "aitz",
        "--data",
        str(SAMPLE),
        "--split",
        "train",
        "--actions",
        str(script),
        "--out",
        str(out),
    ]
    result = screenpilot(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overall"]["exact_match"] == 1.0
    assert "4/4" in result.stderr and "steps/s" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"]["policy"]["name"] == "scripted"
    again = screenpilot(*args)
    assert again.returncode == 2 and "pass --resume" in again.stderr
    resumed = screenpilot(*args, "--resume", "--workers", "2")
    assert resumed.returncode == 0 and json.loads(resumed.stdout) == json.loads(result.stdout)
    refused = screenpilot(*args, "--resume", "--protocol", "aitw", "--coat-history")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert (
        f"cannot resume {out}: coat_history was False, now True; protocol was 'qwen', now 'aitw'"
        in refused.stderr
    )
    (out / "manifest.json").write_text("")
    damaged = screenpilot(*args, "--resume")
    assert damaged.returncode == 2 and "Traceback" not in damaged.stderr
    assert f"cannot resume {out}: its manifest.json is damaged" in damaged.stderr


def test_paths_with_brackets_are_printed_as_they_are(tmp_path: Path) -> None:
    steps = list(load_aitz(SAMPLE, "train").steps)
    script = tmp_path / "actions.jsonl"
    script.write_text("".join(json.dumps(to_json(s.action)) + "\n" for s in steps))
    out = tmp_path / "a [/b] b [copy]"
    args = ["eval", "aitz", "--data", str(SAMPLE), "--split", "train", "--actions", str(script)]
    result = screenpilot(*args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"report: {out / 'report.html'}" in result.stderr
    again = screenpilot(*args, "--out", str(out))
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert f"error: {out} is not empty" in again.stderr


def test_bad_data_stops_with_the_file_or_is_skipped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    episode = data / "train/google_apps/GOOGLE_APPS-523638528775825151"
    (episode / "GOOGLE_APPS-523638528775825151_3.png").unlink()
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("")
    args = [
        "eval",
        "aitz",
        "--data",
        str(data),
        "--split",
        "train",
        "--predictions",
        str(predictions),
    ]
    result = screenpilot(*args)
    assert result.returncode == 2
    assert "GOOGLE_APPS-523638528775825151_3.png" in result.stderr
    skipped = screenpilot(*args, "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    metrics = json.loads(skipped.stdout)
    assert metrics["overall"]["steps"] == 0
    assert metrics["skipped"][0]["path"].endswith("GOOGLE_APPS-523638528775825151.json")
    assert "skipped" in skipped.stderr
