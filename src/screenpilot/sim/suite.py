"""The task suite: templates across Settings, Contacts, Messages, Clock, Notes, Browser and the
launcher, including infeasible ones whose right outcome is ``finish(failure)``."""

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
    Slide,
    Target,
    Template,
    Type,
    answer_has,
    digits,
    new_name,
    register,
    tap,
)

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


# --- Settings ----------------------------------------------------------------------------------


def _toggle(name: str, attr: str, label: str, rid: str, on: bool) -> Template:
    verb = "on" if on else "off"

    def setup(data: PhoneData, params: Params) -> None:
        setattr(data, attr, not on)
        if attr != "airplane":
            data.airplane = False

    return Template(
        name=name,
        goal=f"Turn {verb} {label}",
        sample=lambda rng, data: {},
        setup=setup,
        check=lambda phone, params, answer: getattr(phone.data, attr) is on,
        solution=lambda params: [Open("Settings"), tap(rid=rid), Done()],
    )


def _brightness_sample(rng: random.Random, data: PhoneData) -> Params:
    return {"level": rng.choice([v for v in range(10, 100, 10) if abs(v - data.brightness) > 10])}


def _device_name_solution(params: Params) -> list[Intent]:
    return [
        Open("Settings"),
        tap(rid="about"),
        tap("Device name"),
        tap(desc="Clear text"),
        Type(params["name"]),
        tap("OK"),
        Done(),
    ]


register(
    _toggle("settings.wifi_off", "wifi", "Wi-Fi", "wifi_switch", False),
    _toggle("settings.wifi_on", "wifi", "Wi-Fi", "wifi_switch", True),
    _toggle("settings.bluetooth_off", "bluetooth", "Bluetooth", "bluetooth_switch", False),
    _toggle("settings.bluetooth_on", "bluetooth", "Bluetooth", "bluetooth_switch", True),
    _toggle("settings.airplane_on", "airplane", "airplane mode", "airplane_switch", True),
    _toggle("settings.airplane_off", "airplane", "airplane mode", "airplane_switch", False),
    _toggle("settings.dark_theme_on", "dark_theme", "the dark theme", "dark_theme_switch", True),
    Template(
        name="settings.brightness",
        goal="Set the screen brightness to {level}%",
        sample=_brightness_sample,
        check=lambda phone, params, answer: abs(phone.data.brightness - params["level"]) <= 3,
        solution=lambda params: [
            Open("Settings"),
            Slide(Target(rid="brightness_slider"), params["level"] / 100),
            Done(),
        ],
    ),
    Template(
        name="settings.device_name",
        goal="Rename this phone to “{name}”",
        sample=lambda rng, data: {
            "name": rng.choice(("Kitchen tablet", "Work phone", "Ana's Pixel", "Travel phone"))
        },
        check=lambda phone, params, answer: phone.data.device_name == params["name"],
        solution=_device_name_solution,
    ),
    Template(
        name="settings.android_version",
        goal="Which Android version is this phone running? Answer with the version number.",
        sample=lambda rng, data: {"version": data.android_version},
        check=lambda phone, params, answer: answer_has(answer, params["version"]),
        solution=lambda params: [
            Open("Settings"),
            tap(rid="about"),
            Done(answer_from=Target(text="Android version", offset=1)),
        ],
    ),
    Template(
        name="settings.infeasible_5g",
        goal="Turn on 5G Ultra Wideband in Settings",
        sample=lambda rng, data: {},
        check=lambda phone, params, answer: False,
        solution=lambda params: [Open("Settings"), Done("failure")],
        feasible=False,
    ),
)


# --- Contacts ----------------------------------------------------------------------------------


def _has_contact(
    phone: SimPhone, name: str, number: str | None = None, email: str | None = None
) -> bool:
    contact = phone.data.contact(name)
    if contact is None:
        return False
    if number is not None and digits(contact.phone) != digits(number):
        return False
    return email is None or contact.email.casefold() == email.casefold()


