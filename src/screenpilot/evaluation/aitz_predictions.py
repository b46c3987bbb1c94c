"""Files of existing predictions for AITZ, scored without a model.

One JSON object per line: ``{"episode_id", "step_id", "action": {...} | null}`` (the
``canonical`` format), or ``{"episode_id", "step_id", "raw": "<model text>", "format":
"qwen25vl", "resized_size"?: [w, h]}`` parsed by that output format (the ``raw`` format).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError, ModelError
from screenpilot.evaluation.aitz_env import AITZDataset, AITZStep
from screenpilot.evaluation.scoring import StepKey, StepScore, score_step
from screenpilot.policies.formats import FORMAT_NAMES, READERS
from screenpilot.tools.actions import to_action

PREDICTION_FORMATS = ("canonical", "raw")


def read_predictions(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The file's (line number, object) pairs and the SHA-256 of its bytes."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the predictions file {path}: {exc}") from exc
    lines = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number} is not valid JSON: {exc}") from exc
        if not isinstance(record, dict) or "episode_id" not in record or "step_id" not in record:
            raise ConfigError(f"{path}:{number} needs an object with episode_id and step_id")
        lines.append((number, record))
    return lines, hashlib.sha256(data).hexdigest()


def prediction_score(
    step: AITZStep, record: dict[str, Any], fmt: str, protocol: str, where: str
) -> StepScore:
    """Score one line; an unusable prediction is an invalid step with its reason."""
    if fmt == "canonical":
        if "action" not in record:
            raise ConfigError(f"{where} has no 'action' (an action object, or null)")
        raw = json.dumps(record["action"], ensure_ascii=False)
        if record["action"] is None:
            return score_step(step, None, protocol, raw=raw, error="no action")
        try:
            return score_step(step, to_action(record["action"]), protocol, raw=raw)
        except ModelError as exc:
            return score_step(step, None, protocol, raw=raw, error=str(exc))
    name, text = record.get("format"), record.get("raw")
    if not isinstance(text, str) or not isinstance(name, str):
        raise ConfigError(f"{where} needs 'raw' (the model's text) and 'format' (e.g. qwen25vl)")
    reader = READERS.get(name)
    if reader is None:
        raise ConfigError(
            f"{where}: unknown output format {name!r}; known: {', '.join(FORMAT_NAMES)}"
        )
    resized = record.get("resized_size")
    resized_size = (int(resized[0]), int(resized[1])) if resized else None
    try:
        parsed = reader(text, step.gt.screen.size, resized_size)
    except ModelError as exc:
        return score_step(step, None, protocol, raw=text, error=str(exc))
    return score_step(step, parsed.action, protocol, raw=text, repairs=parsed.repairs)


def score_lines(
    dataset: AITZDataset,
    lines: list[tuple[int, dict[str, Any]]],
    fmt: str,
    protocol: str,
    path: Path,
) -> tuple[dict[StepKey, StepScore], int]:
    """The scores of the lines for steps of ``dataset`` (in file order), and how many lines
    name steps outside it (ignored). A second line for one step is a ``ConfigError``."""
    if fmt not in PREDICTION_FORMATS:
        raise ConfigError(f"unknown predictions format {fmt!r}; expected canonical or raw")
    by_key = {(s.episode_id, s.step_id): s for s in dataset.steps}
    scores: dict[StepKey, StepScore] = {}
    unmatched = 0
    for number, record in lines:
        key = (str(record["episode_id"]), int(record["step_id"]))
        step = by_key.get(key)
        if step is None:
            unmatched += 1
            continue
        where = f"{path}:{number}"
        if key in scores:
            raise ConfigError(f"{where}: a second prediction for episode {key[0]} step {key[1]}")
        scores[key] = prediction_score(step, record, fmt, protocol, where)
    return scores, unmatched
