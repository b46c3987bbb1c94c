"""The simulated phone's browser: its start page, search results and web pages."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from screenpilot.sim import ui
from screenpilot.sim.ui import WIDTH, Node
from screenpilot.sim.widgets import LIST_TOP, edit, scrolled

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
