"""Figures as a person reads them: counts agree with their noun, rates and durations are short."""

from __future__ import annotations

import pytest

from screenpilot.formatting import decimal, duration, percent, plural, readable_json


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 steps"), (1, "1 step"), (2, "2 steps"), (21, "21 steps")]
)
def test_a_count_agrees_with_its_noun(count: int, expected: str) -> None:
    assert plural(count, "step") == expected


def test_an_irregular_plural_is_given() -> None:
    assert plural(1, "more miss", "more misses") == "1 more miss"
    assert plural(3, "more miss", "more misses") == "3 more misses"


def test_rates_are_percents_with_one_decimal() -> None:
    assert percent(5 / 6) == "83.3%"
    assert percent(1.0) == "100.0%"
    assert percent(0.0) == "0.0%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5 / 6, "0.833"), (0.5, "0.5"), (8.0, "8"), (25 / 3, "8.333"), (0.0004, "0"), (-0.0001, "0")],
)
def test_decimals_stop_at_three(value: float, expected: str) -> None:
    assert decimal(value) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0, "0 µs"),
        (0.0000048, "4.8 µs"),
        (0.0004, "400 µs"),
        (0.00312, "3.1 ms"),
        (0.0123, "12 ms"),
        (0.2346, "235 ms"),
        (1.2345, "1.23 s"),
        (12.345, "12.3 s"),
        (59.4, "59.4 s"),
        (60.0, "1 min"),
        (125.4, "2 min 5 s"),
        (3600.0, "1 h"),
        (3725.0, "1 h 2 min"),
    ],
)
def test_durations_keep_two_or_three_significant_digits(seconds: float, expected: str) -> None:
    assert duration(seconds) == expected


def test_json_for_a_person_rounds_every_float_and_keeps_text() -> None:
    data = {"type": "tap", "x": 5 / 6, "y": 0.6776, "path": [[1 / 3, 2], "naïve"], "n": 7}
    assert readable_json(data) == (
        '{"type": "tap", "x": 0.833, "y": 0.678, "path": [[0.333, 2], "naïve"], "n": 7}'
    )
