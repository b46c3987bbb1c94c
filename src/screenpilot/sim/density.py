"""How the phone's layout units become device pixels.

Apps lay their views out in units of a screen ``ui.WIDTH`` (1080) units wide, whatever the
phone's resolution; the renderer draws them at ``scale`` device pixels per unit. ``Density`` is
the one place that knows the scale: drawing asks it for lengths and boxes, input asks it where a
touch lands in the layout, the UI-tree export asks it for device bounds. The conversions
themselves are ``tools.coords``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from screenpilot.sim.ui import WIDTH
from screenpilot.tools import coords


@dataclass(frozen=True, slots=True)
class Density:
    """A screen ``width`` x ``height`` device pixels showing a layout ``WIDTH`` units wide."""

    width: int
    height: int
    scale: float = field(init=False)
    """Device pixels per layout unit."""
    layout_height: int = field(init=False)
    """The screen's height in layout units (rounded to a whole unit)."""

    def __post_init__(self) -> None:
        scale = self.width / WIDTH
        object.__setattr__(self, "scale", scale)
        object.__setattr__(
            self, "layout_height", round(coords.device_to_layout(0, self.height, scale)[1])
        )

    def px(self, length: float) -> int:
        """A length in layout units -> whole device pixels."""
        return coords.layout_to_device(length, self.scale)

    def box(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        """A box in layout units -> device pixels."""
        return coords.layout_box_to_device(box, self.scale)

    def to_layout(self, x: float, y: float) -> tuple[float, float]:
        """A device point -> the layout point under it."""
        return coords.device_to_layout(x, y, self.scale)
