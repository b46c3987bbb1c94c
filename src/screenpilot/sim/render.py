"""Draws a list of ``Node`` views into a Pillow image at the phone's resolution.

Only Pillow is used: ``ImageFont.load_default(size=...)`` is a scalable FreeType font bundled
with Pillow, so rendering needs no system fonts and is the same on every machine.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from screenpilot.sim.density import Density
from screenpilot.sim.fonts import Font, displayable, font, text_mask, text_width
from screenpilot.sim.glyphs import GlyphPainter
from screenpilot.sim.ui import (
    BG,
    DIVIDER,
    MUTED,
    ON_PRIMARY,
    PRIMARY,
    TEXT,
    Colour,
    Node,
    Rect,
)


class Renderer(GlyphPainter):
    """Renders nodes, laid out in layout units, at the device pixels of ``density``."""

    def __init__(self, density: Density) -> None:
        self.density = density
        self.width, self.height = density.width, density.height
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

    def render(
        self, nodes: list[Node], background: Colour = BG, *, wallpaper: bool = False
    ) -> Image.Image:
        if wallpaper:
            image = self._wallpaper().copy()
        else:
            image = Image.new("RGB", (self.width, self.height), background)
        draw = ImageDraw.Draw(image)
        for node in nodes:
            box = self.density.box(node.draw_box or node.box)
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
        mask = text_mask(value, self.density.px(size), right - left)
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
        draw.rounded_rectangle(box, radius=self.density.px(40), fill=node.fill)
        pad = self.density.px(36)
        inner = (box[0] + pad, box[1], box[2] - pad, box[3])
        self._label(draw, inner, node.text, node.size, node.color, "left")

    def _draw_panel(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        if node.hint == "scrim":
            overlay = ImageDraw.Draw(image, "RGBA")
            overlay.rectangle(box, fill=(0, 0, 0, 96))
        elif node.hint == "card":
            draw.rounded_rectangle(box, radius=self.density.px(36), fill=node.fill)
        elif node.fill is not None:
            draw.rectangle(box, fill=node.fill)

    def _draw_thumb(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        """A recent app's card: the top of its last screen, scaled into the card."""
        left, top, right, bottom = box
        source = node.image
        if not isinstance(source, Image.Image):
            draw.rounded_rectangle(box, radius=self.density.px(36), fill=(248, 249, 250))
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
            (0, 0, *thumbnail.size), radius=self.density.px(36), fill=255
        )
        image.paste(thumbnail, (left, top), mask)

    def _draw_dialog(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        draw.rounded_rectangle(box, radius=self.density.px(56), fill=node.fill)

    def _draw_row(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        if node.fill is not None:
            draw.rectangle(box, fill=node.fill)
        if node.hint != "plain":
            draw.line((box[0] + self.density.px(64), box[3] - 1, box[2], box[3] - 1), fill=DIVIDER)

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
        draw.rounded_rectangle(box, radius=self.density.px(48), fill=node.fill)
        left, top, right, bottom = box
        px = self.density.px
        cx, cy = left + px(80), (top + bottom) // 2
        arm, thick = px(26), max(2, px(6))
        draw.rectangle((cx - arm, cy - thick // 2, cx + arm, cy + thick // 2), fill=node.color)
        draw.rectangle((cx - thick // 2, cy - arm, cx + thick // 2, cy + arm), fill=node.color)
        inner = (left + px(130), top, right - px(24), bottom)
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
            width=max(1, self.density.px(4)),
        )
        pad = self.density.px(14 if on else 20)
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
        middle, half = (top + bottom) // 2, max(2, self.density.px(10))
        x = left + round((right - left) * node.value)
        draw.rounded_rectangle(
            (left, middle - half, right, middle + half), radius=half, fill=(211, 227, 253)
        )
        draw.rounded_rectangle((left, middle - half, x, middle + half), radius=half, fill=PRIMARY)
        r = self.density.px(30)
        draw.ellipse((x - r, middle - r, x + r, middle + r), fill=PRIMARY)

    def _draw_field(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        px = self.density.px
        colour = PRIMARY if node.focused else (121, 116, 126)
        draw.rounded_rectangle(
            box,
            radius=px(16),
            fill=(255, 255, 255),
            outline=colour,
            width=max(1, px(5 if node.focused else 3)),
        )
        pad = px(36)
        inner = (box[0] + pad, box[1], box[2] - pad, box[3])
        shown = "*" * len(node.text) if node.align == "password" else displayable(node.text)
        face = font(px(node.size))
        if node.align == "multiline":
            self._multiline(draw, inner, box, node, face)
            return
        if shown:
            self._label(draw, inner, shown, node.size, TEXT, "left")
        else:
            self._label(draw, inner, node.hint, node.size, MUTED, "left")
        if node.focused:
            width = min(text_width(shown, px(node.size)), inner[2] - inner[0])
            x = inner[0] + round(width) + 3
            middle, half = (box[1] + box[3]) // 2, px(30)
            draw.rectangle((x, middle - half, x + max(2, px(4)), middle + half), fill=PRIMARY)

    def _multiline(
        self,
        draw: ImageDraw.ImageDraw,
        inner: tuple[int, int, int, int],
        box: tuple[int, int, int, int],
        node: Node,
        face: Font,
    ) -> None:
        px = self.density.px
        step = px(node.size * 1.5)
        lines = displayable(node.text).split("\n") if node.text else [node.hint]
        y = box[1] + px(40)
        colour = TEXT if node.text else MUTED
        for line in lines:
            if y + step > box[3]:
                break
            self._label(draw, (inner[0], y, inner[2], y + step), line, node.size, colour, "left")
            y += step
        if node.focused:
            width = text_width(lines[-1], px(node.size)) if node.text else 0
            x = inner[0] + round(width) + 3
            top = y - step + px(8)
            draw.rectangle((x, top, x + max(2, px(4)), top + step - px(16)), fill=PRIMARY)

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
        draw.rounded_rectangle(box, radius=self.density.px(18), fill=node.fill)
        if node.glyph:
            self._glyph(draw, box, node.glyph, node.color)
        else:
            self._label(draw, box, node.text, node.size, node.color, "center")

    def _draw_nav(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        left, top, right, bottom = box
        cx, cy = (left + right) // 2, (top + bottom) // 2
        r = self.density.px(26)
        width = max(2, self.density.px(5))
        if node.hint == "back":
            draw.polygon(
                [(cx + r, cy - r), (cx + r, cy + r), (cx - r, cy)], outline=node.color, width=width
            )
        elif node.hint == "home":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=node.color, width=width)
        else:
            draw.rounded_rectangle(
                (cx - r, cy - r, cx + r, cy + r),
                radius=self.density.px(6),
                outline=node.color,
                width=width,
            )

    def _draw_status(
        self, image: Image.Image, draw: ImageDraw.ImageDraw, node: Node, box: Rect
    ) -> None:
        _, top, right, bottom = box
        px, colour = self.density.px, node.color
        x = right
        # battery
        draw.rounded_rectangle(
            (x - px(70), top + px(14), x - px(10), bottom - px(14)),
            radius=px(6),
            outline=colour,
            width=max(1, px(3)),
        )
        draw.rectangle(
            (x - px(64), top + px(20), x - px(26), bottom - px(20)),
            fill=colour,
        )
        x -= px(100)
        if node.scrollable:  # airplane mode
            self._plane(draw, (x - px(60), top, x, bottom), colour)
            x -= px(80)
        elif node.checked:  # wi-fi: a fan of arcs
            cx, base = x - px(30), bottom - px(8)
            for radius in (14, 28, 42):
                r = px(radius)
                draw.arc(
                    (cx - r, base - r, cx + r, base + r),
                    225,
                    315,
                    fill=colour,
                    width=max(2, px(5)),
                )
            x -= px(80)
        if node.focused:  # bluetooth
            self._bluetooth(draw, (x - px(50), top, x, bottom), colour)


__all__ = ["Renderer", "font"]
