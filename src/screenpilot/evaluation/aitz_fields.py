"""The fields of an AITZ annotation file, read without trusting them.

Each reader checks a value's JSON type, shape and range before it is used and raises a
``DatasetError`` naming the file, the step, the field and the reason; nothing in a file can
get through as a ``TypeError``, an ``OverflowError`` or a NaN. The layout and the fields are
described in ``aitz_data``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from screenpilot.errors import ConfigError
from screenpilot.tools import coords

MAX_ANNOTATION_BYTES = 64 * 1024 * 1024
"""An episode's JSON is a few kB to a few hundred kB; larger is not an annotation file."""
MAX_STEP_ID = 100_000
BOX_SLACK = 0.05
"""A UI box may overhang its screenshot by this fraction of the screenshot's size on each side
(detector boxes at the edge, rounding); farther out, the boxes were made for another image."""
NO_POINT = (-1.0, -1.0)
"""AITZ's ``[y, x]`` for "no point" (every action but a gesture)."""

PixelBox = tuple[int, int, int, int]


class DatasetError(ConfigError):
    """AITZ data that cannot be read. The message names the file, the field where there is
    one, and the reason; ``file`` is the file at fault and ``field`` the annotation field."""

    def __init__(self, message: str, *, file: Path | None = None, field: str | None = None):
        super().__init__(message)
        self.file = file
        self.field = field


@dataclass(frozen=True, slots=True)
class Where:
    """A place in an annotation file: the file, and the step (its position in the list; other
    datasets call it by their own ``unit``, e.g. item)."""

    file: Path
    step: int | None = None
    unit: str = "step"

    def error(
        self, reason: str, field: str | None = None, *, file: Path | None = None
    ) -> DatasetError:
        place = str(self.file) if self.step is None else f"{self.file} {self.unit} {self.step}"
        if field is not None:
            place += f", field {field!r}"
        return DatasetError(f"{place}: {reason}", file=file or self.file, field=field)


def shown(value: Any, limit: int = 80) -> str:
    """A value as it appears in a message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def load_json(text: str | bytes, where: Where, field: str | None = None) -> Any:
    """JSON from a file's bytes or a field's string; the reason names the offending byte or
    character. NaN and Infinity are read as floats and refused by the field readers."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            byte = exc.object[exc.start]
            raise where.error(
                f"is not UTF-8: byte 0x{byte:02x} at offset {exc.start} is not valid there", field
            ) from exc
    if not text.strip():
        raise where.error("is empty" if field is None else "is an empty string", field)
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise where.error("is not readable JSON: nested too deeply", field) from exc
    except ValueError as exc:
        raise where.error(f"is not valid JSON: {exc}", field) from exc


def required(record: Mapping[str, Any], name: str, where: Where) -> Any:
    if name not in record:
        raise where.error("missing", name)
    return record[name]


def integer(record: Mapping[str, Any], name: str, where: Where, low: int, high: int) -> int:
    value = required(record, name, where)
    if type(value) is not int:
        raise where.error(f"must be an integer, got {shown(value)}", name)
    if not low <= value <= high:
        raise where.error(f"must be between {low} and {high}, got {shown(value)}", name)
    return value


def text(record: Mapping[str, Any], name: str, where: Where, *, optional: bool = False) -> str:
    """A string field; an optional one may be missing or null (read as "")."""
    if optional and record.get(name) is None:
        return ""
    value = required(record, name, where)
    if not isinstance(value, str):
        raise where.error(f"must be a string, got {shown(value)}", name)
    return value


def identifier(record: Mapping[str, Any], name: str, where: Where) -> str:
    """An id: a non-empty string, or an integer (read as its digits)."""
    value = required(record, name, where)
    if type(value) is int and value >= 0:
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"must be a non-empty string, got {shown(value)}", name)
    return value


def encoded(record: Mapping[str, Any], name: str, where: Where) -> Any:
    """A field AITZ stores as JSON inside a string (a value stored as such is taken as is)."""
    value = required(record, name, where)
    return load_json(value, where, name) if isinstance(value, str) else value


def finite_number(value: Any) -> bool:
    """A JSON number that is not NaN or infinite (a huge integer is finite; booleans are not
    numbers)."""
    if type(value) is int:
        return True
    return type(value) is float and math.isfinite(value)


def point(record: Mapping[str, Any], name: str, where: Where) -> coords.Point | None:
    """A normalized ``[y, x]`` point, or None for AITZ's ``[-1, -1]``."""
    value = encoded(record, name, where)
    if not (isinstance(value, list) and len(value) == 2 and all(map(finite_number, value))):
        raise where.error(f"must be [y, x], two finite numbers, got {shown(value)}", name)
    y, x = value
    if (y, x) == NO_POINT:
        return None
    if not (0 <= y <= 1 and 0 <= x <= 1):
        raise where.error(f"{shown(value)} is outside [0, 1] (and is not [-1, -1])", name)
    return coords.point_from_yx(float(y), float(x))


