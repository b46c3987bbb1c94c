"""``screenpilot eval``: score policies, or files of their predictions, on benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from screenpilot.cli.app import app, console, default_out
from screenpilot.cli.options import PolicyChoice, with_policy

eval_app = typer.Typer(
    help="Score policies on offline benchmarks.", no_args_is_help=True, add_completion=False
)
app.add_typer(eval_app, name="eval")


@eval_app.command("aitz")
@with_policy
def eval_aitz(
    policy: PolicyChoice,
    data: Annotated[Path, typer.Option("--data", help="AITZ root (holding train/ and test/).")],
    split: Annotated[str, typer.Option(help="train or test.")] = "test",
    subset: Annotated[
        str | None, typer.Option(help="Only this subset, e.g. general or web_shopping.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N episodes.")] = None,
    protocol: Annotated[str, typer.Option(help="Matching rules: qwen, aitw or aitz.")] = "qwen",
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: runs/aitz-DATE).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Skip the steps already in OUT/steps.jsonl.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Concurrent policy calls.")] = 1,
    batch_size: Annotated[
        int, typer.Option(help="Steps per act_batch call, for policies that batch.")
    ] = 1,
    coat_history: Annotated[
        bool, typer.Option(help="History with CoAT's action descriptions and thoughts.")
    ] = False,
    predictions: Annotated[
        Path | None, typer.Option(help="Score this predictions file (JSONL) instead of a policy.")
    ] = None,
    predictions_format: Annotated[
        str, typer.Option(help="canonical (action JSON) or raw (model text + format).")
    ] = "canonical",
    skip_bad: Annotated[
        bool, typer.Option(help="Record and skip unreadable episodes instead of stopping.")
    ] = False,
    report: Annotated[bool, typer.Option(help="Write OUT/report.html of the misses.")] = True,
) -> None:
    """Evaluate a policy (or score a predictions file) on AITZ; prints metrics.json."""
    from screenpilot.evaluation.aitz_env import load_aitz
    from screenpilot.evaluation.progress import EvalProgress
    from screenpilot.evaluation.runner import EvalOptions, evaluate_policy, score_predictions

    options = EvalOptions(protocol, coat_history, workers, batch_size, resume, report)
    dataset = load_aitz(data, split, subset, limit=limit, skip_bad=skip_bad)
    for skip in dataset.skipped:
        console.print(f"[yellow]skipped[/] {skip.reason}", highlight=False)
    if predictions is not None:
        metrics = score_predictions(dataset, predictions, predictions_format, options, out)
    else:
        target = out or default_out("aitz")
        chosen = policy.build()
        try:
            with EvalProgress(console) as progress:
                metrics = evaluate_policy(dataset, chosen, target, options, progress=progress)
        finally:
            chosen.close()
        if report:
            console.print(f"report: {target / 'report.html'}", highlight=False)
    overall = metrics["overall"]
    console.print(
        f"[bold]{metrics['protocol']}[/]: {overall['steps']} steps, type match "
        f"{overall['type_match']:.2%}, exact match {overall['exact_match']:.2%}, invalid "
        f"{overall['invalid_rate']:.2%}, goal progress {overall['goal_progress']:.2%}, "
        f"success {overall['success_rate']:.2%}",
        highlight=False,
    )
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False))
