"""The simulated phone's system pages (launcher, app drawer, recent apps) and Settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.navigation import APPS, Dialog
from screenpilot.sim.ui import NAV_H, ROW_H, STATUS_H, WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, scrolled

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


# --- system pages -------------------------------------------------------------------------------


def page_home(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    height = phone.logical_height
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
            (0, top, WIDTH, phone.logical_height),
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
                (390, phone.logical_height - NAV_H - 150, 690, phone.logical_height - NAV_H - 50),
                "Clear all",
                phone.recents.clear,
                filled=False,
                color=(232, 234, 237),
            )
        )
    return nodes, 0


# --- Settings ---------------------------------------------------------------------------------


def page_settings(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    data = phone.data

    def toggle(name: str) -> Callable[[], None]:
        def flip() -> None:
            setattr(data, name, not getattr(data, name))

        return flip

    def set_brightness(value: float) -> None:
        data.brightness = round(value * 100)

    rows: list[Node] = []
    y = LIST_TOP
    rows += ui.switch_row(
        y,
        "Wi-Fi",
        "Connected to HomeNet-5G" if data.wifi else "Off",
        data.wifi,
        toggle("wifi"),
        rid="wifi_switch",
    )
    y += ROW_H
    bt_summary = f"Visible as “{data.device_name}”" if data.bluetooth else "Off"
    rows += ui.switch_row(
        y, "Bluetooth", bt_summary, data.bluetooth, toggle("bluetooth"), rid="bluetooth_switch"
    )
    y += ROW_H
    rows += ui.switch_row(
        y,
        "Airplane mode",
        "On" if data.airplane else "Off",
        data.airplane,
        toggle("airplane"),
        rid="airplane_switch",
    )
    y += ROW_H
    rows += [
        Node("row", (0, y, WIDTH, y + 240), hint="row"),
        ui.text((64, y + 30, 800, y + 92), "Brightness level", size=48),
        ui.text(
            (64, y + 98, 800, y + 150),
            f"{data.brightness}%",
            size=36,
            color=ui.MUTED,
            rid="brightness_value",
        ),
        Node(
            "slider",
            (64, y + 160, WIDTH - 64, y + 220),
            value=data.brightness / 100,
            on_slide=set_brightness,
            desc="Brightness",
            rid="brightness_slider",
        ),
    ]
    y += 240
    rows += ui.switch_row(
        y,
        "Dark theme",
        "On" if data.dark_theme else "Off",
        data.dark_theme,
        toggle("dark_theme"),
        rid="dark_theme_switch",
    )
    y += ROW_H
    for label, summary in (
        ("Battery", "82% - About 1 day left"),
        ("Storage", "41% used - 75.5 GB free"),
        ("Sound & vibration", "Volume, haptics, Do Not Disturb"),
    ):
        rows += ui.nav_row(
            y,
            label,
            summary,
            partial(phone.open, "Settings", "info", f"{label}|{summary}"),
        )
        y += ROW_H
    rows += ui.nav_row(
        y, "About phone", data.device_name, lambda: phone.open("Settings", "about"), rid="about"
    )
    y += ROW_H
    nodes, limit = scrolled(phone, page, rows, y - LIST_TOP, LIST_TOP)
    return nodes + ui.app_bar("Settings", None), limit


def page_info(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    title, _, summary = page.arg.partition("|")
    nodes = ui.app_bar(title, phone.up)
    nodes.append(
        ui.text((64, LIST_TOP + 40, 1016, LIST_TOP + 110), summary, size=44, color=ui.MUTED)
    )
    return nodes, 0


def page_about(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    data = phone.data

    def rename() -> None:
        def ok() -> None:
            name = phone.fields.get("about.name", "").strip()
            if name:
                data.device_name = name
            phone.dialog, phone.focus = None, None

        def cancel() -> None:
            phone.dialog, phone.focus = None, None

        phone.fields["about.name"] = data.device_name
        phone.show_dialog(
            Dialog(
                "Device name",
                "Visible to Bluetooth devices",
                [("Cancel", cancel), ("OK", ok)],
                "about.name",
            )
        )

    rows: list[Node] = []
    y = LIST_TOP
    rows += ui.nav_row(y, "Device name", data.device_name, rename, rid="device_name")
    y += ROW_H
    for label, value in (
        ("Model", "Pixel 7"),
        ("Android version", data.android_version),
        ("Build number", f"AP{data.android_version}A.240805.005"),
        ("IP address", "192.168.1.23" if data.wifi and not data.airplane else "Unavailable"),
    ):
        rows += [
            Node("row", (0, y, WIDTH, y + ROW_H)),
            ui.text((64, y + 30, 1000, y + 92), label, size=48),
            ui.text((64, y + 98, 1000, y + 150), value, size=36, color=ui.MUTED),
        ]
        y += ROW_H
    nodes, limit = scrolled(phone, page, rows, y - LIST_TOP, LIST_TOP)
    return nodes + ui.app_bar("About phone", phone.up), limit
