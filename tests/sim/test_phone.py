"""The simulated phone itself: screens against golden images, the UI tree against the XML dump,
the keyboard, scrolling, dialogs, navigation and other resolutions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from screenpilot.environments.uiautomator import parse_hierarchy
from screenpilot.sim.env import SimEnv
from screenpilot.sim.phone import SimPhone
from screenpilot.tools import coords
from screenpilot.tools.actions import Key, Scroll, Swipe, Tap, TypeText

GOLDEN = Path(__file__).parent / "golden"


def phone_at(screen: str) -> SimPhone:
    """The phone of task contacts.add:0 showing one of a few fixed screens."""
    phone = SimEnv("contacts.add:0").phone
    if screen == "settings":
        phone.launch("Settings")
    elif screen == "contacts_keyboard":
        phone.launch("Contacts")
        phone.focus_field("contacts.search")
        phone.type_text("Ha")
    elif screen == "thread":
        phone.launch("Messages")
        phone.open("Messages", "thread", next(iter(phone.data.threads)))
    elif screen == "dialog":
        phone.launch("Clock")
        phone.tap(*centre(phone, desc=f"Delete {phone.data.alarms[0].time} alarm"))
    return phone


def centre(phone: SimPhone, *, text: str | None = None, desc: str | None = None) -> tuple[int, int]:
    screen = coords.Screen.same_size(phone.width, phone.height)
    for element in phone.ui_elements():
        if (text is None or element.text == text) and (desc is None or element.description == desc):
            return coords.to_device(*coords.box_center(element.bounds), screen)
    raise AssertionError(f"no element {text or desc!r}")


@pytest.mark.parametrize("screen", ["home", "settings", "contacts_keyboard", "thread", "dialog"])
def test_screens_match_the_golden_images(screen: str) -> None:
    """Rendering regressions show here. Regenerate with SCREENPILOT_UPDATE_GOLDEN=1 after
    looking at the new images."""
    image = phone_at(screen).render()
    path = GOLDEN / f"{screen}.png"
    if os.environ.get("SCREENPILOT_UPDATE_GOLDEN"):
        image.resize((540, 1200), Image.Resampling.LANCZOS).save(path, optimize=True)
    golden = Image.open(path).convert("RGB")
    small = image.resize(golden.size, Image.Resampling.LANCZOS)
    difference = ImageChops.difference(small, golden).convert("L")
    changed = sum(difference.point(lambda v: 255 if v > 48 else 0).histogram()[255:])
    assert changed / (golden.width * golden.height) < 0.005, f"{screen}: {changed} pixels differ"


@pytest.mark.parametrize("screen", ["home", "settings", "contacts_keyboard", "thread", "dialog"])
def test_the_ui_tree_and_its_uiautomator_dump_agree(screen: str) -> None:
    phone = phone_at(screen)
    screen_geometry = coords.Screen.same_size(phone.width, phone.height)
    parsed = parse_hierarchy(phone.hierarchy(), screen_geometry)[1:]  # the root frame first
    elements = phone.ui_elements()
    assert [(e.text, e.description, e.resource_id, e.clickable, e.checked) for e in parsed] == [
        (e.text, e.description, e.resource_id, e.clickable, e.checked) for e in elements
    ]
    for dumped, element in zip(parsed, elements, strict=True):
        assert all(
            abs(a - b) < 2 / 1080 for a, b in zip(dumped.bounds, element.bounds, strict=True)
        )


def test_typing_on_the_on_screen_keyboard() -> None:
    env = SimEnv("contacts.add:0")
    observation = env.reset()
    phone = env.phone
    phone.launch("Contacts")
    phone.tap(*centre(phone, text="Create contact"))
    phone.tap(*centre(phone, desc="Name"))
    assert phone.focus == "contact.name"
    keys = {node.text: node for node in phone.nodes() if node.kind == "key"}
    for label in ("h", "i"):  # tap the keys where they are drawn
        left, top, right, bottom = keys[label].box
        phone.tap((left + right) / 2, (top + bottom) / 2)
    assert phone.fields["contact.name"] == "hi"
    env.step(TypeText(text=" Zoë"))
    env.step(Key(key="backspace"))
    assert phone.fields["contact.name"] == "hi Zo"
    assert observation.screenshot.size == (1080, 2400)
    phone.back()
    result = env.step(TypeText(text="lost"))
    assert result.info == {"typed": False} and "nothing was typed" in result.observation.notes[0]
    assert "lost" not in phone.fields["contact.name"]


def test_long_lists_scroll_with_swipes_and_scroll_actions() -> None:
    env = SimEnv("contacts.open_card:0")
    env.reset()
    env.phone.launch("Contacts")
    names = [c.name for c in env.phone.data.contacts]
    visible = {e.text for e in env.phone.ui_elements()}
    assert names[0] in visible and names[-1] not in visible
    env.step(Scroll(direction="down"))
    env.step(Swipe(x=0.5, y=0.8, x2=0.5, y2=0.3))
    visible = {e.text for e in env.phone.ui_elements()}
    assert names[-1] in visible and names[0] not in visible
    for _ in range(3):
        env.step(Scroll(direction="up"))
    assert env.phone.page.scroll == 0


def test_cancelling_a_delete_dialog_keeps_the_alarm_and_back_closes_it() -> None:
    phone = phone_at("dialog")
    alarms = list(phone.data.alarms)
    assert phone.dialog is not None and phone.dialog.title == "Delete alarm?"
    phone.tap(*centre(phone, text="Cancel"))
    assert phone.dialog is None and phone.data.alarms == alarms
    phone.tap(*centre(phone, desc=f"Delete {alarms[0].time} alarm"))
    phone.key("back")
    assert phone.dialog is None and phone.data.alarms == alarms


def test_navigation_home_drawer_back_and_recents() -> None:
    env = SimEnv(seed=3)
    env.reset()
    phone = env.phone
    env.step(Swipe(x=0.5, y=0.8, x2=0.5, y2=0.3))
    assert phone.page.name == "drawer"
    env.step(Tap(x=0.1, y=0.05))  # the status bar does nothing
    phone.tap(*centre(phone, desc="Notes"))
    assert phone.page.app == "Notes"
    env.step(Key(key="home"))
    assert phone.page.name == "home"
    env.step(Key(key="app_switch"))
    phone.tap(*centre(phone, desc="Notes"))
    assert phone.page.name == "notes"
    env.step(Key(key="back"))
    assert phone.page.name == "home" and phone.app == "com.google.android.apps.nexuslauncher"


def test_other_resolutions_scale_the_layout() -> None:
    env = SimEnv("settings.wifi_on:0", width=720, height=1600)
    observation = env.reset()
    assert observation.screenshot.size == (720, 1600)
    env.phone.launch("Settings")
    switch = next(e for e in env.phone.ui_elements() if e.resource_id.endswith("id/wifi_switch"))
    env.step(Tap(x=coords.box_center(switch.bounds)[0], y=coords.box_center(switch.bounds)[1]))
    assert env.phone.data.wifi is True
    with pytest.raises(ValueError, match="at least 320x480"):
        SimPhone(width=100, height=100)


def test_accented_text_is_drawn_with_the_bundled_font() -> None:
    """Pillow's bundled font has ASCII only: é is drawn as e (not as a missing-glyph box), while
    the UI tree keeps the text as typed."""
    accented, plain = SimEnv("contacts.add:0").phone, SimEnv("contacts.add:0").phone
    for phone, name in ((accented, "Zoë Chloé"), (plain, "Zoe Chloe")):
        phone.launch("Contacts")
        phone.focus_field("contacts.search")
        phone.type_text(name)
    assert accented.render().tobytes() == plain.render().tobytes()
    assert any(e.text == "Zoë Chloé" for e in accented.ui_elements())


def test_the_foreground_app_is_the_current_pages_before_anything_is_drawn() -> None:
    phone = SimPhone(width=720, height=1600)
    out, _, status = phone.run_shell("monkey -p com.android.settings 1; dumpsys window windows")
    assert status == 0 and b"mCurrentFocus=Window{5d2c1e0 u0 com.android.settings/" in out
    assert phone.app == "com.android.settings"
    phone.key("home")
    assert phone.app == "com.google.android.apps.nexuslauncher"
