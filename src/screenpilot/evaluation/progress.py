"""The progress display of an evaluation: units done of the total, this session's rate, and a
running figure (AITZ: exact match; simulated episodes: success rate). Text from the run (ids,
paths) is shown literally, never read as rich markup."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn
from rich.progress import Progress as Bar


class Progress(Protocol):
    """What an evaluation reports to while it runs."""

    def start(self, total: int, done: Sequence[bool]) -> None:
        """The run has ``total`` units; ``done`` are the ones logged before (passed or not)."""

    def advance(self, passed: bool, label: str) -> None:
        """One more unit was scored."""


class RunProgress:
    """A rich progress bar; use it as a context manager and pass it as ``progress=``."""

    def __init__(
        self,
        console: Console,
        title: str,
        *,
        unit: str = "steps",
        figure: str = "EM",
        show_last: bool = False,
    ) -> None:
        self._bar = Bar(
            TextColumn(title, style="bold", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}", markup=False),
            console=console,
        )
        self._unit, self._figure, self._show_last = unit, figure, show_last
        self._passed = self._scored = self._fresh = 0
        self._began = time.perf_counter()
        self._task: TaskID | None = None

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
        self._passed, self._scored = sum(done), len(done)
        self._began, self._fresh = time.perf_counter(), 0
        self._task = self._bar.add_task("eval", total=total, completed=len(done), status="")
        self._bar.update(self._task, status=self._status(""))

    def advance(self, passed: bool, label: str) -> None:
        if self._task is None:
            raise RuntimeError("RunProgress.advance before start")
        self._passed += passed
        self._scored += 1
        self._fresh += 1
        last = f"{'✓' if passed else '✗'} {label}" if self._show_last else ""
        self._bar.update(self._task, advance=1, status=self._status(last))

    def _status(self, last: str) -> str:
        seconds = time.perf_counter() - self._began
        rate = f"{self._fresh / seconds:.2f}" if self._fresh and seconds > 0 else "-"
        figure = f"{self._passed / self._scored:.1%}" if self._scored else "-"
        text = f"{rate} {self._unit}/s · {self._figure} {figure}"
        return f"{text} · {last}" if last else text
