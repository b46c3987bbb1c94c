"""Symbols the bundled font lacks (keyboard keys, status icons, arrows), drawn as shapes."""

from __future__ import annotations

import math

from PIL import ImageDraw

from screenpilot.sim.density import Density
from screenpilot.sim.ui import Colour

_KEY_GLYPHS = frozenset({"shift", "del", "enter", "send", "clear"})


class GlyphPainter:
    """Draws glyphs in device pixels, sized in layout units through ``density``."""

    density: Density

    def _glyph(
        self, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], name: str, c: Colour
    ) -> None:
        """Symbols the bundled font lacks, drawn as shapes centred in ``box``."""
        left, top, right, bottom = box
        x, y = (left + right) // 2, (top + bottom) // 2
        u = round(
            min(right - left, bottom - top) * (0.15 if name in _KEY_GLYPHS else 0.1)
        )  # glyph grid unit
        w = max(2, u // 3)
        if name == "shift":
            draw.polygon(
                [
                    (x, y - 2 * u),
                    (x + 2 * u, y),
                    (x + u, y),
                    (x + u, y + 2 * u),
                    (x - u, y + 2 * u),
                    (x - u, y),
                    (x - 2 * u, y),
                ],
                outline=c,
                width=w,
            )
        elif name == "del":
            draw.polygon(
                [
                    (x - 3 * u, y),
                    (x - u, y - 2 * u),
                    (x + 3 * u, y - 2 * u),
                    (x + 3 * u, y + 2 * u),
                    (x - u, y + 2 * u),
                ],
                outline=c,
                width=w,
            )
            draw.line((x, y - u, x + 2 * u, y + u), fill=c, width=w)
            draw.line((x, y + u, x + 2 * u, y - u), fill=c, width=w)
        elif name == "enter":
            draw.line((x + 2 * u, y - 2 * u, x + 2 * u, y + u, x - 2 * u, y + u), fill=c, width=w)
            draw.polygon([(x - 3 * u, y + u), (x - u, y), (x - u, y + 2 * u)], fill=c)
        elif name == "send":
            draw.polygon(
                [(x - 2 * u, y - 2 * u), (x + 3 * u, y), (x - 2 * u, y + 2 * u), (x - u, y)], fill=c
            )
        elif name == "clear":
            draw.line((x - u, y - u, x + u, y + u), fill=c, width=w)
            draw.line((x - u, y + u, x + u, y - u), fill=c, width=w)
        elif name == "clock":
            draw.ellipse((x - 3 * u, y - 3 * u, x + 3 * u, y + 3 * u), outline=c, width=w)
            draw.line((x, y - 2 * u, x, y, x + 3 * u // 2, y + u), fill=c, width=w)
        elif name == "person":
            draw.ellipse((x - u, y - 3 * u, x + u, y - u), fill=c)
            draw.pieslice((x - 2 * u, y, x + 2 * u, y + 4 * u), 180, 360, fill=c)
        elif name == "bubble":
            draw.rounded_rectangle((x - 3 * u, y - 2 * u, x + 3 * u, y + 2 * u), radius=u, fill=c)
            draw.polygon([(x - 2 * u, y + u), (x - 2 * u, y + 3 * u), (x, y + u)], fill=c)
        elif name == "gear":
            for angle in range(0, 180, 45):
                dx, dy = (round(3 * u * v) for v in _unit(angle))
                draw.line((x - dx, y - dy, x + dx, y + dy), fill=c, width=u)
            draw.ellipse((x - 2 * u, y - 2 * u, x + 2 * u, y + 2 * u), fill=c)
            draw.ellipse(
                (x - u, y - u, x + u, y + u), outline=(95, 99, 104), width=w, fill=(95, 99, 104)
            )
        elif name == "note":
            draw.rectangle((x - 2 * u, y - 3 * u, x + 2 * u, y + 3 * u), outline=c, width=w)
            for row in (-u, 0, u):
                draw.line((x - u, y + row, x + u, y + row), fill=c, width=w)
        elif name == "globe":
            draw.ellipse((x - 3 * u, y - 3 * u, x + 3 * u, y + 3 * u), outline=c, width=w)
            draw.ellipse((x - u, y - 3 * u, x + u, y + 3 * u), outline=c, width=w)
            draw.line((x - 3 * u, y, x + 3 * u, y), fill=c, width=w)

    def _plane(self, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], c: Colour) -> None:
        x, y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        u = max(2, self.density.px(6))
        draw.polygon(
            [
                (x, y - 4 * u),
                (x + u, y - u),
                (x + 4 * u, y + u),
                (x + u, y),
                (x + u, y + 3 * u),
                (x - u, y + 3 * u),
                (x - u, y),
                (x - 4 * u, y + u),
                (x - u, y - u),
            ],
            fill=c,
        )

    def _bluetooth(
        self, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], c: Colour
    ) -> None:
        x, y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        px = self.density.px
        u, w = max(2, px(6)), max(2, px(3))
        draw.line(
            (
                x - 2 * u,
                y - 2 * u,
                x + 2 * u,
                y + 2 * u,
                x,
                y + 4 * u,
                x,
                y - 4 * u,
                x + 2 * u,
                y - 2 * u,
                x - 2 * u,
                y + 2 * u,
            ),
            fill=c,
            width=w,
        )

    def _arrow(
        self, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: Colour
    ) -> None:
        left, top, right, bottom = box
        cx, cy = (left + right) // 2, (top + bottom) // 2
        px = self.density.px
        r, w = px(28), max(2, px(6))
        draw.line((cx - r, cy, cx + r, cy), fill=colour, width=w)
        draw.line((cx - r, cy, cx - r // 3, cy - 2 * r // 3), fill=colour, width=w)
        draw.line((cx - r, cy, cx - r // 3, cy + 2 * r // 3), fill=colour, width=w)

    def _magnifier(
        self, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: Colour
    ) -> None:
        left, top, right, bottom = box
        px = self.density.px
        cx, cy = (left + right) // 2 - px(6), (top + bottom) // 2 - px(6)
        r, w = px(20), max(2, px(5))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=w)
        draw.line((cx + r - 4, cy + r - 4, cx + 2 * r, cy + 2 * r), fill=colour, width=w)

    def _bin(
        self, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour: Colour
    ) -> None:
        left, top, right, bottom = box
        cx, cy = (left + right) // 2, (top + bottom) // 2
        px = self.density.px
        r, w = px(22), max(2, px(5))
        draw.line((cx - r - 6, cy - r, cx + r + 6, cy - r), fill=colour, width=w)
        draw.rectangle((cx - r + 4, cy - r, cx + r - 4, cy + r + 6), outline=colour, width=w)


def _unit(degrees: int) -> tuple[float, float]:
    return math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
