"""A flow: an optional goal and a list of steps, read from YAML (``yaml.safe_load`` only) or
built in Python, and written back as YAML.

    goal: Turn on Wi-Fi
    steps:
      - open_app: Settings
      - tap: Wi-Fi

Anything the file says that a flow does not know (a verb, a key, a value of the wrong kind) is a
ConfigError naming the step and the key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from screenpilot.errors import ConfigError
from screenpilot.flows.steps import FlowStep, parse_step, step_data

TOP_KEYS = ("goal", "steps")


@dataclass(frozen=True)
class FlowSpec:
    """A flow's goal (shown in reports, handed to a fallback policy) and its steps."""

    steps: tuple[FlowStep, ...]
    goal: str | None = None
    source: str = field(default="python", compare=False)
    """Where it was read from (a file name), for messages."""

    def __post_init__(self) -> None:
        if not self.steps:
            raise ConfigError(f"the flow {self.source} has no steps")

    @classmethod
    def from_data(cls, data: Any, *, source: str = "python") -> FlowSpec:
        """A flow from its parsed YAML (a mapping with ``steps``, optionally ``goal``)."""
        if not isinstance(data, dict):
            msg = f"{source}: a flow is a mapping with 'steps' (and optionally 'goal')"
            raise ConfigError(msg)
        unknown = [key for key in data if key not in TOP_KEYS]
        if unknown:
            msg = f"{source}: unknown key {unknown[0]!r}; a flow has {', '.join(TOP_KEYS)}"
            raise ConfigError(msg)
        goal = data.get("goal")
        if goal is not None and (not isinstance(goal, str) or not goal.strip()):
            raise ConfigError(f"{source}: goal must be text, got {goal!r}")
        items = data.get("steps")
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{source}: 'steps' must be a list of steps")
        steps = []
        for number, item in enumerate(items, start=1):
            try:
                steps.append(parse_step(number, item))
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        return cls(tuple(steps), goal.strip() if goal else None, source)

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<text>") -> FlowSpec:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{source} is not valid YAML: {' '.join(str(exc).split())}") from None
        return cls.from_data(data, source=source)

    def data(self) -> dict[str, Any]:
        """The flow as YAML writes it."""
        written: dict[str, Any] = {}
        if self.goal:
            written["goal"] = self.goal
        written["steps"] = [step_data(step) for step in self.steps]
        return written

    def to_yaml(self) -> str:
        return str(yaml.safe_dump(self.data(), sort_keys=False, allow_unicode=True, width=100))

    def identity(self) -> str:
        """A short hash of the steps (guards aside): cached locations belong to it."""
        steps = [step_data(step.model_copy(update={"guard": None})) for step in self.steps]
        text = json.dumps(steps, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_flow(path: str | Path) -> FlowSpec:
    """Read a flow file; a ConfigError for a missing file or anything wrong in it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the flow {path}: {exc}") from None
    return FlowSpec.from_yaml(text, source=str(path))


def save_flow(flow: FlowSpec, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(flow.to_yaml(), encoding="utf-8")
    return path


def flow_of(steps: Sequence[FlowStep], goal: str | None = None) -> FlowSpec:
    return FlowSpec(tuple(steps), goal)


__all__ = ["FlowSpec", "flow_of", "load_flow", "save_flow"]
