"""Evaluation runs on ScreenSpot-v2 and ScreenSpot-Pro: a policy asked, sample by sample, to act
on the instruction (its card prompts and reads the answer; a box counts at its centre), or a
file of existing predictions scored without a model. Both write the shared evaluation folder
(``run_folder``): ``results.jsonl`` holds one scored sample per line and a resumed run scores
only the samples not yet there; ``report.html`` draws every miss.

A policy sees one sample at a time with no history: the instruction is its task, the
screenshot its screen. The platform it prompts for is its own (``--platform desktop`` for the
desktop and web screens). Chunks of ``batch_size`` samples go to one ``Policy.act_batch`` call;
``workers`` threads run chunks at once, each with its own policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from screenpilot.agent.core import Decision, Policy
from screenpilot.errors import ConfigError, ModelError
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
from screenpilot.evaluation.screenspot_data import GroundingSample, ScreenSpotDataset, Version
from screenpilot.evaluation.screenspot_predictions import (
    read_grounding_predictions,
    score_lines,
    scored_action,
)
from screenpilot.evaluation.screenspot_report import write_grounding_report
from screenpilot.evaluation.screenspot_scoring import (
    SOURCES,
    SampleScore,
    compute_metrics,
    score_sample,
)

HASHED = {
    "pro": "the annotation files (annotations/*.json, by relative path and bytes; images are "
    "not hashed: each record's img_size is checked against its image's header)",
    "v2": "the three annotation files (by relative path and bytes; images are not hashed, their "
    "sizes are read from their headers)",
}


class ScreenSpotDatasetIdentity(BaseModel):
    """Which samples were evaluated: the version, the limit, and the annotations' hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: Version
    limit: int | None = None
    annotation_sha256: str

    @classmethod
    def of(cls, dataset: ScreenSpotDataset) -> ScreenSpotDatasetIdentity:
        return cls(
            version=dataset.version,
            limit=dataset.limit,
            annotation_sha256=dataset.annotation_sha256,
        )


class ScreenSpotSettings(RunSettings):
    """How a ScreenSpot evaluation runs. ``dataset`` is filled in from the dataset evaluated."""

    benchmark: ClassVar[str] = "screenspot"
    dataset: ScreenSpotDatasetIdentity | None = None
    batch_size: Annotated[Positive, ADJUSTABLE] = 1
    """Samples per ``Policy.act_batch`` call."""

    def for_dataset(self, dataset: ScreenSpotDataset) -> ScreenSpotSettings:
        identity = ScreenSpotDatasetIdentity.of(dataset)
        if self.dataset is not None and self.dataset != identity:
            raise ConfigError(
                "these settings were made for another dataset "
                f"({self.dataset.model_dump()} against {identity.model_dump()})"
            )
        return self.model_copy(update={"dataset": identity})


def result_card(dataset: ScreenSpotDataset, source: Mapping[str, Any]) -> ResultCard:
    """The run's result card: the version and its hash, the selection, the official rule."""
    version = dataset.version
    return ResultCard.of(
        benchmark=f"screenspot-{version}",
        data=DataIdentity(sha256=dataset.annotation_sha256, covers=HASHED[version]),
        selection={"annotation files": len(dataset.files), "limit": dataset.limit},
        counts={"samples": len(dataset), "images": dataset.images},
        setting={
            "instruction": "English (the instruction field)",
            "targets": "positive only (every target is on the screen)",
            "history": "none (one screen per sample)",
        },
        protocol=SOURCES[version],
        source=source,
    )


def read_scores(out: Path) -> dict[str, SampleScore]:
    """The scored samples in a ScreenSpot evaluation folder."""
    return {score.key: score for score in read_log(out / RESULTS, SampleScore)}


def _score_decision(
    sample: GroundingSample, decision: Decision | ModelError, seconds: float
) -> SampleScore:
    timings = {"policy": seconds}
    if isinstance(decision, ModelError):
        return score_sample(
            sample, None, raw=decision.raw_output, error=str(decision), timings=timings
        )
    timings.update(decision.timings)
    if decision.action is None:
        error = str(decision.error) if decision.error else "no action"
        return score_sample(sample, None, raw=decision.raw_output, error=error, timings=timings)
    box = decision.info.get("target_box")
    repairs = decision.info.get("repairs")
    return scored_action(
        sample,
        decision.action,
        box if isinstance(box, list) and len(box) == 4 else None,
        decision.raw_output,
        [str(r) for r in repairs] if isinstance(repairs, list) else (),
        timings,
    )


