"""Policies: what decides the next action. ``screenpilot.registry.make_policy`` builds one by name
from ``PolicySettings``, the one declaration of every policy setting."""

from __future__ import annotations

from collections.abc import Callable

from screenpilot.agent.core import Policy
from screenpilot.errors import ConfigError
from screenpilot.policies.scripted import FunctionPolicy, ScriptedPolicy
from screenpilot.policies.settings import PolicySettings


def _scripted(settings: PolicySettings) -> Policy:
    if not settings.actions:
        msg = (
            "the scripted policy needs a file of actions: --actions FILE (JSON array or JSONL); "
            "for a simulated task without a model, use --policy reference"
        )
        raise ConfigError(msg)
    return ScriptedPolicy.from_file(settings.actions)


def _qwen2vl(settings: PolicySettings) -> Policy:
    from screenpilot.policies.qwen2vl import Qwen2VLPolicy

    return Qwen2VLPolicy(settings)


def _openai(settings: PolicySettings) -> Policy:
    from screenpilot.policies.openai_compat import OpenAIPolicy

    return OpenAIPolicy(settings)


POLICIES: dict[str, Callable[[PolicySettings], Policy]] = {
    "scripted": _scripted,
    "qwen2vl": _qwen2vl,
    "openai": _openai,
}
"""The policies defined here, by name; ``screenpilot.registry`` adds the rest."""


__all__ = ["POLICIES", "FunctionPolicy", "PolicySettings", "ScriptedPolicy"]
