"""``DesktopEnv``: the local desktop, seen through mss and driven through pyautogui.

Coordinates: the screenshot of the chosen monitor is what the policy sees. Its size is compared
with the monitor's rectangle in pointer coordinates when the environment starts (and at every
reset), which measures the HiDPI scale instead of assuming it (2 on a Retina Mac, 1 on X11);
the scale and the monitor's origin become a ``coords.Screen``, so a tap on monitor 2 of a
HiDPI desktop lands where the model pointed.

Waits: pyautogui's implicit 0.1 s pause after every call is off (``PAUSE = 0``); after each
action the environment waits ``settle`` seconds, then until two screenshots ``poll`` seconds
apart look the same (at most ``max_settle`` in all), and records what it waited in the step's
info (the shared settle loop, ``environments.settle``). pyautogui's fail-safe stays on: moving the pointer into a corner of the screen aborts the
run with a DeviceError; points a model asks for are kept one pixel off the corners.

The safety gate: on Linux ``ui_tree_of`` reads the accessibility tree (AT-SPI) of the windows
nothing covers, once per screen (``environments.desktop_atspi``); where there is none, the gate
reads labels by OCR.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

from PIL import Image, ImageChops

from screenpilot.agent.core import Observation, StepResult, UIElement
from screenpilot.environments.desktop_atspi import AccessibilityTree
from screenpilot.environments.desktop_io import TYPEABLE, Display, Monitor, pyautogui_key
from screenpilot.environments.device import DeviceEnv
from screenpilot.environments.gestures import Button, DevicePoint, Done
from screenpilot.environments.settle import Settle, settle
from screenpilot.errors import ConfigError, DeviceError, UnsupportedActionError
from screenpilot.tools import coords
from screenpilot.tools.actions import DESKTOP_ACTIONS, Action

PASTE_KEYS = ("command", "v") if sys.platform == "darwin" else ("ctrl", "v")
PASTE_POLL = 0.03


class DesktopEnv(DeviceEnv):
    """One monitor of the local desktop (``monitor=0``: all monitors as one image)."""

    supported_actions = DESKTOP_ACTIONS
    simulated = False

    def __init__(
        self,
        monitor: int = 1,
        *,
        settle: float = 0.3,
        max_settle: float = 2.0,
        poll: float = 0.1,
        paste_wait: float = 1.0,
        wheel_clicks_per_screen: int = 10,
        display: Display | None = None,
        accessibility: bool = True,
    ) -> None:
        if monitor < 0:
            msg = f"monitor must be 0 (all monitors) or a monitor number from 1, got {monitor}"
            raise ConfigError(msg)
        if paste_wait < 0 or wheel_clicks_per_screen < 1:
            msg = "waits must be >= 0 seconds and wheel_clicks_per_screen >= 1"
            raise ConfigError(msg)
        self.monitor_index = monitor
        self.settle = Settle(wait=settle, timeout=max_settle, poll=poll)
        self.paste_wait = paste_wait
        self.wheel_clicks_per_screen = wheel_clicks_per_screen
        self.display = display if display is not None else Display.connect()
        self.accessibility = accessibility and sys.platform.startswith("linux")
        """Whether the safety gate reads the AT-SPI tree (Linux); False: OCR alone."""
        self._tree: AccessibilityTree | None = None
        self._tree_of: tuple[Observation, tuple[UIElement, ...] | None] | None = None
        self.accessibility_problem: str | None = None
        """Why the tree cannot be read here, once a read was tried and failed to start."""
        self._closed = False
        try:
            self._measure()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_spec(cls, argument: str | None, *, ui_tree: bool = True) -> DesktopEnv:
        """``desktop`` (monitor 1), ``desktop:2``, or ``desktop:0`` for all monitors."""
        cls.refuse_ui_tree_off(ui_tree)
        if argument is None:
            return cls()
        try:
            monitor = int(argument)
        except ValueError:
            msg = f"desktop:MONITOR takes a monitor number (0 = all, 1 = first), got {argument!r}"
            raise ConfigError(msg) from None
        return cls(monitor)

    # --- measuring the screen ----------------------------------------------------------------

    def _measure(self) -> None:
        """Find the monitor and measure its screenshot-to-pointer scale from a real capture."""
        monitors = self.display.monitors()
        if self.monitor_index >= len(monitors):
            known = ", ".join(f"{m.index}: {m.width}x{m.height}+{m.left}+{m.top}" for m in monitors)
            msg = f"there is no monitor {self.monitor_index}; monitors: {known}"
            raise ConfigError(msg)
        self.monitor: Monitor = monitors[self.monitor_index]
        image = self.display.grab(self.monitor)
        self.screen = coords.Screen(
            image.width,
            image.height,
            self.monitor.width,
            self.monitor.height,
            self.monitor.left,
            self.monitor.top,
        )
        self.pointer_space = self.display.pointer_space()

    @property
    def screen_size(self) -> tuple[int, int]:
        return self.screen.size

    def _capture(self) -> Image.Image:
        image = self.display.grab(self.monitor)
        if image.size != self.screen.size:
            msg = (
                f"monitor {self.monitor_index} now captures at {image.size}, not "
                f"{self.screen.size}: the resolution changed; reset the environment to re-measure"
            )
            raise DeviceError(msg, device="desktop")
        return image

    def _observation(self, image: Image.Image) -> Observation:
        scale_x, scale_y = self.screen.scale
        return Observation(
            image,
            self.screen,
            info={"monitor": self.monitor_index, "pointer_per_pixel": [scale_x, scale_y]},
        )

    # --- the episode -------------------------------------------------------------------------

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self._measure()
        return self.observe()

    def observe(self) -> Observation:
        return self._observation(self._capture())

    def observe_after(self, action: Action, info: dict[str, Any]) -> Observation:
        image, waited = settle(self._capture, _as_image, self.settle, self.clock, self.stages)
        info.update(waited)
        return self._observation(image)

    def step(self, action: Action) -> StepResult:
        try:
            return super().step(action)
        except self.display.pyautogui.FailSafeException as exc:
            msg = (
                "pyautogui's fail-safe fired: the pointer was moved into a screen corner, "
                "which stops the run"
            )
            raise DeviceError(msg, device="desktop") from exc

    def ui_tree_of(self, observation: Observation) -> tuple[UIElement, ...] | None:
        """The accessibility tree of the uncovered windows, read once per screen; None where
        there is none (no AT-SPI bus, windows that export nothing, such as Tk's)."""
        if not self.accessibility:
            return None
        if self._tree_of is not None and self._tree_of[0] is observation:
            return self._tree_of[1]
        if self._tree is None and self.accessibility_problem is None:
            try:
                self._tree = AccessibilityTree()
            except Exception as exc:  # no jeepney or Xlib, an X server that refuses
                self.accessibility_problem = f"{type(exc).__name__}: {exc}"
        elements = self._tree.elements(self.screen) if self._tree is not None else None
        self._tree_of = (observation, elements)
        return elements

    # --- the gestures (pointer pixels) -------------------------------------------------------

    @property
    def input_screen(self) -> coords.Screen:
        return self.screen

    def device_point(self, x: float, y: float) -> DevicePoint:
        return coords.away_from_corners(*coords.to_device(x, y, self.screen), *self.pointer_space)

    def tap(self, point: DevicePoint, *, button: Button = "left", count: int = 1) -> Done:
        self.display.pyautogui.click(*point, clicks=count, button=button)
        return None

    def move(self, point: DevicePoint) -> Done:
        self.display.pyautogui.moveTo(*point)
        return None

    def long_press(self, point: DevicePoint, seconds: float) -> Done:
        gui = self.display.pyautogui
        gui.moveTo(*point)
        gui.mouseDown()
        self.clock.sleep(seconds)
        gui.mouseUp()
        return None

    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        gui = self.display.pyautogui
        gui.moveTo(*start)
        gui.mouseDown()
        gui.moveTo(*end, duration=seconds)
        gui.mouseUp()
        return None

    def wheel(self, point: DevicePoint, horizontal: int, vertical: int) -> Done:
        gui = self.display.pyautogui
        gui.moveTo(*point)
        if vertical:
            gui.scroll(vertical)
        if horizontal:
            gui.hscroll(horizontal)
        return None

    def key(self, key: str) -> Done:
        keys = self._key_names(key)  # refuses before anything is pressed
        if len(keys) == 1:
            self.display.pyautogui.press(keys[0])
        else:
            self.display.pyautogui.hotkey(*keys)
        return {"pressed": list(keys)}

    def type_text(self, text: str) -> Done:
        """ASCII through the keyboard; anything else pasted, then the clipboard put back."""
        gui = self.display.pyautogui
        if all(character in TYPEABLE for character in text):
            gui.write(text)
            return {"typed_via": "keyboard"}
        clipboard = self.display.clipboard
        previous = clipboard.read()
        start = self.clock.monotonic()
        seen = False
        clipboard.write(text)
        try:  # the typed text (a password) never stays on the clipboard, even after a failure
            before = self._capture()
            gui.hotkey(*PASTE_KEYS)
            # The application fetches the clipboard when it handles the keys: restore it only
            # once the screen shows the paste (or after paste_wait), else the old text is pasted.
            start = self.clock.monotonic()
            while not seen and self.clock.monotonic() - start < self.paste_wait:
                self.clock.sleep(PASTE_POLL)
                seen = ImageChops.difference(before, self._capture()).getbbox() is not None
        finally:
            clipboard.write(previous or "")
        return {
            "typed_via": "clipboard",
            "clipboard": clipboard.tool,
            "paste_wait_s": round(self.clock.monotonic() - start, 3),
            "paste_seen": seen,
        }

    def _key_names(self, key: str) -> tuple[str, ...]:
        """pyautogui names for a canonical key or combo; UnsupportedActionError before acting."""
        if key == "+":
            parts = ["+"]
        elif key.endswith("++"):
            parts = [*key[:-2].split("+"), "+"]
        else:
            parts = key.split("+")
        names = []
        for part in parts:
            try:
                name = pyautogui_key(part)
            except ValueError as exc:
                raise UnsupportedActionError(f"{exc} (in {key!r})") from None
            if not self.display.has_key(name):
                msg = f"this keyboard layout has no {part!r} key (in {key!r})"
                raise UnsupportedActionError(msg)
            names.append(name)
        return tuple(names)

    # --- lifecycle ---------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        scale_x, scale_y = self.screen.scale
        return {
            **super().describe(),
            "monitor": self.monitor_index,
            "monitor_rect": [
                self.monitor.left,
                self.monitor.top,
                self.monitor.width,
                self.monitor.height,
            ],
            "monitors": [[m.left, m.top, m.width, m.height] for m in self.display.monitors()],
            "pointer_per_pixel": [scale_x, scale_y],
            "settle": asdict(self.settle),
            "wheel_clicks_per_screen": self.wheel_clicks_per_screen,
            "accessibility": self.accessibility,
            "accessibility_problem": self.accessibility_problem,
        }

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._tree_of = None
            if self._tree is not None:
                self._tree.close()
            self.display.close()


def _as_image(image: Image.Image) -> Image.Image:
    return image
