"""Where a step's time goes: the stage names every part records, a stopwatch, and the summary
(median and 95th percentile per stage) that reports, evaluations and benchmarks show.

A step's ``timings`` (seconds) hold, where they apply:

- ``capture``: observing the screen after the action (screenshots, and what the device reads
  with them: rotation, the UI tree), the settle wait excepted;
- ``settle``: waiting for the screen to stand still (``environments.settle``), its captures
  excepted;
- ``image``: preparing the screenshot for the model (resizing, encoding for a request);
- ``prompt``: building the request (the card's messages, the request body, tokenizing);
- ``prefill`` and ``decode``: a local model reading the prompt and writing the answer;
- ``ttft`` and ``request``: a served model's time to its first token and its whole request
  (retries included);
- ``parse``: reading the answer as an action;
- ``act``: the device performing the gesture;
- ``record``: writing the step (queueing its screenshot and line; they are written on the
  recorder's own thread);

and the totals ``policy`` (the decision), ``safety`` (the gate's look), ``env`` (the
environment's step) and ``total`` (the whole step, as the loop saw it). Stages within one total
do not overlap; ``ttft`` lies within ``request``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

STAGES = (
    "capture",
    "settle",
    "image",
    "prompt",
    "prefill",
    "decode",
    "ttft",
    "request",
    "parse",
    "act",
    "record",
)
"""The stages of a step, in the order a step goes through them."""
TOTALS = ("policy", "safety", "env", "total")
"""The totals the loop measures around the stages."""
PERCENTILE = 95


class Stopwatch:
    """Seconds per stage, read from ``clock`` (a fake one in tests)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        """Add ``seconds`` to ``stage`` (a stage met twice in a step sums)."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @contextmanager
    def time(self, stage: str) -> Iterator[None]:
        """Add the time the ``with`` block takes to ``stage``, whether or not it raises."""
        started = self.clock()
        try:
            yield
        finally:
            self.add(stage, self.clock() - started)


def nearest_rank(values: list[float], percent: float) -> float:
    """The ``percent``-th percentile by the nearest-rank method: the smallest value that at
    least ``percent`` % of the values do not exceed (a value that was measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def stage_order(names: Iterable[str]) -> list[str]:
    """Stage names as summaries show them: the stages in step order, the totals, then any
    other name (an older run's ``generate``) alphabetically."""
    known = [*STAGES, *TOTALS]
    present = set(names)
    return [name for name in known if name in present] + sorted(present - set(known))


def summarize(timings: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{"steps": n, "stages": {stage: {"median": s, "p95": s, "steps": k}}}`` over the steps'
    timings (seconds, rounded to microseconds); ``k`` counts the steps that had the stage.
    Values that are not finite numbers are left out."""
    collected: dict[str, list[float]] = {}
    steps = 0
    for timing in timings:
        steps += 1
        for name, value in timing.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and math.isfinite(value):
                collected.setdefault(name, []).append(float(value))
    stages = {
        name: {
            "median": round(statistics.median(collected[name]), 6),
            f"p{PERCENTILE}": round(nearest_rank(collected[name], PERCENTILE), 6),
            "steps": len(collected[name]),
        }
        for name in stage_order(collected)
    }
    return {"steps": steps, "stages": stages}


def steps_per_second(steps: int, seconds: float) -> float | None:
    """The rate of ``steps`` done in ``seconds``; None before any time has passed."""
    return steps / seconds if seconds > 0 else None


__all__ = [
    "PERCENTILE",
    "STAGES",
    "TOTALS",
    "Stopwatch",
    "nearest_rank",
    "stage_order",
    "steps_per_second",
    "summarize",
]
