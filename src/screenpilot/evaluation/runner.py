"""Evaluation runs on AITZ: a policy teacher-forced over the recorded steps (resumable, batched
or concurrent), or a file of existing predictions scored without a model.

An output folder holds ``steps.jsonl`` (scored steps, flushed one by one), ``manifest.json``
(what produced the numbers), ``metrics.json`` and ``report.html`` (the misses, drawn).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screenpilot import __version__
from screenpilot.agent.core import Decision, Policy, Request
from screenpilot.errors import ConfigError, ModelError
from screenpilot.evaluation.aitz_env import AITZDataset, AITZEpisode, AITZStep, gt_history
from screenpilot.evaluation.matching import PROTOCOLS
from screenpilot.evaluation.scoring import (
    ScoreLog,
    StepKey,
    StepScore,
    compute_metrics,
    read_scores,
    score_step,
    write_json,
)
from screenpilot.policies.formats import FORMATS
from screenpilot.tools.actions import to_action

STEPS, METRICS, MANIFEST, REPORT = "steps.jsonl", "metrics.json", "manifest.json", "report.html"
Progress = Callable[[StepScore], None]


@dataclass
class EvalOptions:
    """How to evaluate: matching protocol, history style, parallelism, resuming, report."""

    protocol: str = "qwen"
    coat_history: bool = False
    workers: int = 1
    batch_size: int = 1
    resume: bool = False
    report: bool = True

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"unknown protocol {self.protocol!r}; known: {', '.join(PROTOCOLS)}")
        if self.workers < 1 or self.batch_size < 1:
            raise ConfigError("--workers and --batch-size must be at least 1")


def _identity(dataset: AITZDataset, options: EvalOptions, source: dict[str, Any]) -> dict[str, Any]:
    """What must be equal for two runs' steps to be pooled (checked on --resume); the dataset
    is known by its annotations' hash, wherever it lies."""
    described = dataset.describe()
    return {
        "benchmark": "aitz",
        "dataset": {k: described[k] for k in ("split", "subset", "limit", "annotation_sha256")},
        "protocol": options.protocol,
        "history": "coat" if options.coat_history else "actions",
        **source,
    }


