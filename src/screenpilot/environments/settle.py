"""Waiting for a screen to stand still after an action: the one settle loop real devices share.

A fixed sleep is either too short (an animation still runs) or wastes time; instead the screen
is captured every ``poll`` seconds until two captures in a row show the same screen, within a
total ``timeout``. Time comes from a ``Clock``, so tests drive it with a fake one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from PIL import Image

from screenpilot.agent.latency import Stopwatch
from screenpilot.errors import ConfigError
from screenpilot.imaging import same_screen

Frame = TypeVar("Frame")


class Clock(Protocol):
    """Where waits get their time: the system clock, or a fake one in tests."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


@dataclass(frozen=True)
class Settle:
    """How long to wait for a screen to settle after an action."""

    wait: float = 0.0
    """Seconds to wait before the first capture (an app's reaction time)."""
    timeout: float = 2.0
    """The whole wait, first capture included, never goes past this many seconds."""
    poll: float = 0.1
    """Seconds between two captures."""

    def __post_init__(self) -> None:
        if min(self.wait, self.timeout, self.poll) < 0:
            msg = f"settle waits must be >= 0 seconds, got {self}"
            raise ConfigError(msg)


def settle(
    capture: Callable[[], Frame],
    image_of: Callable[[Frame], Image.Image],
    settings: Settle,
    clock: Clock = SYSTEM_CLOCK,
    stopwatch: Stopwatch | None = None,
) -> tuple[Frame, dict[str, Any]]:
    """Capture until two frames in a row show the same screen, or the timeout would pass.

    Returns the last frame and what the wait cost, under the same keys for every device:
    ``settle_s`` (seconds waited), ``settle_polls`` (captures taken), ``settled`` (whether the
    screen stood still before the timeout). A ``stopwatch`` gets the stages: ``capture`` (the
    captures) and ``settle`` (the rest of the wait)."""
    start = clock.monotonic()
    captured = 0.0

    def timed_capture() -> Frame:
        nonlocal captured
        began = clock.monotonic()
        try:
            return capture()
        finally:
            captured += clock.monotonic() - began

    if settings.wait:
        clock.sleep(settings.wait)
    previous = timed_capture()
    polls, settled = 1, False
    while clock.monotonic() - start + settings.poll <= settings.timeout:
        clock.sleep(settings.poll)
        current = timed_capture()
        polls += 1
        settled = same_screen(image_of(previous), image_of(current))
        previous = current
        if settled:
            break
    waited = {
        "settle_s": round(clock.monotonic() - start, 4),
        "settle_polls": polls,
        "settled": settled,
    }
    if stopwatch is not None:
        stopwatch.add("capture", captured)
        stopwatch.add("settle", clock.monotonic() - start - captured)
    return previous, waited


__all__ = ["SYSTEM_CLOCK", "Clock", "Settle", "SystemClock", "settle"]
