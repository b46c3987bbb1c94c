"""What the Android environment sends for keys, text and app launches, as argv lists.

Nothing here touches a device: it turns canonical actions into commands (``input``, ``am``,
``monkey``), which ``AdbDevice.shell`` quotes with ``shlex.join`` before they reach the
device's shell, so model text is always one single-quoted argument.
"""

from __future__ import annotations

import base64
import re
import shlex

from screenpilot.errors import InvalidActionError, UnsupportedActionError

# android.view.KeyEvent constants (AOSP frameworks/base core/java/android/view/KeyEvent.java).
KEYCODES: dict[str, int] = {
    "home": 3,
    "back": 4,
    "up": 19,
    "down": 20,
    "left": 21,
    "right": 22,
    "volume_up": 24,
    "volume_down": 25,
    "power": 26,
    "camera": 27,
    "tab": 61,
    "space": 62,
    "enter": 66,
    "backspace": 67,  # KEYCODE_DEL deletes backwards
    "menu": 82,
    "notifications": 83,
    "search": 84,
    "page_up": 92,
    "page_down": 93,
    "escape": 111,
    "delete": 112,  # KEYCODE_FORWARD_DEL
    "end": 123,  # KEYCODE_MOVE_END
    "insert": 124,
    "volume_mute": 164,
    "app_switch": 187,
}

INPUT_TEXT_CHARS = frozenset(chr(code) for code in range(0x20, 0x7F))
"""Characters ``input text`` can deliver: the virtual keyboard map has printable ASCII only."""
KEY_FOR_CHAR = {"\n": KEYCODES["enter"], "\t": KEYCODES["tab"]}
"""Characters sent as key presses instead (``input text`` cannot carry them in one argument)."""
CHUNK = 100
"""Longest ``input text`` argument; long ones lose characters on some devices."""
LINE_BUDGET = 2000
"""Longest shell command line sent at once (old adbd limits a request to 4 KiB)."""

ADB_KEYBOARD_IMES = ("com.android.adbkeyboard/.AdbIME",)
"""Input methods that accept ``am broadcast -a ADB_INPUT_B64 --es msg <base64>``
(senzhk/ADBKeyBoard README)."""
IME_HINT = (
    "install ADBKeyBoard (github.com/senzhk/ADBKeyBoard) and select it: "
    "adb install ADBKeyboard.apk && adb shell ime enable com.android.adbkeyboard/.AdbIME "
    "&& adb shell ime set com.android.adbkeyboard/.AdbIME"
)

_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")


def key_command(key: str) -> list[str]:
    """``input keyevent N`` for a canonical key name; combos are not phone keys."""
    if key not in KEYCODES:
        known = ", ".join(sorted(KEYCODES))
        msg = f"the Android environment has no key {key!r}; keys: {known}"
        raise UnsupportedActionError(msg)
    return ["input", "keyevent", str(KEYCODES[key])]


def text_commands(text: str, ime: str | None) -> list[list[str]]:
    """Commands that type exactly ``text``, or UnsupportedActionError before anything is sent.

    Printable ASCII goes through ``input text``, cut so that no argument holds ``%s`` (which
    ``input text`` turns into a space; AOSP ``InputShellCommand.sendText``); newlines and tabs
    become ENTER and TAB presses. Anything else needs an ADBKeyBoard-style IME (``ime``), which
    receives the whole string base64-encoded.
    """
    if all(char in INPUT_TEXT_CHARS or char in KEY_FOR_CHAR for char in text):
        commands: list[list[str]] = []
        for piece in re.split(r"([\n\t])", text):
            if piece in KEY_FOR_CHAR:
                commands.append(["input", "keyevent", str(KEY_FOR_CHAR[piece])])
            elif piece:
                commands.extend(["input", "text", chunk] for chunk in _chunks(piece))
        return commands
    if ime is not None:
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        return [["am", "broadcast", "-a", "ADB_INPUT_B64", "--es", "msg", encoded]]
    others = sorted({char for char in text if char not in INPUT_TEXT_CHARS | KEY_FOR_CHAR.keys()})
    shown = ", ".join(repr(char) for char in others[:8])
    msg = (
        f"cannot type {shown}: adb's `input text` only types printable ASCII and no "
        f"ADBKeyBoard input method is active; nothing was typed. To type it, {IME_HINT}"
    )
    raise UnsupportedActionError(msg)


def _chunks(piece: str) -> list[str]:
    """Split printable ASCII into arguments of at most CHUNK characters, none holding "%s"."""
    chunks, current = [], ""
    for char in piece:
        if len(current) >= CHUNK or (char == "s" and current.endswith("%")):
            chunks.append(current)
            current = ""
        current += char
    return [*chunks, current] if current else chunks


def command_groups(commands: list[list[str]]) -> list[list[list[str]]]:
    """Commands grouped into shell lines of at most LINE_BUDGET characters once quoted."""
    groups: list[list[list[str]]] = []
    length = 0
    for command in commands:
        size = len(shlex.join(command))
        if groups and length + size + 4 <= LINE_BUDGET:
            groups[-1].append(command)
            length += size + 4
        else:
            groups.append([command])
            length = size
    return groups


def command_lines(commands: list[list[str]]) -> list[str]:
    """Quote and join commands with ``&&`` (a failure stops the rest) into few shell lines."""
    return [" && ".join(map(shlex.join, group)) for group in command_groups(commands)]


def redacted(command: list[str]) -> list[str]:
    """A typing command with its text replaced, for records and error messages."""
    if command[:2] == ["input", "text"] or command[:2] == ["am", "broadcast"]:
        return [*command[:-1], "<text>"]
    return command


def resolve_app(name: str, packages: list[str]) -> str:
    """A package for an app name: the package itself, or the one whose name matches the label.

    Labels are matched against package name segments ("Settings" -> com.android.settings,
    "Maps" -> com.google.android.apps.maps); an unknown or ambiguous name is the model's error.
    """
    if name in packages:
        return name
    if _PACKAGE.fullmatch(name):
        msg = f"package {name!r} is not installed"
        raise InvalidActionError(msg)
    wanted = re.sub(r"[^a-z0-9]", "", name.casefold())
    if not wanted:
        msg = f"no app matches {name!r}"
        raise InvalidActionError(msg)
    for rule in (
        lambda segments: segments[-1] == wanted,
        lambda segments: wanted in segments,
        lambda segments: any(wanted in segment for segment in segments[1:]),
    ):
        found = [p for p in packages if rule([s.casefold() for s in p.split(".")])]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            msg = f"{name!r} matches several apps ({', '.join(found[:6])}); give the package name"
            raise InvalidActionError(msg)
    msg = f"no installed app matches {name!r}; give its package name (see `adb shell pm list packages`)"
    raise InvalidActionError(msg)


def launch_command(package: str) -> list[str]:
    """Start an app's launcher activity without knowing its name."""
    return ["monkey", "-p", package, "-c", "android.intent.category.LAUNCHER", "1"]
