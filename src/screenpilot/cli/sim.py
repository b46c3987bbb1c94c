"""The simulated phone's commands: ``screenpilot sim serve|tasks`` and ``screenpilot eval sim``."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from screenpilot.agent.loop import MAX_STEPS, STALL_LIMIT
from screenpilot.cli.app import PLAIN_HELP, app, console, interruptible, parse_size, say
from screenpilot.cli.evaluate import eval_app, print_card
from screenpilot.cli.options import MaxStepsOption, PolicyChoice, StallLimitOption, with_policy
from screenpilot.errors import ConfigError

REFERENCE = PolicyChoice("reference")
"""``eval sim`` plays the reference solutions unless another policy is chosen."""

sim_app = typer.Typer(
    help="The simulated phone: serve it over ADB, list its tasks.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
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

    adb, adbutils and --env android then drive it, e.g. adb -P PORT shell input tap 540 1200,
    or adb -P PORT exec-out screencap -p > screen.png.
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
@interruptible
@with_policy
def eval_sim(
    out: Annotated[Path, typer.Option(help="Output directory of the evaluation.")],
    tasks: Annotated[
        str, typer.Option(help="Comma-separated globs over template names, e.g. 'clock.*,notes.*'.")
    ] = "*",
    episodes_per_task: Annotated[int, typer.Option(help="Episodes (seeds) per template.")] = 1,
    seed: Annotated[int, typer.Option(help="First seed; episode i uses seed + i.")] = 0,
    workers: Annotated[
        int,
        typer.Option(
            help="Episodes run in parallel, each worker with its own policy (a local model is "
            "loaded once per worker)."
        ),
    ] = 1,
    max_steps: MaxStepsOption = MAX_STEPS,
    stall_limit: StallLimitOption = STALL_LIMIT,
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue the evaluation in OUT: skip the episodes in OUT/results.jsonl "
            "(refused if the settings or the policy differ)."
        ),
    ] = False,
    size: Annotated[str, typer.Option(help="Screen size WIDTHxHEIGHT.")] = "1080x2400",
    policy: PolicyChoice = REFERENCE,
) -> None:
    """Run a policy on the simulated task suite; writes per-episode runs, results.jsonl,
    metrics.json, manifest.json and report.html into OUT."""
    from screenpilot.evaluation.progress import RunProgress
    from screenpilot.evaluation.sim import SimSettings, run_eval
    from screenpilot.evaluation.sim_results import summary

    width, height = parse_size(size, "--size")
    settings = SimSettings(
        tasks=tasks,
        episodes_per_task=episodes_per_task,
        seed=seed,
        max_steps=max_steps,
        stall_limit=stall_limit,
        workers=workers,
        width=width,
        height=height,
    )
    display = RunProgress(console, "eval sim", unit="episode", figure="success", show_last=True)
    with display as progress:
        metrics = run_eval(out, settings, policy.build, resume=resume, progress=progress)
    console.print(summary(metrics), markup=False, highlight=False, soft_wrap=True)
    for app_name, row in metrics["per_app"].items():
        console.print(
            f"  {app_name:<10} {row['successes']}/{row['episodes']}",
            markup=False,
            highlight=False,
        )
    print_card(metrics)
    say(f"report: {out / 'report.html'}")
