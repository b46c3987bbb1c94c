"""Key names for ``Key`` actions: one canonical spelling per key, combos joined with ``+``."""

from __future__ import annotations

MODIFIERS = frozenset({"ctrl", "alt", "shift", "meta"})

PHONE_KEYS = frozenset(
    {
        "back",
        "home",
        "enter",
        "app_switch",
        "menu",
        "search",
        "power",
        "volume_up",
        "volume_down",
        "volume_mute",
        "camera",
        "notifications",
        "backspace",
        "delete",
    }
)
"""Keys a phone environment is expected to understand."""

_BUTTONS_ONLY = PHONE_KEYS - {"home", "enter", "menu", "search", "backspace", "delete"}
"""Phone buttons, which no keyboard combination includes."""

NAMED_KEYS = (
    PHONE_KEYS
    | MODIFIERS
    | frozenset(
        {
            "tab",
            "escape",
            "space",
            "up",
            "down",
            "left",
            "right",
            "page_up",
            "page_down",
            "end",
            "insert",
            "caps_lock",
            "print_screen",
            "pause",
        }
        | {f"f{n}" for n in range(1, 13)}
    )
)

_ALIASES = {
    "return": "enter",
    "esc": "escape",
    "del": "delete",
    "bksp": "backspace",
    "recent": "app_switch",
    "recents": "app_switch",
    "recent_apps": "app_switch",
    "app_switcher": "app_switch",
    "overview": "app_switch",
    "switch_app": "app_switch",
    "control": "ctrl",
    "cmd": "meta",
    "command": "meta",
    "win": "meta",
    "windows": "meta",
    "super": "meta",
    "option": "alt",
    "pgup": "page_up",
    "pageup": "page_up",
    "pgdn": "page_down",
    "pagedown": "page_down",
    "arrowup": "up",
    "arrowdown": "down",
    "arrowleft": "left",
    "arrowright": "right",
    "arrow_up": "up",
    "arrow_down": "down",
    "arrow_left": "left",
    "arrow_right": "right",
    "volumeup": "volume_up",
    "volumedown": "volume_down",
    "capslock": "caps_lock",
    "printscreen": "print_screen",
    "spacebar": "space",
    "notification": "notifications",
}


def normalize_key(key: str) -> str:
    """Canonical spelling of a key or combo ("Ctrl + C" -> "ctrl+c"); ValueError if unknown."""
    stripped = key.strip()
    if not stripped:
        msg = "key must not be empty"
        raise ValueError(msg)
    if stripped == "+":
        return "+"
    parts = [_normalize_part(part) for part in _split_combo(stripped)]
    if len(parts) > 1 and any(part in _BUTTONS_ONLY for part in parts):
        msg = f"{key!r}: phone buttons cannot be part of a key combination"
        raise ValueError(msg)
    return "+".join(dict.fromkeys(parts))


def _split_combo(key: str) -> list[str]:
    if key.endswith("++"):  # "ctrl++" means ctrl and the plus key
        return [*key[:-2].split("+"), "+"]
    return key.split("+")


def _normalize_part(part: str) -> str:
    name = part.strip()
    if len(name) == 1 and name.isprintable() and not name.isspace():
        return name.lower()
    name = "_".join(name.lower().replace("-", " ").split())
    name = _ALIASES.get(name, name)
    if name not in NAMED_KEYS:
        msg = (
            f"unknown key {part.strip()!r}; use a single character or a key name such as "
            "back, home, enter, app_switch, backspace, tab, escape, up, f5, ctrl, alt, shift, meta"
        )
        raise ValueError(msg)
    return name
