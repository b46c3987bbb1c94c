"""Task templates for Clock, Notes, Browser and the launcher (see ``suite`` for the rest)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from screenpilot.sim.state import (
    ALARM_LABELS,
    NOTE_LINES,
    NOTE_TITLES,
    QUERIES,
    PhoneData,
)
from screenpilot.sim.tasks import (
    Done,
    Intent,
    Open,
    Params,
    Press,
    Target,
    Template,
    Type,
    answer_has,
    register,
    tap,
)

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


# --- Clock ---------------------------------------------------------------------------------------


def _free_time(rng: random.Random, data: PhoneData) -> Params:
    while True:
        hour, minute = rng.randint(5, 22), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))
        if data.alarm(hour, minute) is None:
            return {
                "hour": hour,
                "minute": minute,
                "time": f"{hour:02d}:{minute:02d}",
                "label": rng.choice(ALARM_LABELS),
            }


def _add_alarm(params: Params, label: bool) -> list[Intent]:
    steps: list[Intent] = [
        Open("Clock"),
        tap(rid="fab"),
        tap(rid="hour"),
        Type(str(params["hour"])),
        tap(rid="minute"),
        Type(f"{params['minute']:02d}"),
    ]
    if label:
        steps += [tap(rid="label_field"), Type(params["label"])]
    return [*steps, tap(rid="save"), Done()]


def _alarm_ok(phone: SimPhone, params: Params, label: bool) -> bool:
    alarm = phone.data.alarm(params["hour"], params["minute"])
    return alarm is not None and alarm.enabled and (not label or alarm.label == params["label"])


def _pick_alarm(enabled: bool) -> object:
    def sample(rng: random.Random, data: PhoneData) -> Params:
        alarm = rng.choice(data.alarms)
        return {"hour": alarm.hour, "minute": alarm.minute, "time": alarm.time, "enabled": enabled}

    return sample


def _set_enabled(data: PhoneData, params: Params) -> None:
    alarm = data.alarm(params["hour"], params["minute"])
    assert alarm is not None
    alarm.enabled = not params["enabled"]


def _alarm_state(phone: SimPhone, params: Params, answer: str | None) -> bool:
    alarm = phone.data.alarm(params["hour"], params["minute"])
    return alarm is not None and alarm.enabled is params["enabled"]


register(
    Template(
        name="clock.add_alarm",
        goal="Set an alarm for {time}",
        sample=_free_time,
        check=lambda phone, params, answer: _alarm_ok(phone, params, False),
        solution=lambda params: _add_alarm(params, False),
    ),
    Template(
        name="clock.add_alarm_label",
        goal="Set an alarm for {time} and label it “{label}”",
        sample=_free_time,
        check=lambda phone, params, answer: _alarm_ok(phone, params, True),
        solution=lambda params: _add_alarm(params, True),
    ),
    Template(
        name="clock.alarm_off",
        goal="Turn off the {time} alarm",
        sample=_pick_alarm(False),  # type: ignore[arg-type]
        setup=_set_enabled,
        check=_alarm_state,
        solution=lambda params: [Open("Clock"), tap(desc=f"{params['time']} alarm"), Done()],
    ),
    Template(
        name="clock.alarm_on",
        goal="Turn on the {time} alarm",
        sample=_pick_alarm(True),  # type: ignore[arg-type]
        setup=_set_enabled,
        check=_alarm_state,
        solution=lambda params: [Open("Clock"), tap(desc=f"{params['time']} alarm"), Done()],
    ),
    Template(
        name="clock.delete_alarm",
        goal="Delete the {time} alarm",
        sample=_pick_alarm(True),  # type: ignore[arg-type]
        check=lambda phone, params, answer: (
            phone.data.alarm(params["hour"], params["minute"]) is None
            and len(phone.data.alarms) == 2
        ),
        solution=lambda params: [
            Open("Clock"),
            tap(desc=f"Delete {params['time']} alarm"),
            tap("Delete"),
            Done(),
        ],
    ),
    Template(
        name="clock.infeasible_time",
        goal="Set an alarm for {hour}:{minute:02d}",
        sample=lambda rng, data: {
            "hour": rng.randint(24, 29),
            "minute": rng.choice((0, 15, 30, 45)),
        },
        check=lambda phone, params, answer: False,
        solution=lambda params: [Open("Clock"), Done("failure")],
        feasible=False,
    ),
)


# --- Notes ---------------------------------------------------------------------------------------


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


register(
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


# --- Browser and launcher ------------------------------------------------------------------------

SITE_NAMES = {
    "Wikipedia": "wikipedia.org",
    "Britannica": "britannica.com",
    "BBC": "bbc.co.uk",
    "Reddit": "reddit.com",
}


def _result_title(query: str, site: str) -> str:
    return f"{query[:1].upper()}{query[1:]} - {site}"


register(
    Template(
        name="browser.search",
        goal="Search the web for “{query}”",
        sample=lambda rng, data: {"query": rng.choice(QUERIES)},
        check=lambda phone, params, answer: (
            params["query"].casefold() in [q.casefold() for q in phone.data.searches]
        ),
        solution=lambda params: [
            Open("Browser"),
            tap(rid="url_bar"),
            Type(params["query"]),
            Press("enter"),
            Done(),
        ],
    ),
    Template(
        name="browser.open_result",
        goal="Search for “{query}” and open the {site} result",
        sample=lambda rng, data: {
            "query": rng.choice(QUERIES),
            "site": rng.choice(sorted(SITE_NAMES)),
        },
        check=lambda phone, params, answer: (
            bool(phone.data.opened_pages)
            and phone.data.opened_pages[-1] == SITE_NAMES[params["site"]]
            and bool(phone.data.searches)
            and phone.data.searches[-1].casefold() == params["query"].casefold()
        ),
        solution=lambda params: [
            Open("Browser"),
            tap(rid="url_bar"),
            Type(params["query"]),
            Press("enter"),
            tap(_result_title(params["query"], params["site"]), scroll=True),
            Done(),
        ],
    ),
    Template(
        name="home.open_app",
        goal="Open the {app} app",
        sample=lambda rng, data: {
            "app": rng.choice(("Settings", "Contacts", "Messages", "Clock", "Notes", "Browser"))
        },
        check=lambda phone, params, answer: phone.page.app == params["app"],
        solution=lambda params: [Press("home"), tap(desc=params["app"]), Done()],
    ),
    Template(
        name="home.infeasible_camera",
        goal="Take a photo with the Camera app",
        sample=lambda rng, data: {},
        check=lambda phone, params, answer: False,
        solution=lambda params: [Press("home"), Done("failure")],
        feasible=False,
    ),
)
