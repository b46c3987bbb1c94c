"""Scored episodes on the simulated phone (the lines of ``results.jsonl``), the metrics computed
from them, and ``report.html``: the metrics and one card per episode linking its run report,
drawn with the run report's page.

Metrics depend only on the logged episodes and the plan's order, never on timings or on the
order episodes completed in, so a resumed run gives exactly the metrics of an uninterrupted one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from pydantic import Field

from screenpilot.evaluation.index import MISS, OK, Fact, badge, row, write_page
from screenpilot.evaluation.run_folder import EvalManifest, LoggedUnit
from screenpilot.formatting import decimal, percent, plural


class EpisodeResult(LoggedUnit):
    """One line of a simulated evaluation's ``results.jsonl``."""

    id: str
    template: str
    app: str
    seed: int
    goal: str
    feasible: bool
    outcome: str
    success: bool
    """The task's own verdict (``Episode.task_success``), false if the episode crashed."""
    answer: str | None = None
    steps: int
    invalid_outputs: int
    """Steps whose model output could not be used (unparseable, invalid or unsupported)."""
    repaired_outputs: int = 0
    """Steps whose model output was read only after a repair (see ``Parsed.repairs``)."""
    run_dir: str
    seconds: float
    error: str | None = None
    timings: list[dict[str, float]] = Field(default_factory=list)
    """Each step's seconds per stage (``agent.latency``)."""

    @property
    def key(self) -> str:
        return self.id

    @property
    def passed(self) -> bool:
        return self.success

    @property
    def step_count(self) -> int:
        return self.steps

    def step_timings(self) -> list[dict[str, float]]:
        return self.timings


def _rate(successes: int, episodes: int) -> float:
    return round(successes / episodes, 4) if episodes else 0.0


def _tally(results: Sequence[EpisodeResult]) -> dict[str, Any]:
    successes = sum(r.success for r in results)
    return {
        "episodes": len(results),
        "successes": successes,
        "success_rate": _rate(successes, len(results)),
    }


def _group(results: Sequence[EpisodeResult], key: Callable[[EpisodeResult], str]) -> dict[str, Any]:
    groups: dict[str, list[EpisodeResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: _tally(items) for name, items in sorted(groups.items())}


def compute_metrics(results: Sequence[EpisodeResult]) -> dict[str, Any]:
    """Success rate overall, feasible vs infeasible, per app and per template; mean steps;
    invalid-output rate (unusable outputs over all steps); repaired rate (outputs read only after
    a repair, over all steps)."""
    episodes = len(results)
    steps = sum(r.steps for r in results)
    invalid = sum(r.invalid_outputs for r in results)
    repaired = sum(r.repaired_outputs for r in results)
    feasible = [r for r in results if r.feasible]
    infeasible = [r for r in results if not r.feasible]
    return {
        **_tally(results),
        "mean_steps": round(steps / episodes, 3) if episodes else 0.0,
        "steps": steps,
        "invalid_outputs": invalid,
        "invalid_output_rate": round(invalid / steps, 4) if steps else 0.0,
        "repaired_outputs": repaired,
        "repaired_rate": round(repaired / steps, 4) if steps else 0.0,
        "errors": sum(r.error is not None for r in results),
        "outcomes": dict(sorted(Counter(r.outcome for r in results).items())),
        "feasible": _tally(feasible) if feasible else {},
        "infeasible": _tally(infeasible) if infeasible else {},
        "per_app": _group(results, lambda r: r.app),
        "per_template": _group(results, lambda r: r.template),
    }


def summary(metrics: Mapping[str, Any]) -> str:
    """One line: successes, mean steps, invalid outputs."""
    return (
        f"success {metrics['successes']}/{metrics['episodes']} "
        f"({percent(metrics['success_rate'])}), mean steps {decimal(metrics['mean_steps'])}, "
        f"invalid outputs {metrics['invalid_outputs']}/{plural(metrics['steps'], 'step')} "
        f"({percent(metrics['invalid_output_rate'])})"
    )


def _card(result: EpisodeResult) -> str:
    link = f"{result.run_dir}/report.html"
    verdict = badge("success" if result.success else "fail", OK if result.success else MISS)
    outcome = result.outcome.replace("_", " ")
    lines = [
        row("goal", escape(result.goal)),
        row(
            "outcome",
            f"agent: {escape(outcome)} after {plural(result.steps, 'step')} · task: "
            + ("accomplished" if result.success else "not accomplished"),
        ),
        row("invalid outputs", str(result.invalid_outputs)),
    ]
    if result.answer is not None:
        lines.append(row("answer", escape(result.answer)))
    if not result.feasible:
        lines.append(row("feasible", "no: the right answer is finish(failure)"))
    if result.error:
        lines.append(f'<div class="error">{escape(result.error)}</div>')
    return (
        f'<section class="card" id="{escape(result.id)}"><div class="body"><h2>'
        f'<a href="{escape(link)}">{escape(result.id)}</a> {verdict}</h2>{"".join(lines)}'
        "</div></section>"
    )


def write_index(
    path: Path,
    results: Sequence[EpisodeResult],
    metrics: Mapping[str, Any],
    manifest: EvalManifest,
) -> Path:
    """``report.html``: the metrics, then one card per episode linking its run report."""
    policy = manifest.source.get("policy") or {}
    facts = [
        Fact("Episodes", str(metrics["episodes"])),
        Fact("Success", f"{metrics['successes']} ({percent(metrics['success_rate'])})"),
        Fact("Mean steps", decimal(metrics["mean_steps"])),
        Fact(
            "Invalid outputs",
            f"{metrics['invalid_outputs']}/{metrics['steps']} "
            f"({percent(metrics['invalid_output_rate'])})",
        ),
        *(
            Fact(app, f"{row['successes']}/{row['episodes']}")
            for app, row in metrics["per_app"].items()
        ),
        Fact("Policy", str(policy.get("model") or policy.get("name") or "?")),
        Fact("Tasks", str(manifest.settings.get("tasks", "?"))),
    ]
    cards = "\n".join(_card(result) for result in results)
    return write_page(path, "Simulated phone evaluation", facts, cards, card=manifest.card)
