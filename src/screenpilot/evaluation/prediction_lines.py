"""Files of existing predictions, one JSON object per line, as every benchmark reads them.

The file is the caller's: it must be UTF-8 (a byte-order mark is skipped) and each non-blank
line a JSON object; anything else is a ``PredictionsError`` (a ``ConfigError``) naming
``file:line``, and the field where there is one. Lines end at ``\\n`` only: model text may
hold U+2028 and other separators. What each benchmark needs of a line is checked by its own
reader (``aitz_predictions``, ``screenspot_predictions``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_fields import shown

MAX_RESIZED_SIDE = 100_000
READER_FAILURES = (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError)
"""What a reader that trips over model text may raise besides ``ModelError``: the output is
still unusable, so the unit is scored as unanswered (with the exception named), not the run
stopped."""


class PredictionsError(ConfigError):
    """A line of a predictions file that cannot be scored; ``line`` is 1-based."""

    def __init__(self, path: Path, line: int | None, reason: str, field: str | None = None):
        place = str(path) if line is None else f"{path}:{line}"
        if field is not None:
            place += f": field {field!r}"
        super().__init__(f"{place}: {reason}")
        self.file, self.line, self.field = path, line, field


Failure = Callable[[str, str], PredictionsError]
"""Builds the error of one line: (field, reason)."""


def read_lines(path: Path, expected: str) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """Each non-blank line of ``path`` as (line number, JSON object), and the SHA-256 of the
    file's bytes. ``expected`` says what a line must be ("a JSON object with id")."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the predictions file {path}: {exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        raise PredictionsError(
            path,
            bad_line,
            f"is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} of the file "
            f"(byte {column + 1} of the line) is not valid there",
        ) from exc
    lines = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError as exc:
            raise PredictionsError(path, number, "is not readable JSON: nested too deeply") from exc
        except ValueError as exc:
            raise PredictionsError(path, number, f"is not valid JSON: {exc}") from exc
        if not isinstance(record, dict):
            raise PredictionsError(path, number, f"must be {expected}, got {shown(record)}")
        lines.append((number, record))
    return lines, hashlib.sha256(data).hexdigest()


def resized_size(record: dict[str, Any], fail: Failure) -> tuple[int, int] | None:
    """A raw line's optional ``resized_size``: the [width, height] the model saw."""
    resized = record.get("resized_size")
    if resized is None:
        return None
    if not (
        isinstance(resized, list)
        and len(resized) == 2
        and all(type(side) is int and 0 < side <= MAX_RESIZED_SIDE for side in resized)
    ):
        raise fail(
            "resized_size",
            f"must be [width, height], two whole numbers from 1 to {MAX_RESIZED_SIDE:,}, "
            f"got {shown(resized)}",
        )
    return (resized[0], resized[1])


__all__ = [
    "MAX_RESIZED_SIDE",
    "READER_FAILURES",
    "Failure",
    "PredictionsError",
    "read_lines",
    "resized_size",
]
