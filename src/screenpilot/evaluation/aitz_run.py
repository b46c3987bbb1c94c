"""Evaluation runs on recorded AITW-style steps (AITZ, AndroidControl): a policy teacher-forced
over the recorded steps, or a file of existing predictions scored without a model. Each benchmark
declares its settings as a ``StepSettings`` (how a step is put to the policy, the facts its
metrics carry); the run itself is shared. Both write the shared evaluation folder
(``run_folder``): ``results.jsonl`` holds one scored step per line, ``report.html`` draws the
misses.

A policy run hands the steps not yet scored to the worker pool in chunks of ``batch_size``,
each decided by one ``Policy.act_batch`` call; ``workers`` threads run chunks at once, each
with its own policy. Each recorded episode starts with ``Policy.reset``, so a script plays
its actions from the first for every episode (step i gets action i); a policy that keeps
state runs on one worker, one step at a time, and a resumed run hands it the state saved with
the last step logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict

from screenpilot.agent.core import Decision, Policy, Request
from screenpilot.errors import ConfigError, ModelError
from screenpilot.evaluation.aitz_env import AITZDataset, AITZEpisode, AITZStep, gt_history
from screenpilot.evaluation.aitz_predictions import (
    read_predictions,
    score_lines,
    unmatched_warning,
)
from screenpilot.evaluation.matching import DEFAULT_PROTOCOL, PROTOCOL_SOURCES, PROTOCOLS
from screenpilot.evaluation.misses import write_misses_report
from screenpilot.evaluation.pool import WorkerPool
from screenpilot.evaluation.progress import Progress
from screenpilot.evaluation.result_card import DataIdentity, ResultCard
from screenpilot.evaluation.run_folder import (
    REPORT,
    RESULTS,
    RunFolder,
    continue_policy,
    read_log,
    with_card,
)
from screenpilot.evaluation.run_settings import ADJUSTABLE, Positive, RunSettings
from screenpilot.evaluation.scoring import StepKey, StepScore, compute_metrics, score_step


def known_protocol(name: str) -> str:
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; known: {', '.join(PROTOCOLS)}")
    return name


class AITZDatasetIdentity(BaseModel):
    """Which steps were evaluated: the split, its selection, and the annotations' hash (so the
    dataset is recognized wherever it lies)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    split: str
    subset: str | None = None
    limit: int | None = None
    annotation_sha256: str

    @classmethod
    def of(cls, dataset: AITZDataset) -> AITZDatasetIdentity:
        return cls(
            split=dataset.split,
            subset=dataset.subset,
            limit=dataset.limit,
            annotation_sha256=dataset.annotation_sha256,
        )


ANNOTATIONS_HASHED = (
    "the AITZ annotation files read (each episode's JSON by relative path and bytes, skipped "
    "ones included; screenshots are not hashed)"
)


class StepSettings(RunSettings):
    """What a step benchmark's settings say besides the shared ones: the matching protocol, how
    a step is put to the policy, and the facts its metrics carry."""

    protocol: str
    batch_size: Annotated[Positive, ADJUSTABLE] = 1
    """Steps per ``Policy.act_batch`` call."""

    def for_dataset(self, dataset: AITZDataset) -> StepSettings:
        """These settings with the identity of the dataset evaluated filled in (a ConfigError
        when they were made for another)."""
        raise NotImplementedError

    def request(self, episode: AITZEpisode, index: int) -> Request:
        """The policy's request for step ``index`` of ``episode``."""
        raise NotImplementedError

    def facts(self, dataset: AITZDataset) -> dict[str, Any]:
        """What ``metrics.json`` says about the setting, after the figures."""
        return {}

    def card(self, dataset: AITZDataset, source: Mapping[str, Any]) -> ResultCard:
        """The run's result card: the data and its hash, the setting, the protocol."""
        raise NotImplementedError


