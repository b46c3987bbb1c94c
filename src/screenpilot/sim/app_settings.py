"""The simulated phone's Settings: the switches, app info and About phone."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.navigation import Dialog
from screenpilot.sim.ui import ROW_H, WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, scrolled

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone


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
