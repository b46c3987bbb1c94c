"""Environments: where actions happen. Each is importable as ``screenpilot.environments.<Name>Env``
and buildable by name (``make_env("demo")``, ``make_env("replay:RUN_DIR")``); nothing heavy is
imported until an environment is actually used.
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING, Any

from screenpilot.errors import ConfigError

if TYPE_CHECKING:
    from screenpilot.agent.core import Environment
    from screenpilot.environments.android import AndroidEnv
    from screenpilot.environments.demo import DemoEnv
    from screenpilot.environments.desktop import DesktopEnv
    from screenpilot.environments.replay import ReplayEnv
    from screenpilot.evaluation.aitz_env import AITZEnvironment
    from screenpilot.sim.env import SimEnv

ENVIRONMENTS: dict[str, str] = {
    "demo": "screenpilot.environments.demo:DemoEnv",
    "desktop": "screenpilot.environments.desktop:DesktopEnv",
    "replay": "screenpilot.environments.replay:ReplayEnv",
    "aitz": "screenpilot.evaluation.aitz_env:AITZEnvironment",
    "android": "screenpilot.environments.android:AndroidEnv",
    "sim": "screenpilot.sim.env:SimEnv",
}
"""Environment names for ``--env`` and ``make_env``, each a lazy "module:Class" path."""

_CLASSES = {path.rsplit(":", 1)[1]: path for path in ENVIRONMENTS.values()}
_ALIASES = {"ReplayEnvironment": "ReplayEnv", "AITZEnv": "AITZEnvironment"}


def _load(path: str) -> type[Environment]:
    module, name = path.split(":")
    cls: type[Environment] = getattr(importlib.import_module(module), name)
    return cls


def make_env(spec: str) -> Environment:
    """Build an environment from ``NAME`` or ``NAME:ARGUMENT`` (e.g. ``android:SERIAL``)."""
    name, _, argument = spec.partition(":")
    if name not in ENVIRONMENTS:
        close = difflib.get_close_matches(name, ENVIRONMENTS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        msg = f"unknown environment {name!r} (known: {', '.join(ENVIRONMENTS)}){hint}"
        raise ConfigError(msg)
    return _load(ENVIRONMENTS[name]).from_spec(argument or None)


def __getattr__(name: str) -> Any:
    name = _ALIASES.get(name, name)
    if name in _CLASSES:
        return _load(_CLASSES[name])
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "ENVIRONMENTS",
    "AITZEnvironment",
    "AndroidEnv",
    "DemoEnv",
    "DesktopEnv",
    "ReplayEnv",
    "SimEnv",
    "make_env",
]
