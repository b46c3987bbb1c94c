"""The label at a point of a screenshot, read by an offline OCR engine for the safety gate.

Where a screen has no UI tree at the point (a desktop window that exports no accessibility
tree), the gate still needs the words on what a press lands on. ``OcrReader`` crops a region around the point, hands it to an engine, and keeps
the text line whose box contains the point, else the line nearest to it within the region.

The region is a fixed share of the screenshot, ``REGION`` = 30 % of its longer side wide (at
most the whole width) by 8 % of its height, centred on the point (at least ``MIN_REGION``
pixels): on a 1920x1080 desktop that is 576x86 pixels, room for the longest phrase of the word
table at common control sizes with the point anywhere on it, and one row of controls tall, so
that few neighbours get in; on a 1080x2400 phone, 720x192, two thirds of a row of a list. A
region larger than ``MAX_SIDE`` pixels (a 4K screen) is scaled down to it, so each check costs
about the same whatever the screen. When the line kept runs into the region's left or right
edge, it was probably cut there ("en" of "Elena Jensen"), and the reader reads again a region
twice as wide, up to ``WIDENINGS`` times, so that a label is judged whole.

A flow looking for a label anywhere on the screen reads the whole screenshot (``OcrReader.lines``)
in tiles of at most ``MAX_SIDE`` pixels that overlap by ``TILE_OVERLAP``, at the screenshot's own
scale (scaled down whole, a desktop's 12-pixel text would shrink below what detection finds); a
line read in two tiles is kept once, as the wider reading.

The engine is RapidOCR (``rapidocr`` with ``onnxruntime``, the ``ocr`` extra): its wheel carries
PP-OCRv6 detection and recognition models that read Latin scripts with their accents, Chinese
and Japanese, offline. It is imported and loaded once, on the first check, under a lock; until
then nothing heavy is imported. ``benchmarks/ocr_labels.py`` measures it against Tesseract
and the older rapidocr-onnxruntime (PP-OCRv4, which has no kana).
"""

from __future__ import annotations

import importlib.util
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from screenpilot.agent.core import Sighting
from screenpilot.errors import require
from screenpilot.tools import coords

REGION = (0.30, 0.08)
"""The share of the screenshot's width and height read around a point."""
MIN_REGION = (160, 48)
"""The smallest region, in screenshot pixels (small screenshots)."""
MAX_SIDE = 960
"""The longest side, in pixels, of the region handed to the engine; larger ones are scaled."""
WIDENINGS = 2
"""How many times a region is read again twice as wide when the line kept touches its edge."""
TILE_OVERLAP = 96
"""Pixels by which neighbouring tiles of a whole-screen read overlap (a line of text cut by one
tile's edge lies whole in its neighbour)."""
EDGE = 2.0
"""How close, in screenshot pixels, a line's box may come to a region's side to touch it."""
EXTRA = "ocr"
ENGINE_MODULES = ("rapidocr", "onnxruntime")

PixelBox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text an engine found: its words and its box in the image's pixels."""

    text: str
    box: PixelBox
    score: float = 1.0


Engine = Callable[[Image.Image], Sequence[TextLine]]
"""Finds the lines of text in an image."""


def region(size: tuple[int, int], x: float, y: float, widen: int = 0) -> tuple[int, int, int, int]:
    """The pixel box (left, top, right, bottom) read around normalized point (x, y); each
    ``widen`` doubles its width (never beyond the screenshot's)."""
    width, height = size
    wanted_w = min(width, max(MIN_REGION[0], round(max(width, height) * REGION[0])) << widen)
    wanted_h = min(height, max(MIN_REGION[1], round(height * REGION[1])))
    centre_x, centre_y = coords.image_pixels_from_point(x, y, size)
    left = min(max(round(centre_x - wanted_w / 2), 0), width - wanted_w)
    top = min(max(round(centre_y - wanted_h / 2), 0), height - wanted_h)
    return left, top, left + wanted_w, top + wanted_h


def _distance(box: PixelBox, x: float, y: float) -> float:
    left, top, right, bottom = box
    dx = max(left - x, 0.0, x - right)
    dy = max(top - y, 0.0, y - bottom)
    return math.hypot(dx, dy)


def pick(lines: Sequence[TextLine], x: float, y: float) -> TextLine | None:
    """The line whose box contains (x, y), the smallest if several do; else the nearest."""
    lines = [line for line in lines if line.text.strip()]
    if not lines:
        return None
    return min(
        lines,
        key=lambda line: (
            _distance(line.box, x, y),
            (line.box[2] - line.box[0]) * (line.box[3] - line.box[1]),
        ),
    )


