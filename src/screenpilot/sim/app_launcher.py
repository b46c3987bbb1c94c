"""The simulated phone's launcher: home screen, app drawer and recent apps."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.navigation import APPS
from screenpilot.sim.ui import NAV_H, STATUS_H, WIDTH, Node

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone


WALLPAPER: ui.Colour = (24, 48, 84)


def background(page: Page) -> ui.Colour:
    if page.name in {"home", "drawer"}:
        return WALLPAPER  # under the gradient wallpaper
    if page.name == "recents":
        return (32, 33, 36)
    return ui.BG


def app_icon(phone: SimPhone, label: str, x: int, y: int, *, light_label: bool) -> list[Node]:
    """A launcher icon (a coloured disc with a glyph) and its label, both opening the app."""
    _, colour, glyph = APPS[label]
    return [
        Node(
            "icon",
            (x + 30, y, x + 186, y + 156),
            desc=label,
            glyph=glyph,
            fill=colour,
            size=72,
            color=(255, 255, 255),
            on_tap=lambda: phone.launch(label),
            hint="app",
        ),
        Node(
            "text",
            (x, y + 168, x + 216, y + 222),
            text=label,
            size=38,
            color=(255, 255, 255) if light_label else ui.TEXT,
            align="center",
            on_tap=lambda: phone.launch(label),
        ),
    ]


def page_home(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    height = phone.layout_height
    nodes = [
        Node(
            "text",
            (80, 260, 1000, 420),
            text=phone.clock,
            size=170,
            color=(255, 255, 255),
            rid="clock",
        ),
        Node(
            "text",
            (88, 440, 1000, 500),
            text="Saturday, November 21",
            size=44,
            color=(232, 234, 237),
        ),
        Node(
            "text", (88, 510, 1000, 560), text="14°C  Partly cloudy", size=38, color=(200, 210, 225)
        ),
    ]
    dock = height - NAV_H - 420
    for column, label in enumerate(("Clock", "Notes", "Browser", "Contacts")):
        nodes += app_icon(phone, label, 36 + column * 252, dock - 300, light_label=True)
    for column, label in enumerate(("Messages", "Settings")):
        nodes += app_icon(phone, label, 36 + column * 252, dock, light_label=True)
    search_top = height - NAV_H - 170
    nodes.append(
        Node(
            "button",
            (48, search_top, WIDTH - 48, search_top + 130),
            text="Search the web",
            desc="Search",
            on_tap=lambda: _search_from_home(phone),
            fill=(232, 240, 254),
            color=ui.MUTED,
            size=42,
            align="center",
            rid="search_widget",
        )
    )
    return nodes, 0


def _search_from_home(phone: SimPhone) -> None:
    phone.launch("Browser")
    phone.focus_field("browser.query")


def page_drawer(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    top = STATUS_H + 40
    nodes = [
        Node(
            "panel",
            (0, top, WIDTH, phone.layout_height),
            fill=(241, 243, 244),
            tree=False,
            hint="card",
        ),
        Node(
            "text",
            (96, top + 50, 900, top + 150),
            text="Search apps",
            size=44,
            color=ui.MUTED,
            rid="search_box",
        ),
    ]
    for number, label in enumerate(sorted(APPS)):
        row, column = divmod(number, 4)
        nodes += app_icon(phone, label, 36 + column * 252, top + 220 + row * 300, light_label=False)
    return nodes, 0


def page_recents(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    nodes: list[Node] = []
    top = STATUS_H + 60
    if not phone.recents:
        nodes.append(
            Node(
                "text",
                (0, 1000, WIDTH, 1100),
                text="No recent items",
                size=48,
                color=(232, 234, 237),
                align="center",
            )
        )
    for number, label in enumerate(phone.recents[:4]):
        y = top + number * 480
        nodes.append(
            Node(
                "thumb",
                (90, y + 80, WIDTH - 90, y + 440),
                desc=label,
                on_tap=partial(phone.launch, label),
                image=phone.snapshots.get(label),
            )
        )
        nodes.append(
            Node("text", (110, y, 900, y + 70), text=label, size=44, color=(255, 255, 255))
        )
    if phone.recents:
        nodes.append(
            ui.button(
                (390, phone.layout_height - NAV_H - 150, 690, phone.layout_height - NAV_H - 50),
                "Clear all",
                phone.recents.clear,
                filled=False,
                color=(232, 234, 237),
            )
        )
    return nodes, 0
