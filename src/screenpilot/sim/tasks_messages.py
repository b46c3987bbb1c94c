"""Task templates for Messages."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from screenpilot.sim.state import (
    PHRASES,
    Message,
    PhoneData,
    phone_number,
)
from screenpilot.sim.tasks import (
    Done,
    Intent,
    Open,
    Params,
    Target,
    Template,
    Type,
    answer_has,
    digits,
    tap,
)

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


def _last_sent(phone: SimPhone, partner: str, text: str) -> bool:
    for key, messages in phone.data.threads.items():
        same = key == partner or (digits(partner) and digits(key) == digits(partner))
        if same and messages and messages[-1].outgoing and messages[-1].text == text:
            return True
    return False


def _send(text: str) -> list[Intent]:
    return [tap(rid="compose_message_text"), Type(text), tap(desc="Send SMS"), Done()]


def _no_thread(rng: random.Random, data: PhoneData) -> Params:
    partner = rng.choice([c for c in data.contacts if c.name not in data.threads])
    return {"contact": partner.name, "text": rng.choice(PHRASES)}


def _read_last_setup(data: PhoneData, params: Params) -> None:
    data.threads[params["contact"]].append(Message(params["text"], outgoing=False))


TEMPLATES: tuple[Template, ...] = (
    Template(
        name="messages.reply",
        goal="Send “{text}” to {contact}",
        sample=lambda rng, data: {
            "contact": rng.choice(list(data.threads)),
            "text": rng.choice(PHRASES),
        },
        check=lambda phone, params, answer: _last_sent(phone, params["contact"], params["text"]),
        solution=lambda params: [
            Open("Messages"),
            tap(params["contact"], rid="conversation_name"),
            *_send(params["text"]),
        ],
    ),
    Template(
        name="messages.send_new",
        goal="Send “{text}” to {contact}",
        sample=_no_thread,
        check=lambda phone, params, answer: _last_sent(phone, params["contact"], params["text"]),
        solution=lambda params: [
            Open("Messages"),
            tap(rid="start_chat"),
            Type(params["contact"]),
            tap(params["contact"]),
            *_send(params["text"]),
        ],
    ),
    Template(
        name="messages.send_number",
        goal="Text {number} the message “{text}”",
        sample=lambda rng, data: {"number": phone_number(rng), "text": rng.choice(PHRASES)},
        check=lambda phone, params, answer: _last_sent(phone, params["number"], params["text"]),
        solution=lambda params: [
            Open("Messages"),
            tap(rid="start_chat"),
            Type(params["number"]),
            tap(rid="send_to_number"),
            *_send(params["text"]),
        ],
    ),
    Template(
        name="messages.read_last",
        goal="What was the last message {contact} sent me? Answer with the message text.",
        sample=lambda rng, data: {
            "contact": rng.choice(list(data.threads)),
            "text": rng.choice(PHRASES),
        },
        setup=_read_last_setup,
        check=lambda phone, params, answer: answer_has(answer, params["text"]),
        solution=lambda params: [
            Open("Messages"),
            tap(params["contact"], rid="conversation_name"),
            Done(answer_from=Target(rid="message_text", index=-1)),
        ],
    ),
    Template(
        name="messages.infeasible_schedule",
        goal="Schedule the message “{text}” to {contact} for tomorrow at 8 am",
        sample=lambda rng, data: {
            "contact": rng.choice(list(data.threads)),
            "text": rng.choice(PHRASES),
        },
        check=lambda phone, params, answer: False,
        solution=lambda params: [
            Open("Messages"),
            tap(params["contact"], rid="conversation_name"),
            Done("failure"),
        ],
        feasible=False,
    ),
)
