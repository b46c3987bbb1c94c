"""``SimPhone``: the simulated phone, put together from one part per concept, as its apps, its
tasks and the Android shell (over ADB) use it."""

from __future__ import annotations

import io
import struct
import threading
from functools import partial

from PIL import Image

from screenpilot.agent.core import UIElement
from screenpilot.environments.android_input import KEYCODES
from screenpilot.sim import pages, system_ui
from screenpilot.sim.density import Density
from screenpilot.sim.navigation import APPS, LAUNCHER, Dialog, Navigator, Page, package_of
from screenpilot.sim.phone_input import PhoneInput
from screenpilot.sim.phone_state import PhoneState
from screenpilot.sim.screen import PhoneScreen
from screenpilot.sim.shell import ADB_KEYBOARD, LATIN_IME, AndroidShell, Faults, Output
from screenpilot.sim.state import PhoneData
from screenpilot.sim.ui import Node

SDK = {"13": 33, "14": 34, "15": 35}
KEY_NAMES = {code: name for name, code in KEYCODES.items()}


class SimPhone(AndroidShell):
    """A phone with six apps, ``width`` x ``height`` device pixels, made of:

    - ``state`` (``PhoneState``): what it remembers: content, pages, dialog, fields, focus;
    - ``navigation`` (``Navigator``): moving between pages and apps;
    - ``input`` (``PhoneInput``): touches in device pixels, keys and typed text;
    - ``screen`` (``PhoneScreen``): the views on screen, drawn and exported as a UI tree;
    - ``density`` (``Density``): how big a layout unit is on this screen.

    The methods and properties below are what apps, tasks and environments call; each hands
    over to one part. As an ``AndroidShell`` it answers adb's commands (the hooks at the end).
    """

    def __init__(
        self,
        data: PhoneData | None = None,
        *,
        width: int = 1080,
        height: int = 2400,
        serial: str = "sim-1",
    ) -> None:
        if width < 320 or height < 480:
            msg = f"the simulated screen must be at least 320x480, got {width}x{height}"
            raise ValueError(msg)
        self.width, self.height = width, height
        self.state = PhoneState(data if data is not None else PhoneData())
        self.density = Density(width, height)
        self.screen = PhoneScreen(self.state, self.density, partial(system_ui.compose, self))
        self.navigation = Navigator(
            self.state, render=self.screen.render, leave=partial(pages.leave, self)
        )
        self.input = PhoneInput(
            self.state,
            self.density,
            self.screen,
            self.navigation,
            submit=partial(pages.submit, self),
        )
        # What the shell reports about the device.
        self.serial = serial
        self.model = "Pixel 7 (simulated)"
        self.android_version = self.state.data.android_version
        self.sdk = SDK.get(self.android_version, 34)
        self.natural_size = (width, height)
        self.rotation = 0
        self.packages = [LAUNCHER, *(package for package, _, _ in APPS.values())]
        self.imes = [LATIN_IME, ADB_KEYBOARD]
        self.ime = ADB_KEYBOARD  # installed, so adb clients can type any Unicode text
        self.files: dict[str, bytes] = {}
        self.commands: list[list[str]] = []
        self.injections: list[str] = []
        self.faults = Faults()
        self.lock = threading.RLock()
        self._encoded: tuple[int, bool, bytes] | None = None

    # --- what it remembers (state) ------------------------------------------------------------

    @property
    def data(self) -> PhoneData:
        return self.state.data

    @property
    def fields(self) -> dict[str, str]:
        return self.state.fields

    @property
    def focus(self) -> str | None:
        return self.state.focus

    @focus.setter
    def focus(self, key: str | None) -> None:
        self.state.focus = key

    @property
    def dialog(self) -> Dialog | None:
        return self.state.dialog

    @dialog.setter
    def dialog(self, dialog: Dialog | None) -> None:
        self.state.dialog = dialog

    @property
    def stack(self) -> list[Page]:
        return self.state.stack

    @property
    def page(self) -> Page:
        return self.state.page

    @property
    def app(self) -> str:
        """The foreground app's package: the current page's."""
        return package_of(self.state.page)

    @property
    def recents(self) -> list[str]:
        return self.state.recents

    @property
    def snapshots(self) -> dict[str, Image.Image]:
        return self.state.snapshots

    @property
    def clock(self) -> str:
        return self.state.clock

    @property
    def version(self) -> int:
        return self.state.version

    def changed(self) -> None:
        self.state.changed()

    # --- navigation ---------------------------------------------------------------------------

    def open(self, app: str, name: str, arg: str = "") -> None:
        self.navigation.open(app, name, arg)

    def replace(self, app: str, name: str, arg: str = "") -> None:
        self.navigation.replace(app, name, arg)

    def up(self) -> None:
        self.navigation.up()

    def back(self) -> None:
        self.navigation.back()

    def go_home(self) -> None:
        self.navigation.go_home()

    def launch(self, label: str) -> None:
        self.navigation.launch(label)

    def launch_thread(self, partner: str) -> None:
        self.navigation.launch_thread(partner)

    def show_dialog(self, dialog: Dialog) -> None:
        self.navigation.show_dialog(dialog)

    # --- input --------------------------------------------------------------------------------

    def tap(self, x: float, y: float, *, long: bool = False) -> str | None:
        """Tap at device pixels; returns what was hit (its text or description), if anything."""
        return self.input.tap(x, y, long=long)

    def swipe(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.input.swipe(x1, y1, x2, y2)

    def key(self, name: str) -> None:
        self.input.key(name)

    def type_text(self, value: str) -> None:
        self.input.type_text(value)

    def focus_field(self, key: str, initial: str = "") -> None:
        self.input.focus_field(key, initial)

    # --- the screen ---------------------------------------------------------------------------

    @property
    def layout_height(self) -> int:
        """The screen's height in layout units (apps lay out ``ui.WIDTH`` units wide)."""
        return self.density.layout_height

    def content_bottom(self) -> int:
        """Where app content ends: above the keyboard when it shows, else above the nav bar."""
        return system_ui.content_bottom(
            self.layout_height, keyboard_shown=self.state.focus is not None
        )

    def layout(self, page: Page) -> tuple[list[Node], int]:
        """The nodes of ``page`` and how far its list can scroll."""
        return pages.build_page(self, page)

    def nodes(self) -> list[Node]:
        """The views on screen now, bottom to top."""
        return self.screen.nodes()

    def render(self) -> Image.Image:
        return self.screen.render()

    def ui_elements(self) -> tuple[UIElement, ...]:
        return self.screen.ui_elements()

    def hierarchy(self) -> str:
        """The screen as AOSP ``uiautomator dump`` writes it (attributes in its order)."""
        return self.screen.hierarchy(self.rotation)

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
