"""From a page to the function that lays it out, and from ENTER in a field to what it does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from screenpilot.sim import apps, apps_content, apps_people
from screenpilot.sim.ui import Node

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone

Builder = Callable[["SimPhone", "Page"], tuple[list[Node], int]]

PAGES: dict[str, Builder] = {
    "home": apps.page_home,
    "drawer": apps.page_drawer,
    "recents": apps.page_recents,
    "settings": apps.page_settings,
    "info": apps.page_info,
    "about": apps.page_about,
}


def build_page(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    """The page's nodes and how far its list can scroll."""
    name = f"page_{page.name}"
    builder: Builder | None = (
        PAGES.get(page.name)
        or getattr(apps_people, name, None)
        or getattr(apps_content, name, None)
    )
    if builder is None:
        msg = f"no page {page.name!r}"
        raise KeyError(msg)
    return builder(phone, page)


def submit(phone: SimPhone, key: str) -> None:
    """ENTER in the focused field: each field decides (search, send, next line, done)."""
    if phone.dialog is not None and phone.dialog.field_key == key:
        phone.dialog.buttons[-1][1]()
        return
    apps_content.submit(phone, key)
