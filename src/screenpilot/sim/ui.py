"""The simulated phone's view tree: ``Node`` (one view) and the layout helpers apps build with.

Coordinates are layout units of a screen ``WIDTH`` (1080) units wide, whatever its resolution;
``Density`` (``sim/density.py``) turns them into device pixels for drawing, touches and the UI
tree. A node is drawn, hit-tested and exported to the UI tree from the same record, so what the
model sees and what the tree says never differ. The system UI around apps (bars, keyboard,
dialogs) is built from the same nodes in ``system_ui``.
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
