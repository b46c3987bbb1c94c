"""The simulated phone's view tree: ``Node`` (one view) and the layout helpers apps build with.

Coordinates are logical pixels of a 1080-pixel-wide screen; the renderer and the input
handling scale them to the configured resolution. A node is drawn, hit-tested and exported to
the UI tree from the same record, so what the model sees and what the tree says never differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Rect = tuple[int, int, int, int]
Colour = tuple[int, int, int]
Handler = Callable[[], None]

WIDTH = 1080
STATUS_H = 96
NAV_H = 132
APPBAR_H = 176
ROW_H = 176
KEY_H = 132
KEYBOARD_H = 5 * KEY_H + 48

BG: Colour = (254, 251, 255)
SURFACE: Colour = (243, 237, 247)
PRIMARY: Colour = (26, 115, 232)
ON_PRIMARY: Colour = (255, 255, 255)
TEXT: Colour = (28, 27, 31)
MUTED: Colour = (95, 99, 104)
DIVIDER: Colour = (226, 224, 230)

CLASSES = {
    "text": "android.widget.TextView",
    "button": "android.widget.Button",
    "switch": "android.widget.Switch",
    "field": "android.widget.EditText",
    "row": "android.widget.LinearLayout",
    "icon": "android.widget.ImageView",
    "fab": "android.widget.ImageButton",
    "slider": "android.widget.SeekBar",
    "list": "androidx.recyclerview.widget.RecyclerView",
    "panel": "android.widget.FrameLayout",
    "dialog": "android.widget.FrameLayout",
    "bubble": "android.widget.TextView",
    "thumb": "android.widget.FrameLayout",
    "nav": "android.widget.ImageView",
}
"""The Android widget class each kind of node reports in the UI tree."""


@dataclass(slots=True)
class Node:
    """One view: what it looks like, what the tree says about it, what a tap does."""

    kind: str
    box: Rect
    text: str = ""
    desc: str = ""
    rid: str = ""
    on_tap: Handler | None = None
    on_long: Handler | None = None
    checked: bool | None = None
    focused: bool = False
    scrollable: bool = False
    size: int = 44
    color: Colour = TEXT
    fill: Colour | None = None
    align: str = "left"
    hint: str = ""
    value: float = 0.0
    """A slider's position in [0, 1]."""
    on_slide: Callable[[float], None] | None = None
    draw_box: Rect | None = None
    """Where it is drawn when that differs from ``box`` (a list row cut off by the viewport)."""
    tree: bool = True
    """Whether it appears in the UI tree (keyboard keys and decoration do not)."""
    key: str = ""
    """For fields: the key of the text it edits."""
    image: Any = None
    """A picture to draw in the box (a recent app's last screen)."""
    glyph: str = ""
    """A drawn symbol (icons and keys): shift, del, enter, send, clear, clock, person, ..."""

    @property
    def clickable(self) -> bool:
        return self.on_tap is not None or self.on_slide is not None

    def contains(self, x: float, y: float) -> bool:
        left, top, right, bottom = self.box
        return left <= x < right and top <= y < bottom


def text(
    box: Rect,
    value: str,
    *,
    size: int = 44,
    color: Colour = TEXT,
    align: str = "left",
    rid: str = "",
) -> Node:
    return Node("text", box, text=value, size=size, color=color, align=align, rid=rid)


def button(
    box: Rect,
    label: str,
    on_tap: Handler,
    *,
    filled: bool = True,
    rid: str = "",
    color: Colour = PRIMARY,
) -> Node:
    return Node(
        "button",
        box,
        text=label,
        on_tap=on_tap,
        rid=rid,
        size=42,
        fill=color if filled else None,
        color=ON_PRIMARY if filled else color,
        align="center",
    )


