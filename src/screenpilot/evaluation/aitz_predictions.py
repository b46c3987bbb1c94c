"""Files of existing predictions for AITZ, scored without a model.

One JSON object per line: ``{"episode_id", "step_id", "action": {...} | null}`` (the
``canonical`` format), or ``{"episode_id", "step_id", "raw": "<model text>", "format":
"qwen25vl", "resized_size"?: [w, h]}`` parsed by that output format (the ``raw`` format).

The file is the caller's: every line is checked when it is read (UTF-8, JSON, the ids, the
fields its format needs, one line per step) and a wrong one is a ``PredictionsError`` (a
``ConfigError``) naming ``file:line``, the field and the reason. What a line predicts is the
model's: an action that is not one, or model text no reader can read, is scored as an invalid
step with its reason, as a policy's unusable output would be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError, ModelError
from screenpilot.evaluation.aitz_env import AITZDataset, AITZStep
from screenpilot.evaluation.aitz_fields import MAX_STEP_ID, shown
from screenpilot.evaluation.prediction_lines import (
    READER_FAILURES,
    Failure,
    PredictionsError,
    read_lines,
    resized_size,
)
from screenpilot.evaluation.scoring import StepKey, StepScore, score_step
from screenpilot.policies.formats import FORMAT_NAMES, READERS
from screenpilot.tools.actions import Action, to_action

PREDICTION_FORMATS = ("canonical", "raw")


@dataclass(frozen=True, slots=True)
class Prediction:
    """One line, checked: the step it is for and what it predicts."""

    line: int
    key: StepKey
    action: Any = None
    """canonical: the action's JSON (None: no action)."""
    raw: str = ""
    """raw: the model's text, read by the output format ``reader``."""
    reader: str = ""
    resized_size: tuple[int, int] | None = None


def read_predictions(path: Path, fmt: str) -> tuple[list[Prediction], str]:
    """The file's predictions in line order and the SHA-256 of its bytes."""
    if fmt not in PREDICTION_FORMATS:
        raise ConfigError(f"unknown predictions format {fmt!r}; expected canonical or raw")
    lines, digest = read_lines(path, "a JSON object with episode_id and step_id")
    predictions: list[Prediction] = []
    first: dict[StepKey, int] = {}
    for number, record in lines:
        prediction = _prediction(path, number, record, fmt)
        if prediction.key in first:
            raise PredictionsError(
                path,
                number,
                f"a second prediction for episode {prediction.key[0]} step {prediction.key[1]} "
                f"(the first is on line {first[prediction.key]})",
            )
        first[prediction.key] = number
        predictions.append(prediction)
    return predictions, digest


def _prediction(path: Path, number: int, record: dict[str, Any], fmt: str) -> Prediction:
    def fail(field: str, reason: str) -> PredictionsError:
        return PredictionsError(path, number, reason, field)

    for name in ("episode_id", "step_id", *(("action",) if fmt == "canonical" else ())):
        if name not in record:
            raise fail(name, "missing" + (" (an action object, or null)" * (name == "action")))
    key = (_episode_id(record["episode_id"], fail), _step_id(record["step_id"], fail))
    if fmt == "canonical":
        return Prediction(number, key, action=record["action"])
    raw, reader = record.get("raw"), record.get("format")
    if not isinstance(raw, str):
        raise fail("raw", f"must be the model's text (a string), got {shown(raw)}")
    if not isinstance(reader, str):
        raise fail("format", f"must name an output format (e.g. qwen25vl), got {shown(reader)}")
    if reader not in READERS:
        raise fail("format", f"unknown output format {reader!r}; known: {', '.join(FORMAT_NAMES)}")
    size = resized_size(record, fail)
    return Prediction(number, key, raw=raw, reader=reader, resized_size=size)


def _episode_id(value: Any, fail: Failure) -> str:
    if type(value) is int and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise fail("episode_id", f"must be a non-empty string (or a whole number), got {shown(value)}")


