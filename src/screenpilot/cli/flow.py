"""``screenpilot flow run|from-run``: scripted workflows, replayed with guards."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any

import typer

from screenpilot.agent.core import Policy
from screenpilot.agent.loop import MAX_STEPS
from screenpilot.cli.app import (
    PLAIN_HELP,
    app,
    console,
    default_out,
    interruptible,
    live_steps,
    say,
)
from screenpilot.cli.options import EnvOption, PolicyChoice, with_fallback_policy
from screenpilot.errors import ConfigError
from screenpilot.formatting import plural

flow_app = typer.Typer(
    help="Scripted workflows: run a flow file (YAML), or make one from a recorded run.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
app.add_typer(flow_app, name="flow")


@flow_app.command("run")
@interruptible
@with_fallback_policy
def run_flow_command(
    flow_file: Annotated[Path, typer.Argument(help="The flow: a YAML file of steps.")],
    policy: PolicyChoice | None,
    env: EnvOption = "sim",
    out: Annotated[
        Path | None, typer.Option(help="Run directory (default: runs/DATE-FLOW).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Record decisions without executing them.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Allow actions the safety gate flags without asking.")
    ] = False,
    no_ui_tree: Annotated[
        bool,
        typer.Option(
            "--no-ui-tree",
            help="Android: never read the UI tree; locators are then found by OCR (and the "
            "fallback policy's grounding).",
        ),
    ] = False,
    no_ocr: Annotated[
        bool,
        typer.Option(
            "--no-ocr",
            help="Never read the screenshot by OCR, neither to find locators nor for the "
            "safety gate.",
        ),
    ] = False,
    no_grounding: Annotated[
        bool,
        typer.Option(
            "--no-grounding",
            help="Never ask the fallback policy (a model) where a locator is; it only takes over.",
        ),
    ] = False,
    cache: Annotated[
        Path | None,
        typer.Option(
            help="JSON file of locations found by OCR or the model, reused on screens that "
            "match (created if missing)."
        ),
    ] = None,
    fallback_steps: Annotated[
        int, typer.Option(help="Step budget of the fallback policy once it takes over.")
    ] = MAX_STEPS,
) -> None:
    """Play a flow on an environment through the agent loop, checking each step's guard; where
    the screen diverges, hand over to --fallback-policy, or stop and say where and why. Exits 0
    when the flow (or the task's judge, on a simulated task) succeeded, 1 otherwise."""
    from screenpilot.agent.safety import SafetyGate, allow_all, prompt_on_terminal
    from screenpilot.cli.app import REDACTOR
    from screenpilot.flows.cache import LocationCache
    from screenpilot.flows.runner import DEFAULT, run_flow
    from screenpilot.flows.spec import load_flow
    from screenpilot.registry import make_env

    spec = load_flow(flow_file)
    if fallback_steps < 1:
        raise ConfigError(f"--fallback-steps must be at least 1, got {fallback_steps}")
    location_cache = LocationCache(cache)
    environment = make_env(env, ui_tree=not no_ui_tree)
    fallback = None
    try:
        fallback = policy.build() if policy is not None else None
        confirm: Any = allow_all if yes else None
        if not yes and not environment.simulated:
            confirm = functools.partial(prompt_on_terminal, redact=REDACTOR.redact)
        gate = SafetyGate(confirm=confirm, reader=None) if no_ocr else SafetyGate(confirm=confirm)
        run_dir = out or default_out(f"flow-{flow_file.stem}")
        say(
            (spec.goal or str(flow_file), "bold"),
            (f"  env={env} flow={flow_file} → {run_dir}", "dim"),
        )
        status = console.status("running…", spinner="dots")
        with status:
            result = run_flow(
                environment,
                spec,
                fallback=fallback,
                grounding=None if no_grounding else _grounder(fallback),
                reader=None if no_ocr else DEFAULT,
                run_dir=run_dir,
                safety=gate,
                dry_run=dry_run,
                cache=location_cache,
                fallback_steps=fallback_steps,
                redactor=REDACTOR,
                on_step=live_steps(status),
            )
    finally:
        environment.close()
        if fallback is not None:
            fallback.close()
    _report(result.summary, result.episode.outcome, len(result.episode.steps))
    say(f"report: {run_dir / 'report.html'}")
    judged = result.episode.task_success
    accomplished = result.episode.success if judged is None else judged
    raise typer.Exit(0 if accomplished else 1)


def _grounder(fallback: Policy | None) -> Policy | None:
    """The fallback policy where it is a model (a card policy, whose every answer depends only
    on its request): a script or the reference solution would lose its place if asked."""
    from screenpilot.policies.vlm import CardPolicy

    return fallback if isinstance(fallback, CardPolicy) else None


def _report(summary: dict[str, Any], outcome: str, steps: int) -> None:
    """The outcome, where the steps came from, the hand-off, the failure, the task's verdict."""
    colour = "green" if outcome == "success" else "red"
    say((outcome, colour), f" after {plural(steps, 'step')}")
    calls = plural(summary["model_calls"], "model call")
    say(
        f"{summary['steps_from_flow']} from the flow, {summary['steps_from_model']} from the "
        f"model; {calls}"
    )
    handed = summary.get("handed_off")
    if isinstance(handed, dict):
        say(("handed over to the fallback policy: ", "yellow"), str(handed.get("reason")))
    if summary.get("failure"):
        say(("flow failed: ", "red"), str(summary["failure"]))
    if summary.get("task_success") is not None:
        verdict = (
            ("accomplished", "green") if summary["task_success"] else ("not accomplished", "red")
        )
        say("task: ", verdict)


@flow_app.command("from-run")
def from_run(
    run_dir: Annotated[Path, typer.Argument(help="A recorded run directory.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The flow file to write (YAML).")],
    guards: Annotated[
        bool,
        typer.Option(help="Give each step a guard: the signature of the screen it expects."),
    ] = True,
    no_ocr: Annotated[
        bool,
        typer.Option("--no-ocr", help="Never read a pressed label off a screenshot by OCR."),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT.")] = False,
) -> None:
    """Turn a recorded run into a flow: presses become locators (the pressed element's label
    from the run's UI tree, else what the safety gate or OCR read there), typing and keys stay,
    and each step carries a guard."""
    from screenpilot.flows.record import flow_from_run
    from screenpilot.flows.runner import DEFAULT
    from screenpilot.flows.spec import save_flow

    if output.exists() and not force:
        raise ConfigError(f"{output} exists; choose another --output or add --force")
    recorded = flow_from_run(run_dir, reader=None if no_ocr else DEFAULT, guards=guards)
    for warning in recorded.warnings:
        say(("warning: ", "yellow"), warning)
    save_flow(recorded.flow, output)
    say(f"wrote {output}: {plural(len(recorded.flow.steps), 'step')}")
