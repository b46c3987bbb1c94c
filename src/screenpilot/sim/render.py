"""Draws a list of ``Node`` views into a Pillow image at the phone's resolution.

Only Pillow is used: ``ImageFont.load_default(size=...)`` is a scalable FreeType font bundled
with Pillow, so rendering needs no system fonts and is the same on every machine.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from screenpilot.sim.fonts import Font, displayable, font, text_mask, text_width
from screenpilot.sim.glyphs import GlyphPainter
from screenpilot.sim.ui import (
    BG,
    DIVIDER,
    MUTED,
    ON_PRIMARY,
    PRIMARY,
    TEXT,
    WIDTH,
    Colour,
    Node,
    Rect,
)
from screenpilot.tools import coords


class Renderer(GlyphPainter):
    """Renders nodes at ``width x height`` device pixels (layout is 1080 logical pixels wide)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.scale = width / WIDTH
        self._backdrop: Image.Image | None = None
        self._thumbnails: dict[tuple[int, int, int, int], tuple[Image.Image, Image.Image]] = {}

    def _wallpaper(self) -> Image.Image:
        """The home screen's wallpaper: a deep blue to violet gradient, made once."""
        if self._backdrop is None:
            size = (self.width, self.height)
            top, bottom = (
                Image.new("RGB", size, (20, 44, 82)),
                Image.new("RGB", size, (72, 44, 104)),
            )
            mask = Image.linear_gradient("L").resize(size)
            self._backdrop = Image.composite(bottom, top, mask)
        return self._backdrop

    def _r(self, box: Rect) -> tuple[int, int, int, int]:
        return coords.layout_box_to_device(box, self.scale)

    def render(
        self, nodes: list[Node], background: Colour = BG, *, wallpaper: bool = False
    ) -> Image.Image:
        if wallpaper:
            image = self._wallpaper().copy()
        else:
            image = Image.new("RGB", (self.width, self.height), background)
        draw = ImageDraw.Draw(image)
        for node in nodes:
            box = self._r(node.draw_box or node.box)
            painter = getattr(self, f"_draw_{node.kind}", None)
            if painter is not None:
                painter(image, draw, node, box)
        return image

    # --- painters, one per node kind ------------------------------------------------------

    def _label(
        self,
        draw: ImageDraw.ImageDraw,
        box: tuple[int, int, int, int],
        value: str,
        size: int,
        colour: Colour,
        align: str,
    ) -> None:
        if not value:
            return
        left, top, right, bottom = box
        mask = text_mask(value, round(size * self.scale), right - left)
        x = left if align != "center" else (left + right - mask.width) // 2
        y = (top + bottom - mask.height) // 2
        draw.bitmap((x, y), mask, fill=colour)

    def _draw_text(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        self._label(draw, box, node.text, node.size, node.color, node.align)

    def _draw_bubble(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        draw.rounded_rectangle(box, radius=round(40 * self.scale), fill=node.fill)
        pad = round(36 * self.scale)
        inner = (box[0] + pad, box[1], box[2] - pad, box[3])
        self._label(draw, inner, node.text, node.size, node.color, "left")

    def _draw_panel(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        if node.hint == "scrim":
            overlay = ImageDraw.Draw(image, "RGBA")
            overlay.rectangle(box, fill=(0, 0, 0, 96))
        elif node.hint == "card":
            draw.rounded_rectangle(box, radius=round(36 * self.scale), fill=node.fill)
        elif node.fill is not None:
            draw.rectangle(box, fill=node.fill)

    def _draw_thumb(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        """A recent app's card: the top of its last screen, scaled into the card."""
        left, top, right, bottom = box
        source = node.image
        if not isinstance(source, Image.Image):
            draw.rounded_rectangle(box, radius=round(36 * self.scale), fill=(248, 249, 250))
            return
        cached = self._thumbnails.get(box)
        if cached is not None and cached[0] is source:
            thumbnail = cached[1]
        else:
            height = round(source.width * (bottom - top) / (right - left))
            crop = source.crop((0, 0, source.width, min(height, source.height)))
            thumbnail = crop.resize((right - left, bottom - top), Image.Resampling.BILINEAR)
            self._thumbnails[box] = (source, thumbnail)
        mask = Image.new("L", thumbnail.size)
        ImageDraw.Draw(mask).rounded_rectangle(
            (0, 0, *thumbnail.size), radius=round(36 * self.scale), fill=255
        )
        image.paste(thumbnail, (left, top), mask)

    def _draw_dialog(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        draw.rounded_rectangle(box, radius=round(56 * self.scale), fill=node.fill)

    def _draw_row(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        if node.fill is not None:
            draw.rectangle(box, fill=node.fill)
        if node.hint != "plain":
            draw.line(
                (box[0] + round(64 * self.scale), box[3] - 1, box[2], box[3] - 1), fill=DIVIDER
            )

    def _draw_button(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        radius = (box[3] - box[1]) // 2
        if node.fill is not None:
            draw.rounded_rectangle(box, radius=radius, fill=node.fill)
        self._label(draw, box, node.text, node.size, node.color, "center")

    def _draw_fab(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        draw.rounded_rectangle(box, radius=round(48 * self.scale), fill=node.fill)
        left, top, right, bottom = box
        s = self.scale
        cx, cy = left + round(80 * s), (top + bottom) // 2
        arm, thick = round(26 * s), max(2, round(6 * s))
        draw.rectangle((cx - arm, cy - thick // 2, cx + arm, cy + thick // 2), fill=node.color)
        draw.rectangle((cx - thick // 2, cy - arm, cx + thick // 2, cy + arm), fill=node.color)
        inner = (left + round(130 * s), top, right - round(24 * s), bottom)
        self._label(draw, inner, node.text, node.size, node.color, "left")

    def _draw_switch(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        left, top, right, bottom = box
        on = bool(node.checked)
        draw.rounded_rectangle(
            box,
            radius=(bottom - top) // 2,
            fill=PRIMARY if on else (231, 224, 236),
            outline=PRIMARY if on else (121, 116, 126),
            width=max(1, round(4 * self.scale)),
        )
        pad = round((14 if on else 20) * self.scale)
        diameter = bottom - top - 2 * pad
        x = right - pad - diameter if on else left + pad
        draw.ellipse(
            (x, top + pad, x + diameter, top + pad + diameter),
            fill=ON_PRIMARY if on else (121, 116, 126),
        )

    def _draw_slider(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        left, top, right, bottom = box
        middle, half = (top + bottom) // 2, max(2, round(10 * self.scale))
        x = left + round((right - left) * node.value)
        draw.rounded_rectangle(
            (left, middle - half, right, middle + half), radius=half, fill=(211, 227, 253)
        )
        draw.rounded_rectangle((left, middle - half, x, middle + half), radius=half, fill=PRIMARY)
        r = round(30 * self.scale)
        draw.ellipse((x - r, middle - r, x + r, middle + r), fill=PRIMARY)

    def _draw_field(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        s = self.scale
        colour = PRIMARY if node.focused else (121, 116, 126)
        draw.rounded_rectangle(
            box,
            radius=round(16 * s),
            fill=(255, 255, 255),
            outline=colour,
            width=max(1, round((5 if node.focused else 3) * s)),
        )
        pad = round(36 * s)
        inner = (box[0] + pad, box[1], box[2] - pad, box[3])
        shown = "*" * len(node.text) if node.align == "password" else displayable(node.text)
        face = font(round(node.size * s))
        if node.align == "multiline":
            self._multiline(draw, inner, box, node, face)
            return
        if shown:
            self._label(draw, inner, shown, node.size, TEXT, "left")
        else:
            self._label(draw, inner, node.hint, node.size, MUTED, "left")
        if node.focused:
            width = min(text_width(shown, round(node.size * s)), inner[2] - inner[0])
            x = inner[0] + round(width) + 3
            middle, half = (box[1] + box[3]) // 2, round(30 * s)
            draw.rectangle(
                (x, middle - half, x + max(2, round(4 * s)), middle + half), fill=PRIMARY
            )

    def _multiline(
        self,
        draw: ImageDraw.ImageDraw,
        inner: tuple[int, int, int, int],
        box: tuple[int, int, int, int],
        node: Node,
        face: Font,
    ) -> None:
        step = round(node.size * 1.5 * self.scale)
        lines = displayable(node.text).split("\n") if node.text else [node.hint]
        y = box[1] + round(40 * self.scale)
        colour = TEXT if node.text else MUTED
        for line in lines:
            if y + step > box[3]:
                break
            self._label(draw, (inner[0], y, inner[2], y + step), line, node.size, colour, "left")
            y += step
        if node.focused:
            width = text_width(lines[-1], round(node.size * self.scale)) if node.text else 0
            x = inner[0] + round(width) + 3
            top = y - step + round(8 * self.scale)
            draw.rectangle(
                (x, top, x + max(2, round(4 * self.scale)), top + step - round(16 * self.scale)),
                fill=PRIMARY,
            )

    def _draw_icon(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        if node.hint == "back":
            self._arrow(draw, box, node.color)
        elif node.hint == "search":
            self._magnifier(draw, box, node.color)
        elif node.hint == "delete":
            self._bin(draw, box, node.color)
        elif node.fill is not None:  # an app icon or an avatar: a disc with a glyph or a letter
            draw.ellipse(box, fill=node.fill)
            if node.glyph:
                self._glyph(draw, box, node.glyph, node.color)
            else:
                self._label(draw, box, node.text, node.size, node.color, "center")

    def _draw_key(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        draw.rounded_rectangle(box, radius=round(18 * self.scale), fill=node.fill)
        if node.glyph:
            self._glyph(draw, box, node.glyph, node.color)
        else:
            self._label(draw, box, node.text, node.size, node.color, "center")

    def _draw_nav(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        left, top, right, bottom = box
        cx, cy = (left + right) // 2, (top + bottom) // 2
        r = round(26 * self.scale)
        width = max(2, round(5 * self.scale))
        if node.hint == "back":
            draw.polygon(
                [(cx + r, cy - r), (cx + r, cy + r), (cx - r, cy)], outline=node.color, width=width
            )
        elif node.hint == "home":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=node.color, width=width)
        else:
            draw.rounded_rectangle(
                (cx - r, cy - r, cx + r, cy + r),
                radius=round(6 * self.scale),
                outline=node.color,
                width=width,
            )

    def _draw_status(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        _, top, right, bottom = box
        s, colour = self.scale, node.color
        x = right
        # battery
        draw.rounded_rectangle(
            (x - round(70 * s), top + round(14 * s), x - round(10 * s), bottom - round(14 * s)),
            radius=round(6 * s),
            outline=colour,
            width=max(1, round(3 * s)),
        )
        draw.rectangle(
            (x - round(64 * s), top + round(20 * s), x - round(26 * s), bottom - round(20 * s)),
            fill=colour,
        )
        x -= round(100 * s)
        if node.scrollable:  # airplane mode
            self._plane(draw, (x - round(60 * s), top, x, bottom), colour)
            x -= round(80 * s)
        elif node.checked:  # wi-fi: a fan of arcs
            cx, base = x - round(30 * s), bottom - round(8 * s)
            for radius in (14, 28, 42):
                r = round(radius * s)
                draw.arc(
                    (cx - r, base - r, cx + r, base + r),
                    225,
                    315,
                    fill=colour,
                    width=max(2, round(5 * s)),
                )
            x -= round(80 * s)
        if node.focused:  # bluetooth
            self._bluetooth(draw, (x - round(50 * s), top, x, bottom), colour)


__all__ = ["Renderer", "font"]
