"""Commands that run a policy on a screen, and the small ones around them."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from screenpilot import __version__
from screenpilot.agent.core import Step
from screenpilot.agent.loop import MAX_STEPS, STALL_LIMIT
from screenpilot.agent.replay_compare import DEFAULT_TOLERANCE, DIFFERENCES
from screenpilot.agent.secrets import Redactor
from screenpilot.cli.app import (
    action_text,
    app,
    console,
    default_out,
    hide,
    interruptible,
    live_steps,
    parse_size,
    print_step,
    say,
)
from screenpilot.cli.options import (
    EnvOption,
    MaxStepsOption,
    PolicyChoice,
    StallLimitOption,
    with_policy,
)
from screenpilot.errors import ConfigError, ScreenpilotError
from screenpilot.formatting import plural
from screenpilot.policies.settings import Platform
from screenpilot.tools.actions import to_action, to_json

KEY_LENGTH = 8
"""API keys at least this long are hidden like ``--secret-env`` values."""


@app.command()
@interruptible
@with_policy
def run(
    policy: PolicyChoice,
    task: Annotated[
        str | None, typer.Argument(help="What the agent should do, in plain words.")
    ] = None,
    sim_task: Annotated[
        str | None,
        typer.Option(
            "--task",
            help="A simulated task TEMPLATE[:SEED] instead of TASK (list: screenpilot sim tasks).",
        ),
    ] = None,
    env: EnvOption = "sim",
    out: Annotated[
        Path | None, typer.Option(help="Run directory (default: runs/DATE-TASK).")
    ] = None,
    max_steps: MaxStepsOption = MAX_STEPS,
    stall_limit: StallLimitOption = STALL_LIMIT,
    dry_run: Annotated[bool, typer.Option(help="Record decisions without executing them.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Allow actions the safety gate flags without asking.")
    ] = False,
    no_ui_tree: Annotated[
        bool,
        typer.Option(
            "--no-ui-tree",
            help="Android: never read the UI tree (one uiautomator dump per screen the safety "
            "gate judges). The gate then reads what a tap presses by OCR, or, without OCR, "
            "asks before every tap and long press (denied without a terminal, allowed with "
            "--yes).",
        ),
    ] = False,
    no_ocr: Annotated[
        bool,
        typer.Option(
            "--no-ocr",
            help="Never read labels off the screenshot by OCR: the safety gate sees only the UI "
            "tree, and asks before a press where no tree reaches.",
        ),
    ] = False,
    secret_env: Annotated[
        list[str] | None,
        typer.Option(help="Name of an environment variable whose value is redacted from the run."),
    ] = None,
    image_format: Annotated[
        str, typer.Option(help="Screenshot format on disk: png or webp.")
    ] = "png",
    blur_secrets: Annotated[
        bool,
        typer.Option(
            "--blur-secrets",
            help="In saved screenshots, blur the field a step types flagged text into (a "
            "password, a card number) there and on the next screen, and on-screen text that "
            "shows a secret.",
        ),
    ] = False,
) -> None:
    """Run a task on an environment with a policy; writes a run directory and report.html."""
    from screenpilot.agent.loop import Agent
    from screenpilot.agent.safety import SafetyGate, allow_all, prompt_on_terminal
    from screenpilot.registry import make_env

    secrets = []
    for name in secret_env or []:
        if name not in os.environ:
            raise ConfigError(f"--secret-env {name}: no such environment variable")
        secrets.append((f"--secret-env {name}", os.environ[name]))
    redactor = hide(secrets)
    _hide_api_key(policy, redactor)
    task, env, seed = _task_and_env(task, sim_task, env)
    environment = make_env(env, ui_tree=not no_ui_tree)
    try:
        chosen_policy = policy.build()
    except BaseException:
        environment.close()
        raise
    confirm = allow_all if yes else None
    if not yes and not environment.simulated:
        confirm = functools.partial(prompt_on_terminal, redact=redactor.redact)
    run_dir = out or default_out(task)
    status = console.status("running…", spinner="dots")
    agent = Agent(
        environment,
        chosen_policy,
        max_steps=max_steps,
        stall_limit=stall_limit,
        safety=SafetyGate(confirm=confirm, reader=None) if no_ocr else SafetyGate(confirm=confirm),
        dry_run=dry_run,
        run_dir=run_dir,
        image_format=image_format,
        redactor=redactor,
        blur_flagged=blur_secrets,
        on_step=live_steps(status),
        seed=seed,
    )
    say((task, "bold"), (f"  env={env} policy={policy.name} → {run_dir}", "dim"))
    try:
        with status:
            episode = agent.run(task)
    finally:
        environment.close()
        chosen_policy.close()
    colour = "green" if episode.success else "red"
    answer = f" — answer: {episode.answer}" if episode.answer else ""
    say((episode.outcome, colour), f" after {plural(len(episode.steps), 'step')}{answer}")
    accomplished = episode.success
    if sim_task is not None:
        accomplished = bool(episode.task_success)
        verdict = ("accomplished", "green") if accomplished else ("not accomplished", "red")
        say(f"task {sim_task}: ", verdict)
    say(f"report: {run_dir / 'report.html'}")
    raise typer.Exit(0 if accomplished else 1)


def _hide_api_key(policy: PolicyChoice, redactor: Redactor) -> None:
    """A served model's API key joins the secrets (the transport hides it in server text
    already). Keys shorter than ``KEY_LENGTH`` are placeholders such as EMPTY, not secrets:
    hiding them would erase that word wherever it appears."""
    name = policy.settings.api_key_env
    key = os.environ.get(name, "") if name and policy.settings.base_url else ""
    if len(key) >= KEY_LENGTH:
        redactor.add(key)


def _task_and_env(task: str | None, sim_task: str | None, env: str) -> tuple[str, str, int | None]:
    """The goal text, environment spec and seed of ``run``; with ``--task`` the goal comes from
    the simulated task template, its seed goes to ``reset``, and the task judges the run."""
    if sim_task is None:
        if not task:
            raise ConfigError("say what to do: screenpilot run TASK, or --task TEMPLATE[:SEED]")
        return task, env, None
    if task:
        raise ConfigError("give either a TASK in words or --task TEMPLATE[:SEED], not both")
    if env.partition(":")[0] != "sim" or ":" in env:
        raise ConfigError(f"--task runs on the simulated phone (--env sim), not --env {env}")
    from screenpilot.sim.catalog import parse_task

    chosen = parse_task(sim_task)
    return chosen.goal, f"sim:{chosen.template.name}", chosen.seed


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    """(Re)write report.html for a run directory."""
    from screenpilot.agent.report import write_report

    say(f"report: {write_report(run_dir)}")


@app.command()
@interruptible
@with_policy
def replay(
    run_dir: Annotated[Path, typer.Argument(help="A recorded run directory.")],
    policy: PolicyChoice,
    out: Annotated[Path | None, typer.Option(help="Run directory for the replay.")] = None,
    tolerance: Annotated[
        float,
        typer.Option(
            help="How far apart (normalized distance) two points may lie where the recorded "
            "UI tree has no element at either.",
        ),
    ] = DEFAULT_TOLERANCE,
) -> None:
    """Re-run a policy open-loop on the recorded screens of a run and compare each action with
    the recorded one (type, target, text, key, ...). Exits 0 when every recorded step was
    matched, 1 when any differs or was not reached."""
    from screenpilot.agent.loop import Agent
    from screenpilot.agent.replay_compare import tally
    from screenpilot.environments.replay import ReplayEnv

    environment = ReplayEnv(run_dir, tolerance=tolerance)
    chosen_policy = policy.build()
    target = out or default_out("replay-" + environment.task)
    agent = Agent(
        environment,
        chosen_policy,
        max_steps=len(environment.run.steps) + 1,
        stall_limit=None,
        run_dir=target,
        on_step=_print_replay_step,
    )
    try:
        episode = agent.run(environment.task)
    finally:
        chosen_policy.close()
    counted = tally((step.result_info for step in episode.steps), environment.recorded_steps)
    say((counted.text(), "green" if counted.all_match else "red"))
    say(f"report: {target / 'report.html'}")
    raise typer.Exit(0 if counted.all_match else 1)


def _print_replay_step(step: Step) -> None:
    """The step's progress line and, where it differs from the recording, how."""
    print_step(step)
    info = step.result_info
    if info.get("match") is False:
        differences = ", ".join(DIFFERENCES.get(kind, kind) for kind in info["differences"])
        recorded = action_text(to_action(info["recorded_action"]))
        say(("      ≠ recorded ", "red"), recorded, (f"  ({differences})", "red"))


