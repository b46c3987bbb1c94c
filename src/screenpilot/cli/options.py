"""Options shared by commands: the environment, and the policy with its model settings.

``@with_policy`` adds every policy option (``--policy``, ``--model``, ``--card``, ...) to a
command and hands it one ``PolicyChoice``, so each command declares them once, not twelve times.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from screenpilot.agent.core import Policy

EnvOption = Annotated[
    str,
    typer.Option(
        "--env",
        help="Environment: sim[:TASK], demo, android[:SERIAL], desktop[:MONITOR], replay:RUN_DIR, ...",
    ),
]

_POLICY_OPTIONS: list[tuple[str, Any, Any]] = [
    (
        "policy",
        Annotated[
            str,
            typer.Option(
                "--policy",
                help="Policy: scripted, reference (simulated tasks), qwen2vl (local), openai (server).",
            ),
        ],
        "scripted",
    ),
    (
        "actions",
        Annotated[
            Path | None,
            typer.Option("--actions", help="Action script for --policy scripted (JSON or JSONL)."),
        ],
        None,
    ),
    (
        "model",
        Annotated[
            str | None, typer.Option("--model", help="Model id or path, for model policies.")
        ],
        None,
    ),
    (
        "card",
        Annotated[
            str | None,
            typer.Option(
                help="Model card: qwen2vl, qwen25vl, uitars, uitars15 (default: from --model)."
            ),
        ],
        None,
    ),
    (
        "platform",
        Annotated[str, typer.Option(help="Prompt for a mobile or desktop screen.")],
        "mobile",
    ),
    (
        "base_url",
        Annotated[
            str | None,
            typer.Option(help="OpenAI-compatible server, e.g. http://localhost:8000/v1."),
        ],
        None,
    ),
    (
        "api_key_env",
        Annotated[
            str, typer.Option(help="Environment variable holding the API key (never recorded).")
        ],
        "OPENAI_API_KEY",
    ),
    ("max_new_tokens", Annotated[int, typer.Option(help="Cap on generated tokens per step.")], 256),
    (
        "min_pixels",
        Annotated[
            int | None,
            typer.Option(
                help="Smallest pixel budget of the resized screenshot (default: the card's)."
            ),
        ],
        None,
    ),
    (
        "max_pixels",
        Annotated[
            int | None,
            typer.Option(
                help="Largest pixel budget of the resized screenshot (default: the card's, "
                "1280*28*28 for every card; parse and raw scoring assume the same)."
            ),
        ],
        None,
    ),
    ("temperature", Annotated[float, typer.Option(help="0 decodes greedily.")], 0.0),
    (
        "history_images",
        Annotated[
            int | None, typer.Option(help="Previous screenshots shown besides the current one.")
        ],
        None,
    ),
    (
        "device",
        Annotated[
            str | None,
            typer.Option(help="torch device for --policy qwen2vl (default cuda if any)."),
        ],
        None,
    ),
]


@dataclass(frozen=True)
class PolicyChoice:
    """The policy a command was asked for; ``build()`` constructs it (loading models)."""

    name: str
    settings: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Policy:
        from screenpilot.policies import PolicyOptions
        from screenpilot.registry import make_policy

        settings = dict(self.settings)
        actions = settings.pop("actions")
        return make_policy(
            self.name, PolicyOptions(actions=str(actions) if actions else None, **settings)
        )


Command = TypeVar("Command", bound=Callable[..., Any])


def with_policy(command: Command) -> Command:
    """Add the policy options to ``command``, which receives them as ``policy: PolicyChoice``.

    A default of the ``policy`` parameter (``policy: PolicyChoice = REFERENCE``, a module-level
    ``PolicyChoice("reference")``) sets the default of ``--policy``."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "policy"]
    policy_default = signature.parameters["policy"].default
    defaults = {"policy": policy_default.name} if isinstance(policy_default, PolicyChoice) else {}
    added = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=defaults.get(name, default),
            annotation=hint,
        )
        for name, hint, default in _POLICY_OPTIONS
    ]

    @functools.wraps(command)
    def wrapper(**arguments: Any) -> Any:
        settings = {name: arguments.pop(name) for name, _, _ in _POLICY_OPTIONS}
        return command(policy=PolicyChoice(settings.pop("policy"), settings), **arguments)

    parameters = own + added
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper  # type: ignore[return-value]