def tiles(size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Pixel boxes of at most ``MAX_SIDE`` a side covering an image of ``size``, neighbours
    overlapping by ``TILE_OVERLAP``."""

    def starts(length: int) -> list[int]:
        if length <= MAX_SIDE:
            return [0]
        count = math.ceil((length - TILE_OVERLAP) / (MAX_SIDE - TILE_OVERLAP))
        return [round(i * (length - MAX_SIDE) / (count - 1)) for i in range(count)]

    width, height = size
    return [
        (left, top, min(left + MAX_SIDE, width), min(top + MAX_SIDE, height))
        for top in starts(height)
        for left in starts(width)
    ]


def _overlap(first: PixelBox, second: PixelBox) -> float:
    """The share of the smaller box that the two boxes have in common."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((box[2] - box[0]) * (box[3] - box[1]) for box in (first, second))
    return width * height / smaller if smaller > 0 else 0.0


def merge_lines(lines: Sequence[TextLine]) -> list[TextLine]:
    """One line per place: of lines whose boxes mostly overlap (read in two tiles), the widest."""
    kept: list[TextLine] = []
    for line in sorted(lines, key=lambda line: line.box[0] - line.box[2]):
        if all(_overlap(line.box, other.box) < 0.5 for other in kept):
            kept.append(line)
    return sorted(kept, key=lambda line: (line.box[1], line.box[0]))


class OcrReader:
    """A ``LabelReader``: the words at a point of a screenshot, by OCR of the region around it.

    ``engine`` finds text lines in an image; by default RapidOCR, loaded on the first call."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine, loaded once (thread-safe)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = RapidOcrEngine()
        return self._engine

    def lines_at(self, image: Image.Image, x: float, y: float, widen: int = 0) -> list[TextLine]:
        """The lines found in the region around (x, y), boxes in the screenshot's pixels."""
        left, top, right, bottom = region(image.size, x, y, widen)
        crop = image.crop((left, top, right, bottom)).convert("RGB")
        scale = min(1.0, MAX_SIDE / max(crop.size))
        if scale < 1.0:
            size = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
            crop = crop.resize(size, Image.Resampling.BICUBIC)
        found = []
        for line in self.engine(crop):
            x0, y0, x1, y1 = line.box
            box = (left + x0 / scale, top + y0 / scale, left + x1 / scale, top + y1 / scale)
            found.append(TextLine(line.text.strip(), box, line.score))
        return found

    def lines(self, image: Image.Image) -> list[TextLine]:
        """Every line of the whole screenshot, top to bottom, boxes in its pixels."""
        rgb = image.convert("RGB")
        found = []
        for left, top, right, bottom in tiles(rgb.size):
            for line in self.engine(rgb.crop((left, top, right, bottom))):
                x0, y0, x1, y1 = line.box
                box = (left + x0, top + y0, left + x1, top + y1)
                found.append(TextLine(line.text.strip(), box, line.score))
        return merge_lines([line for line in found if line.text])

    def line_at(self, image: Image.Image, x: float, y: float) -> TextLine | None:
        """The line kept for (x, y): read again wider while it runs into the region's side."""
        point = coords.image_pixels_from_point(x, y, image.size)
        for widen in range(WIDENINGS + 1):
            line = pick(self.lines_at(image, x, y, widen), *point)
            left, _, right, _ = region(image.size, x, y, widen)
            cut = line is not None and (
                (line.box[0] - left <= EDGE and left > 0)
                or (right - line.box[2] <= EDGE and right < image.width)
            )
            if not cut:
                break
        return line

    def __call__(self, image: Image.Image, x: float, y: float) -> Sighting | None:
        line = self.line_at(image, x, y)
        if line is None:
            return None
        box = coords.box_from_image_pixels(*line.box, image.size, clamp=True)
        return Sighting(line.text, "ocr", box)


class RapidOcrEngine:
    """RapidOCR with the PP-OCRv6 models its wheel carries, on onnxruntime's CPU provider.

    Detection runs on the image at its own size (RapidOCR's default first enlarges it to 736
    pixels on the short side, which costs five to ten times more on a small region and reads
    no better); the angle classifier is off, since controls are not upside down. Calls are
    serialized: the engine keeps per-call settings on itself."""

    PARAMS: dict[str, Any] = {  # noqa: RUF012  (read-only settings)
        "Global.log_level": "error",
        "Global.use_cls": False,
        "Det.limit_type": "max",
        "Det.limit_side_len": MAX_SIDE,
    }

    def __init__(self) -> None:
        for module in ENGINE_MODULES:
            require(module, EXTRA)
        rapidocr = require("rapidocr", EXTRA)
        self._ocr = rapidocr.RapidOCR(params=dict(self.PARAMS))
        self._lock = threading.Lock()
        self(Image.new("RGB", (64, 32), "white"))  # the models load on the first call

    def __call__(self, image: Image.Image) -> list[TextLine]:
        with self._lock:
            result = self._ocr(image.convert("RGB"))
        boxes, texts, scores = result.boxes, result.txts, result.scores
        if boxes is None or texts is None or scores is None:
            return []
        lines = []
        for points, text, score in zip(boxes, texts, scores, strict=True):
            xs = [float(point[0]) for point in points]
            ys = [float(point[1]) for point in points]
            lines.append(TextLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return lines


def installed() -> bool:
    """Whether the OCR engine's packages are installed (nothing is imported to tell)."""
    return all(importlib.util.find_spec(module) is not None for module in ENGINE_MODULES)


_SHARED = OcrReader()
"""The reader every default gate shares, so that a process loads the engine once."""


def default_reader() -> OcrReader | None:
    """The shared OCR ``LabelReader`` when the engine is installed (``pip install
    "screenpilot[ocr]"``), else None; the engine loads on the first read."""
    return _SHARED if installed() else None


__all__ = [
    "MAX_SIDE",
    "MIN_REGION",
    "REGION",
    "TILE_OVERLAP",
    "WIDENINGS",
    "Engine",
    "OcrReader",
    "RapidOcrEngine",
    "TextLine",
    "default_reader",
    "installed",
    "merge_lines",
    "pick",
    "region",
    "tiles",
]
