"""Names for ``--env`` and ``--policy``: every environment and policy buildable by name.

The names span layers (the simulated phone, the AITZ teacher-forced environment, the sim's
reference policy), so they are listed here, above all of them, as lazy ``module:Class`` paths:
nothing heavy is imported until a name is used.
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING

from screenpilot.errors import ConfigError
from screenpilot.policies import POLICIES as MODEL_POLICIES
from screenpilot.policies import PolicySettings

if TYPE_CHECKING:
    from collections.abc import Callable

    from screenpilot.agent.core import Environment, Policy

ENVIRONMENTS: dict[str, str] = {
    "demo": "screenpilot.environments.demo:DemoEnv",
    "desktop": "screenpilot.environments.desktop:DesktopEnv",
    "replay": "screenpilot.environments.replay:ReplayEnv",
    "aitz": "screenpilot.evaluation.aitz_env:AITZEnv",
    "android": "screenpilot.environments.android:AndroidEnv",
    "sim": "screenpilot.sim.env:SimEnv",
}
"""Environment names for ``--env`` and ``make_env``, each a lazy "module:Class" path."""


def _unknown(kind: str, name: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(f"unknown {kind} {name!r} (known: {', '.join(known)}){hint}")


def load_class(path: str) -> type:
    """The class named by a ``module:Class`` path."""
    module, name = path.split(":")
    cls: type = getattr(importlib.import_module(module), name)
    return cls


def make_env(spec: str, *, ui_tree: bool = True) -> Environment:
    """Build an environment from ``NAME`` or ``NAME:ARGUMENT`` (e.g. ``android:SERIAL``);
    ``ui_tree=False`` turns a device's UI tree off (refused where there is none to turn off)."""
    name, _, argument = spec.partition(":")
    if name not in ENVIRONMENTS:
        raise _unknown("environment", name, list(ENVIRONMENTS))
    cls: type[Environment] = load_class(ENVIRONMENTS[name])
    return cls.from_spec(argument or None, ui_tree=ui_tree)


def _reference(settings: PolicySettings) -> Policy:
    from screenpilot.sim.reference import ReferencePolicy

    return ReferencePolicy()


POLICIES: dict[str, Callable[[PolicySettings], Policy]] = {
    **MODEL_POLICIES,
    "reference": _reference,  # plays a simulated task's reference solution (--env sim --task)
}
"""Policy names for ``--policy`` and ``make_policy``."""


def make_policy(name: str, settings: PolicySettings | None = None) -> Policy:
    """Build the policy called ``name`` from ``settings``."""
    factory = POLICIES.get(name)
    if factory is None:
        raise _unknown("policy", name, list(POLICIES))
    return factory(settings or PolicySettings())


__all__ = ["ENVIRONMENTS", "POLICIES", "load_class", "make_env", "make_policy"]