def _open_contact(name: str) -> list[Intent]:
    return [Open("Contacts"), tap(rid="search_field"), Type(name), tap(name, rid="contact_name")]


def _existing(rng: random.Random, data: PhoneData) -> Params:
    return {"name": rng.choice(data.contacts).name, "phone": phone_number(rng)}


register(
    Template(
        name="contacts.add",
        goal="Add a contact named {name} with phone number {phone}",
        sample=lambda rng, data: {"name": new_name(rng, data), "phone": phone_number(rng)},
        check=lambda phone, params, answer: _has_contact(phone, params["name"], params["phone"]),
        solution=lambda params: [
            Open("Contacts"),
            tap(rid="create_contact"),
            tap(rid="name_field"),
            Type(params["name"]),
            tap(rid="phone_field"),
            Type(params["phone"]),
            tap(rid="save"),
            Done(),
        ],
    ),
    Template(
        name="contacts.add_email",
        goal="Create a contact for {name} with the email address {email}",
        sample=lambda rng, data: (
            lambda name: {
                "name": name,
                "email": f"{name.split()[0].lower()}.{rng.randint(10, 99)}@example.com",
            }
        )(new_name(rng, data)),
        check=lambda phone, params, answer: _has_contact(
            phone, params["name"], email=params["email"]
        ),
        solution=lambda params: [
            Open("Contacts"),
            tap(rid="create_contact"),
            tap(rid="name_field"),
            Type(params["name"]),
            tap(rid="email_field"),
            Type(params["email"]),
            tap(rid="save"),
            Done(),
        ],
    ),
    Template(
        name="contacts.edit_phone",
        goal="Change {name}'s phone number to {phone}",
        sample=_existing,
        check=lambda phone, params, answer: _has_contact(phone, params["name"], params["phone"]),
        solution=lambda params: [
            *_open_contact(params["name"]),
            tap(rid="edit"),
            tap(rid="phone_field"),
            tap(desc="Clear text"),
            Type(params["phone"]),
            tap(rid="save"),
            Done(),
        ],
    ),
    Template(
        name="contacts.delete",
        goal="Delete the contact {name}",
        sample=_existing,
        check=lambda phone, params, answer: (
            phone.data.contact(params["name"]) is None
            and len(phone.data.contacts) == params["count"] - 1
        ),
        setup=lambda data, params: params.update(count=len(data.contacts)),
        solution=lambda params: [
            *_open_contact(params["name"]),
            tap(desc="Delete"),
            tap("Delete"),
            Done(),
        ],
    ),
    Template(
        name="contacts.lookup_phone",
        goal="What is {name}'s phone number?",
        sample=lambda rng, data: (lambda c: {"name": c.name, "phone": c.phone})(
            rng.choice(data.contacts)
        ),
        check=lambda phone, params, answer: digits(params["phone"]) in digits(answer or ""),
        solution=lambda params: [
            *_open_contact(params["name"]),
            Done(answer_from=Target(rid="phone_number")),
        ],
    ),
    Template(
        name="contacts.open_card",
        goal="Open the contact card of {name}",
        sample=lambda rng, data: {"name": data.contacts[-1 - rng.randint(0, 2)].name},
        check=lambda phone, params, answer: (
            phone.page.name == "contact" and phone.page.arg == params["name"]
        ),
        solution=lambda params: [
            Open("Contacts"),
            tap(params["name"], rid="contact_name", scroll=True),
            Done(),
        ],
    ),
    Template(
        name="contacts.infeasible_delete",
        goal="Delete the contact {name}",
        sample=lambda rng, data: {"name": new_name(rng, data)},
        check=lambda phone, params, answer: False,
        solution=lambda params: [
            Open("Contacts"),
            tap(rid="search_field"),
            Type(params["name"]),
            Done("failure"),
        ],
        feasible=False,
    ),
)


# --- Messages ----------------------------------------------------------------------------------


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


register(
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


# Clock, Notes, Browser and the launcher.
from screenpilot.sim import suite_more  # noqa: E402, F401
