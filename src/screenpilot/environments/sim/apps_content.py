"""The simulated phone's content apps: Contacts, Messages, Clock (alarms), Notes and Browser."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from screenpilot.environments.sim import ui
from screenpilot.environments.sim.apps import LIST_TOP, scrolled
from screenpilot.environments.sim.state import Alarm, Contact, Message, Note
from screenpilot.environments.sim.ui import ROW_H, WIDTH, Node

if TYPE_CHECKING:
    from screenpilot.environments.sim.phone import Page, SimPhone

SITE_NAMES = {
    "wikipedia.org": "Wikipedia",
    "britannica.com": "Britannica",
    "reddit.com": "Reddit",
    "nytimes.com": "The New York Times",
    "bbc.co.uk": "BBC",
}
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
    from screenpilot.environments.sim.phone import Dialog

    def cancel() -> None:
        phone.dialog = None

    def yes() -> None:
        phone.dialog = None
        then()

    phone.show_dialog(Dialog(title, message, [("Cancel", cancel), (verb, yes)]))


# --- Contacts -------------------------------------------------------------------------------------


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
        from screenpilot.environments.sim.apps import build_page

        phone.stack.pop()
        return build_page(phone, phone.page)
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


# --- Messages ---------------------------------------------------------------------------------------


def page_messages(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    rows: list[Node] = []
    for number, (partner, messages) in enumerate(phone.data.threads.items()):
        y = LIST_TOP + number * 200
        last = messages[-1].text if messages else ""
        rows += [
            Node(
                "row",
                (0, y, WIDTH, y + 200),
                on_tap=partial(phone.open, "Messages", "thread", partner),
                rid="conversation",
                hint="plain",
            ),
            avatar((56, y + 40, 176, y + 160), partner),
            ui.text((216, y + 40, 1000, y + 104), partner, size=48, rid="conversation_name"),
            ui.text(
                (216, y + 110, 1000, y + 166),
                ("You: " if messages and messages[-1].outgoing else "") + last,
                size=38,
                color=ui.MUTED,
                rid="conversation_snippet",
            ),
        ]
    nodes, limit = scrolled(phone, page, rows, len(phone.data.threads) * 200 + 240, LIST_TOP)
    new = ui.fab("Start chat", lambda: _compose(phone), phone.content_bottom(), rid="start_chat")
    return [*nodes, *ui.app_bar("Messages", None), new], limit


def _compose(phone: SimPhone) -> None:
    phone.fields["compose.to"] = ""
    phone.open("Messages", "compose")
    phone.focus_field("compose.to")


def _recipient_number(text: str) -> str | None:
    digits = re.sub(r"[^\d]", "", text)
    return text.strip() if len(digits) >= 7 and re.fullmatch(r"[\d\s()+-]+", text.strip()) else None


def page_compose(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    typed = phone.fields.get("compose.to", "").strip()
    matches = [
        c
        for c in phone.data.contacts
        if typed.casefold() in c.name.casefold() or (typed and typed in c.phone)
    ]
    top = LIST_TOP + 170
    rows: list[Node] = []
    y = top
    number = _recipient_number(typed)
    if number is not None:
        rows += [
            Node(
                "row",
                (0, y, WIDTH, y + ROW_H),
                on_tap=lambda: phone.replace("Messages", "thread", number),
                rid="send_to_number",
                hint="plain",
            ),
            ui.text((216, y + 50, 1000, y + 126), f"Send to {number}", size=48),
        ]
        y += ROW_H
    for contact in matches:
        rows += [
            Node(
                "row",
                (0, y, WIDTH, y + ROW_H),
                on_tap=partial(phone.replace, "Messages", "thread", contact.name),
                rid="contact_suggestion",
                hint="plain",
            ),
            avatar((56, y + 28, 176, y + 148), contact.name),
            ui.text((216, y + 24, 1000, y + 92), contact.name, size=48),
            ui.text((216, y + 100, 1000, y + 150), contact.phone, size=36, color=ui.MUTED),
        ]
        y += ROW_H
    nodes, limit = scrolled(phone, page, rows, y - top + 100, top)
    header = [
        Node("panel", (0, LIST_TOP, WIDTH, top), fill=ui.BG, tree=False),
        ui.text((64, LIST_TOP + 40, 160, LIST_TOP + 120), "To", size=44, color=ui.MUTED),
    ]
    header += edit(
        phone,
        (160, LIST_TOP + 10, WIDTH - 48, LIST_TOP + 140),
        "compose.to",
        "Type a name or phone number",
        "recipient_text_view",
    )
    return [*nodes, *header, *ui.app_bar("New conversation", phone.up)], limit


def page_thread(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    partner = page.arg
    key = f"thread.{partner}"
    messages = phone.data.threads.get(partner, [])
    bottom = phone.content_bottom() - 170
    rows: list[Node] = []
    y = bottom - 40
    for message in reversed(messages):
        width = min(900, 120 + round(len(message.text) * 24))
        y -= 140
        left = WIDTH - 48 - width if message.outgoing else 48
        fill, colour = (
            ((11, 87, 208), (255, 255, 255)) if message.outgoing else ((233, 238, 246), ui.TEXT)
        )
        rows.append(
            Node(
                "bubble",
                (left, y, left + width, y + 116),
                text=message.text,
                fill=fill,
                color=colour,
                size=42,
                rid="message_text",
            )
        )
        y -= 24
    rows.reverse()  # the tree lists messages oldest first, as the screen shows them
    if not messages:
        rows.append(
            ui.text(
                (0, bottom - 200, WIDTH, bottom - 120),
                "Start of your conversation",
                size=38,
                color=ui.MUTED,
                align="center",
            )
        )
    shown = ui.clip(rows, LIST_TOP, bottom)

    def send() -> None:
        body = phone.fields.get(key, "").strip()
        if body:
            phone.data.threads.setdefault(partner, []).append(Message(body, outgoing=True))
            phone.fields[key] = ""

    compose = [
        Node("panel", (0, bottom, WIDTH, bottom + 170), fill=ui.BG, tree=False),
        *edit(
            phone,
            (32, bottom + 20, WIDTH - 190, bottom + 150),
            key,
            "Text message",
            "compose_message_text",
        ),
        Node(
            "icon",
            (WIDTH - 170, bottom + 25, WIDTH - 50, bottom + 145),
            desc="Send SMS",
            glyph="send",
            fill=(11, 87, 208),
            color=(255, 255, 255),
            size=52,
            on_tap=send,
            rid="send_message_button",
        ),
    ]
    return [
        Node("list", (0, LIST_TOP, WIDTH, bottom), rid="messages_list"),
        *shown,
        *compose,
        *ui.app_bar(partner, phone.up),
    ], 0


# --- Clock -------------------------------------------------------------------------------------------


def page_alarms(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    rows: list[Node] = []
    for number, alarm in enumerate(phone.data.alarms):
        y = LIST_TOP + number * 260
        found = alarm

        def toggle(a: Alarm = found) -> None:
            a.enabled = not a.enabled

        def delete(a: Alarm = found) -> None:
            confirm(
                phone,
                "Delete alarm?",
                f"The {a.time} alarm will be deleted.",
                "Delete",
                lambda: phone.data.alarms.remove(a),
            )

        rows += [
            Node(
                "panel",
                (32, y + 16, WIDTH - 32, y + 244),
                fill=(240, 244, 249),
                hint="card",
                tree=False,
            ),
            ui.text(
                (80, y + 40, 600, y + 160),
                alarm.time,
                size=100,
                color=ui.TEXT if alarm.enabled else ui.MUTED,
                rid="digital_clock",
            ),
            ui.text(
                (80, y + 170, 700, y + 226),
                alarm.label or "Alarm",
                size=38,
                color=ui.MUTED,
                rid="label",
            ),
            Node(
                "switch",
                (852, y + 70, 1016, y + 142),
                checked=alarm.enabled,
                on_tap=toggle,
                rid="onoff",
                desc=f"{alarm.time} alarm",
            ),
            Node(
                "icon",
                (700, y + 56, 810, y + 156),
                desc=f"Delete {alarm.time} alarm",
                hint="delete",
                on_tap=delete,
                rid="delete",
            ),
        ]
    nodes, limit = scrolled(phone, page, rows, len(phone.data.alarms) * 260 + 260, LIST_TOP)
    new = ui.fab("Add alarm", lambda: _new_alarm(phone), phone.content_bottom(), rid="fab")
    return [*nodes, *ui.app_bar("Alarm", None), new], limit


def _new_alarm(phone: SimPhone) -> None:
    for key in ("alarm.hour", "alarm.minute", "alarm.label"):
        phone.fields[key] = ""
    phone.open("Clock", "alarm_edit")


def page_alarm_edit(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    def save() -> None:
        hour, minute = (
            phone.fields.get("alarm.hour", "").strip(),
            phone.fields.get("alarm.minute", "").strip(),
        )
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            from screenpilot.environments.sim.phone import Dialog

            phone.show_dialog(
                Dialog(
                    "Invalid time",
                    "Enter an hour from 0 to 23 and a minute from 0 to 59.",
                    [("OK", lambda: setattr(phone, "dialog", None))],
                )
            )
            return
        phone.data.alarms.append(
            Alarm(int(hour), int(minute), phone.fields.get("alarm.label", "").strip())
        )
        phone.data.sort()
        phone.focus = None
        phone.stack.pop()

    nodes: list[Node] = []
    y = LIST_TOP + 40
    for key, hint, rid in (
        ("alarm.hour", "Hour (0-23)", "hour"),
        ("alarm.minute", "Minute (0-59)", "minute"),
        ("alarm.label", "Label", "label_field"),
    ):
        nodes += edit(phone, (64, y, WIDTH - 64, y + 140), key, hint, rid)
        y += 190
    return nodes + ui.app_bar("Add alarm", phone.up, [action("Save", save, rid="save")]), 0


# --- Notes -------------------------------------------------------------------------------------------


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


# --- Browser -----------------------------------------------------------------------------------------


def _bar(phone: SimPhone) -> list[Node]:
    return [
        Node("panel", (0, ui.STATUS_H, WIDTH, LIST_TOP), fill=ui.BG, tree=False),
        *edit(
            phone,
            (40, ui.STATUS_H + 24, WIDTH - 40, ui.STATUS_H + 152),
            "browser.query",
            "Search or type web address",
            "url_bar",
        ),
    ]


def page_browser(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    nodes = [
        Node(
            "text",
            (0, 700, WIDTH, 860),
            text="Search",
            size=130,
            color=(66, 133, 244),
            align="center",
            tree=False,
        )
    ]
    if phone.data.searches:
        nodes.append(ui.text((64, 980, 1000, 1040), "Recent searches", size=40, color=ui.MUTED))
        for number, query in enumerate(reversed(phone.data.searches[-4:])):
            y = 1060 + number * 130
            nodes += [
                Node(
                    "row",
                    (0, y, WIDTH, y + 130),
                    on_tap=partial(search, phone, query),
                    hint="plain",
                    rid="recent",
                ),
                ui.text((64, y + 30, 1000, y + 100), query, size=44),
            ]
    return [*nodes, *_bar(phone)], 0


def search(phone: SimPhone, query: str) -> None:
    phone.fields["browser.query"] = query
    phone.data.searches.append(query)
    if phone.page.name == "results":
        phone.replace("Browser", "results", query)
    else:
        phone.open("Browser", "results", query)


def page_results(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    rows: list[Node] = []
    for number, (site, name) in enumerate(SITE_NAMES.items()):
        y = LIST_TOP + 20 + number * 300
        title = f"{page.arg[:1].upper()}{page.arg[1:]} - {name}"
        rows += [
            Node(
                "row",
                (0, y, WIDTH, y + 300),
                on_tap=partial(_visit, phone, site, title),
                hint="plain",
                rid="result",
            ),
            ui.text(
                (64, y + 30, 1000, y + 80),
                f"https://www.{site}",
                size=34,
                color=ui.MUTED,
                rid="result_url",
            ),
            ui.text(
                (64, y + 90, 1016, y + 160), title, size=48, color=(26, 13, 171), rid="result_title"
            ),
            ui.text(
                (64, y + 170, 1016, y + 230),
                f"Everything about {page.arg} on {name}.",
                size=36,
                color=ui.MUTED,
            ),
        ]
    nodes, limit = scrolled(phone, page, rows, len(SITE_NAMES) * 300 + 200, LIST_TOP)
    return [*nodes, *_bar(phone)], limit


def _visit(phone: SimPhone, site: str, title: str) -> None:
    phone.data.opened_pages.append(site)
    phone.open("Browser", "webpage", f"{site}|{title}")


def page_webpage(phone: SimPhone, page: Page) -> tuple[list[Node], int]:
    site, _, title = page.arg.partition("|")
    nodes = [
        ui.text(
            (64, LIST_TOP + 40, 1016, LIST_TOP + 100), site, size=36, color=ui.MUTED, rid="url"
        ),
        ui.text((64, LIST_TOP + 120, 1016, LIST_TOP + 210), title, size=58),
        ui.text(
            (64, LIST_TOP + 250, 1016, LIST_TOP + 310),
            "This page is simulated: no network is used.",
            size=40,
            color=ui.MUTED,
        ),
    ]
    return [*nodes, *ui.app_bar(SITE_NAMES.get(site, site), phone.up)], 0


def submit(phone: SimPhone, key: str) -> None:
    """ENTER in a content app's field."""
    value = phone.fields.get(key, "")
    if key == "browser.query" and value.strip():
        phone.focus = None
        search(phone, value.strip())
    elif key == "note.body":
        phone.fields[key] = value + "\n"
    elif key == "compose.to":
        number = _recipient_number(value)
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
