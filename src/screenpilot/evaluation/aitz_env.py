"""``AITZEnv``: recorded AITZ episodes replayed teacher-forced, and the ground-truth
history policies are given. The loader lives in ``aitz_data``; its names are re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from screenpilot.agent.core import Decision, Environment, Observation, Step, StepResult
from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_data import (
    COAT_FIELDS,
    SPLITS,
    AITZDataset,
    AITZEpisode,
    AITZStep,
    DatasetError,
    MissingSplitError,
    Skip,
    load_aitz,
    parse_episode,
)
from screenpilot.evaluation.matching import DEFAULT_PROTOCOL, PROTOCOLS
from screenpilot.tools.actions import ACTION_CLASSES, Action, Finish, to_json

__all__ = [
    "COAT_FIELDS",
    "SPLITS",
    "AITZDataset",
    "AITZEnv",
    "AITZEpisode",
    "AITZStep",
    "DatasetError",
    "MissingSplitError",
    "Skip",
    "gt_history",
    "load_aitz",
    "parse_episode",
]


def gt_history(episode: AITZEpisode, upto: int, *, coat: bool = False) -> list[Step]:
    """The ground-truth steps before step ``upto``, as policies read history. With ``coat``,
    each carries CoAT's action description (``info["summary"]``) and thought (``reasoning``)."""
    history = []
    for index, recorded in enumerate(episode.steps[:upto]):
        decision = Decision(
            action=recorded.action,
            raw_output=json.dumps(to_json(recorded.action), ensure_ascii=False),
            reasoning=(recorded.coat["coat_action_think"] or None) if coat else None,
            info={"summary": recorded.coat["coat_action_desc"]}
            if coat and recorded.coat["coat_action_desc"]
            else {},
        )
        history.append(Step(index=index, observation=None, decision=decision, status="executed"))
    return history


class AITZEnv(Environment):
    """Recorded AITZ episodes, teacher-forced: each step shows the recorded screen, scores the
    action against the recorded one (``StepResult.info``) and moves along the recorded path
    whatever the action was. ``reset`` starts the next episode (``seed``: episode number). A ``finish`` ends the episode
    (the Environment contract); ``screenpilot eval aitz`` scores every step regardless, with
    the ground-truth history of ``history()`` (under the ``Agent`` loop a policy sees its own)."""

    supported_actions = frozenset(ACTION_CLASSES)
    simulated = True

    def __init__(
        self,
        data: str | Path | AITZDataset,
        *,
        split: str = "test",
        subset: str | None = None,
        limit: int | None = None,
        protocol: str = DEFAULT_PROTOCOL,
        coat_history: bool = False,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ConfigError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
        self.dataset = (
            data if isinstance(data, AITZDataset) else load_aitz(data, split, subset, limit=limit)
        )
        if not self.dataset.episodes:
            raise ConfigError(f"no AITZ episodes in {self.dataset.root}/{self.dataset.split}")
        self.protocol, self.coat_history = protocol, coat_history
        self._episode, self._step = -1, 0

    @classmethod
    def from_spec(cls, argument: str | None, *, ui_tree: bool = True) -> AITZEnv:
        """``aitz:ROOT`` (test split), ``aitz:ROOT/SPLIT`` or ``aitz:ROOT/SPLIT/SUBSET``."""
        cls.refuse_ui_tree_off(ui_tree)
        if not argument:
            raise ConfigError("aitz needs the dataset folder: --env aitz:ROOT[/SPLIT[/SUBSET]]")
        path = Path(argument)
        if path.name in SPLITS:
            return cls(path.parent, split=path.name)
        if path.parent.name in SPLITS:
            return cls(path.parent.parent, split=path.parent.name, subset=path.name)
        try:
            return cls(path)
        except MissingSplitError as error:
            if not error.found:
                raise
            raise MissingSplitError(path, error.split, choose=f"--env aitz:{path}/") from None

    @property
    def episode(self) -> AITZEpisode:
        return self.dataset.episodes[max(self._episode, 0)]

    @property
    def task(self) -> str:
        return self.episode.instruction

    @property
    def current(self) -> AITZStep:
        return self.episode.steps[min(self._step, len(self.episode.steps) - 1)]

    @property
    def screen_size(self) -> tuple[int, int]:
        return self.current.gt.screen.size

    def history(self) -> Sequence[Step]:
        """Ground-truth history for the current step."""
        return gt_history(self.episode, self._step, coat=self.coat_history)

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        """Start the next episode, or with ``seed`` the episode of that index (modulo their
        number), so that one seed always shows the same recorded screen."""
        following = self._episode + 1 if seed is None else seed
        self._episode = following % len(self.dataset.episodes)
        self._step = 0
        return self.current.observation()

    def step(self, action: Action) -> StepResult:
        recorded = self.current
        verdict = PROTOCOLS[self.protocol](recorded.gt, action)
        info = {
            "episode_id": recorded.episode_id,
            "step_id": recorded.step_id,
            "gt": to_json(recorded.action),
            "protocol": self.protocol,
            "type_match": verdict.type_match,
            "exact_match": verdict.exact_match,
        }
        last = self._step + 1 >= len(self.episode.steps)
        if not last:
            self._step += 1
        done = last or isinstance(action, Finish)
        return StepResult(self.current.observation(), terminated=done, info=info)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "dataset": self.dataset.describe(), "protocol": self.protocol}
