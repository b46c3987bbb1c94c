"""The ``screenpilot`` command line."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from screenpilot import __version__
from screenpilot.agent.core import Step
from screenpilot.errors import ConfigError, DeviceError, ModelError, ScreenpilotError
from screenpilot.tools.actions import to_json

app = typer.Typer(
    help="A vision-language model operates a phone or a desktop: observe, think, act.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

EnvOption = Annotated[
    str,
    typer.Option(
        "--env", help="Environment: demo, android[:SERIAL], desktop[:MONITOR], replay:RUN_DIR, ..."
    ),
]
PolicyOption = Annotated[
    str, typer.Option("--policy", help="Policy: scripted, qwen2vl (local), openai (server).")
]
ActionsOption = Annotated[
    Path | None,
    typer.Option("--actions", help="Action script for --policy scripted (JSON or JSONL)."),
]
ModelOption = Annotated[
    str | None, typer.Option("--model", help="Model id or path, for model policies.")
]
# Model-card policies (qwen2vl, openai).
CardOption = Annotated[
    str | None,
    typer.Option(help="Model card: qwen2vl, qwen25vl, uitars, uitars15 (default: from --model)."),
]
PlatformOption = Annotated[str, typer.Option(help="Prompt for a mobile or desktop screen.")]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="OpenAI-compatible server, e.g. http://localhost:8000/v1.")
]
ApiKeyEnvOption = Annotated[
    str, typer.Option(help="Environment variable holding the API key (never recorded).")
]
MaxNewTokensOption = Annotated[int, typer.Option(help="Cap on generated tokens per step.")]
PixelsOption = Annotated[
    int | None, typer.Option(help="Pixel budget of the resized screenshot (default per card).")
]
TemperatureOption = Annotated[float, typer.Option(help="0 decodes greedily.")]
HistoryImagesOption = Annotated[
    int | None, typer.Option(help="Previous screenshots shown besides the current one.")
]
DeviceOption = Annotated[
    str | None, typer.Option(help="torch device for --policy qwen2vl (default cuda if any).")
]


def _default_out(task: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", task.lower()).strip("-")[:40] or "run"
    return Path("runs") / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{slug}"


def _describe_action(step: Step) -> str:
    if step.action is None:
        return step.error.message if step.error else "no action"
    fields = to_json(step.action)
    kind = fields.pop("type")
    shown = ", ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v!r}"
        for k, v in fields.items()
        if v is not None
    )
    return f"{kind}({shown})"


def _print_step(step: Step) -> None:
    colour = {"executed": "green", "dry_run": "blue", "denied": "yellow"}.get(step.status, "red")
    seconds = step.timings.get("total", 0.0)
    console.print(
        f"[dim]{step.index + 1:>3}[/] [{colour}]{step.status:<12}[/] {_describe_action(step)} "
        f"[dim]{seconds:.2f}s[/]",
        highlight=False,
    )


@app.command()
def run(
    task: Annotated[str, typer.Argument(help="What the agent should do, in plain words.")],
    env: EnvOption = "demo",
    policy: PolicyOption = "scripted",
    actions: ActionsOption = None,
    model: ModelOption = None,
    card: CardOption = None,
    platform: PlatformOption = "mobile",
    base_url: BaseUrlOption = None,
    api_key_env: ApiKeyEnvOption = "OPENAI_API_KEY",
    max_new_tokens: MaxNewTokensOption = 256,
    min_pixels: PixelsOption = None,
    max_pixels: PixelsOption = None,
    temperature: TemperatureOption = 0.0,
    history_images: HistoryImagesOption = None,
    device: DeviceOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Run directory (default: runs/DATE-TASK).")
    ] = None,
    max_steps: Annotated[int, typer.Option(help="Step budget.")] = 30,
    stall_limit: Annotated[
        int, typer.Option(help="Stop after this many identical actions on an unchanged screen.")
    ] = 3,
    dry_run: Annotated[bool, typer.Option(help="Record decisions without executing them.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Allow actions the safety gate flags without asking.")
    ] = False,
    secret_env: Annotated[
        list[str] | None,
        typer.Option(help="Name of an environment variable whose value is redacted from the run."),
    ] = None,
    image_format: Annotated[
        str, typer.Option(help="Screenshot format on disk: png or webp.")
    ] = "png",
) -> None:
    """Run a task on an environment with a policy; writes a run directory and report.html."""
    from screenpilot.agent.loop import Agent
    from screenpilot.agent.safety import SafetyGate, allow_all, prompt_on_terminal
    from screenpilot.environments import make_env
    from screenpilot.policies import PolicyOptions, make_policy

    secrets = []
    for name in secret_env or []:
        if name not in os.environ:
            raise ConfigError(f"--secret-env {name}: no such environment variable")
        secrets.append(os.environ[name])
    environment = make_env(env)
    try:
        chosen_policy = make_policy(
            policy,
            PolicyOptions(
                model=model,
                actions=str(actions) if actions else None,
                card=card,
                platform=platform,
                base_url=base_url,
                api_key_env=api_key_env,
                max_new_tokens=max_new_tokens,
                min_pixels=min_pixels,
                max_pixels=max_pixels,
                temperature=temperature,
                history_images=history_images,
                device=device,
            ),
        )
    except BaseException:
        environment.close()
        raise
    confirm = allow_all if yes else (None if environment.simulated else prompt_on_terminal)
    run_dir = out or _default_out(task)
    agent = Agent(
        environment,
        chosen_policy,
        max_steps=max_steps,
        stall_limit=stall_limit,
        safety=SafetyGate(confirm=confirm),
        dry_run=dry_run,
        run_dir=run_dir,
        image_format=image_format,
        secrets=tuple(secrets),
        on_step=_print_step,
    )
    console.print(
        f"[bold]{task}[/]  [dim]env={env} policy={policy} → {run_dir}[/]", highlight=False
    )
    try:
        with console.status("running…", spinner="dots"):
            episode = agent.run(task)
    finally:
        environment.close()
        chosen_policy.close()
    colour = "green" if episode.success else "red"
    console.print(
        f"[{colour}]{episode.outcome}[/] after {len(episode.steps)} steps"
        + (f" — answer: {episode.answer}" if episode.answer else ""),
        highlight=False,
    )
    console.print(f"report: {run_dir / 'report.html'}", highlight=False)
    raise typer.Exit(0 if episode.success else 1)


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    """(Re)write report.html for a run directory."""
    from screenpilot.agent.report import write_report

    console.print(f"report: {write_report(run_dir)}", highlight=False)


@app.command()
def replay(
    run_dir: Annotated[Path, typer.Argument(help="A recorded run directory.")],
    policy: PolicyOption = "scripted",
    actions: ActionsOption = None,
    model: ModelOption = None,
    card: CardOption = None,
    platform: PlatformOption = "mobile",
    base_url: BaseUrlOption = None,
    api_key_env: ApiKeyEnvOption = "OPENAI_API_KEY",
    max_new_tokens: MaxNewTokensOption = 256,
    min_pixels: PixelsOption = None,
    max_pixels: PixelsOption = None,
    temperature: TemperatureOption = 0.0,
    history_images: HistoryImagesOption = None,
    device: DeviceOption = None,
    out: Annotated[Path | None, typer.Option(help="Run directory for the replay.")] = None,
) -> None:
    """Re-run a policy open-loop on the recorded screens of a run and compare its actions."""
    from screenpilot.agent.loop import Agent
    from screenpilot.environments.replay import ReplayEnv
    from screenpilot.policies import PolicyOptions, make_policy

    environment = ReplayEnv(run_dir)
    chosen_policy = make_policy(
        policy,
        PolicyOptions(
            model=model,
            actions=str(actions) if actions else None,
            card=card,
            platform=platform,
            base_url=base_url,
            api_key_env=api_key_env,
            max_new_tokens=max_new_tokens,
            min_pixels=min_pixels,
            max_pixels=max_pixels,
            temperature=temperature,
            history_images=history_images,
            device=device,
        ),
    )
    target = out or _default_out("replay-" + environment.task)
    agent = Agent(
        environment,
        chosen_policy,
        max_steps=len(environment.run.steps) + 1,
        stall_limit=None,
        run_dir=target,
        on_step=_print_step,
    )
    episode = agent.run(environment.task)
    scored = [s for s in episode.steps if "type_match" in s.result_info]
    agree = sum(1 for s in scored if s.result_info["type_match"])
    console.print(
        f"{agree}/{len(scored)} steps chose the recorded action type; report: {target / 'report.html'}",
        highlight=False,
    )


def _size(text: str | None, option: str) -> tuple[int, int] | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match or 0 in (int(match[1]), int(match[2])):
        raise ConfigError(f"{option} must look like WIDTHxHEIGHT (e.g. 1080x2400), got {text!r}")
    return int(match[1]), int(match[2])


@app.command()
def parse(
    text: Annotated[str, typer.Argument(help="The model's output ('-' reads standard input).")],
    format: Annotated[
        str,
        typer.Option(
            "--format", help="Output format: canonical, qwen2vl, qwen25vl, uitars, uitars15."
        ),
    ] = "canonical",
    image_size: Annotated[
        str, typer.Option(help="Screenshot size WxH the model saw.")
    ] = "1080x2400",
    resized_size: Annotated[
        str | None, typer.Option(help="Size WxH after resizing, for pixel formats.")
    ] = None,
) -> None:
    """Print the canonical action JSON of a model output (exit 0), or why it failed (exit 1)."""
    from screenpilot.policies.formats import parse_output

    try:
        raw = sys.stdin.read() if text == "-" else text
        size = _size(image_size, "--image-size")
        assert size is not None
        action = parse_output(format, raw, size, _size(resized_size, "--resized-size"))
    except (ScreenpilotError, ValueError) as exc:
        message = " ".join(str(exc).split())
        typer.echo(f"{type(exc).__name__}: {message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(to_json(action), ensure_ascii=False))


eval_app = typer.Typer(
    help="Score policies on offline benchmarks.", no_args_is_help=True, add_completion=False
)
app.add_typer(eval_app, name="eval")


@eval_app.command("aitz")
def eval_aitz(
    data: Annotated[Path, typer.Option("--data", help="AITZ root (holding train/ and test/).")],
    split: Annotated[str, typer.Option(help="train or test.")] = "test",
    subset: Annotated[
        str | None, typer.Option(help="Only this subset, e.g. general or web_shopping.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N episodes.")] = None,
    policy: PolicyOption = "scripted",
    actions: ActionsOption = None,
    model: ModelOption = None,
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
    from screenpilot.environments.aitz import load_aitz
    from screenpilot.evaluation.progress import EvalProgress
    from screenpilot.evaluation.runner import EvalOptions, evaluate_policy, score_predictions

    options = EvalOptions(protocol, coat_history, workers, batch_size, resume, report)
    dataset = load_aitz(data, split, subset, limit=limit, skip_bad=skip_bad)
    for skip in dataset.skipped:
        console.print(f"[yellow]skipped[/] {skip.reason}", highlight=False)
    if predictions is not None:
        metrics = score_predictions(dataset, predictions, predictions_format, options, out)
    else:
        from screenpilot.policies import PolicyOptions, make_policy

        target = out or Path("runs") / f"aitz-{dt.datetime.now():%Y%m%d-%H%M%S}"
        chosen = make_policy(
            policy, PolicyOptions(model=model, actions=str(actions) if actions else None)
        )
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
        console.print("no Android devices connected (check `adb devices`)", highlight=False)
        return
    for device in found:
        typer.echo(f"{device.serial}\t{device.model}\t{device.size}\tAndroid {device.android}")


@app.command()
def version() -> None:
    """Print the screenpilot version."""
    typer.echo(__version__)


def main() -> None:
    """Entry point: run the app and turn known errors into one-line messages and exit codes."""
    try:
        app()
    except (ConfigError, ModelError) as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except DeviceError as exc:
        console.print(f"[red]device error:[/] {exc}", highlight=False)
        sys.exit(3)
    except ScreenpilotError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
