"""Task templates for Contacts."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from screenpilot.sim.state import (
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
    digits,
    new_name,
    tap,
)

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


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


TEMPLATES: tuple[Template, ...] = (
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
