"""``screenpilot eval androidcontrol`` and ``eval androidcontrol-convert``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from screenpilot.cli.app import console, default_out, interruptible, say
from screenpilot.cli.evaluate import eval_app, print_step_metrics, warn
from screenpilot.cli.options import PolicyChoice, with_policy

if TYPE_CHECKING:
    from screenpilot.evaluation.androidcontrol_run import Setting


@eval_app.command("androidcontrol")
@interruptible
@with_policy
def eval_androidcontrol(
    policy: PolicyChoice,
    data: Annotated[
        Path, typer.Option("--data", help="A converted release (eval androidcontrol-convert).")
    ],
    setting: Annotated[
        str, typer.Option(help="high (the goal) or low (the goal and each step's instruction).")
    ] = "high",
    protocol: Annotated[str, typer.Option(help="Matching rules: cpm, uis1 or osatlas.")] = "cpm",
    steps: Annotated[
        str | None,
        typer.Option(
            help="Step set: full (the test split), osatlas-7708 (with --step-list) or cpm "
            "(test + validation, open_app dropped, a finish step added); default: the "
            "protocol's own (cpm: cpm, uis1: full, osatlas: osatlas-7708)."
        ),
    ] = None,
    step_list: Annotated[
        Path | None,
        typer.Option(help="Steps to score: OS-Atlas's ac_idx.txt, or one episode id a line."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N episodes.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: runs/androidcontrol-DATE).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue the evaluation in OUT (refused if settings differ).")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker threads, each with its own policy.")] = 1,
    batch_size: Annotated[int, typer.Option(help="Steps per Policy.act_batch call.")] = 1,
    predictions: Annotated[
        Path | None, typer.Option(help="Score this predictions file (JSONL) instead of a policy.")
    ] = None,
    predictions_format: Annotated[
        str, typer.Option(help="canonical (action JSON) or raw (model text + format).")
    ] = "canonical",
    skip_bad: Annotated[
        bool, typer.Option(help="Leave out broken episodes (listed in metrics.json's skipped).")
    ] = False,
    report: Annotated[bool, typer.Option(help="Write OUT/report.html of the misses.")] = True,
) -> None:
    """Evaluate a policy (or score a predictions file) on AndroidControl; prints metrics.json."""
    from screenpilot.evaluation.aitz_run import evaluate_policy, score_predictions
    from screenpilot.evaluation.androidcontrol_data import load_androidcontrol
    from screenpilot.evaluation.androidcontrol_matching import AC_NATIVE_STEPS
    from screenpilot.evaluation.androidcontrol_run import AndroidControlSettings
    from screenpilot.evaluation.progress import RunProgress

    settings = AndroidControlSettings(
        protocol=protocol,
        setting=cast("Setting", setting),  # pydantic checks the value
        workers=workers,
        batch_size=batch_size,
        report=report,
    )
    step_set = steps or AC_NATIVE_STEPS[settings.protocol]
    dataset = load_androidcontrol(
        data, step_set, step_list=step_list, limit=limit, skip_bad=skip_bad
    )
    for skip in dataset.skipped:
        say(("skipped", "yellow"), " ", skip.path, ": ", skip.reason)
    target = out
    with RunProgress(console, "eval androidcontrol", unit="step", figure="EM") as progress:
        if predictions is not None:
            metrics = score_predictions(
                dataset, predictions, predictions_format, settings, out, resume=resume,
                progress=progress, warn=warn,
            )  # fmt: skip
        else:
            target = out or default_out("androidcontrol")
            metrics = evaluate_policy(
                dataset, policy.build, target, settings, resume=resume, progress=progress
            )
    if report and target is not None:
        say(f"report: {target / 'report.html'}")
    title = f"{metrics['protocol']} / {metrics['setting']} / {metrics['step_set']}"
    print_step_metrics(title, metrics)


@eval_app.command("androidcontrol-convert")
@interruptible
def convert_androidcontrol(
    sources: Annotated[
        list[Path],
        typer.Argument(help="The release's TFRecord files (android_control-*), or their folder."),
    ],
    splits: Annotated[Path, typer.Option("--splits", help="The release's splits.json.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the step files in.")],
    split: Annotated[
        list[str] | None,
        typer.Option(help="Splits to write (repeat; default test and validation)."),
    ] = None,
) -> None:
    """Convert the AndroidControl release into step files (AgentCPM-GUI's schema, AITZ's layout)."""
    from screenpilot.errors import ConfigError
    from screenpilot.evaluation.androidcontrol_convert import convert

    files: list[Path] = []
    for source in sources:
        files += (
            sorted(p for p in source.glob("android_control*") if p.is_file())
            if (source.is_dir())
            else [source]
        )
    if not files:
        raise ConfigError(f"no TFRecord files (android_control*) in {', '.join(map(str, sources))}")
    summary = convert(files, out, splits, split or ("test", "validation"))
    for skipped in summary.skipped:
        say(("skipped", "yellow"), f" {skipped['source']} record {skipped['record']}: ",
            str(skipped["reason"]))  # fmt: skip
    per_split = ", ".join(
        f"{name} {count} episodes / {summary.steps[name]} steps"
        for name, count in summary.episodes.items()
    )
    say(f"wrote {per_split or 'nothing'} to {out}")
    typer.echo(json.dumps(summary.__dict__, indent=2, ensure_ascii=False))
