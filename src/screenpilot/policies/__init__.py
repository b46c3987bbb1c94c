"""Policies: what decides the next action. ``screenpilot.registry.make_policy`` builds one by name."""

from __future__ import annotations

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
    # Model-card policies (qwen2vl, openai); None means the card's or policy's default.
    card: str | None = None
    platform: str = "mobile"
    base_url: str | None = None
    api_key_env: str | None = "OPENAI_API_KEY"
    """Name of the environment variable holding the API key (the key is never recorded)."""
    max_new_tokens: int = 256
    min_pixels: int | None = None
    max_pixels: int | None = None
    temperature: float = 0.0
    history_images: int | None = None
    device: str | None = None


def _scripted(options: PolicyOptions) -> Policy:
    if not options.actions:
        msg = (
            "the scripted policy needs a file of actions: --actions FILE (JSON array or JSONL); "
            "for a simulated task without a model, use --policy reference"
        )
        raise ConfigError(msg)
    return ScriptedPolicy.from_file(options.actions)


def _card_settings(options: PolicyOptions) -> dict[str, Any]:
    if not options.model:
        raise ConfigError("this policy needs --model (a hub id, a local path or a served name)")
    if options.platform not in ("mobile", "desktop"):
        raise ConfigError(f"--platform must be mobile or desktop, got {options.platform!r}")
    return {
        "card": options.card,
        "platform": options.platform,
        "min_pixels": options.min_pixels,
        "max_pixels": options.max_pixels,
        "max_new_tokens": options.max_new_tokens,
        "temperature": options.temperature,
        "history_images": options.history_images,
        **options.extra,
    }


def _qwen2vl(options: PolicyOptions) -> Policy:
    from screenpilot.policies.qwen2vl import Qwen2VLPolicy

    settings = _card_settings(options)
    assert options.model is not None
    return Qwen2VLPolicy(options.model, device=options.device, **settings)


def _openai(options: PolicyOptions) -> Policy:
    from screenpilot.policies.openai_compat import OpenAIPolicy

    settings = _card_settings(options)
    if not options.base_url:
        msg = "the openai policy needs --base-url (e.g. http://localhost:8000/v1)"
        raise ConfigError(msg)
    assert options.model is not None
    return OpenAIPolicy(
        options.model, base_url=options.base_url, api_key_env=options.api_key_env, **settings
    )


POLICIES: dict[str, Callable[[PolicyOptions], Policy]] = {
    "scripted": _scripted,
    "qwen2vl": _qwen2vl,
    "openai": _openai,
}
"""The policies defined here, by name; ``screenpilot.registry`` adds the rest."""


__all__ = ["POLICIES", "FunctionPolicy", "PolicyOptions", "ScriptedPolicy"]
