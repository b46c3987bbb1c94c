"""The progress bar of an evaluation run: steps done, this session's steps/s, running exact match."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from screenpilot.evaluation.scoring import StepScore


class EvalProgress:
    """Use as a context manager and pass it as ``evaluate_policy(progress=...)``."""

    def __init__(self, console: Console, label: str = "aitz") -> None:
        self._bar = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} steps/s · EM {task.fields[em]}"),
            console=console,
        )
        self._exact = self._scored = self._fresh = 0
        self._began = time.perf_counter()
        self._task: TaskID | None = None

    def __enter__(self) -> EvalProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def __call__(self, total: int, done: Sequence[StepScore]) -> Callable[[StepScore], None]:
        """Start the bar at ``done`` (resumed steps) of ``total``; returns the per-step update."""
        self._exact, self._scored = sum(s.exact_match for s in done), len(done)
        self._began, self._fresh = time.perf_counter(), 0
        self._task = self._bar.add_task("eval", total=total, completed=len(done), rate="-", em="-")
        return self.advance

    def advance(self, score: StepScore) -> None:
        assert self._task is not None
        self._exact += score.exact_match
        self._scored += 1
        self._fresh += 1
        rate = self._fresh / max(time.perf_counter() - self._began, 1e-9)
        self._bar.update(
            self._task, advance=1, rate=f"{rate:.2f}", em=f"{self._exact / self._scored:.1%}"
        )
