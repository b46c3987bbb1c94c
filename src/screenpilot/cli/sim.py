"""The simulated phone's commands: ``screenpilot sim serve|tasks`` and ``screenpilot eval sim``."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from screenpilot.cli.app import app, console, parse_size
from screenpilot.cli.evaluate import eval_app
from screenpilot.cli.options import PolicyChoice, with_policy
from screenpilot.errors import ConfigError

REFERENCE = PolicyChoice("reference")
"""``eval sim`` plays the reference solutions unless another policy is chosen."""

sim_app = typer.Typer(
    help="The simulated phone: serve it over ADB, list its tasks.", no_args_is_help=True
)
app.add_typer(sim_app, name="sim")


@sim_app.command("tasks")
def tasks(
    pattern: Annotated[str, typer.Argument(help="Glob over template names, e.g. 'clock.*'.")] = "*",
) -> None:
    """List the task templates (name, feasible, the goal at seed 0)."""
    from screenpilot.sim.catalog import select
    from screenpilot.sim.tasks import Task

    for template in select(pattern):
        mark = "" if template.feasible else "  (infeasible: the right answer is finish(failure))"
        typer.echo(f"{template.name:<30} {Task.create(template, 0).goal}{mark}")


@sim_app.command("serve")
def serve(
    port: Annotated[
        int, typer.Option(help="TCP port of the ADB server (0: any free port).")
    ] = 5037,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    serial: Annotated[str, typer.Option(help="The device serial clients see.")] = "sim-1",
    task: Annotated[
        str | None, typer.Option(help="Set the phone up for a task TEMPLATE[:SEED].")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the phone's content without --task.")] = 0,
    size: Annotated[str, typer.Option(help="Screen size WIDTHxHEIGHT.")] = "1080x2400",
) -> None:
    """Serve the simulated phone over the ADB protocol until interrupted.

    adb, adbutils and ``--env android`` then drive it: ``adb -P PORT shell input tap 540 1200``,
    ``adb -P PORT exec-out screencap -p > screen.png``.
    """
    from screenpilot.sim.adb_server import AdbServer
    from screenpilot.sim.env import SimEnv

    width, height = parse_size(size, "--size")
    env = SimEnv(task, seed=seed, width=width, height=height)
    phone = env.phone
    phone.serial = serial
    try:
        server = AdbServer(phone, host=host, port=port)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc}); is an adb server running there?"
        ) from exc
    goal = f" — task: {env.task.goal}" if env.task else ""
    typer.echo(f"serving {serial} ({width}x{height}) on {host}:{server.port}{goal}")
    typer.echo(f"try: adb -P {server.port} shell input tap 540 1200")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


@eval_app.command("sim")
@with_policy
def eval_sim(
    out: Annotated[Path, typer.Option(help="Output directory of the evaluation.")],
    tasks: Annotated[
        str, typer.Option(help="Comma-separated globs over template names, e.g. 'clock.*,notes.*'.")
    ] = "*",
    episodes_per_task: Annotated[int, typer.Option(help="Episodes (seeds) per template.")] = 1,
    seed: Annotated[int, typer.Option(help="First seed; episode i uses seed + i.")] = 0,
    workers: Annotated[int, typer.Option(help="Episodes run in parallel (one policy each).")] = 1,
    max_steps: Annotated[int, typer.Option(help="Step budget per episode.")] = 20,
    stall_limit: Annotated[int, typer.Option(help="Stop after this many identical actions.")] = 3,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted evaluation in OUT.")
    ] = False,
    size: Annotated[str, typer.Option(help="Screen size WIDTHxHEIGHT.")] = "1080x2400",
    policy: PolicyChoice = REFERENCE,
) -> None:
    """Run a policy on the simulated task suite; writes per-episode runs, results.jsonl,
    metrics.json, manifest.json and report.html into OUT."""
    from screenpilot.evaluation.sim import EvalSettings, run_eval

    width, height = parse_size(size, "--size")
    settings = EvalSettings(
        tasks=tasks,
        episodes_per_task=episodes_per_task,
        seed=seed,
        max_steps=max_steps,
        stall_limit=stall_limit,
        workers=workers,
        width=width,
        height=height,
    )
    policy.build().close()  # a configuration error shows before anything runs
    progress = Progress(
        TextColumn("[bold]eval sim[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
    )
    bar = progress.add_task("episodes", total=None, last="")

    def started(total: int, done: int) -> None:
        progress.update(bar, total=total, completed=done)

    def finished(result: object) -> None:
        from screenpilot.evaluation.sim import EpisodeResult

        assert isinstance(result, EpisodeResult)
        mark = "[green]✓[/]" if result.success else "[red]✗[/]"
        progress.update(bar, advance=1, last=f"{mark} {result.id}")

    with progress:
        metrics = run_eval(
            out,
            settings,
            policy.build,
            resume=resume,
            on_episode=finished,
            on_start=started,
        )
    console.print(
        f"success {metrics['successes']}/{metrics['episodes']} ({metrics['success_rate']:.1%}), "
        f"mean steps {metrics['mean_steps']}, invalid outputs {metrics['invalid_outputs']}/"
        f"{metrics['steps']} steps ({metrics['invalid_output_rate']:.1%})",
        highlight=False,
    )
    for app_name, row in metrics["per_app"].items():
        console.print(f"  {app_name:<10} {row['successes']}/{row['episodes']}", highlight=False)
    console.print(f"report: {out / 'report.html'}", highlight=False)
