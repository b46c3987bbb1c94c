"""``AndroidEnv``: a real phone or emulator over adb (``pip install "screenpilot[android]"``).

Observations are raw ``screencap`` frames decoded on the host (PNG when the device cannot send
raw), turned upright when a device captures its panel unrotated, and checked for the all-black
frames of FLAG_SECURE screens. Actions go through the coordinate contract into ``input``
commands in the device's current (rotated) frame; text is always one quoted argument. After an
action the environment polls screenshots until the screen stops changing (bounded), instead of
sleeping a fixed time, and records how long that took.
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image

from screenpilot.agent.core import Environment, Observation, StepResult, UIElement
from screenpilot.environments import android_input as inputs
from screenpilot.environments.adb import (
    AdbDevice,
    Capture,
    connect_client,
    device_errors,
    pick_serial,
)
from screenpilot.environments.uiautomator import DUMP_PATH, dump_command, parse_hierarchy
from screenpilot.errors import DeviceError, InvalidActionError
from screenpilot.imaging import fingerprint, same_screen
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)

BLACK_LEVEL = 8
"""A frame whose brightest thumbnail pixel is at most this (0-255) counts as black."""
SECURE_NOTE = (
    "The screenshot is completely black: the app on screen probably blocks screen capture "
    "(FLAG_SECURE), so its content cannot be seen."
)
_ROTATION = re.compile(r"orientation=(\d)")
_FOCUS = re.compile(r"mCurrentFocus=Window\{\S+ \S+ ([A-Za-z0-9_.]+)/")
_SIZE = re.compile(r"(Physical|Override) size: (\d+)x(\d+)")


@dataclass(frozen=True)
class Geometry:
    """The display's natural size, its rotation, and the app in front."""

    natural: tuple[int, int]
    rotation: coords.Rotation
    app: str | None

    @property
    def size(self) -> tuple[int, int]:
        return coords.oriented_size(*self.natural, self.rotation)


