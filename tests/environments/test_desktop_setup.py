"""DesktopEnv's configuration errors and key names, which need no display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from screenpilot.environments.desktop import DesktopEnv
from screenpilot.environments.desktop_io import KEY_NAMES, pyautogui_key
from screenpilot.errors import ConfigError
from screenpilot.registry import make_env
from screenpilot.tools.keys import NAMED_KEYS, PHONE_KEYS

EXAMPLE_SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "demo_actions.jsonl"


def test_without_a_display_one_config_error_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(ConfigError, match=r"DISPLAY is not set.*Xvfb :99 -screen 0 1920x1080x24"):
        DesktopEnv()
    with pytest.raises(ConfigError, match="DISPLAY is not set"):
        make_env("desktop")


def test_a_display_without_a_server_is_a_config_error_too() -> None:
    # A fresh process: pyautogui connects to the X server when it is first imported.
    code = (
        "from screenpilot.environments.desktop import DesktopEnv\n"
        "from screenpilot.errors import ConfigError\n"
        "try:\n    DesktopEnv()\nexcept ConfigError as exc:\n    print('ConfigError:', exc)\n"
    )
    environment = {**os.environ, "DISPLAY": ":4242"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ConfigError: pyautogui cannot use display ':4242'")
    assert "Xvfb" in result.stdout


def test_the_cli_reports_a_missing_display_in_one_line_with_exit_2() -> None:
    environment = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    command = ["run", "t", "--env", "desktop", "--actions", str(EXAMPLE_SCRIPT)]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 2
    assert "DISPLAY is not set" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("desktop:two", "takes a monitor number"),
        ("desktop:-1", "monitor must be 0"),
    ],
)
def test_bad_monitor_specs_are_refused_before_touching_the_display(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_env(spec)


def test_every_keyboard_key_has_a_pyautogui_name_and_phone_buttons_do_not() -> None:
    keyboard = NAMED_KEYS - (PHONE_KEYS - {"enter", "backspace", "delete", "home", "menu"})
    assert set(KEY_NAMES) == keyboard - {"search"}
    assert pyautogui_key("meta") == "win"
    assert pyautogui_key("page_down") == "pagedown"
    assert pyautogui_key("+") == "+"
    for button in ("back", "app_switch", "power", "volume_up", "camera", "notifications", "é"):
        with pytest.raises(ValueError, match="the desktop has no"):
            pyautogui_key(button)
