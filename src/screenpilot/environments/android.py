"""``AndroidEnv``: a real phone or emulator over adb (``pip install "screenpilot[android]"``).

Observations are raw ``screencap`` frames decoded on the host (PNG when the device cannot send
raw, or when raw keeps failing: ``adb_capture``), turned upright when a device captures its
panel unrotated, and checked for the all-black frames of FLAG_SECURE screens. Actions go through the coordinate contract into ``input``
commands in the device's current (rotated) frame; text is always one quoted argument. After an
action the environment polls screenshots until the screen stops changing (bounded), instead of
sleeping a fixed time, and records how long that took. Every exchange with the device ends
within ``timeout`` seconds in all, or raises a DeviceError naming the device and command.

The UI tree (``uiautomator dump``) is read when the safety gate or the read-back after typing
asks for it, once per screen; a dump the device cannot give leaves the gate blind, no more.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import asdict, dataclass, replace
from typing import Any

from PIL import Image

from screenpilot.agent.core import Observation
from screenpilot.environments import android_input as inputs
from screenpilot.environments.adb import (
    AdbDevice,
    TransportError,
    connect_client,
    list_serials,
    pick_serial,
)
from screenpilot.environments.adb_capture import Capture, ScreenshotMode, Screenshots
from screenpilot.environments.device import DeviceEnv
from screenpilot.environments.gestures import Button, DevicePoint, Done
from screenpilot.environments.settle import Settle, settle
from screenpilot.environments.uiautomator import (
    DUMP_PATH,
    ScreenTrees,
    Tree,
    UITreeMode,
    dump_command,
    parse_hierarchy,
    tree_mode,
)
from screenpilot.errors import (
    LONGEST_TIMEOUT,
    ConfigError,
    DeviceError,
    InvalidActionError,
    check_timeout,
)
from screenpilot.imaging import fingerprint
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, TypeText

BLACK_LEVEL = 8
"""A frame whose brightest thumbnail pixel is at most this (0-255) counts as black."""
SECURE_NOTE = (
    "The screenshot is completely black: the app on screen probably blocks screen capture "
    "(FLAG_SECURE), so its content cannot be seen."
)
_ROTATION = re.compile(r"orientation=(\d)")
_FOCUS = re.compile(r"mCurrentFocus=Window\{\S+ \S+ ([A-Za-z0-9_.]+)/")
_SIZE = re.compile(r"(Physical|Override) size: (\d+)x(\d+)")
TIMEOUT_VARIABLE = "SCREENPILOT_ADB_TIMEOUT"
"""Seconds each adb operation may take for ``--env android`` (default 10)."""


@dataclass(frozen=True)
class Geometry:
    """The display's natural size, its rotation, and the app in front."""

    natural: tuple[int, int]
    rotation: coords.Rotation
    app: str | None

    @property
    def size(self) -> tuple[int, int]:
        return coords.oriented_size(*self.natural, self.rotation)


