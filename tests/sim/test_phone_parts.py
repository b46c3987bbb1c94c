"""The phone's parts on their own: navigation with its render and leave hooks, the screen's
cache, and input against a screen laid out by hand, without any app."""

from __future__ import annotations

from PIL import Image

from screenpilot.sim.density import Density
from screenpilot.sim.navigation import Dialog, Navigator, Page
from screenpilot.sim.phone import SimPhone
from screenpilot.sim.phone_input import PhoneInput
from screenpilot.sim.phone_state import PhoneState
from screenpilot.sim.screen import PhoneScreen
from screenpilot.sim.ui import KEYBOARD_H, NAV_H, Node


def navigator(state: PhoneState) -> tuple[Navigator, list[str], list[str]]:
    """A navigator whose screenshots and page exits are recorded."""
    drawn: list[str] = []
    left: list[str] = []

    def render() -> Image.Image:
        drawn.append(state.page.name)
        return Image.new("RGB", (4, 4))

    def leave(page: Page) -> None:
        left.append(page.name)

    return Navigator(state, render=render, leave=leave), drawn, left


def test_launching_keeps_recents_and_the_last_screen_of_the_app_left() -> None:
    state = PhoneState()
    nav, drawn, _ = navigator(state)
    nav.launch("Notes")
    assert drawn == []  # the home screen is not an app: no card for it
    nav.open("Notes", "note_edit")
    nav.launch("Clock")
    assert drawn == ["note_edit"] and set(state.snapshots) == {"Notes"}
    nav.launch("Notes")
    assert state.recents == ["Notes", "Clock"]
    assert [page.name for page in state.stack] == ["home", "notes"]


def test_going_home_leaves_every_page_above_home_from_the_top() -> None:
    state = PhoneState()
    nav, _, left = navigator(state)
    nav.launch("Contacts")
    nav.open("Contacts", "contact", "Ada")
    nav.open("Contacts", "contact_edit", "Ada")
    nav.go_home()
    assert left == ["contact_edit", "contact", "contacts"]
    assert [page.name for page in state.stack] == ["home"]


def test_back_closes_the_dialog_then_the_keyboard_then_the_page() -> None:
    state = PhoneState()
    nav, _, left = navigator(state)
    nav.launch("Settings")
    nav.open("Settings", "about")
    nav.show_dialog(Dialog("Device name", "", [], field_key="about.name"))
    assert state.focus == "about.name"
    version = state.version
    nav.back()
    assert state.dialog is None and state.focus == "about.name" and left == []
    nav.back()
    assert state.focus is None and left == []
    nav.back()
    assert left == ["about"] and state.page.name == "settings"
    assert state.version > version


def test_the_screen_lays_out_again_only_when_the_state_changed() -> None:
    state = PhoneState()
    calls: list[int] = []

    def layout() -> tuple[list[Node], int]:
        calls.append(state.version)
        return [Node("panel", (0, 0, 1080, 2400), fill=(1, 2, 3))], 7

    screen = PhoneScreen(state, Density(720, 1600), layout)
    first = screen.render()
    assert screen.nodes() is screen.nodes() and screen.render() is first and calls == [0]
    assert screen.scroll_limit == 7 and first.size == (720, 1600)
    state.changed()
    assert screen.render() is not first and calls == [0, 1]


def test_input_finds_touches_in_layout_units_and_enter_submits_the_focused_field() -> None:
    state = PhoneState()
    density = Density(720, 1600)
    hits: list[str] = []
    submitted: list[str] = []

    def layout() -> tuple[list[Node], int]:
        return [
            Node("button", (0, 0, 540, 200), text="left", on_tap=lambda: hits.append("left")),
            Node("button", (540, 0, 1080, 200), text="right", on_tap=lambda: hits.append("right")),
        ], 0

    screen = PhoneScreen(state, density, layout)
    nav, _, _ = navigator(state)
    touch = PhoneInput(state, density, screen, nav, submit=submitted.append)
    assert touch.tap(359, 10) == "left" and touch.tap(360, 10) == "right"  # 540 units = 360 px
    assert touch.tap(360, 140) is None and hits == ["left", "right"]  # 140 px = 210 units
    touch.focus_field("note.body", "a")
    touch.type_text("b\nc")
    assert state.fields["note.body"] == "abc" and submitted == ["note.body"]
    touch.key("enter")
    assert submitted == ["note.body", "note.body"]


def test_the_phone_hands_each_call_to_the_part_that_owns_it() -> None:
    phone = SimPhone(width=720, height=1600)
    phone.launch("Contacts")
    phone.focus_field("contacts.search")
    assert phone.state.focus == "contacts.search" and phone.focus == "contacts.search"
    assert phone.content_bottom() == phone.layout_height - NAV_H - KEYBOARD_H
    phone.key("back")
    assert phone.state.focus is None and phone.page is phone.state.stack[-1]
    assert phone.render() is phone.screen.render()
    assert phone.layout_height == phone.density.layout_height == 2400
