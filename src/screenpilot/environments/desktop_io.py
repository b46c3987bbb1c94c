"""The desktop's input and output devices: mss for screenshots, pyautogui for the mouse and
keyboard, xclip / xsel (or pyperclip elsewhere) for the clipboard.

Everything here is imported lazily: pyautogui opens a connection to the X server at import
and fails without one, so ``import screenpilot`` must never import it. ``Display.connect()``
turns each way of having no usable display into one ``ConfigError`` that says how to get one.

python3-xlib, which pyautogui (and the accessibility tree's stacking order) uses, raises when
the Xauthority file is missing, where libX11 (mss, xclip, Tk, every C client) connects without
a cookie; ``xlib_authority()`` gives it libX11's behaviour, so a plain ``Xvfb :1`` works.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from PIL import Image

from screenpilot.errors import ConfigError, DependencyNotInstalled, DeviceError, require

NO_DISPLAY_HINT = (
    "start a virtual X server, e.g. `Xvfb :99 -screen 0 1920x1080x24 -nolisten tcp & "
    "export DISPLAY=:99` (apt-get install xvfb; another number if :99 is taken), run the "
    "command under `xvfb-run -a -s '-screen 0 1920x1080x24' ...` (apt-get install xvfb xauth), "
    "or use screenpilot.environments.xvfb.VirtualDisplay"
)
XLIB_EMPTY_FILE_WARNING = "Xlib.xauth: warning"

KEY_NAMES: dict[str, str] = {
    "enter": "enter",
    "backspace": "backspace",
    "delete": "delete",
    "tab": "tab",
    "escape": "esc",
    "space": "space",
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "page_up": "pageup",
    "page_down": "pagedown",
    "home": "home",
    "end": "end",
    "insert": "insert",
    "caps_lock": "capslock",
    "print_screen": "printscreen",
    "pause": "pause",
    "menu": "apps",
    "ctrl": "ctrl",
    "alt": "alt",
    "shift": "shift",
    "meta": "win",
    **{f"f{n}": f"f{n}" for n in range(1, 13)},
}
"""Canonical key names (``screenpilot.tools.keys``) -> pyautogui's names. Phone buttons (back,
app_switch, power, volume...) have no desktop key and are rejected, not silently dropped."""

TYPEABLE = frozenset(chr(c) for c in range(0x20, 0x7F)) | {"\n", "\t"}
"""Characters pyautogui types reliably; anything else goes through the clipboard (pyautogui's
X11 backend silently skips characters it has no keycode for)."""


@dataclass(frozen=True, slots=True)
class Monitor:
    """A monitor's rectangle in the pointer's (logical) coordinates, as mss reports it."""

    index: int
    left: int
    top: int
    width: int
    height: int
    name: str = ""

    @classmethod
    def from_mss(cls, index: int, monitor: dict[str, Any]) -> Monitor:
        return cls(
            index,
            int(monitor["left"]),
            int(monitor["top"]),
            int(monitor["width"]),
            int(monitor["height"]),
            str(monitor.get("name") or monitor.get("output") or ""),
        )

    def as_mss(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}


def pyautogui_key(key: str) -> str:
    """pyautogui's name for one canonical key part; ValueError when the desktop has no such key."""
    if len(key) == 1 and key in TYPEABLE and key not in "\n\t":
        return key
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    msg = f"the desktop has no {key!r} key"
    raise ValueError(msg)


