"""Policies without a model: a fixed script of actions, or any Python function."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from screenpilot.agent.core import Decision, Observation, Policy, PolicyInfo, Step
from screenpilot.errors import ConfigError, InvalidActionError
from screenpilot.tools.actions import Action, ActionBase, Finish, to_action, to_json


class ScriptedPolicy(Policy):
    """Plays a list of actions in order, then finishes with failure if the run goes on. Every
    episode plays the script from its first action (``reset``)."""

    def __init__(
        self, actions: Iterable[ActionBase | dict[str, Any] | str], *, source: str = "list"
    ) -> None:
        self.actions: list[Action] = []
        for number, item in enumerate(actions, start=1):
            try:
                self.actions.append(to_action(item))
            except InvalidActionError as exc:
                msg = f"action {number} of the script ({source}): {exc}"
                raise ConfigError(msg) from exc
        self.source = source
        self._next = 0

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedPolicy:
        """Read a JSON array of actions, or JSONL with one action per line (# starts a comment)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"cannot read the action script {path}: {exc}"
            raise ConfigError(msg) from exc
        if text.lstrip().startswith("["):
            try:
                items = json.loads(text)
            except ValueError as exc:
                msg = f"{path} is not a valid JSON array of actions: {exc}"
                raise ConfigError(msg) from exc
            return cls(items, source=str(path))
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                items.append(json.loads(line))
            except ValueError as exc:
                msg = f"{path}:{number} is not valid JSON: {exc}"
                raise ConfigError(msg) from exc
        return cls(items, source=str(path))

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        if self._next >= len(self.actions):
            action: Action = Finish(status="failure", answer=None)
            return Decision(
                action=action,
                raw_output=json.dumps(to_json(action)),
                reasoning="The script has no more actions.",
            )
        action = self.actions[self._next]
        self._next += 1
        return Decision(action=action, raw_output=json.dumps(to_json(action), ensure_ascii=False))

    def reset(self) -> None:
        """Rewind to the script's first action."""
        self._next = 0

    def state(self) -> dict[str, Any]:
        """The position in the script: a resumed evaluation continues from it."""
        return {"position": self._next}

    def restore(self, state: Mapping[str, Any]) -> None:
        position = state.get("position")
        if not isinstance(position, int) or not 0 <= position <= len(self.actions):
            msg = f"cannot resume the script at position {position!r} ({len(self.actions)} actions)"
            raise ConfigError(msg)
        self._next = position

    def describe(self) -> PolicyInfo:
        return PolicyInfo(
            name="scripted", extra={"source": self.source, "actions": len(self.actions)}
        )


PolicyFunction = Callable[[str, Observation, Sequence[Step]], "Decision | ActionBase"]


class FunctionPolicy(Policy):
    """Wraps a function ``(task, observation, history) -> Decision | Action`` as a policy."""

    def __init__(self, function: PolicyFunction, *, name: str | None = None) -> None:
        self.function = function
        self.name = name or getattr(function, "__name__", "function")

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        result = self.function(task, observation, history)
        if isinstance(result, Decision):
            return result
        action = to_action(result)
        return Decision(action=action, raw_output=json.dumps(to_json(action), ensure_ascii=False))

    def describe(self) -> PolicyInfo:
        return PolicyInfo(name=self.name)
