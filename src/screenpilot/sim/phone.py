"""``SimPhone``: the simulated phone's state, navigation and input, its rendered screen, its UI
tree (as ``UIElement``s and as ``uiautomator dump`` XML), and the shell it answers over ADB."""

from __future__ import annotations

import io
import struct
import threading
from dataclasses import dataclass, field

from PIL import Image

from screenpilot.agent.core import UIElement
from screenpilot.environments.android_input import KEYCODES
from screenpilot.sim import screen_export, system_ui, ui
from screenpilot.sim.app_launcher import background
from screenpilot.sim.app_notes import leave_note
from screenpilot.sim.density import Density
from screenpilot.sim.navigation import APPS, LAUNCHER, MAIN_PAGES, Dialog, Page, package_of
from screenpilot.sim.pages import build_page, submit
from screenpilot.sim.render import Renderer
from screenpilot.sim.shell import (
    ADB_KEYBOARD,
    LATIN_IME,
    AndroidShell,
    Faults,
    Output,
)
from screenpilot.sim.state import PhoneData
from screenpilot.sim.widgets import edit

SDK = {"13": 33, "14": 34, "15": 35}
KEY_NAMES = {code: name for name, code in KEYCODES.items()}


@dataclass
class SimPhone(AndroidShell):
    """A phone with six apps. Input arrives in device pixels (``tap``, ``swipe``) or as keys and
    text; ``render()`` and ``ui_elements()`` show the current screen."""

    data: PhoneData = field(default_factory=PhoneData)
    width: int = 1080
    height: int = 2400
    serial: str = "sim-1"
    clock: str = "9:41"
    model: str = "Pixel 7 (simulated)"
    stack: list[Page] = field(default_factory=lambda: [Page("", "home")])
    fields: dict[str, str] = field(default_factory=dict)
    focus: str | None = None
    shifted: bool = False
    symbols: bool = False
    dialog: Dialog | None = None
    recents: list[str] = field(default_factory=list)
    snapshots: dict[str, Image.Image] = field(default_factory=dict, repr=False)
    """Each recent app's last screen, shown on its card in the recent-apps view."""
    files: dict[str, bytes] = field(default_factory=dict)
    commands: list[list[str]] = field(default_factory=list)
    injections: list[str] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    rotation: int = 0
    imes: list[str] = field(default_factory=lambda: [LATIN_IME, ADB_KEYBOARD])
    ime: str = ADB_KEYBOARD
    """ADBKeyBoard is "installed", so adb clients can type any Unicode text."""
    version: int = 0
    _cache: tuple[int, list[ui.Node], Image.Image | None] | None = None
    _scroll_limit: int = 0
    _encoded: tuple[int, bool, bytes] | None = None

    def __post_init__(self) -> None:
        if self.width < 320 or self.height < 480:
            msg = f"the simulated screen must be at least 320x480, got {self.width}x{self.height}"
            raise ValueError(msg)
        self.density = Density(self.width, self.height)
        self.renderer = Renderer(self.density)
        self.natural_size = (self.width, self.height)
        self.packages = [LAUNCHER, *(package for package, _, _ in APPS.values())]
        self.android_version = self.data.android_version
        self.sdk = SDK.get(self.android_version, 34)

    # --- geometry ---------------------------------------------------------------------------

    @property
    def logical_height(self) -> int:
        """The screen height in layout units (the layout is 1080 units wide)."""
        return self.density.layout_height

    @property
    def page(self) -> Page:
        return self.stack[-1]

    @property
    def app(self) -> str:
        """The foreground app's package: the current page's."""
        return package_of(self.page)

    def content_bottom(self) -> int:
        """Where app content ends: above the keyboard when it shows, else above the nav bar."""
        bottom = self.logical_height - ui.NAV_H
        return bottom - ui.KEYBOARD_H if self.focus is not None else bottom

    # --- navigation -------------------------------------------------------------------------

    def changed(self) -> None:
        self.version += 1

    def open(self, app: str, name: str, arg: str = "") -> None:
        self.focus, self.dialog = None, None
        self.stack.append(Page(app, name, arg))
        self.changed()

    def replace(self, app: str, name: str, arg: str = "") -> None:
        self.stack.pop()
        self.open(app, name, arg)

    def _snapshot(self) -> None:
        if self.page.app:
            self.snapshots[self.page.app] = self.render()

    def go_home(self) -> None:
        self._snapshot()
        for page in reversed(self.stack[1:]):
            self._leave(page)
        self.stack = [Page("", "home")]
        self.focus, self.dialog = None, None
        self.changed()

    def launch(self, label: str) -> None:
        """Open an app fresh at its main page (as tapping its launcher icon does)."""
        self._snapshot()
        self.stack = [Page("", "home"), Page(label, MAIN_PAGES[label])]
        self.focus, self.dialog = None, None
        if label in self.recents:
            self.recents.remove(label)
        self.recents.insert(0, label)
        self.changed()

    def launch_thread(self, partner: str) -> None:
        """Open the Messages conversation with ``partner`` (the contact card's Text button)."""
        self.launch("Messages")
        self.open("Messages", "thread", partner)

    def back(self) -> None:
        """The back key: close a dialog, else hide the keyboard, else leave the page."""
        if self.dialog is not None:
            self.dialog = None
        elif self.focus is not None:
            self.focus = None
        else:
            self.up()
        self.changed()

    def up(self) -> None:
        """Leave the current page (the app bar's arrow), saving what the page saves."""
        self.focus, self.dialog = None, None
        if len(self.stack) > 1:
            self._leave(self.stack.pop())
        self.changed()

    def _leave(self, page: Page) -> None:
        if page.name == "note_edit":
            leave_note(self, page)

    def focus_field(self, key: str, initial: str = "") -> None:
        self.fields.setdefault(key, initial)
        self.focus, self.shifted, self.symbols = key, False, False
        self.changed()

    def show_dialog(self, dialog: Dialog) -> None:
        self.dialog = dialog
        self.focus = dialog.field_key
        self.changed()

    # --- the screen ---------------------------------------------------------------------------

    def layout(self, page: Page) -> tuple[list[ui.Node], int]:
        """The nodes of ``page`` and how far its list can scroll."""
        return build_page(self, page)

    def nodes(self) -> list[ui.Node]:
        """The views on screen now, bottom to top."""
        if self._cache is not None and self._cache[0] == self.version:
            return self._cache[1]
        page = self.page
        nodes, self._scroll_limit = build_page(self, page)
        if page.scroll > self._scroll_limit:
            page.scroll = self._scroll_limit
            nodes, self._scroll_limit = build_page(self, page)
        dark = page.name in {"home", "drawer", "recents"}
        if self.dialog is not None:
            dialog = self.dialog
            extra: list[ui.Node] = []
            if dialog.field_key is not None:
                extra = edit(
                    self, (136, 290, ui.WIDTH - 136, 420), dialog.field_key, "Name", "edit"
                )
            nodes += system_ui.dialog(
                dialog.title, dialog.message, dialog.buttons, self.logical_height, extra
            )
        if self.focus is not None:
            nodes += system_ui.keyboard(
                self.logical_height, self.shifted, self.symbols, self._press
            )
        data = self.data
        nodes = [
            *nodes,
            *system_ui.status_bar(
                self.clock,
                wifi=data.wifi and not data.airplane,
                bluetooth=data.bluetooth,
                airplane=data.airplane,
                dark=dark,
            ),
            *system_ui.nav_bar(
                self.logical_height, self.back, self.go_home, self._recents, dark=dark
            ),
        ]
        self._cache = (self.version, nodes, None)
        return nodes

    def render(self) -> Image.Image:
        nodes = self.nodes()
        assert self._cache is not None
        if self._cache[2] is None:
            page = self.page.name
            image = self.renderer.render(
                nodes, background(self.page), wallpaper=page in {"home", "drawer"}
            )
            self._cache = (self.version, nodes, image)
        rendered = self._cache[2]
        assert rendered is not None
        return rendered

    def ui_elements(self) -> tuple[UIElement, ...]:
        return screen_export.ui_elements(self)

    def hierarchy(self) -> str:
        """The screen as AOSP ``uiautomator dump`` writes it (attributes in its order)."""
        return screen_export.hierarchy(self)

    # --- input (device pixels) ------------------------------------------------------------------

    def tap(self, x: float, y: float, *, long: bool = False) -> str | None:
        """Tap at device pixels; returns what was hit (its text or description), if anything."""
        lx, ly = self.density.to_layout(x, y)
        for node in reversed(self.nodes()):
            if not node.contains(lx, ly):
                continue
            if node.on_slide is not None:
                left, _, right, _ = node.box
                node.on_slide(min(max((lx - left) / (right - left), 0.0), 1.0))
            elif long and node.on_long is not None:
                node.on_long()
            elif node.on_tap is not None:
                node.on_tap()
            elif node.kind in {"panel", "dialog"} and node.fill is not None:
                return None  # an opaque surface swallows the tap
            else:
                continue
            self.changed()
            return node.text or node.desc or node.rid or node.kind
        return None

    def swipe(self, x1: float, y1: float, x2: float, y2: float) -> None:
        """A finger moving from (x1, y1) to (x2, y2): scrolls lists, opens the app drawer."""
        lx1, ly1 = self.density.to_layout(x1, y1)
        _, ly2 = self.density.to_layout(x2, y2)
        dy = ly2 - ly1
        if abs(dy) < 20 and abs(x2 - x1) < 20:
            self.tap(x1, y1, long=True)
            return
        page = self.page
        if page.name == "home" and dy < -200:
            self.open("", "drawer")
            return
        if page.name == "drawer" and dy > 200 and page.scroll == 0:
            self.back()
            return
        if ly1 < ui.STATUS_H and dy > 200:
            return  # the notification shade is not simulated
        if any(n.scrollable and n.contains(lx1, ly1) for n in self.nodes()):
            page.scroll = int(min(max(page.scroll - dy, 0), self._scroll_limit))
            self.changed()

    def key(self, name: str) -> None:
        if name == "back":
            self.back()
        elif name == "home":
            self.go_home()
        elif name == "app_switch":
            self._recents()
        elif self.focus is not None and name in {"enter", "backspace", "tab", "space"}:
            self._press(
                {"enter": "<enter>", "backspace": "<del>", "tab": "<enter>", "space": " "}[name]
            )
        self.changed()

    def type_text(self, value: str) -> None:
        """Type into the focused field (nothing happens without one, as on a phone)."""
        for piece in value.replace("\r\n", "\n").split("\n")[:-1]:
            self._insert(piece)
            self._press("<enter>")
        self._insert(value.replace("\r\n", "\n").split("\n")[-1])

    def _insert(self, value: str) -> None:
        if self.focus is not None and value:
            self.fields[self.focus] = self.fields.get(self.focus, "") + value
            self.changed()

    def _press(self, value: str) -> None:
        key = self.focus
        if key is None:
            return
        if value == "<shift>":
            self.shifted = not self.shifted
        elif value == "<sym>":
            self.symbols = not self.symbols
        elif value == "<del>":
            self.fields[key] = self.fields.get(key, "")[:-1]
        elif value == "<enter>":
            submit(self, key)
        else:
            self._insert(value)
            self.shifted = False
        self.changed()

    def _recents(self) -> None:
        if self.page.name != "recents":
            self._snapshot()
            self.open("", "recents")

    # --- the shell's hooks (adb) --------------------------------------------------------------

    def _tap(self, x: int, y: int) -> None:
        self.tap(x, y)

    def _swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        if abs(x2 - x1) + abs(y2 - y1) < 20 and ms >= 400:
            self.tap(x1, y1, long=True)
        else:
            self.swipe(x1, y1, x2, y2)

    def _key(self, code: int) -> None:
        name = KEY_NAMES.get(code)
        if name is not None:
            self.key(name)

    def _type_into(self, text: str) -> None:
        self.type_text(text)

    def _launch(self, package: str) -> Output:
        label = next((name for name, (p, _, _) in APPS.items() if p == package), None)
        if package == LAUNCHER:
            self.go_home()
        elif label is None:
            return b"** No activities found to run, monkey aborted.\n", b"", 252
        else:
            self.launch(label)
        return b"  bash arg: -p\nEvents injected: 1\n", b"", 0

    def screencap(self, png: bool) -> bytes:
        image = self.render()
        if self._encoded is not None and self._encoded[:2] == (self.version, png):
            return self._encoded[2]
        if png:
            buffer = io.BytesIO()
            image.save(buffer, "PNG", compress_level=1)
            data = buffer.getvalue()
        else:
            # AOSP cmds/screencap: width, height, format (1 = RGBA_8888), dataspace, pixels.
            data = (
                struct.pack("<IIII", image.width, image.height, 1, 0)
                + image.convert("RGBA").tobytes()
            )
        self._encoded = (self.version, png, data)
        return data