class AndroidEnv(DeviceEnv):
    """A phone or emulator reached through an adb server (host/port default to
    ``ANDROID_ADB_SERVER_HOST`` / ``ANDROID_ADB_SERVER_PORT``, then 127.0.0.1:5037).

    ``ui_tree`` says when the UI tree is read (``UITreeMode``): ``"lazy"`` (the default) when
    the safety gate or the read-back after typing needs it, once per screen; ``"eager"`` (or
    True) with every observation, into ``Observation.ui_elements``; ``"off"`` (or False) never,
    and then the gate cannot see what a press lands on and asks before every one."""

    simulated = False

    def __init__(
        self,
        serial: str | None = None,
        host: str | None = None,
        port: int | None = None,
        *,
        timeout: float = 10.0,
        screenshot: ScreenshotMode = "auto",
        settle_timeout: float = 2.0,
        poll_interval: float = 0.1,
        ui_tree: UITreeMode | bool = "lazy",
    ) -> None:
        check_timeout("the adb timeout", timeout)
        self.timeout, self.screenshot_mode = timeout, screenshot
        self.ui_tree: UITreeMode = tree_mode(ui_tree)
        self._trees = ScreenTrees(self._read_tree)
        self.settle = Settle(timeout=settle_timeout, poll=poll_interval)
        client = connect_client(host, port, timeout)
        self.adb = AdbDevice(client, pick_serial(client, serial), timeout)
        self.serial = self.adb.serial
        self.screenshots = Screenshots(self.adb, screenshot)
        self._geometry = self._read_geometry()
        self._screen = coords.Screen.same_size(*self._geometry.size)
        self._packages: list[str] | None = None
        self._notes: list[str] = []

    @classmethod
    def from_spec(cls, argument: str | None, *, ui_tree: bool = True) -> AndroidEnv:
        """``--env android`` (the only device) or ``--env android:SERIAL``; each adb
        operation may take ``$SCREENPILOT_ADB_TIMEOUT`` seconds (default 10). The UI tree is
        read lazily, or never with ``ui_tree=False`` (``--no-ui-tree``)."""
        text = os.environ.get(TIMEOUT_VARIABLE, "10")
        try:
            timeout = float(text)
        except ValueError:
            timeout = 0.0
        if not 0 < timeout <= LONGEST_TIMEOUT:
            msg = (
                f"{TIMEOUT_VARIABLE} must be a positive number of seconds, at most "
                f"{LONGEST_TIMEOUT:,.0f}, got {text!r}"
            )
            raise ConfigError(msg)
        return cls(serial=argument or None, timeout=timeout, ui_tree="lazy" if ui_tree else "off")

    @property
    def screen_size(self) -> tuple[int, int]:
        return self._screen.size

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "serial": self.serial,
            "natural_size": list(self._geometry.natural),
            "timeout": self.timeout,
            "screenshot": self.screenshot_mode,
            "ui_tree": self.ui_tree,
            "settle": asdict(self.settle),
        }

    # --- episode -----------------------------------------------------------------------------

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self.screenshots.new_episode()
        self._geometry = self._read_geometry()
        self._packages = None
        self._notes.clear()
        observation, _ = self._settle_and_observe()
        return observation

    def observe(self) -> Observation:
        return self._observe(self._capture())

    def observe_after(self, action: Action, info: dict[str, Any]) -> Observation:
        observation, waited = self._settle_and_observe()
        info.update(waited)
        if isinstance(action, TypeText):
            observation = self._check_typed(action.text, observation, info)
        return observation

    def close(self) -> None:
        """Nothing to release: every adb request uses its own connection."""

    def ui_tree_of(self, observation: Observation) -> Tree | None:
        """The UI tree of ``observation``'s screen, dumped the first time it is asked for (the
        device still shows it: nothing was done since); None when the tree is off or the
        device could not give it."""
        return None if self.ui_tree == "off" else self._trees.of(observation)

    # --- the gestures (device pixels) --------------------------------------------------------

    @property
    def input_screen(self) -> coords.Screen:
        return self._screen

    def tap(self, point: DevicePoint, *, button: Button = "left", count: int = 1) -> Done:
        command = ["input", "tap", *map(str, point)]
        return self._run([command] * count)

    def long_press(self, point: DevicePoint, seconds: float) -> Done:
        return self._run([["input", "swipe", *map(str, (*point, *point)), _ms(seconds)]])

    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        return self._run([["input", "swipe", *map(str, (*start, *end)), _ms(seconds)]])

    def key(self, key: str) -> Done:
        return self._run([inputs.key_command(key)])

    def type_text(self, text: str) -> Done:
        """Printable ASCII through ``input text``, anything else through an ADBKeyBoard IME;
        the recorded commands never hold the text."""
        ime = self._active_adb_keyboard() if not _plain(text) else None
        commands = inputs.text_commands(text, ime)  # refuses before anything is sent
        shown = []
        for group in inputs.command_groups(commands):
            line = " && ".join(map(shlex.join, group))
            shown.append(" && ".join(shlex.join(inputs.redacted(c)) for c in group))
            self.adb.shell(line, shown=shown[-1])
        return {"text_via": "ime" if ime else "input text", "commands": shown}

    def open_app(self, app: str) -> Done:
        package = inputs.resolve_app(app, self._installed_packages())
        line = shlex.join(inputs.launch_command(package))
        output = self.adb.shell(line, check=False)
        if "Events injected" not in output:
            msg = f"{package} has no launcher activity to open ({output.strip()[:200]})"
            raise InvalidActionError(msg)
        return {"package": package, "commands": [line]}

    def _run(self, commands: list[list[str]]) -> Done:
        """Send commands in as few shell lines as fit; a failing one stops the rest."""
        lines = inputs.command_lines(commands)
        for line in lines:
            self.adb.shell(line)
        return {"commands": lines}

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
        return self.screenshots.take()

    def _settle_and_observe(self) -> tuple[Observation, dict[str, Any]]:
        """Poll screenshots until two in a row show the same screen, or the timeout passes."""
        frame, waited = settle(self._capture, _thumbnail, self.settle, self.clock, self.stages)
        return self._observe(frame), waited

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
        elements: Tree | None = None
        if self.ui_tree == "eager":
            elements = self._ui_elements(notes)
        info: dict[str, Any] = {
            "screenshot_path": capture.path,
            "screenshot_bytes": capture.nbytes,
            "rotation": geometry.rotation,
            "black_frame": black,
        }
        if capture.fallback is not None:
            info["screenshot_fallback"] = capture.fallback
        if self.screenshots.demoted is not None:
            info["screenshot_demoted"] = self.screenshots.demoted
        observation = Observation(
            screenshot=image,
            screen=self._screen,
            ui_elements=elements or (),
            app=geometry.app,
            notes=tuple(notes),
            info=info,
        )
        self._trees.show(observation, elements, known=self.ui_tree == "eager")
        return observation

    def _ui_elements(self, notes: list[str], *, lazy: bool = False) -> Tree | None:
        """The UI tree, or None and a note saying why there is none: on this screen's notes,
        or, read lazily (the policy has seen the screen), the next one's. A failing connection
        is not a missing tree, and ends the episode like any other."""
        try:
            output = self.adb.shell(dump_command())
            if "ERROR" in output:
                raise DeviceError(output.strip(), device=self.serial, command="uiautomator dump")
            return parse_hierarchy(self.adb.pull(DUMP_PATH), self._screen)
        except TransportError:
            raise
        except (DeviceError, ValueError) as exc:
            where = (
                "of the previous screen could not be read" if lazy else "is not available this step"
            )
            notes.append(f"The UI tree {where} ({exc}).")
            return None

    def _read_tree(self) -> Tree | None:
        return self._ui_elements(self._notes, lazy=True)

    def _check_typed(
        self, text: str, observation: Observation, info: dict[str, Any]
    ) -> Observation:
        """Compare the focused field with what was typed, when the UI tree shows it."""
        tree = self.ui_tree_of(observation) or ()
        field = next((element for element in tree if element.focused), None)
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
        noted = replace(observation, notes=(*observation.notes, note))
        self._trees.swap(observation, noted)
        return noted


def _plain(text: str) -> bool:
    """Whether ``input text`` and key presses can type all of ``text``."""
    return all(char in inputs.INPUT_TEXT_CHARS or char in inputs.KEY_FOR_CHAR for char in text)


def _thumbnail(capture: Capture) -> Image.Image:
    """A cheap stand-in for comparing screens (same_screen fingerprints it further)."""
    image = capture.image
    return image.reduce(4) if image.width >= 256 else image


def _ms(seconds: float) -> str:
    return str(round(seconds * 1000))


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
    summaries = []
    for serial in list_serials(client):
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
