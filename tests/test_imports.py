"""``import screenpilot`` needs only the core dependencies and no display."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from screenpilot.errors import DependencyNotInstalled, require

HEAVY = [
    "torch",
    "transformers",
    "adbutils",
    "mss",
    "pyautogui",
    "pyperclip",
    "langchain_core",
    "numpy",
    "rapidocr",
    "onnxruntime",
    "cv2",
    "jeepney",
    "Xlib",
]


def test_import_pulls_in_nothing_heavy() -> None:
    code = (
        "import sys, screenpilot, screenpilot.tools, screenpilot.agent, screenpilot.environments, "
        "screenpilot.policies, screenpilot.cli\n"
        "screenpilot.SafetyGate()  # finds the OCR engine without importing it\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.strip() == ""


def test_missing_extras_say_what_to_install() -> None:
    with pytest.raises(DependencyNotInstalled, match=r'pip install "screenpilot\[android\]"'):
        require("screenpilot_no_such_module", "android")
    assert require("json", "core").dumps([]) == "[]"