def app_bar(
    title: str, back: Handler | None, actions: Sequence[Node] = (), *, fill: Colour = BG
) -> list[Node]:
    """The top app bar: optional back arrow, title, action buttons placed from the right."""
    top = STATUS_H
    nodes = [Node("panel", (0, top, WIDTH, top + APPBAR_H), fill=fill, tree=False)]
    left = 48
    if back is not None:
        nodes.append(
            Node(
                "icon",
                (16, top + 28, 136, top + 148),
                desc="Navigate up",
                text="",
                on_tap=back,
                hint="back",
                rid="navigate_up",
            )
        )
        left = 160
    nodes.append(text((left, top + 50, 760, top + 130), title, size=58, rid="toolbar_title"))
    right = WIDTH - 24
    for action in reversed(actions):
        width = action.box[2] - action.box[0]
        action.box = (right - width, top + 38, right, top + 138)
        right -= width + 16
        nodes.append(action)
    return nodes


def field(
    box: Rect,
    key: str,
    value: str,
    *,
    hint: str,
    focused: bool,
    on_focus: Handler,
    rid: str = "",
    password: bool = False,
) -> Node:
    return Node(
        "field",
        box,
        text=value,
        hint=hint,
        focused=focused,
        on_tap=on_focus,
        rid=rid,
        key=key,
        desc="" if value else hint,
        size=46,
        align="password" if password else "left",
    )


def switch_row(
    top: int, label: str, subtitle: str, value: bool, on_toggle: Handler, *, rid: str
) -> list[Node]:
    """A settings row with a title, a summary line and a switch; tapping anywhere toggles."""
    box = (0, top, WIDTH, top + ROW_H)
    return [
        Node("row", box, on_tap=on_toggle, rid=f"{rid}_row"),
        text((64, top + 30, 800, top + 92), label, size=48),
        text((64, top + 98, 800, top + 150), subtitle, size=36, color=MUTED),
        Node("switch", (852, top + 52, 1016, top + 124), checked=value, on_tap=on_toggle, rid=rid),
    ]


def nav_row(top: int, label: str, subtitle: str, on_tap: Handler, *, rid: str = "") -> list[Node]:
    box = (0, top, WIDTH, top + ROW_H)
    nodes = [Node("row", box, on_tap=on_tap, rid=rid)]
    if subtitle:
        nodes += [
            text((64, top + 30, 1000, top + 92), label, size=48),
            text((64, top + 98, 1000, top + 150), subtitle, size=36, color=MUTED),
        ]
    else:
        nodes.append(text((64, top + 56, 1000, top + 120), label, size=48))
    return nodes


def clip(nodes: list[Node], top: int, bottom: int) -> list[Node]:
    """Nodes of a scrolled list, cut to the viewport [top, bottom): off-screen ones dropped."""
    shown = []
    for node in nodes:
        left, node_top, right, node_bottom = node.box
        if node_bottom <= top or node_top >= bottom:
            continue
        if node_top < top or node_bottom > bottom:
            node.draw_box = node.box
            node.box = (left, max(node_top, top), right, min(node_bottom, bottom))
        shown.append(node)
    return shown


def fab(label: str, on_tap: Handler, bottom: int, *, rid: str = "fab") -> Node:
    """A floating action button (extended, with a label) at the bottom right."""
    width = 150 + 27 * len(label)
    return Node(
        "fab",
        (WIDTH - 48 - width, bottom - 208, WIDTH - 48, bottom - 48),
        text=label,
        desc=label,
        on_tap=on_tap,
        rid=rid,
        fill=(211, 227, 253),
        color=(4, 30, 73),
        size=44,
    )


def dialog(
    title: str, message: str, buttons: Sequence[tuple[str, Handler]], height: int, extra: list[Node]
) -> list[Node]:
    """A centred alert dialog over a scrim; ``extra`` nodes (a field) sit under the message."""
    tall = 620 if extra else 440
    top = (height - tall) // 2
    box = (72, top, WIDTH - 72, top + tall)
    nodes = [
        Node("panel", (0, 0, WIDTH, height), fill=(0, 0, 0), tree=False, hint="scrim"),
        Node("dialog", box, fill=SURFACE, rid="parentPanel"),
        text((136, top + 64, WIDTH - 136, top + 140), title, size=54, rid="alertTitle"),
        text(
            (136, top + 170, WIDTH - 136, top + 240), message, size=40, color=MUTED, rid="message"
        ),
    ]
    for node in extra:
        left, node_top, right, bottom = node.box
        node.box = (left, top + node_top, right, top + bottom)
        nodes.append(node)
    right = WIDTH - 120
    for number, (label, handler) in enumerate(reversed(buttons)):
        width = 90 + 24 * len(label)
        nodes.append(
            Node(
                "button",
                (right - width, top + tall - 140, right, top + tall - 40),
                text=label,
                on_tap=handler,
                color=PRIMARY,
                size=42,
                align="center",
                rid=f"button{number + 1}",
            )
        )
        right -= width + 24
    return nodes