class AITZSettings(StepSettings):
    """How an AITZ evaluation scores. ``dataset`` is filled in from the dataset evaluated."""

    benchmark: ClassVar[str] = "aitz"
    protocol: Annotated[str, AfterValidator(known_protocol)] = DEFAULT_PROTOCOL
    coat_history: bool = False
    """Give the policy CoAT's action descriptions and thoughts as history."""
    dataset: AITZDatasetIdentity | None = None

    def request(self, episode: AITZEpisode, index: int) -> Request:
        step = episode.steps[index]
        history = gt_history(episode, index, coat=self.coat_history)
        return (step.instruction, step.observation(), history)

    def facts(self, dataset: AITZDataset) -> dict[str, Any]:
        return {"history": "coat" if self.coat_history else "actions"}

    def card(self, dataset: AITZDataset, source: Mapping[str, Any]) -> ResultCard:
        return ResultCard.of(
            benchmark="aitz",
            data=DataIdentity(sha256=dataset.annotation_sha256, covers=ANNOTATIONS_HASHED),
            selection={"split": dataset.split, "subset": dataset.subset, "limit": dataset.limit},
            counts={
                "steps": len(dataset),
                "episodes": len(dataset.episodes),
                "skipped episodes": len(dataset.skipped),
            },
            setting={
                "history": "ground truth, CoAT descriptions and thoughts"
                if self.coat_history
                else "ground-truth actions"
            },
            protocol=PROTOCOL_SOURCES[self.protocol],
            source=source,
        )

    def for_dataset(self, dataset: AITZDataset) -> AITZSettings:
        identity = AITZDatasetIdentity.of(dataset)
        if self.dataset is not None and self.dataset != identity:
            raise ConfigError(
                "these settings were made for another dataset "
                f"({self.dataset.model_dump()} against {identity.model_dump()})"
            )
        return self.model_copy(update={"dataset": identity})


def read_scores(out: Path) -> dict[StepKey, StepScore]:
    """The scored steps in an AITZ evaluation folder."""
    return {score.key: score for score in read_log(out / RESULTS, StepScore)}


# --- a policy, teacher-forced ----------------------------------------------------------------

Pending = tuple[AITZEpisode, int]
"""A step to decide: its episode and its index there."""


def _score_decision(
    step: AITZStep, decision: Decision | ModelError, protocol: str, seconds: float
) -> StepScore:
    timings = {"policy": seconds}
    if isinstance(decision, ModelError):
        return score_step(
            step, None, protocol, raw=decision.raw_output, error=str(decision), timings=timings
        )
    timings.update(decision.timings)
    error = str(decision.error) if decision.error else None
    repairs = decision.info.get("repairs")
    return score_step(
        step,
        decision.action,
        protocol,
        raw=decision.raw_output,
        error=error,
        reasoning=decision.reasoning,
        timings=timings,
        repairs=[str(r) for r in repairs] if isinstance(repairs, list) else (),
    )


def _decide(settings: StepSettings) -> Callable[[Policy, list[Pending]], list[StepScore]]:
    """The work of one chunk: one ``act_batch`` call, a score per step. A ModelError raised by
    the whole batch makes each of its steps invalid with that reason. A chunk that holds an
    episode's first step resets the policy first (``Policy.reset``): with ``batch_size`` 1, as
    a policy that keeps state runs, that is exactly before each episode."""

    def decide(policy: Policy, chunk: list[Pending]) -> list[StepScore]:
        if any(index == 0 for _, index in chunk):
            policy.reset()
        requests = [settings.request(episode, index) for episode, index in chunk]
        start = time.perf_counter()
        try:
            results: list[Decision | ModelError] = list(policy.act_batch(requests))
        except ModelError as exc:
            results = [exc] * len(chunk)
        if len(results) != len(chunk):
            raise RuntimeError(f"act_batch returned {len(results)} decisions for {len(chunk)}")
        seconds = (time.perf_counter() - start) / len(chunk)
        return [
            _score_decision(episode.steps[index], result, settings.protocol, seconds)
            for (episode, index), result in zip(chunk, results, strict=True)
        ]

    return decide