class AndroidEnv(Environment):
    """A phone or emulator reached through an adb server (host/port default to
    ``ANDROID_ADB_SERVER_HOST`` / ``ANDROID_ADB_SERVER_PORT``, then 127.0.0.1:5037)."""

    simulated = False

    def __init__(
        self,
        serial: str | None = None,
        host: str | None = None,
        port: int | None = None,
        *,
        timeout: float = 10.0,
        screenshot: Literal["auto", "raw", "png"] = "auto",
        settle_timeout: float = 2.0,
        poll_interval: float = 0.1,
        ui_tree: bool = False,
    ) -> None:
        self.timeout, self.screenshot_mode = timeout, screenshot
        self.settle_timeout, self.poll_interval, self.ui_tree = (
            settle_timeout,
            poll_interval,
            ui_tree,
        )
        client = connect_client(host, port, timeout)
        self.adb = AdbDevice(client, pick_serial(client, serial), timeout)
        self.serial = self.adb.serial
        self._geometry = self._read_geometry()
        self._screen = coords.Screen.same_size(*self._geometry.size)
        self._packages: list[str] | None = None
        self._notes: list[str] = []

    @classmethod
    def from_spec(cls, argument: str | None) -> AndroidEnv:
        """``--env android`` (the only device) or ``--env android:SERIAL``."""
        return cls(serial=argument or None)

    @property
    def screen_size(self) -> tuple[int, int]:
        return self._screen.size

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "serial": self.serial,
            "natural_size": list(self._geometry.natural),
            "screenshot": self.screenshot_mode,
            "ui_tree": self.ui_tree,
        }

    # --- episode -----------------------------------------------------------------------------

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self._geometry = self._read_geometry()
        self._packages = None
        self._notes.clear()
        observation, _ = self._settle_and_observe()
        return observation

    def step(self, action: Action) -> StepResult:
        self.check_supported(action)
        if isinstance(action, Finish):
            return StepResult(self._observe(self._capture()), terminated=True)
        info: dict[str, Any] = {}
        commands = self._commands(action, info)
        info["commands"] = [shown for _, shown in commands]
        for line, shown in commands:
            output = self.adb.shell(
                line, check=not isinstance(action, OpenApp), shown=shown if shown != line else None
            )
            if isinstance(action, OpenApp) and "Events injected" not in output:
                msg = f"{info['package']} has no launcher activity to open ({output.strip()[:200]})"
                raise InvalidActionError(msg)
        if isinstance(action, Wait):
            time.sleep(action.seconds)
        observation, settle = self._settle_and_observe()
        info.update(settle)
        if isinstance(action, TypeText):
            observation = self._check_typed(action.text, observation, info)
        return StepResult(observation, info=info)

    def close(self) -> None:
        """Nothing to release: every adb request uses its own connection."""

    # --- actions -----------------------------------------------------------------------------

    def _point(self, x: float, y: float) -> tuple[int, int]:
        return coords.to_device(x, y, self._screen)

    def _commands(self, action: Action, info: dict[str, Any]) -> list[tuple[str, str]]:
        """(shell line, line as recorded) for an action; typed text is never recorded.
        Model mistakes raise before anything is sent."""
        if isinstance(action, TypeText):
            ime = self._active_adb_keyboard() if not _plain(action.text) else None
            groups = inputs.command_groups(inputs.text_commands(action.text, ime))
            info["text_via"] = "ime" if ime else "input text"
            return [
                (
                    " && ".join(map(shlex.join, group)),
                    " && ".join(shlex.join(inputs.redacted(command)) for command in group),
                )
                for group in groups
            ]
        return [(line, line) for line in self._untyped_commands(action, info)]

    def _untyped_commands(self, action: Action, info: dict[str, Any]) -> list[str]:
        """Shell lines for every action but typing."""
        if isinstance(action, Tap | DoubleTap | LongPress):
            x, y = self._point(action.x, action.y)
            info["device_point"] = [x, y]
            if isinstance(action, LongPress):
                hold = str(round(action.seconds * 1000))
                return inputs.command_lines([["input", "swipe", *map(str, (x, y, x, y)), hold]])
            tap = ["input", "tap", str(x), str(y)]
            return inputs.command_lines([tap, tap] if isinstance(action, DoubleTap) else [tap])
        if isinstance(action, Swipe | Scroll):
            if isinstance(action, Scroll):
                path = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
                seconds = 0.3
            else:
                path = (action.x, action.y, action.x2, action.y2)
                seconds = action.seconds
            start, end = self._point(path[0], path[1]), self._point(path[2], path[3])
            info["device_path"] = [*start, *end]
            swipe = ["input", "swipe", *map(str, (*start, *end)), str(round(seconds * 1000))]
            return inputs.command_lines([swipe])
        if isinstance(action, Key):
            return inputs.command_lines([inputs.key_command(action.key)])
        if isinstance(action, OpenApp):
            package = inputs.resolve_app(action.app, self._installed_packages())
            info["package"] = package
            return inputs.command_lines([inputs.launch_command(package)])
        return []  # Wait

    def _active_adb_keyboard(self) -> str | None:
        """The selected ADBKeyBoard-style IME, if one is."""
        current = self.adb.shell(["settings", "get", "secure", "default_input_method"]).strip()
        return current if current in inputs.ADB_KEYBOARD_IMES else None

    def _installed_packages(self) -> list[str]:
        if self._packages is None:
            output = self.adb.shell(["pm", "list", "packages"])
            self._packages = [
                line.removeprefix("package:").strip()
                for line in output.splitlines()
                if line.startswith("package:")
            ]
        return self._packages

    # --- observing ---------------------------------------------------------------------------

    def _capture(self) -> Capture:
        return self.adb.screenshot(self.screenshot_mode)

    def _settle_and_observe(self) -> tuple[Observation, dict[str, Any]]:
        """Poll screenshots until two in a row show the same screen, or the timeout passes."""
        started = time.monotonic()
        previous = self._capture()
        polls, stable = 1, False
        while time.monotonic() - started < self.settle_timeout:
            time.sleep(self.poll_interval)
            current = self._capture()
            polls += 1
            stable = same_screen(_thumbnail(previous.image), _thumbnail(current.image))
            previous = current
            if stable:
                break
        settle = {
            "settle_seconds": round(time.monotonic() - started, 4),
            "settle_polls": polls,
            "settled": stable,
        }
        return self._observe(previous), settle

    def _read_geometry(self, *, natural: tuple[int, int] | None = None) -> Geometry:
        """Rotation (``dumpsys display``), focused app, and, unless given, the natural size
        (``wm size``, which only changes when someone overrides it: read once per episode)."""
        command = "dumpsys display; dumpsys window windows"
        output = self.adb.shell(command if natural else "wm size; " + command)
        sizes = {kind: (int(w), int(h)) for kind, w, h in _SIZE.findall(output)}
        natural = natural or sizes.get("Override") or sizes.get("Physical")
        rotation = _ROTATION.search(output)
        if natural is None or rotation is None:
            msg = f"could not read the display size and rotation from: {output[:200]!r}"
            raise DeviceError(msg, device=self.serial, command="wm size; dumpsys display")
        focus = _FOCUS.search(output)
        turns: coords.Rotation = int(rotation.group(1)) % 4  # type: ignore[assignment]
        return Geometry(natural, turns, focus.group(1) if focus else None)

    def _observe(self, capture: Capture) -> Observation:
        geometry = self._geometry = self._read_geometry(natural=self._geometry.natural)
        image = capture.image
        notes = list(self._notes)
        self._notes.clear()
        if geometry.rotation % 2 and image.size == geometry.natural != geometry.size:
            turns = coords.upright_quarter_turns(geometry.rotation)
            image = image.rotate(90 * turns, expand=True)
        width, height = geometry.size
        self._screen = coords.Screen(image.width, image.height, width, height)
        brightest = fingerprint(image).getextrema()[1]
        black = isinstance(brightest, int | float) and brightest <= BLACK_LEVEL
        if black:
            notes.append(SECURE_NOTE)
        elements: tuple[UIElement, ...] = ()
        if self.ui_tree:
            elements = self._ui_elements(notes)
        return Observation(
            screenshot=image,
            screen=self._screen,
            ui_elements=elements,
            app=geometry.app,
            notes=tuple(notes),
            info={
                "screenshot_path": capture.path,
                "screenshot_bytes": capture.nbytes,
                "rotation": geometry.rotation,
                "black_frame": black,
            },
        )

    def _ui_elements(self, notes: list[str]) -> tuple[UIElement, ...]:
        try:
            output = self.adb.shell(dump_command())
            if "ERROR" in output:
                raise DeviceError(output.strip(), device=self.serial, command="uiautomator dump")
            return parse_hierarchy(self.adb.pull(DUMP_PATH), self._screen)
        except (DeviceError, ValueError) as exc:
            notes.append(f"The UI tree is not available this step ({exc}).")
            return ()

    def _check_typed(
        self, text: str, observation: Observation, info: dict[str, Any]
    ) -> Observation:
        """Compare the focused field with what was typed, when the UI tree shows it."""
        field = observation.focused_element()
        if field is None or field.password:
            info["typed_check"] = "unverified"
            return observation
        if text in field.text:
            info["typed_check"] = "ok"
            return observation
        info["typed_check"] = "mismatch"
        note = (
            f"The {len(text)} typed characters do not all appear in the focused field, "
            f"which shows {field.text!r}."
        )
        return Observation(
            screenshot=observation.screenshot,
            screen=observation.screen,
            timestamp=observation.timestamp,
            ui_elements=observation.ui_elements,
            app=observation.app,
            notes=(*observation.notes, note),
            info=observation.info,
        )


