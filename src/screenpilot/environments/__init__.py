"""Environments: where actions happen. Each is importable as ``screenpilot.environments.<Name>Env``;
``screenpilot.registry.make_env`` builds any environment by name. Nothing heavy is imported
until an environment is actually used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screenpilot.environments.android import AndroidEnv
    from screenpilot.environments.demo import DemoEnv
    from screenpilot.environments.desktop import DesktopEnv
    from screenpilot.environments.replay import ReplayEnv

_CLASSES = {
    "AndroidEnv": "screenpilot.environments.android",
    "DemoEnv": "screenpilot.environments.demo",
    "DesktopEnv": "screenpilot.environments.desktop",
    "ReplayEnv": "screenpilot.environments.replay",
}
_ALIASES = {"ReplayEnvironment": "ReplayEnv"}


def __getattr__(name: str) -> Any:
    name = _ALIASES.get(name, name)
    if name in _CLASSES:
        return getattr(importlib.import_module(_CLASSES[name]), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = ["AndroidEnv", "DemoEnv", "DesktopEnv", "ReplayEnv"]