class Clipboard:
    """The system clipboard: xclip or xsel on X11 (their stdio closed, so a background xclip
    holding the selection never keeps a caller's pipe open), pyperclip elsewhere."""

    def __init__(self) -> None:
        self._pyperclip: ModuleType | None = None
        self._tool: str | None = None
        if sys.platform.startswith("linux"):
            self._tool = next((t for t in ("xclip", "xsel") if shutil.which(t)), None)
            if self._tool is None:
                msg = (
                    "typing non-ASCII text needs a clipboard tool: apt-get install xclip (or xsel)"
                )
                raise ConfigError(msg)
        else:
            self._pyperclip = require("pyperclip", "desktop")

    @property
    def tool(self) -> str:
        return self._tool or "pyperclip"

    def read(self) -> str | None:
        """The clipboard's text, or None when it holds none."""
        if self._pyperclip is not None:
            text: str = self._pyperclip.paste()
            return text
        command = (
            ["xclip", "-selection", "clipboard", "-o"]
            if self._tool == "xclip"
            else ["xsel", "--clipboard", "--output"]
        )
        result = subprocess.run(command, capture_output=True, timeout=5, check=False)
        if result.returncode != 0:
            return None
        return result.stdout.decode("utf-8", errors="replace")

    def write(self, text: str) -> None:
        if self._pyperclip is not None:
            self._pyperclip.copy(text)
            return
        command = (
            ["xclip", "-selection", "clipboard", "-i"]
            if self._tool == "xclip"
            else ["xsel", "--clipboard", "--input"]
        )
        # xclip forks a child that owns the selection until someone else takes it; that child
        # inherits stdout / stderr, so they must not be pipes we wait on.
        with tempfile.TemporaryFile() as errors:
            result = subprocess.run(
                command,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=errors,
                timeout=5,
                check=False,
            )
            if result.returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()
                msg = f"could not set the clipboard: {message}"
                raise DeviceError(msg, command=" ".join(command))


class Display:
    """The local display: monitors and screenshots through mss, input through pyautogui.

    Subclass and override ``monitors`` or ``grab`` to inject a monitor layout or a capture
    (the tests do, to simulate HiDPI and multi-monitor setups on a single Xvfb screen).
    """

    def __init__(self, mss_module: ModuleType, pyautogui: ModuleType) -> None:
        self.pyautogui = pyautogui
        try:
            self.sct = mss_module.MSS() if hasattr(mss_module, "MSS") else mss_module.mss()
        except Exception as exc:
            msg = f"mss cannot open the display ({exc}); {NO_DISPLAY_HINT}"
            raise ConfigError(msg) from exc
        self._clipboard: Clipboard | None = None

    @classmethod
    def connect(cls) -> Display:
        """Import mss and pyautogui against the current display; ConfigError if there is none."""
        display = os.environ.get("DISPLAY")
        if sys.platform.startswith("linux") and not display:
            msg = f"DesktopEnv needs an X display but DISPLAY is not set; {NO_DISPLAY_HINT}"
            raise ConfigError(msg)
        mss_module = require("mss", "desktop")
        with xlib_authority() as authority:
            try:
                pyautogui = require("pyautogui", "desktop")
            except DependencyNotInstalled as exc:
                if not isinstance(exc.__cause__, ModuleNotFoundError):
                    msg = (
                        f"pyautogui cannot use display {display!r} ({exc.__cause__}); "
                        f"{NO_DISPLAY_HINT}"
                    )
                    raise ConfigError(msg) from exc
                raise
            except Exception as exc:  # Xlib's DisplayConnectionError, KeyError('DISPLAY')
                raise ConfigError(connection_refused(display, exc, authority)) from exc
        bound = _pyautogui_display_name(pyautogui)
        if display and bound and bound != display:
            msg = (
                f"pyautogui in this process is bound to display {bound!r} (it connects once, at "
                f"import) but DISPLAY is now {display!r}; drive one display per process"
            )
            raise ConfigError(msg)
        settings: Any = pyautogui
        settings.PAUSE = 0  # the environment waits explicitly after each action
        settings.FAILSAFE = True  # a person can abort by moving the pointer into a corner
        return cls(mss_module, pyautogui)

    def monitors(self) -> list[Monitor]:
        """mss's monitors: index 0 is the box around all of them, 1.. each monitor."""
        return [Monitor.from_mss(i, m) for i, m in enumerate(self.sct.monitors)]

    def grab(self, monitor: Monitor) -> Image.Image:
        """A screenshot of ``monitor`` as an RGB image, converted without a PNG round trip."""
        shot = self.sct.grab(monitor.as_mss())
        # frombytes copies: mss may reuse its shared-memory buffer for the next grab.
        return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")

    def pointer_space(self) -> tuple[int, int]:
        """pyautogui's screen size: the corners of it are its fail-safe points."""
        width, height = self.pyautogui.size()
        return (int(width), int(height))

    def has_key(self, name: str) -> bool:
        """Whether pyautogui can press this key here (its X11 backend skips unmapped keys)."""
        platform = getattr(self.pyautogui, "platformModule", None)
        mapping = getattr(platform, "keyboardMapping", None)
        if not isinstance(mapping, dict):
            return bool(self.pyautogui.isValidKey(name))
        return mapping.get(name) is not None

    @property
    def clipboard(self) -> Clipboard:
        if self._clipboard is None:
            self._clipboard = Clipboard()
        return self._clipboard

    def close(self) -> None:
        self.sct.close()