def _plain(text: str) -> bool:
    """Whether ``input text`` and key presses can type all of ``text``."""
    return all(char in inputs.INPUT_TEXT_CHARS or char in inputs.KEY_FOR_CHAR for char in text)


def _thumbnail(image: Image.Image) -> Image.Image:
    """A cheap stand-in for comparing screens (same_screen fingerprints it further)."""
    return image.reduce(4) if image.width >= 256 else image


@dataclass(frozen=True)
class DeviceSummary:
    """One line of ``screenpilot devices``."""

    serial: str
    model: str
    size: str
    android: str


def list_devices(
    host: str | None = None, port: int | None = None, timeout: float = 5.0
) -> list[DeviceSummary]:
    """Every ready device with its model, screen size and Android version."""
    client = connect_client(host, port, timeout)
    with device_errors(None, "host:devices", "listing devices"):
        serials = [info.serial for info in client.list() if info.state == "device"]
    summaries = []
    for serial in serials:
        device = AdbDevice(client, serial, timeout)
        output = device.shell("getprop ro.product.model; getprop ro.build.version.release; wm size")
        lines = output.splitlines()
        sizes = {kind: f"{w}x{h}" for kind, w, h in _SIZE.findall(output)}
        summaries.append(
            DeviceSummary(
                serial=serial,
                model=lines[0].strip() if lines else "?",
                size=sizes.get("Override") or sizes.get("Physical") or "?",
                android=lines[1].strip() if len(lines) > 1 else "?",
            )
        )
    return summaries


__all__ = ["AndroidEnv", "DeviceSummary", "list_devices"]
