"""The progress line: done of the total, the running figure with its count, the steps per
second, and the time left from the mean time of a unit, read from an injected clock."""

from __future__ import annotations

import io

from rich.console import Console

from screenpilot.evaluation.progress import RunProgress, progress_line


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def quiet() -> Console:
    return Console(file=io.StringIO(), force_terminal=False)


def test_before_anything_is_done_there_is_no_figure_and_no_time() -> None:
    clock = Clock()
    progress = RunProgress(quiet(), "eval sim", unit="episode", figure="success", clock=clock)
    with progress:
        progress.start(38, [])
        assert progress.line == "0/38 episodes"


def test_the_line_counts_successes_and_tells_the_time_left() -> None:
    clock = Clock()
    progress = RunProgress(
        quiet(), "eval sim", unit="episode", figure="success", show_last=True, clock=clock
    )
    with progress:
        progress.start(5, [])
        clock.now += 2.0
        progress.advance(True, "clock.add_alarm:0", 6)  # 6 steps in 2 s
        assert progress.line == (
            "1/5 episodes · success 1 (100.0%) · 2 s/episode · 3 steps/s · 8 s left "
            "· ✓ clock.add_alarm:0"
        )
        clock.now += 4.0
        progress.advance(False, "notes.create:0", 3)
        # mean 3 s over 2 episodes, 3 to go; 9 steps in 6 s
        assert progress.line == (
            "2/5 episodes · success 1 (50.0%) · 3 s/episode · 1.5 steps/s · 9 s left "
            "· ✗ notes.create:0"
        )


def test_a_resumed_run_counts_what_was_logged_and_times_only_this_session() -> None:
    clock = Clock()
    progress = RunProgress(quiet(), "eval aitz", unit="step", figure="EM", clock=clock)
    with progress:
        progress.start(10, [True, True, False, True])
        assert progress.line == "4/10 steps · EM 3 (75.0%)"
        clock.now += 0.5
        progress.advance(True, "episode 1 step 4")
        assert progress.line == "5/10 steps · EM 4 (80.0%) · 500 ms/step · 2 steps/s · 2.5 s left"
    assert "?" not in progress.line


def test_the_last_unit_leaves_no_time_left() -> None:
    assert progress_line(unit="episode", done=1, total=1, figure="success", passed=0,
                         fresh=1, seconds=75.0, steps=12) == "1/1 episode · success 0 (0.0%) · 1 min 15 s/episode · 0.16 steps/s"  # fmt: skip


def test_without_a_total_there_is_no_fraction() -> None:
    assert progress_line(unit="step", done=1, fresh=1, seconds=0.25) == (
        "1 step · 250 ms/step · 4 steps/s"
    )
    assert progress_line(unit="step", done=3, fresh=3, seconds=30.0) == (
        "3 steps · 10 s/step · 0.1 steps/s"
    )
    assert progress_line(unit="step", done=40, fresh=40, seconds=2.0) == (
        "40 steps · 50 ms/step · 20 steps/s"
    )
    assert progress_line(unit="step", done=0) == "0 steps"
