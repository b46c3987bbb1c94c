"""Coordinate conventions: how a model family writes its coordinates, declared as data.

A ``Convention`` says what a family's numbers mean (relative to a scale such as 1000 or 999,
pixels of the smart-resized image it saw, or pixels of the screenshot), in which order (x first or
y first), whether it names a point or a box, and how its images are resized (the smart_resize
``factor``, 28 for patch-14 models and 32 for patch-16 ones, and the pixel budget a run uses).
Every model card holds one; the conversions below are the only code that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from screenpilot.tools.coords.model_frames import (
    IMAGE_FACTOR,
    MAX_PIXELS,
    MIN_PIXELS,
    ModelFrame,
    box_from_model,
    from_model,
    smart_resize,
    to_model,
)
from screenpilot.tools.coords.screens import Box, Point

Size = tuple[int, int]
Units = Literal["relative", "resized-pixels", "screen-pixels"]

RUN_MAX_PIXELS = 1280 * 28 * 28
"""The pixel budget a run resizes screenshots to unless a card or the user says otherwise: about
1,280 visual tokens for a patch-14 model, enough for phone screens and fast."""


@dataclass(frozen=True)
class Convention:
    """What a model family's coordinates mean."""

    units: Units = "relative"
    scale: float = 1000.0
    """For relative units: the value that means the full width or height (1000, 999, 1)."""
    order: Literal["xy", "yx"] = "xy"
    shape: Literal["point", "box"] = "point"
    """What the family writes for a target: a point, or a box whose centre is the point."""
    factor: int = IMAGE_FACTOR
    """The smart_resize factor: patch size x merge size (28 for Qwen2/2.5-VL, 32 for Qwen3-VL)."""
    min_pixels: int = MIN_PIXELS
    max_pixels: int = RUN_MAX_PIXELS
    """The pixel budget a run resizes screenshots to (the frame of pixel units)."""
    native_max_pixels: int = MAX_PIXELS
    """The budget of the model's own image processor: the frame pixel units most likely refer
    to when the size the model saw is not known."""

    def resized_size(
        self, image_size: Size, min_pixels: int | None = None, max_pixels: int | None = None
    ) -> Size:
        """(width, height) of the image the model sees under a pixel budget (one smart_resize)."""
        height, width = smart_resize(
            image_size[1],
            image_size[0],
            factor=self.factor,
            min_pixels=self.min_pixels if min_pixels is None else min_pixels,
            max_pixels=self.max_pixels if max_pixels is None else max_pixels,
        )
        return (width, height)

    def frame(self, image_size: Size, resized_size: Size | None = None) -> ModelFrame:
        """The frame of a screenshot of ``image_size`` shown at ``resized_size`` (default: the
        run's budget)."""
        if self.units == "relative":
            return ModelFrame.relative(self.scale)
        if self.units == "screen-pixels":
            return ModelFrame.pixels(*image_size)
        return ModelFrame.pixels(*(resized_size or self.resized_size(image_size)))

    def fallback_frames(self, image_size: Size) -> list[ModelFrame]:
        """Frames to read pixel units in when they do not fit the assumed one and the size the
        model saw is unknown: its own processor's resize, then the screenshot's pixels."""
        if self.units != "resized-pixels":
            return []
        native = self.resized_size(image_size, max_pixels=self.native_max_pixels)
        frames = [ModelFrame.pixels(*native), ModelFrame.pixels(*image_size)]
        return list(dict.fromkeys(frames))

    def point(self, a: float, b: float, frame: ModelFrame) -> Point:
        """Two numbers as the model wrote them -> a normalized point."""
        x, y = (a, b) if self.order == "xy" else (b, a)
        return from_model(x, y, frame)

    def box(self, a: float, b: float, c: float, d: float, frame: ModelFrame) -> Box:
        """Four numbers (two corners) as the model wrote them -> a normalized box."""
        x1, y1, x2, y2 = (a, b, c, d) if self.order == "xy" else (b, a, d, c)
        return box_from_model(x1, y1, x2, y2, frame)

    def write(self, x: float, y: float, frame: ModelFrame) -> tuple[float, float]:
        """A normalized point in the model's own units and order."""
        mx, my = to_model(x, y, frame)
        return (mx, my) if self.order == "xy" else (my, mx)

    def describe(self) -> str:
        """The convention in words, e.g. ``relative 0-999, x first, factor 32``."""
        units = {
            "relative": f"relative 0-{self.scale:g}",
            "resized-pixels": "pixels of the smart-resized image",
            "screen-pixels": "pixels of the screenshot",
        }[self.units]
        order = "x first" if self.order == "xy" else "y first"
        shape = "boxes" if self.shape == "box" else "points"
        return f"{units}, {order}, {shape}, factor {self.factor}"


__all__ = ["RUN_MAX_PIXELS", "Convention", "Size", "Units"]
