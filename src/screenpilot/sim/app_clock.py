"""The simulated phone's Clock: the alarm list and the alarm editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.navigation import Dialog
from screenpilot.sim.state import Alarm
from screenpilot.sim.ui import WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, action, confirm, edit, scrolled

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone


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
