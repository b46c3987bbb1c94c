"""Task templates for Browser and the launcher."""

from __future__ import annotations

from screenpilot.sim.state import (
    QUERIES,
)
from screenpilot.sim.tasks import (
    Done,
    Open,
    Press,
    Template,
    Type,
    tap,
)

SITE_NAMES = {
    "Wikipedia": "wikipedia.org",
    "Britannica": "britannica.com",
    "BBC": "bbc.co.uk",
    "Reddit": "reddit.com",
}


def _result_title(query: str, site: str) -> str:
    return f"{query[:1].upper()}{query[1:]} - {site}"


TEMPLATES: tuple[Template, ...] = (
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
