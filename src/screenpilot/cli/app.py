"""The Typer app, its console, and the entry point that turns errors into exit codes.

Everything a command prints goes through ``REDACTOR``: ``run`` fills it with its
``--secret-env`` values and API key and hands it to the agent, which adds text typed into
fields the safety gate flags, so that progress lines, messages and errors never show them.
"""

from __future__ import annotations

import functools
import re
import sys
import time
import traceback
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.status import Status
from rich.text import Text

from screenpilot.agent.core import Step
from screenpilot.agent.recording import flagged_typing
from screenpilot.agent.run_dirs import new_run_dir
from screenpilot.agent.secrets import MASK, Redactor
from screenpilot.errors import ConfigError, DeviceError, ModelError, ScreenpilotError
from screenpilot.evaluation.progress import Clock, progress_line
from screenpilot.formatting import decimal, duration
from screenpilot.tools.actions import ActionBase, to_json

PLAIN_HELP = None
"""``--help`` as plain text: help texts are shown as written, never read as rich markup (and
flags carry no ``<bool>`` type)."""
INTERRUPTED = 130
"""The exit status of a command stopped with Ctrl-C (128 + SIGINT, as shells report it)."""

app = typer.Typer(
    help="A vision-language model operates a phone or a desktop: observe, think, act.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=PLAIN_HELP,
)
console = Console(stderr=True)
REDACTOR = Redactor()
"""What this process must not print (nor name a run folder after)."""


def hide(secrets: list[tuple[str, str]]) -> Redactor:
    """A fresh ``REDACTOR`` that hides each (where it came from, value): a value shorter than
    the redactor can hide is a ConfigError naming where it came from, never the value."""
    global REDACTOR
    REDACTOR = Redactor()
    for origin, value in secrets:
        try:
            REDACTOR.add(value, strict=True)
        except ConfigError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
    return REDACTOR


def default_out(name: str) -> Path:
    """``runs/DATE-TIME-slug``: a fresh run directory named after the task, a secret in it
    named ``secret`` (``run_dirs.new_run_dir``)."""
    return new_run_dir(name, redactor=REDACTOR)


def parse_size(text: str, option: str) -> tuple[int, int]:
    """``"1080x2400"`` -> (1080, 2400); a ConfigError naming ``option`` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match or 0 in (int(match[1]), int(match[2])):
        raise ConfigError(f"{option} must look like WIDTHxHEIGHT (e.g. 1080x2400), got {text!r}")
    return int(match[1]), int(match[2])


def describe_action(step: Step) -> str:
    if step.action is None:
        return step.error.message if step.error else "no action"
    # A password, a card number typed into a flagged field: never shown, however short.
    return action_text(step.action, hide_text=flagged_typing(step))


def action_text(action: ActionBase, *, hide_text: bool = False) -> str:
    """An action as progress lines show it: ``tap(x=0.250, y=0.679)``."""
    fields = to_json(action)
    kind = fields.pop("type")
    if hide_text:
        fields["text"] = MASK
    shown = ", ".join(
        f"{k}={decimal(v)}" if isinstance(v, float) else f"{k}={v!r}"
        for k, v in fields.items()
        if v is not None
    )
    return f"{kind}({shown})"


def print_step(step: Step) -> None:
    """The live progress line of one step."""
    colour = {"executed": "green", "dry_run": "blue", "denied": "yellow"}.get(step.status, "red")
    seconds = step.timings.get("total", 0.0)
    line = Text.assemble(
        (f"{step.index + 1:>3} ", "dim"),
        (f"{step.status:<12} ", colour),
        printed(describe_action(step)),  # model text: printed as it is, never read as markup
        (f" {duration(seconds)}", "dim"),
    )
    console.print(line, highlight=False)


def live_steps(status: Status, clock: Clock = time.monotonic) -> Callable[[Step], None]:
    """The ``on_step`` of a run: each step's line, and under them the spinner's: the steps so
    far and their mean time (no fraction: a run ends when it ends, not at its budget)."""
    began = clock()

    def on_step(step: Step) -> None:
        print_step(step)
        done = step.index + 1
        line = progress_line(unit="step", done=done, fresh=done, seconds=clock() - began)
        status.update(Text(f"running… {line}"))

    return on_step


_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def shown(text: str) -> str:
    """``text`` safe to print: control characters (escape sequences, bells, carriage returns)
    and bidirectional overrides written as escapes (``\\x1b``), so that data cannot restyle,
    move, reorder or hide what the terminal shows. Newlines and tabs stay."""
    return "".join(
        char
        if char in "\n\t" or (unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS)
        else ascii(char)[1:-1]
        for char in text
    )


def printed(text: str) -> str:
    """``text`` as the terminal may show it: secrets hidden, then control characters escaped
    (in that order: escaping first would hide a secret that holds one from the redactor)."""
    return shown(REDACTOR.redact(text))


def say(*parts: str | tuple[str, str]) -> None:
    """One line on the terminal: plain text, or (text, style) pairs. Data (paths, tasks, model
    answers) is printed as it is, never read as markup, with control characters escaped."""
    safe = [
        (printed(part[0]), part[1]) if isinstance(part, tuple) else printed(part) for part in parts
    ]
    console.print(Text.assemble(*safe), soft_wrap=True, highlight=False)


def print_error(label: str, error: BaseException) -> None:
    """One unwrapped line, the message printed literally (it may hold paths and model text),
    then each note the error carries (such as where the run so far was saved)."""
    message = str(error)
    head = Text(f"{label}: " if message else label, style="red") + Text(printed(message))
    console.print(head, soft_wrap=True)
    for note in getattr(error, "__notes__", ()):
        console.print(Text(printed(str(note))), soft_wrap=True, highlight=False)


class Interrupted(Exception):
    """Ctrl-C during a command, with the notes of the interruption (where the run so far is
    saved). Typer turns a KeyboardInterrupt into a silent exit; this one reaches ``main``."""

    __notes__: list[str]

    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        self.__notes__ = notes


Command = TypeVar("Command", bound=Callable[..., Any])


def interruptible(command: Command) -> Command:
    """Make Ctrl-C during ``command`` exit 130 after saying where its work so far is saved."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as exc:
            raise Interrupted(list(getattr(exc, "__notes__", ()))) from exc

    return wrapper  # type: ignore[return-value]


def main() -> None:
    """Entry point: run the app and turn known errors into one-line messages and exit codes."""
    try:
        app()
    except Interrupted as exc:
        print_error("interrupted", exc)
        sys.exit(INTERRUPTED)
    except (ConfigError, ModelError) as exc:
        print_error("error", exc)
        sys.exit(2)
    except DeviceError as exc:
        print_error("device error", exc)
        sys.exit(3)
    except ScreenpilotError as exc:
        print_error("error", exc)
        sys.exit(1)
    except Exception as exc:  # a bug: its traceback, with the secrets it may quote hidden
        trace = "".join(traceback.format_exception(exc))
        sys.stderr.write(REDACTOR.redact(trace))
        sys.exit(1)
