"""The evaluations' pages and summary line show rates as percents and means with three
decimals at most, and counts that agree with their noun."""

from __future__ import annotations

from pathlib import Path

from screenpilot.evaluation.misses import write_misses_report
from screenpilot.evaluation.run_folder import EvalManifest
from screenpilot.evaluation.sim_results import EpisodeResult, compute_metrics, summary, write_index


def episode(number: int, *, success: bool, steps: int, invalid: int = 0) -> EpisodeResult:
    return EpisodeResult(
        id=f"notes.create:{number}", template="notes.create", app="notes", seed=number,
        goal="Create a note", feasible=True, outcome="success" if success else "max_steps",
        success=success, steps=steps, invalid_outputs=invalid, run_dir=f"episodes/{number}",
        seconds=1.0,
    )  # fmt: skip


MANIFEST = EvalManifest(
    screenpilot_version="0",
    python="3",
    platform="test",
    benchmark="sim",
    settings={"tasks": "notes.*"},
    source={"policy": {"name": "reference"}},
    started_at="2024-05-17T12:00:00+00:00",
)


def test_five_of_six_reads_83_3_percent(tmp_path: Path) -> None:
    results = [episode(n, success=n != 5, steps=8 if n else 10) for n in range(6)]
    metrics = compute_metrics(results)  # mean steps 50 / 6 = 8.333..., success 5 / 6
    assert summary(metrics) == (
        "success 5/6 (83.3%), mean steps 8.333, invalid outputs 0/50 steps (0.0%)"
    )
    page = write_index(tmp_path / "report.html", results, metrics, MANIFEST).read_text()
    assert "<dt>Success</dt><dd>5 (83.3%)</dd>" in page
    assert "<dt>Mean steps</dt><dd>8.333</dd>" in page
    assert "0.8333" not in page


def test_one_step_is_not_steps(tmp_path: Path) -> None:
    results = [episode(0, success=False, steps=1, invalid=1)]
    metrics = compute_metrics(results)
    assert summary(metrics) == (
        "success 0/1 (0.0%), mean steps 1, invalid outputs 1/1 step (100.0%)"
    )
    page = write_index(tmp_path / "report.html", results, metrics, MANIFEST).read_text()
    assert "agent: max steps after 1 step · task: not accomplished" in page


def test_the_aitz_page_shows_rates_as_percents(tmp_path: Path) -> None:
    rates = {"type_match": 5 / 6, "exact_match": 2 / 3, "invalid_rate": 1 / 6}
    metrics = {"protocol": "qwen", "overall": {"steps": 6, **rates}}
    manifest = MANIFEST.model_copy(update={"benchmark": "aitz", "settings": {}})
    page = write_misses_report(tmp_path / "report.html", [], {}, metrics, manifest).read_text()
    assert "<dt>Type Match</dt><dd>83.3%</dd>" in page
    assert "<dt>Exact Match</dt><dd>66.7%</dd>" in page
    assert "<dt>Invalid Rate</dt><dd>16.7%</dd>" in page
    assert "<dt>Success Rate</dt><dd>0.0%</dd>" in page  # absent: none