def labels(record: Mapping[str, Any], name: str, where: Where) -> list[str]:
    """A list of strings (``ui_text``, ``ui_types``)."""
    value = encoded(record, name, where)
    if not isinstance(value, list):
        raise where.error(f"must be a list of strings, got {shown(value)}", name)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise where.error(f"item {index} must be a string, got {shown(item)}", name)
    return value


def _whole(value: Any) -> bool:
    return type(value) is int or (type(value) is float and value.is_integer())


def pixel_boxes(
    record: Mapping[str, Any], where: Where, size: tuple[int, int]
) -> tuple[PixelBox, ...]:
    """``ui_positions``: ``[top, left, height, width]`` boxes in pixels of the screenshot of
    ``size`` (width, height), each inside it give or take ``BOX_SLACK``."""
    value = encoded(record, "ui_positions", where)
    if not isinstance(value, list):
        raise where.error(
            f"must be a list of [top, left, height, width] boxes, got {shown(value)}",
            "ui_positions",
        )
    width, height = size
    low_y, high_y = -BOX_SLACK * height, (1 + BOX_SLACK) * height
    low_x, high_x = -BOX_SLACK * width, (1 + BOX_SLACK) * width
    boxes = []
    for index, box in enumerate(value):
        # The common case, four integers, is checked in one go; anything else on its own.
        if type(box) is list and len(box) == 4:
            top, left, tall, wide = box
            if not (type(top) is type(left) is type(tall) is type(wide) is int):
                top, left, tall, wide = _numbers(box, index, where)
        else:
            top, left, tall, wide = _numbers(box, index, where)
        inside = low_y <= top and top + tall <= high_y and low_x <= left and left + wide <= high_x
        if tall < 0 or wide < 0 or not inside:
            raise where.error(
                f"box {index} {shown(box)} does not fit the {width}×{height} screenshot "
                "(the annotation was made for another image?)",
                "ui_positions",
            )
        boxes.append((top, left, tall, wide))
    return tuple(boxes)


def normalized_boxes(record: Mapping[str, Any], where: Where) -> tuple[coords.YXHW, ...]:
    """``ui_positions`` normalized to the screenshot, ``[top, left, height, width]`` as AITW and
    AgentCPM-GUI's AndroidControl files store them. Accessibility bounds may lie partly or wholly
    off screen (scrolled content), so any four finite numbers are taken as they are."""
    value = encoded(record, "ui_positions", where)
    if not isinstance(value, list):
        raise where.error(
            f"must be a list of [top, left, height, width] boxes, got {shown(value)}",
            "ui_positions",
        )
    boxes = []
    for index, box in enumerate(value):
        if not (isinstance(box, list) and len(box) == 4 and all(map(finite_number, box))):
            raise where.error(
                f"box {index} must be [top, left, height, width], four finite numbers, "
                f"got {shown(box)}",
                "ui_positions",
            )
        top, left, height, width = (float(v) for v in box)
        boxes.append((top, left, height, width))
    return tuple(boxes)


def flags(record: Mapping[str, Any], name: str, where: Where, count: int) -> list[bool]:
    """A list of ``count`` booleans (``ui_interactive``); missing is all False."""
    if record.get(name) is None:
        return [False] * count
    value = encoded(record, name, where)
    if not (isinstance(value, list) and all(type(v) is bool for v in value)):
        raise where.error(f"must be a list of true / false, got {shown(value)}", name)
    if len(value) != count:
        raise where.error(f"holds {len(value)} values for {count} boxes", name)
    return value


def _numbers(box: Any, index: int, where: Where) -> PixelBox:
    """A box that is not four integers: four whole floats (54.0), or an error saying why."""
    if not (isinstance(box, list) and len(box) == 4 and all(map(finite_number, box))):
        raise where.error(
            f"box {index} must be [top, left, height, width], four finite numbers, got {shown(box)}",
            "ui_positions",
        )
    if not all(map(_whole, box)):
        raise where.error(
            f"box {index} {shown(box)} is not in whole pixels (boxes normalized to [0, 1], "
            "as some evaluation scripts rewrite them, are not AITZ's format)",
            "ui_positions",
        )
    top, left, tall, wide = (int(v) for v in box)
    return top, left, tall, wide


def image_path(
    record: Mapping[str, Any],
    where: Where,
    split_dir: Path,
    default: Path,
    *,
    name: str = "image_path",
) -> Path:
    """The screenshot: the field ``name`` relative to the split folder (it may not leave it), or
    ``default`` when the field is missing or null."""
    value = record.get(name)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"must be a relative path, got {shown(value)}", name)
    relative = PurePosixPath(value)
    if relative.is_absolute() or ".." in relative.parts or "\\" in value or "\0" in value:
        raise where.error(f"must be a path inside the split folder, got {shown(value)}", name)
    return split_dir.joinpath(*relative.parts)


def stated_size(record: Mapping[str, Any], where: Where, size: tuple[int, int]) -> None:
    """``image_width`` / ``image_height``, which some tools add, must be the PNG's size."""
    for name, actual in (("image_width", size[0]), ("image_height", size[1])):
        if record.get(name) is not None:
            stated = integer(record, name, where, 1, 10**9)
            if stated != actual:
                raise where.error(f"says {stated}, but the screenshot is {size[0]}×{size[1]}", name)