LETTERS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
SYMBOLS = ("1234567890", "@#$_&-+()/", "*\"':;!?")


def keyboard(height: int, shifted: bool, symbols: bool, press: Callable[[str], None]) -> list[Node]:
    """An on-screen keyboard (letters or symbols, with a number row), above the navigation bar."""
    top = height - NAV_H - KEYBOARD_H
    nodes = [Node("panel", (0, top, WIDTH, height - NAV_H), fill=(232, 234, 237), tree=False)]

    def key(box: Rect, label: str, value: str, *, dark: bool = False) -> Node:
        glyphs = {"<shift>": "shift", "<del>": "del", "<enter>": "enter"}
        return Node(
            "key",
            box,
            text=label,
            glyph=glyphs.get(value, ""),
            on_tap=lambda: press(value),
            tree=False,
            fill=(198, 202, 210) if dark else (255, 255, 255),
            size=48,
            align="center",
        )

    rows = ("1234567890", *(SYMBOLS if symbols else LETTERS))
    y = top + 24
    for number, row in enumerate(rows):
        width = WIDTH // 10
        start = (WIDTH - width * len(row)) // 2
        if number == 3:
            nodes.append(key((8, y, 148, y + KEY_H - 12), "", "<shift>", dark=True))
            nodes.append(key((WIDTH - 148, y, WIDTH - 8, y + KEY_H - 12), "", "<del>", dark=True))
        for index, char in enumerate(row):
            label = char.upper() if shifted and not symbols else char
            x = start + index * width
            nodes.append(key((x + 6, y, x + width - 6, y + KEY_H - 12), label, label))
        y += KEY_H
    nodes.append(key((8, y, 200, y + KEY_H - 12), "abc" if symbols else "?123", "<sym>", dark=True))
    nodes.append(key((208, y, 316, y + KEY_H - 12), ",", ","))
    nodes.append(key((324, y, 756, y + KEY_H - 12), "", " "))
    nodes.append(key((764, y, 872, y + KEY_H - 12), ".", "."))
    enter = key((880, y, WIDTH - 8, y + KEY_H - 12), "", "<enter>")
    enter.fill, enter.color = PRIMARY, ON_PRIMARY
    nodes.append(enter)
    return nodes


def status_bar(
    clock: str, *, wifi: bool, bluetooth: bool, airplane: bool, dark: bool
) -> list[Node]:
    colour = (255, 255, 255) if dark else TEXT
    nodes = [Node("text", (48, 22, 300, 80), text=clock, size=40, color=colour, tree=False)]
    nodes.append(
        Node(
            "status",
            (700, 20, WIDTH - 40, 80),
            color=colour,
            tree=False,
            checked=wifi,
            focused=bluetooth,
            scrollable=airplane,
        )
    )
    return nodes


def nav_bar(
    height: int, back: Handler, home: Handler, recents: Handler, *, dark: bool
) -> list[Node]:
    """The three-button navigation bar: back, home, recent apps."""
    top = height - NAV_H
    colour = (255, 255, 255) if dark else TEXT
    return [
        Node("panel", (0, top, WIDTH, height), fill=(0, 0, 0) if dark else BG, tree=False),
        Node("nav", (180, top, 360, height), desc="Back", on_tap=back, hint="back", color=colour),
        Node("nav", (450, top, 630, height), desc="Home", on_tap=home, hint="home", color=colour),
        Node(
            "nav",
            (720, top, 900, height),
            desc="Overview",
            on_tap=recents,
            hint="recents",
            color=colour,
        ),
    ]
