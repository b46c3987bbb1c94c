"""A tiny random-weight Qwen2-VL runs a whole ``eval sim`` from the command line: it fails the
tasks, and the evaluation completes, records every invalid output and reports them honestly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from screenpilot.agent import load_run
from screenpilot.evaluation.sim import read_results

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_qwen2vl_eval_sim_on_two_tasks(tiny_qwen2vl: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval"
    args = [
        "eval",
        "sim",
        "--tasks",
        "settings.bluetooth_off,notes.delete",
        "--max-steps",
        "3",
        "--policy",
        "qwen2vl",
        "--model",
        str(tiny_qwen2vl),
        "--card",
        "qwen2vl",
        "--max-pixels",
        str(64 * 28 * 28),
        "--max-new-tokens",
        "12",
        "--out",
        str(out),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["episodes"] == 2 and metrics["successes"] == 0 and metrics["success_rate"] == 0
    # Random weights never write a parseable call: every step is an invalid output.
    assert metrics["steps"] == 6 and metrics["invalid_outputs"] == 6
    assert metrics["invalid_output_rate"] == 1.0
    assert "success 0/2 (0.0%)" in result.stderr and "invalid outputs 6/6" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert json.dumps(manifest).count(str(tiny_qwen2vl)) >= 1  # which model produced this
    for episode in read_results(out).values():
        run = load_run(out / episode.run_dir)
        assert run.manifest.policy.name == "qwen2vl"
        assert [s.status for s in run.steps] == ["model_error"] * 3
        assert all(s.raw_output and s.error is not None for s in run.steps)
        assert (out / episode.run_dir / "report.html").exists()
