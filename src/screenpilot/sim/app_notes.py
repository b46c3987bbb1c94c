"""The simulated phone's Notes: the note list and the note editor."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.state import Note
from screenpilot.sim.ui import WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, confirm, edit, icon_action, scrolled

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone


def page_notes(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    rows: list[Node] = []
    for number, note in enumerate(phone.data.notes):
        y = LIST_TOP + number * 260
        rows += [
            Node(
                "panel",
                (32, y + 16, WIDTH - 32, y + 244),
                fill=(255, 248, 225),
                hint="card",
                on_tap=partial(_open_note, phone, note),
                rid="note_card",
            ),
            ui.text(
                (80, y + 40, 1000, y + 110),
                note.title or "Untitled",
                size=50,
                rid="index_note_title",
            ),
            ui.text(
                (80, y + 130, 1000, y + 190),
                note.body.split("\n")[0],
                size=38,
                color=ui.MUTED,
                rid="index_note_text_description",
            ),
        ]
    nodes, limit = scrolled(phone, page, rows, len(phone.data.notes) * 260 + 260, LIST_TOP)
    new = ui.fab(
        "New note", lambda: _open_note(phone, None), phone.content_bottom(), rid="new_note_button"
    )
    return [*nodes, *ui.app_bar("Notes", None), new], limit


def _open_note(phone: SimPhone, note: Note | None) -> None:
    phone.fields["note.title"] = note.title if note else ""
    phone.fields["note.body"] = note.body if note else ""
    phone.open("Notes", "note_edit", note.title if note else "")


def leave_note(phone: SimPhone, page: Page) -> None:
    """Leaving the editor saves the note, as Keep does."""
    title, body = (
        phone.fields.get("note.title", "").strip(),
        phone.fields.get("note.body", "").strip(),
    )
    existing = phone.data.note(page.arg) if page.arg else None
    if existing is not None:
        existing.title, existing.body = title, body
    elif title or body:
        phone.data.notes.insert(0, Note(title, body))


def page_note_edit(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    def delete() -> None:
        note = phone.data.note(page.arg)
        if note is not None:
            phone.data.notes.remove(note)
        phone.stack.pop()

    actions = []
    if page.arg:
        actions.append(
            icon_action(
                "Delete note",
                "delete",
                lambda: confirm(
                    phone, "Delete note?", f"“{page.arg}” will be deleted.", "Delete", delete
                ),
                rid="delete_note",
            )
        )
    nodes = edit(
        phone,
        (48, LIST_TOP + 20, WIDTH - 48, LIST_TOP + 160),
        "note.title",
        "Title",
        "editable_title",
    )
    bottom = phone.content_bottom() - 40
    nodes += edit(
        phone,
        (48, LIST_TOP + 200, WIDTH - 48, bottom),
        "note.body",
        "Note",
        "edit_note_text",
        multiline=True,
    )
    return nodes + ui.app_bar("", phone.up, actions), 0
