"""The simulated phone's Clock (alarms), Notes and Browser apps, and ENTER in their fields."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.apps_people import recipient_number
from screenpilot.sim.navigation import Dialog
from screenpilot.sim.state import Alarm, Message, Note
from screenpilot.sim.ui import WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, action, confirm, edit, icon_action, scrolled

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone

SITE_NAMES = {
    "wikipedia.org": "Wikipedia",
    "britannica.com": "Britannica",
    "reddit.com": "Reddit",
    "nytimes.com": "The New York Times",
    "bbc.co.uk": "BBC",
}

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
