"""Files of existing ScreenSpot predictions, scored without a model.

One JSON object per line (read by ``prediction_lines``), for the sample ``id`` (v2: the
``<split>-<position>`` ids of ``screenspot_data``):

- ``{"id": "…", "point": [x, y]}``: the point in pixels of the sample's image (``null``: the
  model gave none, scored ``wrong_format``);
- ``{"id": "…", "raw": "<model text>", "format": "<card>", "resized_size": [w, h]}``: the
  model's text, read by that output format (a model card, or ``canonical``) as a policy's
  answer would be (a box counts at its centre); ``format`` may be left out when a default card
  is given (``--card``), and
  ``resized_size`` is the optional size of the image the model saw. The card reads the text for
  the sample's platform: mobile for v2's mobile split, desktop for the rest.

The file's shape is the caller's (a missing id, a second line for one sample, an unknown card:
a ``PredictionsError`` naming ``file:line``); what a line predicts is the model's (a point that
is not two numbers, text no card can read, an action that names no place: ``wrong_format``,
with the reason).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError, ModelError
from screenpilot.evaluation.aitz_fields import shown
from screenpilot.evaluation.prediction_lines import (
    READER_FAILURES,
    PredictionsError,
    read_lines,
    resized_size,
)
from screenpilot.evaluation.screenspot_data import (
    GroundingSample,
    ScreenSpotDataset,
    sensible_coordinate,
)
from screenpilot.evaluation.screenspot_scoring import SampleScore, score_sample
from screenpilot.policies.cards import Parsed
from screenpilot.policies.formats import FORMAT_NAMES, READERS
from screenpilot.policies.settings import Platform
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, PointAction

_NO_POINT = object()


@dataclass(frozen=True, slots=True)
class GroundingPrediction:
    """One line, checked: the sample it is for and what it predicts."""

    line: int
    id: str
    point: Any = _NO_POINT
    """The line's ``point`` as written (checked when scored)."""
    raw: str = ""
    reader: str = ""
    resized_size: tuple[int, int] | None = None


def read_grounding_predictions(
    path: Path, default_card: str | None = None
) -> tuple[list[GroundingPrediction], str, str]:
    """The file's predictions in line order, the SHA-256 of its bytes, and what its lines hold
    (``points``, ``raw qwen25vl``, ``points and raw …``)."""
    lines, digest = read_lines(path, "a JSON object with id and point (or raw)")
    predictions: list[GroundingPrediction] = []
    first: dict[str, int] = {}
    for number, record in lines:
        prediction = _prediction(path, number, record, default_card)
        if prediction.id in first:
            raise PredictionsError(
                path,
                number,
                f"a second prediction for sample {prediction.id} (the first is on line "
                f"{first[prediction.id]})",
            )
        first[prediction.id] = number
        predictions.append(prediction)
    return predictions, digest, _contents(predictions)


def _contents(predictions: Sequence[GroundingPrediction]) -> str:
    cards = sorted({p.reader for p in predictions if p.reader})
    points = any(not p.reader for p in predictions)
    raw = f"raw {'/'.join(cards)}" if cards else ""
    return " and ".join(part for part in ("points" if points else "", raw) if part) or "empty"


def _prediction(
    path: Path, number: int, record: dict[str, Any], default_card: str | None
) -> GroundingPrediction:
    def fail(field: str, reason: str) -> PredictionsError:
        return PredictionsError(path, number, reason, field)

    if "id" not in record:
        raise fail("id", "missing")
    value = record["id"]
    if not (isinstance(value, str) and value.strip()) and not (type(value) is int and value >= 0):
        raise fail("id", f"must be a non-empty string (or a whole number), got {shown(value)}")
    sample_id = str(value)
    if ("point" in record) == ("raw" in record):
        raise fail("point", "a line holds either point ([x, y] pixels, or null) or raw (text)")
    if "point" in record:
        return GroundingPrediction(number, sample_id, point=record["point"])
    raw = record["raw"]
    if not isinstance(raw, str):
        raise fail("raw", f"must be the model's text (a string), got {shown(raw)}")
    reader = record.get("format", default_card)
    if reader is None:
        raise fail("format", "missing: name the model card that reads the text, or give --card")
    if not isinstance(reader, str) or reader not in READERS:
        known = ", ".join(FORMAT_NAMES)
        raise fail("format", f"unknown output format {shown(reader)}; known: {known}")
    return GroundingPrediction(
        number, sample_id, raw=raw, reader=reader, resized_size=resized_size(record, fail)
    )


def platform_of(sample: GroundingSample) -> Platform:
    """The platform a card reads a sample's answer for: v2's mobile split is a phone."""
    return "mobile" if sample.tags.get("split") == "mobile" else "desktop"


def located(action: Action) -> tuple[float, float] | None:
    """The normalized point an action names, if it names one."""
    if isinstance(action, PointAction):
        return (action.x, action.y)
    return None


def prediction_score(sample: GroundingSample, prediction: GroundingPrediction) -> SampleScore:
    """Score one line; a line that gives no usable point is ``wrong_format`` with its reason."""
    if not prediction.reader:
        point = prediction.point
        try:
            raw = json.dumps(point, ensure_ascii=False)
        except RecursionError:  # nested past the stack: no point either way
            raw = "<a value nested too deep to write out>"
        if point is None:
            return score_sample(sample, None, raw=raw, error="no point")
        if not (
            isinstance(point, list)
            and len(point) == 2
            and all(sensible_coordinate(v) for v in point)
        ):
            error = f"the point must be [x, y], two finite numbers (pixels), got {shown(point)}"
            return score_sample(sample, None, raw=raw, error=error)
        return score_sample(
            sample, coords.point_from_image_pixels(point[0], point[1], sample.size), raw=raw
        )
    reader = READERS[prediction.reader]
    try:
        parsed: Parsed = reader(
            prediction.raw, sample.size, prediction.resized_size, platform_of(sample)
        )
    except ModelError as exc:
        return score_sample(sample, None, raw=prediction.raw, error=str(exc))
    except ConfigError:
        raise
    except READER_FAILURES as exc:
        error = f"the {prediction.reader} card failed on this output ({type(exc).__name__}: {exc})"
        return score_sample(sample, None, raw=prediction.raw, error=error)
    return scored_action(sample, parsed.action, parsed.box, prediction.raw, parsed.repairs)


def scored_action(
    sample: GroundingSample,
    action: Action,
    box: Sequence[float] | None,
    raw: str,
    repairs: Sequence[str] = (),
    timings: dict[str, float] | None = None,
) -> SampleScore:
    """A decided action scored: its point, or ``wrong_format`` for an action naming none."""
    point = located(action)
    if point is None:
        error = f"a {action.type} action names no place on the screen"
        return score_sample(sample, None, raw=raw, error=error, timings=timings)
    return score_sample(sample, point, located_box=box, raw=raw, repairs=repairs, timings=timings)


def score_lines(
    dataset: ScreenSpotDataset, predictions: Sequence[GroundingPrediction], path: Path
) -> tuple[dict[str, SampleScore], int]:
    """The scores of the lines for samples of ``dataset`` (in file order), and how many lines
    name samples outside it (ignored)."""
    by_id = {sample.id: sample for sample in dataset}
    scores: dict[str, SampleScore] = {}
    unmatched = 0
    for prediction in predictions:
        sample = by_id.get(prediction.id)
        if sample is None:
            unmatched += 1
            continue
        try:
            scores[sample.id] = prediction_score(sample, prediction)
        except ConfigError as exc:
            raise ConfigError(f"{path}:{prediction.line}: {exc}") from exc
    return scores, unmatched
