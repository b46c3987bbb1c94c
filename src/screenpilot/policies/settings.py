"""``PolicySettings``: every setting a policy is built from, declared once.

The command line's policy options (``--model``, ``--card``, ``--max-pixels``, ...) are generated
from these fields, the policy constructors validate their keyword arguments against them, and
run manifests record them. A setting left at None means "the card's or the policy's default",
resolved by the policy that reads it (a card owns its pixel budget).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screenpilot.errors import LONGEST_TIMEOUT, ConfigError

Platform = Literal["mobile", "desktop"]
HistoryWindow = Literal["sliding", "append"]


class PolicySettings(BaseModel):
    """What a policy is asked to be: model, card, prompt platform, pixel budget, decoding."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actions: str | None = Field(
        None, description="Action script for --policy scripted (JSON or JSONL)."
    )
    model: str | None = Field(None, description="Model id or path, for model policies.")
    card: str | None = Field(
        None,
        description="Model card: qwen2vl, qwen25vl, uitars, uitars15, tools (default: from --model).",
    )
    platform: Platform = Field("mobile", description="Prompt for a mobile or desktop screen.")
    base_url: str | None = Field(
        None, description="OpenAI-compatible server, e.g. http://localhost:8000/v1."
    )
    api_key_env: str | None = Field(
        "OPENAI_API_KEY",
        description="Environment variable holding the API key (its name is recorded, never the key).",
    )
    timeout: float | None = Field(
        None,
        gt=0,
        le=LONGEST_TIMEOUT,
        description="Seconds a served model (--policy openai) has for one request, from "
        "connecting to the answer's last byte (default 120).",
    )
    max_retries: int | None = Field(
        None,
        ge=0,
        description="Retries of a served model's request after a failure that may pass "
        "(default 4).",
    )
    max_new_tokens: int = Field(256, ge=1, description="Cap on generated tokens per step.")
    min_pixels: int | None = Field(
        None,
        ge=1,
        description="Smallest pixel budget of the resized screenshot (default: the card's).",
    )
    max_pixels: int | None = Field(
        None,
        ge=1,
        description="Largest pixel budget of the resized screenshot (default: the card's; "
        "parse and raw scoring assume the same).",
    )
    temperature: float = Field(0.0, ge=0, description="Sampling temperature; 0 decodes greedily.")
    history_images: int | None = Field(
        None,
        ge=0,
        description="Previous screenshots shown besides the current one (default: the card's).",
    )
    history_window: HistoryWindow = Field(
        "sliding",
        description="How earlier steps leave a prompt that shows only the last few: sliding "
        "(one per step, as the models were trained) or append (earlier turns are never "
        "rewritten; the oldest leave together once the window is full, so that each request "
        "extends the one before and a server's prefix cache can reuse it).",
    )
    device: str | None = Field(
        None, description="torch device for --policy qwen2vl (default: cuda if there is one)."
    )
    tokenizer: str | None = Field(
        None,
        description="For --policy openai: the served model's tokenizer (hub id or folder, read "
        "from the local cache) to count the prompt tokens each step shares with the step "
        "before (prefix_shared_tokens); without it they are counted in bytes.",
    )

    @classmethod
    def of(cls, base: PolicySettings | str | None = None, /, **changes: Any) -> PolicySettings:
        """Settings from a base (settings, or just a model name) with ``changes`` applied;
        anything invalid is a ConfigError naming the setting."""
        fields: dict[str, Any] = {}
        if isinstance(base, PolicySettings):
            fields = base.model_dump(exclude_unset=True)
        elif base is not None:
            fields = {"model": base}
        try:
            return cls.model_validate({**fields, **changes})
        except ValidationError as exc:
            raise ConfigError(describe_errors(exc)) from None

    def recorded(self) -> dict[str, Any]:
        """The settings as run manifests keep them (the API key's variable name, never a key)."""
        return self.model_dump(mode="json")


def describe_errors(error: ValidationError) -> str:
    """``--max-pixels: Input should be greater than or equal to 1 (got 0)``, one per problem."""
    problems = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"])
        option = "--" + name.replace("_", "-")
        if item["type"] == "extra_forbidden":
            known = ", ".join(PolicySettings.model_fields)
            problems.append(f"unknown policy setting {name!r} (settings: {known})")
        else:
            problems.append(f"{option}: {item['msg']} (got {item.get('input')!r})")
    return "invalid policy settings: " + "; ".join(problems)


__all__ = ["HistoryWindow", "Platform", "PolicySettings", "describe_errors"]
