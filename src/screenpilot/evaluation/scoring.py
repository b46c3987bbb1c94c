"""Scored AITZ steps (the lines of ``results.jsonl``) and the metrics computed from them.

Metrics depend only on the scored steps and the dataset's order, never on timings or on the
order steps completed in, so a resumed run gives exactly the metrics of an uninterrupted one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ConfigDict, Field

from screenpilot.evaluation.aitz_env import AITZStep
from screenpilot.evaluation.androidcontrol_matching import AC_PROTOCOLS
from screenpilot.evaluation.matching import PROTOCOLS, Matcher
from screenpilot.evaluation.run_folder import LoggedUnit
from screenpilot.tools.actions import Action, to_json

StepKey = tuple[str, int]
"""(episode_id, step_id)."""
MATCHERS: dict[str, Matcher] = {**PROTOCOLS, **AC_PROTOCOLS}
"""Every protocol by name: AITZ's (``matching``) and AndroidControl's (``androidcontrol_matching``)."""


class StepScore(LoggedUnit):
    """One line of a step benchmark's ``results.jsonl`` (AITZ, AndroidControl)."""

    model_config = ConfigDict(extra="ignore")
    episode_id: str
    step_id: int
    subset: str
    gt_type: str
    """The ground truth's type (``by_action`` keys): AITZ's click, scroll, type, press or stop;
    AndroidControl's released action type."""
    gt: dict[str, Any]
    prediction: dict[str, Any] | None
    raw: str = ""
    error: str | None = None
    """Why the output gave no usable action (an invalid step), if it did not."""
    invalid: bool
    protocol: str
    type_match: bool
    exact_match: bool
    protocol_gt_type: str
    protocol_pred_type: str | None = None
    reasoning: str | None = None
    repairs: list[str] = Field(default_factory=list)
    """What the parser changed to read the output (aliases, reshaped arguments, another frame)."""
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def key(self) -> StepKey:
        return (self.episode_id, self.step_id)

    @property
    def passed(self) -> bool:
        return self.exact_match

    def step_timings(self) -> list[dict[str, float]]:
        return [self.timings] if self.timings else []

    @property
    def label(self) -> str:
        return f"episode {self.episode_id} step {self.step_id}"


def score_step(
    step: AITZStep,
    action: Action | None,
    protocol: str,
    *,
    raw: str = "",
    error: str | None = None,
    reasoning: str | None = None,
    timings: Mapping[str, float] | None = None,
    repairs: Sequence[str] = (),
) -> StepScore:
    """Score one prediction (None: no usable action) against a recorded step."""
    verdict = MATCHERS[protocol](step.gt, action)
    return StepScore(
        episode_id=step.episode_id,
        step_id=step.step_id,
        subset=step.subset,
        gt_type=step.kind,
        gt=to_json(step.action),
        prediction=to_json(action) if action is not None else None,
        raw=raw,
        error=error if action is None else None,
        invalid=action is None,
        protocol=protocol,
        type_match=verdict.type_match,
        exact_match=verdict.exact_match,
        protocol_gt_type=verdict.gt_type,
        protocol_pred_type=verdict.pred_type,
        reasoning=reasoning,
        repairs=list(repairs) if action is not None else [],
        timings=dict(timings or {}),
    )


def _rates(scores: Sequence[StepScore | None]) -> dict[str, Any]:
    count = len(scores)

    def fraction(values: Iterable[bool]) -> float:
        return sum(values) / count if count else 0.0

    return {
        "steps": count,
        "type_match": fraction(s is not None and s.type_match for s in scores),
        "exact_match": fraction(s is not None and s.exact_match for s in scores),
        "invalid_rate": fraction(s is None or s.invalid for s in scores),
        "repaired_rate": fraction(s is not None and bool(s.repairs) for s in scores),
    }


def _episode_rates(episodes: Sequence[Sequence[StepScore | None]]) -> dict[str, Any]:
    """CoAT's episode metrics: the leading run of exact matches over the episode's length
    (averaged), and the share of episodes with every step exact."""
    progress, success = [], []
    for scores in episodes:
        leading = 0
        for score in scores:
            if score is None or not score.exact_match:
                break
            leading += 1
        progress.append(leading / len(scores))
        success.append(leading == len(scores))
    count = len(episodes)
    return {
        "episodes": count,
        "goal_progress": sum(progress) / count if count else 0.0,
        "success_rate": sum(success) / count if count else 0.0,
    }


def compute_metrics(
    protocol: str, steps: Sequence[AITZStep], scores: Mapping[StepKey, StepScore]
) -> dict[str, Any]:
    """``metrics.json``: overall, per subset and per ground-truth type. A step with no score
    counts as invalid (no type match, no exact match). Per action type the episode metrics are
    not defined and are null."""
    ordered = [(step, scores.get((step.episode_id, step.step_id))) for step in steps]
    episodes: dict[tuple[str, str], list[StepScore | None]] = defaultdict(list)
    by_subset: dict[str, list[StepScore | None]] = defaultdict(list)
    by_action: dict[str, list[StepScore | None]] = defaultdict(list)
    for step, score in ordered:
        episodes[(step.subset, step.episode_id)].append(score)
        by_subset[step.subset].append(score)
        by_action[step.kind].append(score)

    def episodes_of(subset: str | None) -> list[list[StepScore | None]]:
        return [v for (s, _), v in episodes.items() if subset is None or s == subset]

    return {
        "protocol": protocol,
        "overall": {**_rates([s for _, s in ordered]), **_episode_rates(episodes_of(None))},
        "by_subset": {
            name: {**_rates(values), **_episode_rates(episodes_of(name))}
            for name, values in sorted(by_subset.items())
        },
        "by_action": {
            name: {**_rates(values), "goal_progress": None, "success_rate": None}
            for name, values in sorted(by_action.items())
        },
    }
