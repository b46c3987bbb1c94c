"""The system UI an app's page is shown in: the status bar, the navigation bar, the on-screen
keyboard and alert dialogs, laid out in the same units as the apps' views; and ``compose``,
which puts one screen together from the current page and the system UI over it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from screenpilot.sim.pages import build_page
from screenpilot.sim.ui import (
    BG,
    KEY_H,
    KEYBOARD_H,
    MUTED,
    NAV_H,
    ON_PRIMARY,
    PRIMARY,
    SURFACE,
    TEXT,
    WIDTH,
    Handler,
    Node,
    Rect,
    text,
)
from screenpilot.sim.widgets import edit

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone

DARK_PAGES = frozenset({"home", "drawer", "recents"})
"""Pages drawn on a dark background: the bars over them are light."""


def compose(phone: SimPhone) -> tuple[list[Node], int]:
    """The screen's views, bottom to top, and how far its list can scroll: the current page
    (its scroll kept within reach), a dialog over it, the keyboard while a field has the
    focus, the status bar and the navigation bar."""
    state = phone.state
    page = state.page
    nodes, limit = build_page(phone, page)
    if page.scroll > limit:
        page.scroll = limit
        nodes, limit = build_page(phone, page)
    height = phone.layout_height
    dark = page.name in DARK_PAGES
    if state.dialog is not None:
        shown = state.dialog
        extra: list[Node] = []
        if shown.field_key is not None:
            extra = edit(phone, (136, 290, WIDTH - 136, 420), shown.field_key, "Name", "edit")
        nodes += dialog(shown.title, shown.message, shown.buttons, height, extra)
    if state.focus is not None:
        nodes += keyboard(height, state.shifted, state.symbols, phone.input.press)
    data = state.data
    navigation = phone.navigation
    nodes = [
        *nodes,
        *status_bar(
            state.clock,
            wifi=data.wifi and not data.airplane,
            bluetooth=data.bluetooth,
            airplane=data.airplane,
            dark=dark,
        ),
        *nav_bar(height, navigation.back, navigation.go_home, navigation.show_recents, dark=dark),
    ]
    return nodes, limit


def content_bottom(height: int, *, keyboard_shown: bool) -> int:
    """Where app content ends on a screen ``height`` layout units tall: above the keyboard
    when it shows, else above the navigation bar."""
    bottom = height - NAV_H
    return bottom - KEYBOARD_H if keyboard_shown else bottom


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
