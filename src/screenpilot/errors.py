"""Errors, sorted by whose fault they are.

- ``ModelError``: the model produced something unusable. The agent loop records it on the
  step and shows it to the policy on the next turn; it never stops a run.
- ``ConfigError``: the caller asked for something impossible. Raised at once, with a hint.
- ``DeviceError``: the phone, desktop or server failed. Raised after the run so far is saved.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class ScreenpilotError(Exception):
    """Base class of every error screenpilot raises on purpose."""


class ModelError(ScreenpilotError):
    """The model's fault: recorded on the step and fed back to the policy."""

    kind = "model_error"

    def __init__(self, message: str, *, raw_output: str = "") -> None:
        super().__init__(message)
        self.raw_output = raw_output


class ParseError(ModelError):
    """The model's answer could not be read as an action."""

    kind = "parse_error"


class AnswerTooLongError(ParseError):
    """The answer is longer than any reading of it is allowed to be (a model looping)."""

    kind = "answer_too_long"


class InvalidActionError(ModelError, ValueError):
    """An action's fields are wrong: unknown type, out-of-range coordinate, empty text."""

    kind = "invalid_action"


class OutOfFrameError(InvalidActionError):
    """A coordinate lies outside the frame the model was taken to write in."""


class UnsupportedActionError(ModelError):
    """The environment cannot perform this action (type or key); nothing was executed."""

    kind = "unsupported_action"


class ConfigError(ScreenpilotError, ValueError):
    """The caller's configuration is wrong; the message says how to fix it."""


class DependencyNotInstalled(ConfigError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class DeviceError(ScreenpilotError):
    """The device, display or server failed (gone, timed out, command failed)."""

    def __init__(self, message: str, *, device: str | None = None, command: str | None = None):
        details = ", ".join(
            f"{name} {value!r}"
            for name, value in (("device", device), ("command", command))
            if value
        )
        super().__init__(f"{message} ({details})" if details else message)
        self.device = device
        self.command = command


LONGEST_TIMEOUT = 86_400.0
"""The longest a timeout setting may be (a day): longer ones overflow the timers that keep it."""


def check_timeout(name: str, seconds: float) -> float:
    """``seconds`` if it is a usable timeout (above 0, at most a day), else a ConfigError."""
    if not 0 < seconds <= LONGEST_TIMEOUT:  # NaN fails both comparisons
        msg = (
            f"{name} must be a number of seconds above 0 and at most {LONGEST_TIMEOUT:,.0f}, "
            f"got {seconds!r}"
        )
        raise ConfigError(msg)
    return seconds


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or explain which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (
            f"{module!r} is needed for this feature but could not be imported ({exc}); "
            f'install it with: pip install "screenpilot[{extra}]"'
        )
        raise DependencyNotInstalled(msg) from exc
