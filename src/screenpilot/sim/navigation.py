"""What the phone's screens are made of: the app table, a page on the back stack, a dialog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from screenpilot.sim import ui

APPS: dict[str, tuple[str, ui.Colour, str]] = {
    "Settings": ("com.android.settings", (95, 99, 104), "gear"),
    "Contacts": ("com.google.android.contacts", (26, 115, 232), "person"),
    "Messages": ("com.google.android.apps.messaging", (11, 87, 208), "bubble"),
    "Clock": ("com.google.android.deskclock", (60, 64, 67), "clock"),
    "Notes": ("com.google.android.keep", (251, 188, 4), "note"),
    "Browser": ("com.android.chrome", (234, 67, 53), "globe"),
}
"""App label -> (package, icon colour, icon glyph drawn by the renderer)."""
LAUNCHER = "com.google.android.apps.nexuslauncher"
MAIN_PAGES = {
    "Settings": "settings",
    "Contacts": "contacts",
    "Messages": "messages",
    "Clock": "alarms",
    "Notes": "notes",
    "Browser": "browser",
}
"""App label -> the page it opens at."""


def package_of(page: Page) -> str:
    """The package of the app a page belongs to (the launcher's for home, drawer and recents)."""
    return APPS[page.app][0] if page.app else LAUNCHER


@dataclass
class Page:
    """One screen on the back stack: which page of which app, with its argument and scroll."""

    app: str
    name: str
    arg: str = ""
    scroll: int = 0


@dataclass
class Dialog:
    title: str
    message: str
    buttons: list[tuple[str, Callable[[], None]]]
    field_key: str | None = None
