"""The simulated phone's Messages: conversations, composing and a thread."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.state import Message
from screenpilot.sim.ui import ROW_H, WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, avatar, edit, scrolled

if TYPE_CHECKING:
    from screenpilot.sim.navigation import Page
    from screenpilot.sim.phone import SimPhone


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


def recipient_number(text: str) -> str | None:
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
    number = recipient_number(typed)
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
