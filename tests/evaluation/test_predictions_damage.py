"""Damaged predictions files: every bad line is a ``PredictionsError`` (a ``ConfigError``)
naming ``file:line``, the field and the reason; what a line predicts, however wrong, is scored
as an invalid step with its reason."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.aitz_predictions import PredictionsError
from screenpilot.evaluation.aitz_run import AITZSettings, read_scores, score_predictions
from tests.evaluation.aitz_fixtures import small_split

CANONICAL_FIRST = {"episode_id": "1", "step_id": 0, "action": None}
RAW_FIRST = {"episode_id": "1", "step_id": 0, "raw": "x", "format": "canonical"}
STEP_ID = "must be a whole number from 0 to 100,000, got "
EPISODE_ID = "must be a non-empty string \\(or a whole number\\), got "
RESIZED = "must be \\[width, height\\], two whole numbers from 1 to 100,000, got "


def raw_line(**fields: Any) -> str:
    return json.dumps(
        {"episode_id": "1", "step_id": 1, "raw": "x", "format": "canonical", **fields}
    )


BAD_LINES: list[tuple[str, str, str | None, str]] = [
    # (format, line 2, field, reason)
    ("canonical", "{not json", None, "is not valid JSON: Expecting property name"),
    (
        "canonical",
        "[1, 2]",
        None,
        "must be a JSON object with episode_id and step_id, got \\[1, 2\\]",
    ),
    ("canonical", '"a string"', None, "must be a JSON object"),
    ("canonical", "[" * 100_000, None, "is not readable JSON: nested too deeply"),
    ("canonical", '{"step_id": 1, "action": null}', "episode_id", "missing"),
    ("canonical", '{"episode_id": "1", "action": null}', "step_id", "missing"),
    (
        "canonical",
        '{"episode_id": "1", "step_id": 1}',
        "action",
        "missing \\(an action object, or null\\)",
    ),
    *(
        (
            "canonical",
            f'{{"episode_id": "1", "step_id": {value}, "action": null}}',
            "step_id",
            STEP_ID + shown,
        )
        for value, shown in [
            ('"abc"', "'abc'"),
            ("null", "None"),
            ("-1", "-1"),
            ("1.5", "1.5"),
            ("true", "True"),
            ('"1e3"', "'1e3'"),
            ('"²"', "'²'"),
            ('"١٢"', "'١٢'"),
            ("[]", "\\[\\]"),
            ("NaN", "nan"),
            ("Infinity", "inf"),
            ("9" * 400, "9{79}…"),
        ]
    ),
    *(
        (
            "canonical",
            f'{{"episode_id": {value}, "step_id": 1, "action": null}}',
            "episode_id",
            EPISODE_ID + shown,
        )
        for value, shown in [
            ("null", "None"),
            ('""', "''"),
            ("[]", "\\[\\]"),
            ("true", "True"),
            ("1.5", "1.5"),
        ]
    ),
    (
        "canonical",
        json.dumps(CANONICAL_FIRST),
        None,
        "a second prediction for episode 1 step 0 \\(the first is on line 1\\)",
    ),
    ("raw", raw_line(raw=None), "raw", "must be the model's text \\(a string\\), got None"),
    ("raw", raw_line(raw=5), "raw", "must be the model's text"),
    ("raw", raw_line(format=None), "format", "must name an output format \\(e.g. qwen25vl\\)"),
    ("raw", raw_line(format=["qwen25vl"]), "format", "must name an output format"),
    ("raw", raw_line(format="nope"), "format", "unknown output format 'nope'; known: canonical"),
    *(
        ("raw", raw_line(resized_size=value), "resized_size", RESIZED + shown)
        for value, shown in [
            ("ab", "'ab'"),
            ([0, 5], "\\[0, 5\\]"),
            ([1.5, 2], "\\[1.5, 2\\]"),
            ([1000], "\\[1000\\]"),
            ([True, 2], "\\[True, 2\\]"),
            ([100_001, 5], "\\[100001, 5\\]"),
            ({"w": 1}, "\\{'w': 1\\}"),
        ]
    ),
]


@pytest.mark.parametrize(
    ("fmt", "line", "field", "reason"),
    BAD_LINES,
    ids=[f"{fmt}: {line[:40]}" for fmt, line, _, _ in BAD_LINES],
)
def test_a_bad_line_names_file_line_field_and_reason(
    tmp_path: Path, fmt: str, line: str, field: str | None, reason: str
) -> None:
    small_split(tmp_path / "data")
    predictions = tmp_path / "p.jsonl"
    first = json.dumps(CANONICAL_FIRST if fmt == "canonical" else RAW_FIRST)
    predictions.write_text(f"{first}\n{line}\n")
    dataset = load_aitz(tmp_path / "data")
    with pytest.raises(PredictionsError) as caught:
        score_predictions(dataset, predictions, fmt, AITZSettings())
    error = caught.value
    assert isinstance(error, ConfigError) and type(error) is PredictionsError
    assert (error.file, error.line, error.field) == (predictions, 2, field)
    place = f"{predictions}:2: " + ("" if field is None else f"field {field!r}: ")
    assert str(error).startswith(place), str(error)
    assert re.search(reason, str(error)[len(place) :]), str(error)


def test_a_bad_line_outside_the_selection_is_still_an_error(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    predictions = tmp_path / "p.jsonl"
    other = {"episode_id": "99", "step_id": 0, "action": None}
    predictions.write_text(f"{json.dumps(other)}\n{json.dumps(other)}\n")
    with pytest.raises(PredictionsError, match=r"p\.jsonl:2: a second prediction for episode 99"):
        score_predictions(load_aitz(tmp_path / "data"), predictions, "canonical")


def test_bytes_that_are_not_utf8_are_named_by_line_and_offset(tmp_path: Path) -> None:
    small_split(tmp_path / "data")
    predictions = tmp_path / "p.jsonl"
    first = json.dumps(CANONICAL_FIRST).encode()
    predictions.write_bytes(first + b'\n{"ep\xff": 1}\n')
    with pytest.raises(PredictionsError) as caught:
        score_predictions(load_aitz(tmp_path / "data"), predictions, "canonical")
    offset = len(first) + 1 + 4
    assert caught.value.line == 2
    assert str(caught.value) == (
        f"{predictions}:2: is not UTF-8: byte 0xff at offset {offset} of the file "
        "(byte 5 of the line) is not valid there"
    )


def test_line_separators_inside_text_a_bom_and_crlf_are_read(tmp_path: Path) -> None:
    """JSON allows U+2028, U+0085 and form feeds raw inside strings: they do not end a line."""
    small_split(tmp_path / "data")
    predictions = tmp_path / "p.jsonl"
    text = 'Thought:\u2028tap\x85it\x0c.\n{"type": "tap", "x": 0.5, "y": 0.5}'
    lines = [
        {"episode_id": "1", "step_id": 0, "raw": text, "format": "canonical"},
        {"episode_id": "1", "step_id": 1, "raw": "no action\u2029here", "format": "canonical"},
    ]
    body = "\r\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    predictions.write_bytes(b"\xef\xbb\xbf" + body.encode())
    out = tmp_path / "out"
    metrics = score_predictions(
        load_aitz(tmp_path / "data"), predictions, "raw", AITZSettings(), out
    )
    assert metrics["predictions_unmatched_lines"] == 0
    assert metrics["predictions_missing_steps"] == 3
    assert metrics["overall"]["exact_match"] == pytest.approx(1 / 5)
    scores = read_scores(out)
    assert scores[("1", 0)].raw == text and scores[("1", 0)].exact_match
    assert scores[("1", 1)].raw == "no action\u2029here" and scores[("1", 1)].invalid
    # results.jsonl holds the text raw, and a resumed run reads it back line by line.
    assert "\u2028".encode() in (out / "results.jsonl").read_bytes()
    resumed = score_predictions(
        load_aitz(tmp_path / "data"), predictions, "raw", AITZSettings(), out, resume=True
    )
    assert resumed == metrics


@pytest.mark.parametrize(
    ("prediction", "error"),
    [
        ({"action": {"type": []}}, "unknown action type '\\[\\]'"),
        ({"action": {"type": {"a": 1}}}, "unknown action type"),
        ({"action": [1]}, "an action must be a JSON object, got list"),
        ({"action": "tap"}, "action is not valid JSON"),
        ({"action": 5}, "an action must be a JSON object, got int"),
        (
            {"action": {"type": "tap", "x": float("nan"), "y": 0.5}},
            "tap.x: Input should be a finite number",
        ),
        ({"action": {"type": "tap", "x": float("inf"), "y": 0.5}}, "tap.x"),
        ({"action": {"type": "key", "key": 5}}, "key.key"),
    ],
)
def test_an_action_that_is_not_one_is_an_invalid_step(
    tmp_path: Path, prediction: dict[str, Any], error: str
) -> None:
    small_split(tmp_path / "data")
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(json.dumps({"episode_id": "1", "step_id": 0, **prediction}) + "\n")
    out = tmp_path / "out"
    metrics = score_predictions(
        load_aitz(tmp_path / "data"), predictions, "canonical", AITZSettings(), out
    )
    assert metrics["overall"]["invalid_rate"] == 1.0
    assert re.search(error, read_scores(out)[("1", 0)].error or "")


def test_model_text_a_reader_trips_over_is_an_invalid_step(tmp_path: Path) -> None:
    """The canonical reader raises TypeError on a list "type" and RecursionError on deep
    nesting: the output is still unusable, so the step is invalid, with the exception named;
    the run goes on."""
    small_split(tmp_path / "data")
    predictions = tmp_path / "p.jsonl"
    lines = [
        {"episode_id": "1", "step_id": 0, "raw": '{"type": []}', "format": "canonical"},
        {
            "episode_id": "1",
            "step_id": 1,
            "raw": '{"a": ' + "[" * 100_000 + "}",
            "format": "canonical",
        },
        {
            "episode_id": "1",
            "step_id": 2,
            "raw": '{"type": "finish", "status": "success"}',
            "format": "canonical",
        },
    ]
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out"
    metrics = score_predictions(
        load_aitz(tmp_path / "data"), predictions, "raw", AITZSettings(), out
    )
    scores = read_scores(out)
    assert scores[("1", 0)].invalid and scores[("1", 1)].invalid
    assert not scores[("1", 2)].invalid and scores[("1", 2)].exact_match
    # The reader refuses both in its own words: a wrong type, and nesting past its depth limit.
    assert scores[("1", 0)].error == "unknown action type []"
    assert scores[("1", 1)].error == "the JSON nests deeper than 64 levels"
    assert metrics["overall"]["exact_match"] == pytest.approx(1 / 5)
