"""``screenpilot eval``: score policies, or files of their predictions, on benchmarks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from screenpilot.cli.app import PLAIN_HELP, app, console, default_out, interruptible, say
from screenpilot.cli.options import PolicyChoice, with_policy
from screenpilot.formatting import percent, plural

eval_app = typer.Typer(
    help="Score policies on offline benchmarks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=PLAIN_HELP,
)
app.add_typer(eval_app, name="eval")


def print_card(metrics: Mapping[str, Any]) -> None:
    """The run's result card, after its figures: what was measured, on what, by which rules."""
    from screenpilot.evaluation.result_card import ResultCard

    card = ResultCard.model_validate(metrics["card"])
    say(("result card", "bold"))
    for label, text in card.rows():  # paths, model ids and rules are data: printed literally
        say(f"  {label}: ", text)


@eval_app.command("aitz")
@interruptible
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
        bool,
        typer.Option(
            help="Continue the evaluation in OUT: skip the steps in OUT/results.jsonl "
            "(refused if the settings or the policy differ)."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker threads, each with its own policy: a local model is loaded once per "
            "worker, so give a local model --batch-size instead."
        ),
    ] = 1,
    batch_size: Annotated[
        int,
        typer.Option(
            help="Steps per Policy.act_batch call; a policy that batches (a local model) "
            "decides them in one pass."
        ),
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
        bool,
        typer.Option(
            help="Leave out the episodes whose annotation or screenshots are broken (listed "
            "with the reason in metrics.json's skipped) instead of stopping."
        ),
    ] = False,
    report: Annotated[bool, typer.Option(help="Write OUT/report.html of the misses.")] = True,
) -> None:
    """Evaluate a policy (or score a predictions file) on AITZ; prints metrics.json."""
    from screenpilot.evaluation.aitz_env import load_aitz
    from screenpilot.evaluation.aitz_run import AITZSettings, evaluate_policy, score_predictions
    from screenpilot.evaluation.progress import RunProgress

    settings = AITZSettings(
        protocol=protocol,
        coat_history=coat_history,
        workers=workers,
        batch_size=batch_size,
        report=report,
    )
    dataset = load_aitz(data, split, subset, limit=limit, skip_bad=skip_bad)
    for skip in dataset.skipped:  # paths and reasons are data: printed literally
        say(("skipped", "yellow"), " ", skip.path, ": ", skip.reason)
    target = out
    with RunProgress(console, "eval aitz", unit="step", figure="EM") as progress:
        if predictions is not None:
            metrics = score_predictions(
                dataset,
                predictions,
                predictions_format,
                settings,
                out,
                resume=resume,
                progress=progress,
                warn=warn,
            )
        else:
            target = out or default_out("aitz")
            metrics = evaluate_policy(
                dataset, policy.build, target, settings, resume=resume, progress=progress
            )
    if report and target is not None:
        say(f"report: {target / 'report.html'}")
    print_step_metrics(str(metrics["protocol"]), metrics)


def warn(text: str) -> None:
    """A warning about the data on the terminal (unmatched prediction ids, ...)."""
    say(("warning", "yellow"), ": ", text)


def print_step_metrics(title: str, metrics: Mapping[str, Any]) -> None:
    """A step benchmark's figures in a line, its result card, then metrics.json on stdout."""
    overall = metrics["overall"]
    console.print(
        Text.assemble(
            (title, "bold"),
            f": {plural(overall['steps'], 'step')}, type match {percent(overall['type_match'])}, "
            f"exact match {percent(overall['exact_match'])}, invalid "
            f"{percent(overall['invalid_rate'])}, goal progress "
            f"{percent(overall['goal_progress'])}, success {percent(overall['success_rate'])}",
        ),
        soft_wrap=True,
    )
    print_card(metrics)
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False))


@eval_app.command("screenspot")
@interruptible
@with_policy
def eval_screenspot(
    policy: PolicyChoice,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="ScreenSpot folder: Pro's annotations/ and images/, or v2's three "
            "screenspot_*_v2.json and screenspotv2_image/.",
        ),
    ],
    version: Annotated[str, typer.Option("--version", help="v2 or pro (the folder's layout).")],
    limit: Annotated[int | None, typer.Option(help="Only the first N samples.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: runs/DATE-screenspot-VERSION).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue the evaluation in OUT: skip the samples in OUT/results.jsonl "
            "(refused if the data or the policy differ)."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(help="Worker threads, each with its own policy (a local model per worker)."),
    ] = 1,
    batch_size: Annotated[int, typer.Option(help="Samples per Policy.act_batch call.")] = 1,
    predictions: Annotated[
        Path | None,
        typer.Option(
            help='Score this JSONL file instead of a policy: {"id", "point": [x, y]} in pixels, '
            'or {"id", "raw", "format"} read by that card (--card when a line names none).'
        ),
    ] = None,
    report: Annotated[bool, typer.Option(help="Write OUT/report.html of the misses.")] = True,
) -> None:
    """Evaluate a policy (or score a predictions file) on ScreenSpot-v2 or ScreenSpot-Pro;
    prints metrics.json."""
    from screenpilot.evaluation.progress import RunProgress
    from screenpilot.evaluation.screenspot_data import load_screenspot
    from screenpilot.evaluation.screenspot_run import (
        ScreenSpotSettings,
        evaluate_policy,
        score_predictions,
    )
    from screenpilot.evaluation.screenspot_scoring import summary

    settings = ScreenSpotSettings(workers=workers, batch_size=batch_size, report=report)
    dataset = load_screenspot(data, version, limit=limit)
    target = out
    with RunProgress(console, "eval screenspot", unit="sample", figure="correct") as progress:
        if predictions is not None:
            metrics = score_predictions(
                dataset,
                predictions,
                settings,
                out,
                card=policy.settings.card,
                resume=resume,
                progress=progress,
            )
        else:
            target = out or default_out(f"screenspot-{dataset.version}")
            metrics = evaluate_policy(
                dataset, policy.build, target, settings, resume=resume, progress=progress
            )
    console.print(
        Text.assemble((f"screenspot-{dataset.version}", "bold"), f": {summary(metrics)}"),
        soft_wrap=True,
    )
    print_card(metrics)
    if report and target is not None:
        say(f"report: {target / 'report.html'}")
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False))