def evaluate_policy(
    dataset: AITZDataset,
    make_policy: Callable[[], Policy],
    out: Path,
    settings: StepSettings | None = None,
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the policies ``make_policy`` builds (one per worker) on every step of ``dataset``
    not yet scored in ``out`` and write the evaluation folder; returns the metrics."""
    settings = (settings or AITZSettings()).for_dataset(dataset)
    with (
        RunFolder(out, settings, StepScore, resume=resume) as folder,
        WorkerPool(make_policy, settings.workers) as pool,
    ):
        source = {"policy": pool.first.describe().model_dump(mode="json")}
        done = folder.start(
            source,
            dataset.describe(),
            total=len(dataset),
            card=settings.card(dataset, source),
            progress=progress,
        )
        pending = [
            (episode, index)
            for episode in dataset.episodes
            for index, step in enumerate(episode.steps)
            if (step.episode_id, step.step_id) not in done
        ]
        size = settings.batch_size
        chunks = [pending[first : first + size] for first in range(0, len(pending), size)]
        stateful = continue_policy(
            pool.first,
            folder,
            pending=len(pending),
            workers=settings.workers,
            batch_size=settings.batch_size,
        )
        for scores in pool.map(_decide(settings), chunks):
            for score in scores:
                if stateful:
                    score.policy_state = pool.first.state()
                folder.record(score)
        return _finish(folder, dataset, settings)


def _metrics(
    dataset: AITZDataset, settings: StepSettings, scores: Mapping[StepKey, StepScore]
) -> dict[str, Any]:
    metrics = compute_metrics(settings.protocol, list(dataset.steps), scores)
    metrics.update(settings.facts(dataset))
    metrics["skipped"] = [{"path": s.path, "reason": s.reason} for s in dataset.skipped]
    return metrics


def _finish(
    folder: RunFolder[StepScore],
    dataset: AITZDataset,
    settings: StepSettings,
    extra: Mapping[str, Any] | None = None,
    notes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    scores = {score.key: score for score in folder.done.values()}
    metrics = folder.finish({**_metrics(dataset, settings, scores), **(extra or {})}, notes)
    if settings.report:
        write_misses_report(
            folder.out / REPORT, list(dataset.steps), scores, metrics, folder.manifest
        )
    return metrics


# --- a predictions file ----------------------------------------------------------------------


def score_predictions(
    dataset: AITZDataset,
    predictions: Path,
    fmt: str,
    settings: StepSettings | None = None,
    out: Path | None = None,
    *,
    resume: bool = False,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Score a predictions file (``fmt``: canonical or raw); steps with no line count as
    invalid, lines for steps outside the selected split/subset/limit are counted and ignored
    (``warn`` is told how many and which, when there are any). With ``out`` the evaluation
    folder is written too."""
    settings = (settings or AITZSettings()).for_dataset(dataset)
    lines, digest = read_predictions(predictions, fmt)
    scores, unmatched = score_lines(dataset, lines, settings.protocol, predictions)
    warning = unmatched_warning(dataset, predictions, len(lines), unmatched)
    if warning is not None and warn is not None:
        warn(warning)
    extra = {
        "predictions_unmatched_lines": len(unmatched),
        "predictions_missing_steps": len(dataset) - len(scores),
    }
    source = {"predictions": {"format": fmt, "sha256": digest}}
    card = settings.card(dataset, source)
    if out is None:
        return with_card(card, {**_metrics(dataset, settings, scores), **extra}, scores.values())
    with RunFolder(out, settings, StepScore, resume=resume) as folder:
        done = folder.start(
            source, dataset.describe(), total=len(dataset), card=card, progress=progress
        )
        for key, score in scores.items():
            if key not in done:
                folder.record(score)
        notes = {"predictions_path": str(predictions.resolve()), **extra}
        return _finish(folder, dataset, settings, extra, notes)
