"""``DesktopEnv``: the local desktop, seen through mss and driven through pyautogui.

Coordinates: the screenshot of the chosen monitor is what the policy sees. Its size is compared
with the monitor's rectangle in pointer coordinates when the environment starts (and at every
reset), which measures the HiDPI scale instead of assuming it (2 on a Retina Mac, 1 on X11);
the scale and the monitor's origin become a ``coords.Screen``, so a tap on monitor 2 of a
HiDPI desktop lands where the model pointed.

Waits: pyautogui's implicit 0.1 s pause after every call is off (``PAUSE = 0``); after each
action the environment waits ``settle`` seconds, then until two screenshots ``poll`` seconds
apart look the same (at most ``max_settle`` in all), and records what it waited in the step's
info. pyautogui's fail-safe stays on: moving the pointer into a corner of the screen aborts the
run with a DeviceError; points a model asks for are kept one pixel off the corners.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from PIL import Image, ImageChops

from screenpilot.agent.core import Environment, Observation, StepResult
from screenpilot.environments.desktop_io import TYPEABLE, Display, Monitor, pyautogui_key
from screenpilot.errors import ConfigError, DeviceError, UnsupportedActionError
from screenpilot.imaging import same_screen
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    DESKTOP_ACTIONS,
    Action,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    MiddleClick,
    MouseMove,
    RightClick,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)

PASTE_KEYS = ("command", "v") if sys.platform == "darwin" else ("ctrl", "v")
PASTE_POLL = 0.03


class DesktopEnv(Environment):
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
    ) -> None:
        if monitor < 0:
            msg = f"monitor must be 0 (all monitors) or a monitor number from 1, got {monitor}"
            raise ConfigError(msg)
        if min(settle, max_settle, poll, paste_wait) < 0 or wheel_clicks_per_screen < 1:
            msg = "waits must be >= 0 seconds and wheel_clicks_per_screen >= 1"
            raise ConfigError(msg)
        self.monitor_index = monitor
        self.settle, self.max_settle, self.poll = settle, max_settle, poll
        self.paste_wait = paste_wait
        self.wheel_clicks_per_screen = wheel_clicks_per_screen
        self.display = display if display is not None else Display.connect()
        self._closed = False
        try:
            self._measure()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_spec(cls, argument: str | None) -> DesktopEnv:
        """``desktop`` (monitor 1), ``desktop:2``, or ``desktop:0`` for all monitors."""
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

    def _settled(self) -> tuple[Image.Image, dict[str, Any]]:
        """Wait ``settle``, then until the screen stops changing (at most ``max_settle``)."""
        start = time.monotonic()
        if self.settle:
            time.sleep(self.settle)
        image = self._capture()
        stable = False
        while time.monotonic() - start + self.poll <= self.max_settle:
            time.sleep(self.poll)
            latest = self._capture()
            stable = same_screen(image, latest)
            image = latest
            if stable:
                break
        return image, {"settle_s": round(time.monotonic() - start, 3), "stable": stable}

    # --- the episode -------------------------------------------------------------------------

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self._measure()
        return self._observation(self._capture())

    def step(self, action: Action) -> StepResult:
        self.check_supported(action)
        keys = self._key_names(action.key) if isinstance(action, Key) else ()
        info: dict[str, Any] = {}
        pyautogui = self.display.pyautogui
        start = time.perf_counter()
        try:
            self._perform(action, keys, info)
        except pyautogui.FailSafeException as exc:
            msg = (
                "pyautogui's fail-safe fired: the pointer was moved into a screen corner, "
                "which stops the run"
            )
            raise DeviceError(msg, device="desktop") from exc
        info["action_s"] = round(time.perf_counter() - start, 4)
        if isinstance(action, Finish):
            return StepResult(self._observation(self._capture()), terminated=True, info=info)
        image, waited = self._settled()
        info.update(waited)
        return StepResult(self._observation(image), info=info)

    def _point(self, x: float, y: float, info: dict[str, Any]) -> tuple[int, int]:
        point = coords.away_from_corners(*coords.to_device(x, y, self.screen), *self.pointer_space)
        info["device_point"] = list(point)
        return point

    def _perform(self, action: Action, keys: tuple[str, ...], info: dict[str, Any]) -> None:
        gui = self.display.pyautogui
        if isinstance(action, Tap | DoubleTap | RightClick | MiddleClick):
            x, y = self._point(action.x, action.y, info)
            button = {"right_click": "right", "middle_click": "middle"}.get(action.type, "left")
            gui.click(x, y, clicks=2 if isinstance(action, DoubleTap) else 1, button=button)
        elif isinstance(action, MouseMove):
            gui.moveTo(*self._point(action.x, action.y, info))
        elif isinstance(action, LongPress):
            gui.moveTo(*self._point(action.x, action.y, info))
            gui.mouseDown()
            time.sleep(action.seconds)
            gui.mouseUp()
        elif isinstance(action, Swipe):
            start = self._point(action.x, action.y, info)
            end = self._point(action.x2, action.y2, info)
            info["device_point"] = [*start, *end]
            gui.moveTo(*start)
            gui.mouseDown()
            gui.moveTo(*end, duration=action.seconds)
            gui.mouseUp()
        elif isinstance(action, Scroll):
            if action.x is None or action.y is None:  # the screen centre
                gui.moveTo(*self._point(0.5, 0.5, info))
            else:
                gui.moveTo(*self._point(action.x, action.y, info))
            horizontal, vertical = coords.scroll_to_wheel(
                action.direction, action.amount, self.wheel_clicks_per_screen
            )
            info["wheel_clicks"] = [horizontal, vertical]
            if vertical:
                gui.scroll(vertical)
            if horizontal:
                gui.hscroll(horizontal)
        elif isinstance(action, TypeText):
            self._type(action.text, info)
        elif isinstance(action, Key):
            info["pressed"] = list(keys)
            if len(keys) == 1:
                gui.press(keys[0])
            else:
                gui.hotkey(*keys)
        elif isinstance(action, Wait):
            time.sleep(action.seconds)

    def _type(self, text: str, info: dict[str, Any]) -> None:
        """ASCII through the keyboard; anything else pasted, then the clipboard put back."""
        gui = self.display.pyautogui
        if all(character in TYPEABLE for character in text):
            gui.write(text)
            info["typed_via"] = "keyboard"
            return
        clipboard = self.display.clipboard
        previous = clipboard.read()
        clipboard.write(text)
        before = self._capture()
        gui.hotkey(*PASTE_KEYS)
        # The application fetches the clipboard when it handles the keys: restore it only once
        # the screen shows the paste (or after paste_wait), else the old text gets pasted.
        start = time.monotonic()
        seen = False
        while not seen and time.monotonic() - start < self.paste_wait:
            time.sleep(PASTE_POLL)
            seen = ImageChops.difference(before, self._capture()).getbbox() is not None
        clipboard.write(previous or "")
        info.update(
            typed_via="clipboard",
            clipboard=clipboard.tool,
            paste_wait_s=round(time.monotonic() - start, 3),
            paste_seen=seen,
        )

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
            "settle": {
                "settle_s": self.settle,
                "max_settle_s": self.max_settle,
                "poll_s": self.poll,
            },
            "wheel_clicks_per_screen": self.wheel_clicks_per_screen,
        }

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.display.close()