def _decide(policy: Policy, chunk: list[GroundingSample]) -> list[SampleScore]:
    """One ``act_batch`` call for a chunk; a ModelError raised by the whole batch makes each
    of its samples ``wrong_format`` with that reason."""
    requests = [(sample.instruction, sample.observation(), ()) for sample in chunk]
    start = time.perf_counter()
    try:
        results: list[Decision | ModelError] = list(policy.act_batch(requests))
    except ModelError as exc:
        results = [exc] * len(chunk)
    if len(results) != len(chunk):
        raise RuntimeError(f"act_batch returned {len(results)} decisions for {len(chunk)}")
    seconds = (time.perf_counter() - start) / len(chunk)
    return [
        _score_decision(sample, result, seconds)
        for sample, result in zip(chunk, results, strict=True)
    ]


def evaluate_policy(
    dataset: ScreenSpotDataset,
    make_policy: Callable[[], Policy],
    out: Path,
    settings: ScreenSpotSettings | None = None,
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the policies ``make_policy`` builds (one per worker) on every sample not yet scored
    in ``out`` and write the evaluation folder; returns the metrics (the card first)."""
    settings = (settings or ScreenSpotSettings()).for_dataset(dataset)
    with (
        RunFolder(out, settings, SampleScore, resume=resume) as folder,
        WorkerPool(make_policy, settings.workers) as pool,
    ):
        source = {"policy": pool.first.describe().model_dump(mode="json")}
        card = result_card(dataset, source)
        done = folder.start(
            source, dataset.describe(), total=len(dataset), card=card, progress=progress
        )
        pending = [sample for sample in dataset if sample.id not in done]
        size = settings.batch_size
        chunks = [pending[first : first + size] for first in range(0, len(pending), size)]
        stateful = continue_policy(
            pool.first, folder, pending=len(pending), workers=settings.workers, batch_size=size
        )
        for scores in pool.map(_decide, chunks):
            for score in scores:
                if stateful:
                    score.policy_state = pool.first.state()
                folder.record(score)
        return _finish(folder, dataset, settings)


def _finish(
    folder: RunFolder[SampleScore],
    dataset: ScreenSpotDataset,
    settings: ScreenSpotSettings,
    extra: Mapping[str, Any] | None = None,
    notes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    scores = {score.key: score for score in folder.done.values()}
    metrics = compute_metrics(dataset.version, dataset.samples, scores)
    written = folder.finish({**metrics, **(extra or {})}, notes)
    if settings.report:
        write_grounding_report(folder.out / REPORT, dataset, scores, written, folder.manifest)
    return written


def score_predictions(
    dataset: ScreenSpotDataset,
    predictions: Path,
    settings: ScreenSpotSettings | None = None,
    out: Path | None = None,
    *,
    card: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score a predictions file (``card``: the card reading raw lines without ``format``);
    samples with no line count as ``wrong_format``, lines for samples outside the selection
    are counted and ignored. With ``out`` the evaluation folder is written too."""
    settings = (settings or ScreenSpotSettings()).for_dataset(dataset)
    lines, digest, contents = read_grounding_predictions(predictions, card)
    scores, unmatched = score_lines(dataset, lines, predictions)
    extra = {
        "predictions_unmatched_lines": unmatched,
        "predictions_missing_samples": len(dataset) - len(scores),
    }
    source = {"predictions": {"format": contents, "sha256": digest}}
    result = result_card(dataset, source)
    if out is None:
        metrics = compute_metrics(dataset.version, dataset.samples, scores)
        return with_card(result, {**metrics, **extra}, scores.values())
    with RunFolder(out, settings, SampleScore, resume=resume) as folder:
        done = folder.start(
            source, dataset.describe(), total=len(dataset), card=result, progress=progress
        )
        for key, score in scores.items():
            if key not in done:
                folder.record(score)
        notes = {"predictions_path": str(predictions.resolve()), **extra}
        return _finish(folder, dataset, settings, extra, notes)
