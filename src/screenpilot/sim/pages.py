"""From a page to the function that lays it out, from ENTER in a field to what it does, and
from leaving a page to what that saves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from screenpilot.sim import (
    app_browser,
    app_clock,
    app_contacts,
    app_launcher,
    app_messages,
    app_notes,
    app_settings,
)
from screenpilot.sim.app_browser import search
from screenpilot.sim.app_messages import recipient_number
from screenpilot.sim.state import Message
from screenpilot.sim.ui import Node

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone

APPS = (app_contacts, app_messages, app_clock, app_notes, app_browser)
"""The apps whose pages are found by name (``page_<name>``)."""
Builder = Callable[["SimPhone", "Page"], tuple[list[Node], int]]

PAGES: dict[str, Builder] = {
    "home": app_launcher.page_home,
    "drawer": app_launcher.page_drawer,
    "recents": app_launcher.page_recents,
    "settings": app_settings.page_settings,
    "info": app_settings.page_info,
    "about": app_settings.page_about,
}


def build_page(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    """The page's nodes and how far its list can scroll."""
    name = f"page_{page.name}"
    builder: Builder | None = PAGES.get(page.name) or next(
        (getattr(app, name) for app in APPS if hasattr(app, name)), None
    )
    if builder is None:
        msg = f"no page {page.name!r}"
        raise KeyError(msg)
    return builder(phone, page)


def leave(phone: SimPhone, page: Page) -> None:
    """Leaving ``page`` (back, up, home): the note editor saves its note, as Keep does."""
    if page.name == "note_edit":
        app_notes.leave_note(phone, page)


def submit(phone: SimPhone, key: str) -> None:
    """ENTER in the focused field: each field decides (search, send, next line, done)."""
    if phone.dialog is not None and phone.dialog.field_key == key:
        phone.dialog.buttons[-1][1]()
        return
    _submit_field(phone, key)


def _submit_field(phone: SimPhone, key: str) -> None:
    """ENTER in a content app's field."""
    value = phone.fields.get(key, "")
    if key == "browser.query" and value.strip():
        phone.focus = None
        search(phone, value.strip())
    elif key == "note.body":
        phone.fields[key] = value + "\n"
    elif key == "compose.to":
        number = recipient_number(value)
        matches = [
            c
            for c in phone.data.contacts
            if value.strip() and value.strip().casefold() in c.name.casefold()
        ]
        if number is not None or len(matches) == 1:
            phone.replace("Messages", "thread", number or matches[0].name)
    elif key.startswith("thread."):
        body = value.strip()
        if body:
            phone.data.threads.setdefault(key.removeprefix("thread."), []).append(
                Message(body, outgoing=True)
            )
            phone.fields[key] = ""
    else:
        phone.focus = None
