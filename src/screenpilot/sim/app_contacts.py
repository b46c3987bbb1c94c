"""The simulated phone's Contacts: the list, a contact's card and its editor."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.state import Contact
from screenpilot.sim.ui import ROW_H, WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, action, avatar, confirm, edit, icon_action, scrolled

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone


def page_contacts(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    query = phone.fields.get("contacts.search", "").strip().casefold()
    shown = [c for c in phone.data.contacts if query in c.name.casefold() or query in c.phone]
    top = LIST_TOP + 150
    rows: list[Node] = []
    for number, contact in enumerate(shown):
        y = top + number * ROW_H
        rows += [
            Node(
                "row",
                (0, y, WIDTH, y + ROW_H),
                on_tap=partial(phone.open, "Contacts", "contact", contact.name),
                rid="contact_row",
                hint="plain",
            ),
            avatar((56, y + 28, 176, y + 148), contact.name),
            ui.text((216, y + 50, 1000, y + 126), contact.name, size=48, rid="contact_name"),
        ]
    if not shown:
        rows.append(
            ui.text(
                (0, top + 100, WIDTH, top + 180),
                "No contacts found",
                size=44,
                color=ui.MUTED,
                align="center",
            )
        )
    nodes, limit = scrolled(phone, page, rows, len(shown) * ROW_H + 240, top)
    search = edit(
        phone,
        (48, LIST_TOP, WIDTH - 48, LIST_TOP + 126),
        "contacts.search",
        "Search contacts",
        "search_field",
    )
    header = [Node("panel", (0, LIST_TOP, WIDTH, top), fill=ui.BG, tree=False), *search]
    bottom = phone.content_bottom()
    new = ui.fab(
        "Create contact", lambda: open_contact_editor(phone, None), bottom, rid="create_contact"
    )
    return [
        *nodes,
        *header,
        *ui.app_bar("Contacts", None),
        *([new] if phone.focus is None else []),
    ], limit


def open_contact_editor(phone: SimPhone, contact: Contact | None) -> None:
    phone.fields["contact.name"] = contact.name if contact else ""
    phone.fields["contact.phone"] = contact.phone if contact else ""
    phone.fields["contact.email"] = contact.email if contact else ""
    phone.open("Contacts", "contact_edit", contact.name if contact else "")


def page_contact(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    contact = phone.data.contact(page.arg)
    if contact is None:  # deleted or renamed underneath: show the list instead
        phone.stack.pop()
        return phone.layout(phone.page)
    found = contact

    def delete() -> None:
        phone.data.contacts.remove(found)
        phone.stack.pop()

    actions = [
        action("Edit", lambda: open_contact_editor(phone, found), rid="edit"),
        icon_action(
            "Delete",
            "delete",
            lambda: confirm(
                phone, "Delete contact?", f"{found.name} will be removed.", "Delete", delete
            ),
            rid="delete",
        ),
    ]
    y = LIST_TOP + 40
    nodes = [
        avatar((390, y, 690, y + 300), contact.name, size=140),
        ui.text(
            (40, y + 330, WIDTH - 40, y + 420),
            contact.name,
            size=64,
            align="center",
            rid="large_title",
        ),
        ui.button((140, y + 470, 520, y + 580), "Call", lambda: None, filled=False, rid="call"),
        ui.button(
            (560, y + 470, 940, y + 580),
            "Text",
            lambda: phone.launch_thread(found.name),
            filled=False,
            rid="text",
        ),
    ]
    y += 640
    nodes += [
        Node("row", (0, y, WIDTH, y + ROW_H), hint="plain"),
        ui.text((64, y + 30, 1000, y + 92), contact.phone, size=48, rid="phone_number"),
        ui.text((64, y + 98, 1000, y + 150), "Mobile", size=36, color=ui.MUTED),
    ]
    if contact.email:
        y += ROW_H
        nodes += [
            ui.text((64, y + 30, 1000, y + 92), contact.email, size=48, rid="email"),
            ui.text((64, y + 98, 1000, y + 150), "Email", size=36, color=ui.MUTED),
        ]
    return nodes + ui.app_bar("", phone.up, actions), 0


def page_contact_edit(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    original = page.arg

    def save() -> None:
        name = phone.fields.get("contact.name", "").strip()
        number = phone.fields.get("contact.phone", "").strip()
        if not name:
            return
        data = phone.data
        existing = data.contact(original) if original else None
        if existing is None:
            data.contacts.append(
                Contact(name, number, phone.fields.get("contact.email", "").strip())
            )
        else:
            existing.name, existing.phone = name, number
            existing.email = phone.fields.get("contact.email", "").strip()
            if original in data.threads and original != name:
                data.threads[name] = data.threads.pop(original)
        data.sort()
        phone.replace("Contacts", "contact", name)

    nodes: list[Node] = []
    y = LIST_TOP + 40
    for key, hint, rid in (
        ("contact.name", "Name", "name_field"),
        ("contact.phone", "Phone", "phone_field"),
        ("contact.email", "Email", "email_field"),
    ):
        nodes += edit(phone, (64, y, WIDTH - 64, y + 140), key, hint, rid)
        y += 190
    title = "Edit contact" if original else "Create contact"
    return nodes + ui.app_bar(title, phone.up, [action("Save", save, rid="save")]), 0