def authority_file() -> str | None:
    """The Xauthority file an X client reads: $XAUTHORITY, else ~/.Xauthority (None if no HOME)."""
    named = os.environ.get("XAUTHORITY")
    if named is not None:
        return named
    home = os.environ.get("HOME")
    return os.path.join(home, ".Xauthority") if home else None


def _readable(path: str) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def xlib_authority() -> Iterator[str | None]:
    """While python3-xlib connects: the Xauthority file it reads, or None when there is none.

    Where the file cannot be read, python3-xlib raises XauthError although a server started
    without ``-auth`` (a plain ``Xvfb :1``) wants no cookie; libX11 then connects without one.
    Only in that case, and only inside this block, XAUTHORITY names an empty file: a file that
    can be read is used as usual, so a server that wants a cookie gets it, and no child process
    ever sees the substitute. python3-xlib's warning on stdout about a file without entries is
    dropped.
    """
    path = authority_file()
    if sys.platform in ("darwin", "win32"):  # pyautogui does not use Xlib there
        yield path
        return
    substitute = path is None or not _readable(path)
    saved = os.environ.get("XAUTHORITY")
    if substitute:
        os.environ["XAUTHORITY"] = os.devnull
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            yield None if substitute else path
    finally:
        if substitute and saved is None:
            del os.environ["XAUTHORITY"]
        elif substitute and saved is not None:
            os.environ["XAUTHORITY"] = saved
        for line in printed.getvalue().splitlines(keepends=True):
            if not line.startswith(XLIB_EMPTY_FILE_WARNING):
                sys.stdout.write(line)


def connection_refused(display: str | None, exc: Exception, authority: str | None) -> str:
    """Why python3-xlib could not connect to ``display``, and what to do about it."""
    reason = getattr(exc, "msg", None)
    if isinstance(reason, bytes):  # the server answered: it wants a cookie this process lacks
        answer = reason.decode(errors="replace").strip()
        where = (
            f"{authority} holds no valid cookie for {display}"
            if authority is not None
            else "there is no Xauthority file to read ($XAUTHORITY, else ~/.Xauthority)"
        )
        return (
            f"the X server on {display} refused the connection ({answer}): {where}; point "
            "XAUTHORITY at the file the server was started with (Xvfb's -auth FILE), e.g. "
            "`export XAUTHORITY=FILE`"
        )
    return (
        f"pyautogui cannot use display {display!r} ({type(exc).__name__}: {exc}); "
        f"is an X server running there? {NO_DISPLAY_HINT}"
    )


def _pyautogui_display_name(pyautogui: ModuleType) -> str | None:
    platform = getattr(pyautogui, "platformModule", None)
    connection = getattr(platform, "_display", None)
    get_name = getattr(connection, "get_display_name", None)
    return str(get_name()) if callable(get_name) else None
