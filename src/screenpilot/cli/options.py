"""Options shared by commands: the environment, and the policy with its model settings.

``@with_policy`` adds ``--policy`` and one option per field of ``PolicySettings`` (``--model``,
``--card``, ...) to a command and hands it one ``PolicyChoice``: the options are declared once,
by the settings model, and validated by it.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar, get_origin

import typer

from screenpilot.agent.core import Policy
from screenpilot.errors import ConfigError
from screenpilot.policies.settings import PolicySettings

EnvOption = Annotated[
    str,
    typer.Option(
        "--env",
        help="Environment: sim[:TASK], demo, android[:SERIAL], desktop[:MONITOR], replay:RUN_DIR, ...",
    ),
]

MaxStepsOption = Annotated[
    int, typer.Option(help="Step budget of a run (of each episode, in an evaluation).")
]
"""``--max-steps``; its default is the agent's, ``agent.loop.MAX_STEPS``."""

StallLimitOption = Annotated[
    int,
    typer.Option(help="Stop after this many identical actions on an unchanged screen."),
]
"""``--stall-limit``; its default is the agent's, ``agent.loop.STALL_LIMIT``."""

POLICY_OPTION = Annotated[
    str,
    typer.Option(
        "--policy",
        help="Policy: scripted, reference (simulated tasks), qwen2vl (local), openai (server).",
    ),
]


def _option_type(annotation: Any) -> Any:
    """The type Typer parses a setting as: a Literal is read as text (pydantic checks it)."""
    if get_origin(annotation) is Literal:
        return str
    return annotation


def _policy_options() -> list[tuple[str, Any, Any]]:
    """One command-line option per field of ``PolicySettings``: its name, help and default."""
    options = []
    for name, setting in PolicySettings.model_fields.items():
        option = typer.Option("--" + name.replace("_", "-"), help=setting.description)
        options.append((name, Annotated[_option_type(setting.annotation), option], setting.default))
    return options


_POLICY_OPTIONS = _policy_options()


@dataclass(frozen=True)
class PolicyChoice:
    """The policy a command was asked for; ``build()`` constructs it (loading models)."""

    name: str
    settings: PolicySettings = field(default_factory=PolicySettings)

    def build(self) -> Policy:
        from screenpilot.registry import make_policy

        return make_policy(self.name, self.settings)


Command = TypeVar("Command", bound=Callable[..., Any])


FALLBACK_POLICY_OPTION = Annotated[
    str,
    typer.Option(
        "--fallback-policy",
        help="Policy the flow hands over to where the screen diverges from it; it also plays "
        "the flow's ai steps and, when it is a model, locates what the UI tree and OCR "
        "cannot (default: none).",
    ),
]


def with_policy(command: Command) -> Command:
    """Add the policy options to ``command``, which receives them as ``policy: PolicyChoice``.

    A default of the ``policy`` parameter (``policy: PolicyChoice = REFERENCE``, a module-level
    ``PolicyChoice("reference")``) sets the default of ``--policy``."""
    return _policy_options_on(command, POLICY_OPTION, "scripted", flag=None)


def with_fallback_policy(command: Command) -> Command:
    """Add ``--fallback-policy`` and the policy settings to ``command``, which receives them as
    ``policy: PolicyChoice | None`` (None when no policy was named; a setting given without one
    is a ConfigError)."""
    return _policy_options_on(command, FALLBACK_POLICY_OPTION, "", flag="--fallback-policy")


def _policy_options_on(
    command: Command, option: Any, default_name: str, *, flag: str | None
) -> Command:
    """Add the policy option ``option`` and the settings' options to ``command``; with a
    ``flag``, naming no policy is allowed and hands the command None."""
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
        for name, hint, default in [("policy", option, default_name), *_POLICY_OPTIONS]
    ]

    @functools.wraps(command)
    def wrapper(**arguments: Any) -> Any:
        name = arguments.pop("policy")
        given = {field: arguments.pop(field) for field, _, _ in _POLICY_OPTIONS}
        settings = PolicySettings.of(**given)  # a ConfigError names a bad option at once
        if flag is not None and not name:
            changed = [f for f, _, default in _POLICY_OPTIONS if given[f] != default]
            if changed:
                setting = "--" + changed[0].replace("_", "-")
                raise ConfigError(f"{setting} is a policy setting: name the policy too ({flag})")
            return command(policy=None, **arguments)
        return command(policy=PolicyChoice(name, settings), **arguments)

    parameters = own + added
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper  # type: ignore[return-value]