def _prepare(
    out: Path, identity: dict[str, Any], dataset: AITZDataset, options: EvalOptions
) -> dict[str, Any]:
    """Check the output folder (a new run, or a compatible one to resume) and write the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if (out / STEPS).exists() and not options.resume:
        raise ConfigError(f"{out} already holds an evaluation; pass --resume or choose a new --out")
    manifest: dict[str, Any] = {}
    if options.resume and (out / STEPS).exists() and not manifest_path.exists():
        raise ConfigError(f"cannot resume {out}: it has {STEPS} but no {MANIFEST}")
    if options.resume and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        before = manifest.get("identity", {})
        if before != identity:
            changed = sorted(k for k in {*before, *identity} if before.get(k) != identity.get(k))
            raise ConfigError(
                f"cannot resume {out}: it was made with different {', '.join(changed)}"
            )
        manifest.setdefault("resumed_at", []).append(started)
    else:
        manifest = {
            "screenpilot_version": __version__,
            "identity": identity,
            "dataset": dataset.describe(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "started_at": started,
        }
    manifest["settings"] = {"workers": options.workers, "batch_size": options.batch_size}
    write_json(manifest_path, manifest)
    return manifest


def _finish(
    out: Path | None,
    dataset: AITZDataset,
    scores: dict[StepKey, StepScore],
    options: EvalOptions,
    manifest: dict[str, Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    steps = list(dataset.steps)
    metrics = compute_metrics(options.protocol, steps, scores)
    metrics["history"] = "coat" if options.coat_history else "actions"
    metrics["skipped"] = [{"path": s.path, "reason": s.reason} for s in dataset.skipped]
    if out is None:
        return metrics
    write_json(out / METRICS, metrics)
    manifest.update(extra)
    manifest["ended_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    write_json(out / MANIFEST, manifest)
    if options.report:
        from screenpilot.evaluation.misses import write_misses_report

        write_misses_report(out / REPORT, steps, scores, metrics, manifest)
    return metrics


# --- a policy, teacher-forced ----------------------------------------------------------------


def _request(step: AITZStep, episode: AITZEpisode, coat: bool) -> Request:
    index = next(i for i, s in enumerate(episode.steps) if s is step)
    return (step.instruction, step.observation(), gt_history(episode, index, coat=coat))


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
    return score_step(
        step,
        decision.action,
        protocol,
        raw=decision.raw_output,
        error=error,
        reasoning=decision.reasoning,
        timings=timings,
    )


def _decide(policy: Policy, request: Request) -> tuple[Decision | ModelError, float]:
    start = time.perf_counter()
    try:
        decision: Decision | ModelError = policy.act(*request)
    except ModelError as exc:
        decision = exc
    return decision, time.perf_counter() - start


def _decisions(
    policy: Policy,
    pending: list[tuple[AITZStep, AITZEpisode]],
    options: EvalOptions,
) -> Iterator[tuple[AITZStep, Decision | ModelError, float]]:
    """Decisions for the pending steps, in completion order: batches through ``act_batch`` when
    the policy has it and ``batch_size`` > 1, else ``workers`` concurrent ``act`` calls."""
    if options.batch_size > 1:
        for first in range(0, len(pending), options.batch_size):
            chunk = pending[first : first + options.batch_size]
            requests = [_request(s, e, options.coat_history) for s, e in chunk]
            start = time.perf_counter()
            try:
                results: list[Decision | ModelError] = list(policy.act_batch(requests))
            except ModelError as exc:
                results = [exc] * len(chunk)
            if len(results) != len(chunk):
                raise RuntimeError(f"act_batch returned {len(results)} decisions for {len(chunk)}")
            seconds = (time.perf_counter() - start) / len(chunk)
            for (step, _), result in zip(chunk, results, strict=True):
                yield step, result, seconds
        return
    if options.workers == 1:
        for step, episode in pending:
            yield (step, *_decide(policy, _request(step, episode, options.coat_history)))
        return
    with ThreadPoolExecutor(options.workers, thread_name_prefix="screenpilot-eval") as pool:
        queue = deque(pending)
        running: dict[Future[tuple[Decision | ModelError, float]], AITZStep] = {}
        while queue or running:
            while queue and len(running) < 2 * options.workers:
                step, episode = queue.popleft()
                running[
                    pool.submit(_decide_lazily, policy, step, episode, options.coat_history)
                ] = step
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                yield (running.pop(future), *future.result())


def _decide_lazily(
    policy: Policy, step: AITZStep, episode: AITZEpisode, coat: bool
) -> tuple[Decision | ModelError, float]:
    return _decide(policy, _request(step, episode, coat))


def evaluate_policy(
    dataset: AITZDataset,
    policy: Policy,
    out: Path,
    options: EvalOptions,
    *,
    progress: Callable[[int, Sequence[StepScore]], Progress] | None = None,
) -> dict[str, Any]:
    """Run ``policy`` on every step not yet in ``out/steps.jsonl`` and write the results."""
    info = policy.describe()
    identity = _identity(dataset, options, {"policy": info.model_dump(mode="json")})
    manifest = _prepare(out, identity, dataset, options)
    scores = read_scores(out / STEPS, repair=True) if options.resume else {}
    pending = [
        (s, e) for e in dataset.episodes for s in e.steps if (s.episode_id, s.step_id) not in scores
    ]
    batched = options.batch_size > 1
    report = progress(len(dataset), list(scores.values())) if progress else None
    log = ScoreLog(out / STEPS)
    start = time.perf_counter()
    try:
        for step, decision, seconds in _decisions(policy, pending, options):
            score = _score_decision(step, decision, options.protocol, seconds)
            log.write(score)
            scores[score.key] = score
            if report:
                report(score)
    finally:
        log.close()
    elapsed = time.perf_counter() - start
    extra = {
        "batched": batched,
        "last_session": {
            "steps": len(pending),
            "seconds": round(elapsed, 3),
            "steps_per_second": round(len(pending) / elapsed, 3) if elapsed else None,
        },
    }
    return _finish(out, dataset, scores, options, manifest, extra)


# --- a predictions file ----------------------------------------------------------------------

PREDICTION_FORMATS = ("canonical", "raw")


def _read_predictions(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the predictions file {path}: {exc}") from exc
    lines = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number} is not valid JSON: {exc}") from exc
        if not isinstance(record, dict) or "episode_id" not in record or "step_id" not in record:
            raise ConfigError(f"{path}:{number} needs an object with episode_id and step_id")
        lines.append((number, record))
    return lines, hashlib.sha256(data).hexdigest()


def _prediction_score(
    step: AITZStep, record: dict[str, Any], fmt: str, protocol: str, where: str
) -> StepScore:
    if fmt == "canonical":
        if "action" not in record:
            raise ConfigError(f"{where} has no 'action' (an action object, or null)")
        raw = json.dumps(record["action"], ensure_ascii=False)
        if record["action"] is None:
            return score_step(step, None, protocol, raw=raw, error="no action")
        try:
            return score_step(step, to_action(record["action"]), protocol, raw=raw)
        except ModelError as exc:
            return score_step(step, None, protocol, raw=raw, error=str(exc))
    name, text = record.get("format"), record.get("raw")
    if not isinstance(text, str) or not isinstance(name, str):
        raise ConfigError(f"{where} needs 'raw' (the model's text) and 'format' (e.g. qwen25vl)")
    parser = FORMATS.get(name)
    if parser is None:
        raise ConfigError(
            f"{where}: unknown output format {name!r}; known: {', '.join(sorted(FORMATS))}"
        )
    resized = record.get("resized_size")
    resized_size = (int(resized[0]), int(resized[1])) if resized else None
    try:
        action = parser(text, step.gt.screen.size, resized_size)
    except ModelError as exc:
        return score_step(step, None, protocol, raw=text, error=str(exc))
    return score_step(step, action, protocol, raw=text)


def score_predictions(
    dataset: AITZDataset,
    predictions: Path,
    fmt: str,
    options: EvalOptions,
    out: Path | None = None,
) -> dict[str, Any]:
    """Score a predictions file; steps with no line count as invalid. Lines for steps outside
    the selected split/subset/limit are counted and ignored."""
    if fmt not in PREDICTION_FORMATS:
        raise ConfigError(f"unknown predictions format {fmt!r}; expected canonical or raw")
    lines, digest = _read_predictions(predictions)
    source = {"predictions": {"path": str(predictions.resolve()), "format": fmt, "sha256": digest}}
    identity = _identity(dataset, options, source)
    manifest = _prepare(out, identity, dataset, options) if out else {}
    if out:
        (out / STEPS).unlink(missing_ok=True)
    by_key = {(s.episode_id, s.step_id): s for s in dataset.steps}
    scores: dict[StepKey, StepScore] = {}
    unmatched = 0
    log = ScoreLog(out / STEPS) if out else None
    try:
        for number, record in lines:
            key = (str(record["episode_id"]), int(record["step_id"]))
            step = by_key.get(key)
            if step is None:
                unmatched += 1
                continue
            where = f"{predictions}:{number}"
            if key in scores:
                raise ConfigError(
                    f"{where}: a second prediction for episode {key[0]} step {key[1]}"
                )
            scores[key] = _prediction_score(step, record, fmt, options.protocol, where)
            if log:
                log.write(scores[key])
    finally:
        if log:
            log.close()
    extra = {
        "predictions_unmatched_lines": unmatched,
        "predictions_missing_steps": len(by_key) - len(scores),
    }
    metrics = _finish(out, dataset, scores, options, manifest, extra)
    metrics.update(extra)
    if out:
        write_json(out / METRICS, metrics)
    return metrics
