"""The progress line of an evaluation or a run: units done (of the total, when it is known),
the running figure with its count (AITZ: exact matches; simulated episodes: successes), the
mean time of a unit this session, the steps per second (an episode counts its steps) and, once
one is done, the time left. Text from the run (ids,
paths) is shown literally, never read as rich markup. Time is read from an injected clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, TaskID, TextColumn
from rich.progress import Progress as Bar
from rich.table import Column

from screenpilot.formatting import duration, percent, plural, rate

Clock = Callable[[], float]
"""Seconds from any fixed start (``time.monotonic``)."""


class Progress(Protocol):
    """What an evaluation reports to while it runs."""

    def start(self, total: int, done: Sequence[bool]) -> None:
        """The run has ``total`` units; ``done`` are the ones logged before (passed or not)."""

    def advance(self, passed: bool, label: str, steps: int = 1) -> None:
        """One more unit was scored; it took ``steps`` steps (an episode's, or 1)."""


def progress_line(
    *,
    unit: str,
    done: int,
    total: int | None = None,
    figure: str | None = None,
    passed: int = 0,
    fresh: int = 0,
    seconds: float = 0.0,
    steps: int | None = None,
    last: str = "",
) -> str:
    """``12/38 episodes · success 9 (75.0%) · 1.2 s/episode · 6.8 steps/s · 31 s left · ✓ id``.

    ``done`` units of ``total`` (a fraction only when the total is known), ``passed`` of them
    counting toward ``figure``, and ``fresh`` of them done in ``seconds`` this session: their
    mean time, the rate of the ``steps`` they took (``fresh`` where a unit is a step), and
    from the mean the time the remaining units will take."""
    parts = [f"{done}/{plural(total, unit)}" if total is not None else plural(done, unit)]
    if figure is not None and done:
        parts.append(f"{figure} {passed} ({percent(passed / done)})")
    if fresh:
        mean = seconds / fresh
        parts.append(f"{duration(mean)}/{unit}")
        taken = fresh if steps is None else steps
        if seconds > 0:
            parts.append(rate(taken / seconds, "steps"))
        if total is not None and total > done:
            parts.append(f"{duration(mean * (total - done))} left")
    if last:
        parts.append(last)
    return " · ".join(parts)


class RunProgress:
    """A rich progress bar; use it as a context manager and pass it as ``progress=``."""

    def __init__(
        self,
        console: Console,
        title: str,
        *,
        unit: str = "step",
        figure: str = "EM",
        show_last: bool = False,
        clock: Clock = time.monotonic,
    ) -> None:
        self._bar = Bar(
            TextColumn(
                title,
                style="bold",
                markup=False,
                table_column=Column(no_wrap=True, min_width=len(title)),
            ),
            BarColumn(bar_width=20),
            TextColumn(
                "{task.fields[status]}",
                markup=False,
                table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
            ),
            console=console,
        )
        self._unit, self._figure, self._show_last, self._clock = unit, figure, show_last, clock
        self._total: int | None = None
        self._passed = self._scored = self._fresh = self._steps = 0
        self._began = clock()
        self._task: TaskID | None = None
        self.line = ""
        """The progress line as last shown."""

    def __enter__(self) -> RunProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def start(self, total: int, done: Sequence[bool]) -> None:
        self._total, self._passed, self._scored = total, sum(done), len(done)
        self._began, self._fresh, self._steps = self._clock(), 0, 0
        self._task = self._bar.add_task("eval", total=total, completed=len(done), status="")
        self._show("")

    def advance(self, passed: bool, label: str, steps: int = 1) -> None:
        if self._task is None:
            raise RuntimeError("RunProgress.advance before start")
        self._passed += passed
        self._scored += 1
        self._fresh += 1
        self._steps += steps
        self._bar.advance(self._task)
        self._show(f"{'✓' if passed else '✗'} {label}" if self._show_last else "")

    def _show(self, last: str) -> None:
        self.line = progress_line(
            unit=self._unit,
            done=self._scored,
            total=self._total,
            figure=self._figure,
            passed=self._passed,
            fresh=self._fresh,
            seconds=self._clock() - self._began,
            steps=self._steps,
            last=last,
        )
        if self._task is not None:
            self._bar.update(self._task, status=self.line)
