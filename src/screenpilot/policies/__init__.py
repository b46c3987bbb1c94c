"""Policies: what decides the next action. ``make_policy(name, options)`` builds one by name."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from screenpilot.agent.core import Policy
from screenpilot.errors import ConfigError
from screenpilot.policies.scripted import FunctionPolicy, ScriptedPolicy


@dataclass
class PolicyOptions:
    """Settings a policy may be built from (the CLI's ``--model``, ``--actions``, ...)."""

    model: str | None = None
    actions: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _scripted(options: PolicyOptions) -> Policy:
    if not options.actions:
        msg = (
            "the scripted policy needs a file of actions: --actions FILE (JSON array or JSONL); "
            "for a simulated task without a model, use --policy reference"
        )
        raise ConfigError(msg)
    return ScriptedPolicy.from_file(options.actions)


def _reference(options: PolicyOptions) -> Policy:
    from screenpilot.environments.sim.reference import ReferencePolicy

    return ReferencePolicy()


POLICIES: dict[str, Callable[[PolicyOptions], Policy]] = {
    "scripted": _scripted,
    "reference": _reference,  # plays a simulated task's reference solution (--env sim --task)
}
"""Policy names for ``--policy`` and ``make_policy``; later policies register here."""


def make_policy(name: str, options: PolicyOptions | None = None) -> Policy:
    factory = POLICIES.get(name)
    if factory is None:
        close = difflib.get_close_matches(name, POLICIES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        msg = f"unknown policy {name!r} (known: {', '.join(POLICIES)}){hint}"
        raise ConfigError(msg)
    return factory(options or PolicyOptions())


__all__ = ["POLICIES", "FunctionPolicy", "PolicyOptions", "ScriptedPolicy", "make_policy"]
