"""``DemoEnv``: a tiny offline phone with one app, a shopping list.

It needs no device and renders with Pillow alone, so first runs, examples and tests work
anywhere. A home screen opens the app; the app has a text field, an Add button, a scrollable
list of items that toggle when tapped, and a "Delete checked" button.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from screenpilot.agent.core import Observation, UIElement
from screenpilot.environments.device import SimulatedTouchEnv
from screenpilot.environments.gestures import DevicePoint, Done
from screenpilot.errors import InvalidActionError, UnsupportedActionError
from screenpilot.tools import coords
from screenpilot.tools.keys import PHONE_KEYS

WIDTH, HEIGHT = 1080, 2400
APP_NAME = "Shopping list"
_ROW, _LIST_TOP, _LIST_BOTTOM = 150, 560, 2020
_VISIBLE_ROWS = (_LIST_BOTTOM - _LIST_TOP) // _ROW
Rect = tuple[int, int, int, int]


@dataclass
class ShoppingState:
    """Everything the demo phone remembers."""

    screen: str = "home"
    field_text: str = ""
    focused: bool = False
    items: list[tuple[str, bool]] = field(default_factory=list)
    first_row: int = 0


class DemoEnv(SimulatedTouchEnv):
    """A 1080x2400 simulated phone running a shopping-list app: its own small screen and hit
    test behind the shared gesture primitives (``SimulatedTouchEnv``)."""

    def __init__(self, items: tuple[str, ...] = (), *, start_in_app: bool = False) -> None:
        self._initial_items = items
        self._start_in_app = start_in_app
        self.state = ShoppingState()
        self._screen = coords.Screen.same_size(WIDTH, HEIGHT)
        self._fonts = {size: ImageFont.load_default(size=size) for size in (34, 44, 52, 64, 120)}

    @property
    def screen_size(self) -> tuple[int, int]:
        return (WIDTH, HEIGHT)

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self.state = ShoppingState(
            screen="list" if self._start_in_app else "home",
            items=[(name, False) for name in self._initial_items],
        )
        return self._observe()

    def observe(self) -> Observation:
        return self._observe()

    # --- the gestures (device pixels) --------------------------------------------------------

    @property
    def input_screen(self) -> coords.Screen:
        return self._screen

    def touch(self, point: DevicePoint, *, long: bool) -> str | None:
        return self._tap(*point)

    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        self._scroll_rows(coords.swipe_to_scroll(*start, *end))
        return None

    def type_text(self, text: str) -> Done:
        if self.state.focused:
            self.state.field_text += text
        return {"typed": self.state.focused}

    def open_app(self, app: str) -> Done:
        if app.casefold() not in {APP_NAME.casefold(), "shopping"}:
            msg = f"no app named {app!r} is installed; installed apps: {APP_NAME}"
            raise InvalidActionError(msg)
        self.state.screen = "list"
        return None

    # --- behaviour -------------------------------------------------------------------------

    def _layout(self) -> dict[str, Rect]:
        """Tappable regions of the current screen, in device pixels."""
        if self.state.screen == "home":
            return {APP_NAME: (140, 1500, 400, 1760)}
        regions = {
            "Navigate up": (20, 110, 160, 250),
            "Add an item": (40, 330, 760, 470),
            "Add": (790, 330, 1040, 470),
            "Delete checked": (240, 2070, 840, 2200),
        }
        for row in range(len(self._visible_items())):
            top = _LIST_TOP + row * _ROW
            regions[f"item:{row}"] = (40, top, 1040, top + _ROW - 10)
        return regions

    def _visible_items(self) -> list[tuple[str, bool]]:
        return self.state.items[self.state.first_row : self.state.first_row + _VISIBLE_ROWS]

    def _tap(self, x: int, y: int) -> str | None:
        hit = next(
            (
                name
                for name, (left, top, right, bottom) in self._layout().items()
                if left <= x < right and top <= y < bottom
            ),
            None,
        )
        state = self.state
        state.focused = hit == "Add an item"
        if hit == APP_NAME:
            state.screen = "list"
        elif hit == "Navigate up":
            state.screen = "home"
        elif hit == "Add":
            self._add_item()
        elif hit == "Delete checked":
            state.items = [item for item in state.items if not item[1]]
            state.first_row = 0
        elif hit is not None and hit.startswith("item:"):
            index = state.first_row + int(hit.removeprefix("item:"))
            name, checked = state.items[index]
            state.items[index] = (name, not checked)
        return hit

    def _add_item(self) -> None:
        text = self.state.field_text.strip()
        if text:
            self.state.items.append((text, False))
        self.state.field_text = ""

    def _scroll_rows(self, direction: str) -> None:
        if self.state.screen != "list" or direction not in {"up", "down"}:
            return
        step = _VISIBLE_ROWS // 2 * (1 if direction == "down" else -1)
        last_first = max(0, len(self.state.items) - _VISIBLE_ROWS)
        self.state.first_row = min(max(self.state.first_row + step, 0), last_first)

    def key(self, key: str) -> Done:
        if key not in PHONE_KEYS:
            msg = f"the demo phone has no {key!r} key; phone keys: {', '.join(sorted(PHONE_KEYS))}"
            raise UnsupportedActionError(msg)
        state = self.state
        if key == "back":
            if state.focused:
                state.focused = False
            else:
                state.screen = "home"
        elif key == "home":
            state.screen, state.focused = "home", False
        elif key == "enter" and state.focused:
            self._add_item()
        elif key in {"backspace", "delete"} and state.focused:
            state.field_text = state.field_text[:-1]
        return None

    # --- rendering -------------------------------------------------------------------------

    def _observe(self) -> Observation:
        image = Image.new("RGB", (WIDTH, HEIGHT), "#fafafa")
        draw = ImageDraw.Draw(image)
        if self.state.screen == "home":
            self._draw_home(draw)
        else:
            self._draw_list(draw)
        if self.state.screen == "list":
            draw.rectangle((0, 0, WIDTH, 90), fill="#1b5e20")
        draw.text((48, 20), "9:41", font=self._fonts[44], fill="#ffffff")
        draw.rectangle((0, 2280, WIDTH, HEIGHT), fill="#f0f0f0")
        draw.polygon(((250, 2340), (290, 2310), (290, 2370)), fill="#444")
        draw.ellipse((510, 2310, 570, 2370), outline="#444", width=6)
        draw.rectangle((800, 2312, 856, 2368), outline="#444", width=6)
        elements = tuple(self._elements())
        return Observation(
            screenshot=image,
            screen=self._screen,
            ui_elements=elements,
            app=None if self.state.screen == "home" else APP_NAME,
        )

    def _draw_home(self, draw: ImageDraw.ImageDraw) -> None:
        for y in range(0, HEIGHT, 8):
            shade = 40 + y * 60 // HEIGHT
            draw.rectangle((0, y, WIDTH, y + 8), fill=(shade, shade + 30, 90 + shade))
        draw.text((WIDTH // 2, 420), "9:41", font=self._fonts[120], fill="#ffffff", anchor="mm")
        draw.rounded_rectangle((160, 1520, 380, 1740), radius=56, fill="#43a047")
        for row in range(3):
            draw.line((210, 1580 + row * 50, 330, 1580 + row * 50), fill="#ffffff", width=12)
        draw.text((270, 1800), APP_NAME, font=self._fonts[34], fill="#ffffff", anchor="mm")

    def _draw_list(self, draw: ImageDraw.ImageDraw) -> None:
        state = self.state
        draw.rectangle((0, 90, WIDTH, 270), fill="#2e7d32")
        draw.line((60, 180, 120, 180), fill="#fff", width=8)
        draw.line((60, 180, 95, 145), fill="#fff", width=8)
        draw.line((60, 180, 95, 215), fill="#fff", width=8)
        draw.text((180, 180), APP_NAME, font=self._fonts[64], fill="#ffffff", anchor="lm")
        border = "#2e7d32" if state.focused else "#9e9e9e"
        draw.rounded_rectangle(
            (40, 330, 760, 470), radius=20, outline=border, width=5 if state.focused else 3
        )
        shown = state.field_text + ("|" if state.focused else "")
        draw.text(
            (80, 400),
            shown or "Add an item",
            font=self._fonts[52],
            fill="#212121" if shown else "#9e9e9e",
            anchor="lm",
        )
        draw.rounded_rectangle((790, 330, 1040, 470), radius=20, fill="#2e7d32")
        draw.text((915, 400), "Add", font=self._fonts[52], fill="#ffffff", anchor="mm")
        for row, (name, checked) in enumerate(self._visible_items()):
            top = _LIST_TOP + row * _ROW
            draw.rounded_rectangle(
                (60, top + 35, 130, top + 105),
                radius=10,
                outline="#2e7d32",
                width=6,
                fill="#2e7d32" if checked else None,
            )
            if checked:
                draw.line((78, top + 70, 92, top + 86, 114, top + 52), fill="#fff", width=8)
            draw.text(
                (170, top + 70),
                name,
                font=self._fonts[52],
                anchor="lm",
                fill="#9e9e9e" if checked else "#212121",
            )
            draw.line((40, top + _ROW - 5, 1040, top + _ROW - 5), fill="#e0e0e0", width=2)
        if not state.items:
            draw.text(
                (WIDTH // 2, 900),
                "Nothing on the list yet",
                font=self._fonts[44],
                fill="#9e9e9e",
                anchor="mm",
            )
        draw.rounded_rectangle((240, 2070, 840, 2200), radius=65, fill="#c62828")
        draw.text((540, 2135), "Delete checked", font=self._fonts[52], fill="#ffffff", anchor="mm")

    def _elements(self) -> list[UIElement]:
        elements = []
        for name, rect in self._layout().items():
            box = coords.box_from_device(*rect, self._screen)
            if name.startswith("item:"):
                label, checked = self._visible_items()[int(name.removeprefix("item:"))]
                elements.append(
                    UIElement(box, text=label, kind="checkbox", clickable=True, checked=checked)
                )
            elif name == "Add an item":
                elements.append(
                    UIElement(
                        box,
                        text=self.state.field_text,
                        description=name,
                        kind="edit_text",
                        clickable=True,
                        focused=self.state.focused,
                    )
                )
            else:
                kind = "icon" if name == APP_NAME else "button"
                elements.append(
                    UIElement(
                        box,
                        description=name if name == "Navigate up" else "",
                        text="" if name == "Navigate up" else name,
                        kind=kind,
                        clickable=True,
                    )
                )
        return elements