@app.command()
def parse(
    text: Annotated[str, typer.Argument(help="The model's output ('-' reads standard input).")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Output format: canonical, or a card: qwenvl, qwen2vl, qwen25vl, qwen3vl, uitars, "
            "uitars15, uitars2, maiui, guiowl, uivenus, autoglm, tools (aliases such as ui-tars-1.5).",
        ),
    ] = "canonical",
    image_size: Annotated[
        str, typer.Option(help="Screenshot size WxH the model saw.")
    ] = "1080x2400",
    resized_size: Annotated[
        str | None,
        typer.Option(
            help="Size WxH the screenshot was shown at (default: the card's default pixel budget)."
        ),
    ] = None,
    platform: Annotated[
        str, typer.Option(help="mobile or desktop (computer_use answers are desktop).")
    ] = "mobile",
) -> None:
    """Print the canonical action JSON of a model output (exit 0), or why it failed (exit 1).

    For a card format, the frame the coordinates were read in, the repairs the answer needed and
    the box it located go to standard error."""
    from screenpilot.policies.catalog import get_card
    from screenpilot.policies.formats import read_output

    try:
        if platform not in ("mobile", "desktop"):
            raise ConfigError(f"--platform must be mobile or desktop, got {platform!r}")
        screen: Platform = "desktop" if platform == "desktop" else "mobile"
        raw = sys.stdin.read() if text == "-" else text
        size = parse_size(image_size, "--image-size")
        resized = parse_size(resized_size, "--resized-size") if resized_size else None
        parsed = read_output(format, raw, size, resized, screen)
    except (ScreenpilotError, ValueError) as exc:
        message = " ".join(str(exc).split())
        typer.echo(f"{type(exc).__name__}: {message}", err=True)
        raise typer.Exit(1) from None
    if format != "canonical":
        card = get_card(format)
        moved = [r for r in parsed.repairs if r.startswith("frame:")]
        if moved:
            typer.echo(f"frame: {moved[0].rsplit(' were read in ', 1)[1]} (adjusted)", err=True)
        elif resized is None:
            typer.echo(f"frame: {card.describe_frame(size, screen)}", err=True)
        else:
            frame = card.frame(size, resized, screen)
            typer.echo(f"frame: {frame.name} (from --resized-size)", err=True)
        for repair in parsed.repairs:
            typer.echo(f"repair: {repair}", err=True)
        if parsed.box is not None:
            typer.echo(f"box: {[round(edge, 4) for edge in parsed.box]}", err=True)
    typer.echo(json.dumps(to_json(parsed.action), ensure_ascii=False))


@app.command()
def devices(
    host: Annotated[
        str | None, typer.Option(help="adb server host (default: $ANDROID_ADB_SERVER_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="adb server port (default: $ANDROID_ADB_SERVER_PORT, 5037).")
    ] = None,
) -> None:
    """List connected Android devices: serial, model, screen size, Android version."""
    from screenpilot.environments.android import list_devices

    found = list_devices(host, port)
    if not found:
        say("no Android devices connected (check `adb devices`)")
        return
    for device in found:
        typer.echo(f"{device.serial}\t{device.model}\t{device.size}\tAndroid {device.android}")


@app.command()
def version() -> None:
    """Print the screenpilot version."""
    typer.echo(__version__)
