"""Task templates for Notes."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from screenpilot.sim.state import (
    NOTE_LINES,
    NOTE_TITLES,
    PhoneData,
)
from screenpilot.sim.tasks import (
    Done,
    Open,
    Params,
    Target,
    Template,
    Type,
    answer_has,
    tap,
)

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


def _some_note(rng: random.Random, data: PhoneData) -> Params:
    note = rng.choice(data.notes)
    fresh = [t for t in NOTE_TITLES if data.note(t) is None]
    return {
        "title": note.title,
        "first": note.body.split("\n")[0],
        "line": rng.choice([line for line in NOTE_LINES if line not in note.body]),
        "new": rng.choice(fresh),
        "count": len(data.notes),
    }


def _note_has(phone: SimPhone, title: str, line: str) -> bool:
    note = phone.data.note(title)
    return note is not None and line in note.body.split("\n")


TEMPLATES: tuple[Template, ...] = (
    Template(
        name="notes.create",
        goal="Create a note titled “{title}” that says “{body}”",
        sample=lambda rng, data: {
            "title": rng.choice([t for t in NOTE_TITLES if data.note(t) is None]),
            "body": rng.choice(NOTE_LINES),
        },
        check=lambda phone, params, answer: _note_has(phone, params["title"], params["body"]),
        solution=lambda params: [
            Open("Notes"),
            tap(rid="new_note_button"),
            tap(rid="editable_title"),
            Type(params["title"]),
            tap(rid="edit_note_text"),
            Type(params["body"]),
            tap(desc="Navigate up"),
            Done(),
        ],
    ),
    Template(
        name="notes.delete",
        goal="Delete the note titled “{title}”",
        sample=_some_note,
        check=lambda phone, params, answer: (
            phone.data.note(params["title"]) is None
            and len(phone.data.notes) == params["count"] - 1
        ),
        solution=lambda params: [
            Open("Notes"),
            tap(params["title"], rid="index_note_title"),
            tap(desc="Delete note"),
            tap("Delete"),
            Done(),
        ],
    ),
    Template(
        name="notes.append_line",
        goal="Add the line “{line}” to the end of the note “{title}”",
        sample=_some_note,
        check=lambda phone, params, answer: (
            (note := phone.data.note(params["title"])) is not None
            and note.body.split("\n")[-1] == params["line"]
            and note.body.startswith(params["first"])
        ),
        solution=lambda params: [
            Open("Notes"),
            tap(params["title"], rid="index_note_title"),
            tap(rid="edit_note_text"),
            Type("\n" + params["line"]),
            tap(desc="Navigate up"),
            Done(),
        ],
    ),
    Template(
        name="notes.rename",
        goal="Rename the note “{title}” to “{new}”",
        sample=_some_note,
        check=lambda phone, params, answer: (
            phone.data.note(params["title"]) is None
            and _note_has(phone, params["new"], params["first"])
        ),
        solution=lambda params: [
            Open("Notes"),
            tap(params["title"], rid="index_note_title"),
            tap(rid="editable_title"),
            tap(desc="Clear text"),
            Type(params["new"]),
            tap(desc="Navigate up"),
            Done(),
        ],
    ),
    Template(
        name="notes.read_first_line",
        goal="What is the first line of the note “{title}”? Answer with the text of that line.",
        sample=_some_note,
        check=lambda phone, params, answer: answer_has(answer, params["first"]),
        solution=lambda params: [
            Open("Notes"),
            Done(answer_from=Target(text=params["title"], offset=1)),
        ],
    ),
)
