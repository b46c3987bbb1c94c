"""How figures read to a person: a count with its noun, a rate, a duration, a fraction of the
screen, JSON with its floats rounded.

Every line the command line prints and every report page formats its figures here. Files
written for programs (``metrics.json``, ``trajectory.jsonl``, ``parse`` output) keep full
precision.
"""

from __future__ import annotations

import json
from typing import Any

DECIMALS = 3
"""Decimals of a fraction shown to a person (a coordinate: a thousandth of the screen)."""


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 step``, ``2 steps``, ``0 steps``; ``nouns`` is the plural where it is not noun + s
    (``plural(2, "entry", "entries")``)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def percent(rate: float) -> str:
    """A rate in 0..1 as a percent with one decimal: ``83.3%``."""
    return f"{rate:.1%}"


def decimal(value: float) -> str:
    """A fraction or a mean with ``DECIMALS`` decimals at most: ``0.833``, ``0.5``, ``8``."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def duration(seconds: float) -> str:
    """Seconds with two or three significant digits in a unit that reads naturally:
    ``4.8 µs``, ``400 µs``, ``12 ms``, ``235 ms``, ``1.23 s``, ``12.3 s``, ``2 min 5 s``,
    ``1 h 2 min``."""
    for scale, unit in ((1e6, "µs"), (1e3, "ms")):
        if seconds * scale < 1000:
            small = seconds * scale
            return f"{small:.2g} {unit}" if small < 10 else f"{small:.0f} {unit}"
    if seconds < 60:
        return f"{seconds:.3g} s"
    whole = round(seconds)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def rate(per_second: float, unit: str) -> str:
    """A rate with two significant digits (none after the point from 10 on): ``0.33 steps/s``,
    ``2.5 steps/s``, ``14 steps/s``; ``unit`` is the plural noun."""
    shown = f"{per_second:.2g}" if per_second < 10 else f"{per_second:.0f}"
    return f"{shown} {unit}/s"


def rounded(data: Any) -> Any:
    """``data`` with every float rounded to ``DECIMALS`` decimals (in lists and dicts too)."""
    if isinstance(data, float):
        return round(data, DECIMALS)
    if isinstance(data, dict):
        return {key: rounded(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [rounded(item) for item in data]
    return data


def readable_json(data: Any) -> str:
    """One line of JSON for a person: floats rounded (``rounded``), text as it is."""
    return json.dumps(rounded(data), ensure_ascii=False, default=str)
