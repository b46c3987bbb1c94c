"""Navigation: the app table, the pages on the back stack and the dialogs over them, and the
``Navigator`` that moves between them as the back, home and recent-apps keys and the apps ask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screenpilot.sim import ui

if TYPE_CHECKING:
    from PIL import Image

    from screenpilot.sim.phone_state import PhoneState

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


class Navigator:
    """Opens, replaces and leaves pages, goes home, launches apps and shows the recent apps.

    ``render`` draws the current screen (an app's card in the recent-apps view shows its last
    one); ``leave`` does what leaving a page does (the note editor saves its note)."""

    def __init__(
        self,
        state: PhoneState,
        *,
        render: Callable[[], Image.Image],
        leave: Callable[[Page], None],
    ) -> None:
        self.state = state
        self._render = render
        self._leave = leave

    def open(self, app: str, name: str, arg: str = "") -> None:
        state = self.state
        state.focus, state.dialog = None, None
        state.stack.append(Page(app, name, arg))
        state.changed()

    def replace(self, app: str, name: str, arg: str = "") -> None:
        self.state.stack.pop()
        self.open(app, name, arg)

    def go_home(self) -> None:
        state = self.state
        self._snapshot()
        for page in reversed(state.stack[1:]):
            self._leave(page)
        state.stack = [Page("", "home")]
        state.focus, state.dialog = None, None
        state.changed()

    def launch(self, label: str) -> None:
        """Open an app fresh at its main page (as tapping its launcher icon does)."""
        state = self.state
        self._snapshot()
        state.stack = [Page("", "home"), Page(label, MAIN_PAGES[label])]
        state.focus, state.dialog = None, None
        if label in state.recents:
            state.recents.remove(label)
        state.recents.insert(0, label)
        state.changed()

    def launch_thread(self, partner: str) -> None:
        """Open the Messages conversation with ``partner`` (the contact card's Text button)."""
        self.launch("Messages")
        self.open("Messages", "thread", partner)

    def back(self) -> None:
        """The back key: close a dialog, else hide the keyboard, else leave the page."""
        state = self.state
        if state.dialog is not None:
            state.dialog = None
        elif state.focus is not None:
            state.focus = None
        else:
            self.up()
        state.changed()

    def up(self) -> None:
        """Leave the current page (the app bar's arrow), saving what the page saves."""
        state = self.state
        state.focus, state.dialog = None, None
        if len(state.stack) > 1:
            self._leave(state.stack.pop())
        state.changed()

    def show_recents(self) -> None:
        """The recent-apps key: the recent apps' cards (unless they show already)."""
        if self.state.page.name != "recents":
            self._snapshot()
            self.open("", "recents")

    def show_dialog(self, dialog: Dialog) -> None:
        """A dialog over the page; one with a text field gives it the focus."""
        state = self.state
        state.dialog = dialog
        state.focus = dialog.field_key
        state.changed()

    def _snapshot(self) -> None:
        state = self.state
        if state.page.app:
            state.snapshots[state.page.app] = self._render()
