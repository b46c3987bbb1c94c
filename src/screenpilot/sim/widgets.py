"""Widgets the apps share: a text field with a clear button, avatars, app-bar actions and
confirmation dialogs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.navigation import Dialog
from screenpilot.sim.ui import STATUS_H, WIDTH, Node

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone

AVATARS: tuple[ui.Colour, ...] = (
    (0, 99, 155),
    (126, 87, 194),
    (0, 137, 123),
    (194, 24, 91),
    (239, 108, 0),
)


def edit(
    phone: SimPhone, box: ui.Rect, key: str, hint: str, rid: str, *, multiline: bool = False
) -> list[Node]:
    """A text field, plus a clear button while it is focused and holds text."""
    value = phone.fields.get(key, "")
    node = ui.field(
        box,
        key,
        value,
        hint=hint,
        focused=phone.focus == key,
        on_focus=lambda: phone.focus_field(key),
        rid=rid,
    )
    if multiline:
        node.align = "multiline"
    nodes = [node]
    if phone.focus == key and value and not multiline:
        _, top, right, bottom = box
        middle = (top + bottom) // 2

        def clear() -> None:
            phone.fields[key] = ""

        nodes.append(
            Node(
                "icon",
                (right - 110, middle - 50, right - 10, middle + 50),
                desc="Clear text",
                on_tap=clear,
                fill=(232, 234, 237),
                glyph="clear",
                color=ui.MUTED,
                rid="clear",
            )
        )
    return nodes


def avatar(box: ui.Rect, name: str, size: int = 52) -> Node:
    colour = AVATARS[sum(map(ord, name)) % len(AVATARS)]
    return Node(
        "icon",
        box,
        text=name[:1].upper(),
        fill=colour,
        color=(255, 255, 255),
        size=size,
        tree=False,
    )


def action(label: str, on_tap: ui.Handler, *, rid: str) -> Node:
    return ui.button((0, 0, 90 + 26 * len(label), 100), label, on_tap, rid=rid)


def icon_action(desc: str, hint: str, on_tap: ui.Handler, *, rid: str) -> Node:
    return Node("icon", (0, 0, 110, 100), desc=desc, on_tap=on_tap, hint=hint, rid=rid)


def confirm(phone: SimPhone, title: str, message: str, verb: str, then: ui.Handler) -> None:
    def cancel() -> None:
        phone.dialog = None

    def yes() -> None:
        phone.dialog = None
        then()

    phone.show_dialog(Dialog(title, message, [("Cancel", cancel), (verb, yes)]))


LIST_TOP = STATUS_H + ui.APPBAR_H
"""Where a page's list starts: under the status bar and the app bar."""


def scrolled(
    phone: SimPhone, page: Page, rows: list[Node], content: int, top: int
) -> tuple[list[Node], int]:
    """Place a list under the app bar, shifted by the page's scroll; returns (nodes, limit)."""
    bottom = phone.content_bottom()
    limit = max(0, content - (bottom - top))
    for node in rows:
        left, node_top, right, node_bottom = node.box
        node.box = (left, node_top - page.scroll, right, node_bottom - page.scroll)
    shown = ui.clip(rows, top, bottom)
    viewport = Node("list", (0, top, WIDTH, bottom), scrollable=limit > 0, rid="recycler_view")
    return [viewport, *shown], limit