def _step_id(value: Any, fail: Failure) -> int:
    """A whole number: an integer, an integral float (3.0) or its digits as a string ("3")."""
    number: int | None = None
    if type(value) is int:
        number = value
    elif type(value) is float and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _ascii_digits(value.strip()) and len(value.strip()) <= 9:
        number = int(value.strip())
    if number is None or not 0 <= number <= MAX_STEP_ID:
        raise fail(
            "step_id", f"must be a whole number from 0 to {MAX_STEP_ID:,}, got {shown(value)}"
        )
    return number


def _ascii_digits(text: str) -> bool:
    """0-9 only (``str.isdigit`` also takes "²", which ``int`` refuses)."""
    return text.isascii() and text.isdigit()


def prediction_score(
    step: AITZStep, prediction: Prediction, protocol: str, where: str
) -> StepScore:
    """Score one prediction; an unusable one is an invalid step with its reason."""
    if prediction.reader:
        raw = prediction.raw

        def parse() -> tuple[Action, list[str]]:
            parsed = READERS[prediction.reader](raw, step.gt.screen.size, prediction.resized_size)
            return parsed.action, list(parsed.repairs)

        what = f"{prediction.reader} reader"
    else:
        try:
            raw = json.dumps(prediction.action, ensure_ascii=False)
        except RecursionError:  # nested past the stack: the reader would trip over it too
            raw = "<an action nested too deep to write out>"
        if prediction.action is None:
            return score_step(step, None, protocol, raw=raw, error="no action")

        def parse() -> tuple[Action, list[str]]:
            return to_action(prediction.action), []

        what = "action reader"
    try:
        action, repairs = parse()
    except ModelError as exc:
        return score_step(step, None, protocol, raw=raw, error=str(exc))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    except READER_FAILURES as exc:
        error = f"the {what} failed on this output ({type(exc).__name__}: {exc})"
        return score_step(step, None, protocol, raw=raw, error=error)
    return score_step(step, action, protocol, raw=raw, repairs=repairs)


def score_lines(
    dataset: AITZDataset, predictions: list[Prediction], protocol: str, path: Path
) -> tuple[dict[StepKey, StepScore], list[StepKey]]:
    """The scores of the predictions for steps of ``dataset`` (in file order), and the steps
    named by the lines outside it (ignored), in file order."""
    by_key = {(s.episode_id, s.step_id): s for s in dataset.steps}
    scores: dict[StepKey, StepScore] = {}
    unmatched: list[StepKey] = []
    for prediction in predictions:
        step = by_key.get(prediction.key)
        if step is None:
            unmatched.append(prediction.key)
            continue
        where = f"{path}:{prediction.line}"
        scores[prediction.key] = prediction_score(step, prediction, protocol, where)
    return scores, unmatched


SHOWN_UNMATCHED = 3
"""How many of the ignored lines' steps a warning names."""


def unmatched_warning(
    dataset: AITZDataset, path: Path, lines: int, unmatched: list[StepKey]
) -> str | None:
    """What to tell the user about lines naming steps outside ``dataset`` (None: there are
    none): how many, the first few, and when no line matches, how the dataset's ids look."""
    if not unmatched:
        return None
    named = ", ".join(_spelled(key) for key in unmatched[:SHOWN_UNMATCHED])
    more = ", …" if len(unmatched) > SHOWN_UNMATCHED else ""
    where = f"{dataset.root}/{dataset.split}"
    if dataset.subset is not None:
        where += f"/{dataset.subset}"
    if dataset.limit is not None:
        where += f" (first {dataset.limit} episodes)"
    if len(unmatched) < lines:
        return (
            f"{len(unmatched)} of {lines} lines of {path} name steps that are not in {where} "
            f"and are ignored: {named}{more}"
        )
    first = next(dataset.steps, None)
    looks = (
        f"; the dataset's ids look like {_spelled((first.episode_id, first.step_id))} (the "
        "episode_id and step_id fields of its annotation files)"
        if first is not None
        else ""
    )
    return (
        f"no line of {path} names a step of {where}, so every step is scored invalid: the "
        f"{lines} lines name {named}{more}{looks}"
    )


def _spelled(key: StepKey) -> str:
    """A step's ids as a predictions line writes them."""
    return json.dumps({"episode_id": key[0], "step_id": key[1]}, ensure_ascii=False)
