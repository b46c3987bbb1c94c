"""A simulated Android phone with apps and a task suite (``SimEnv``), servable over ADB.

``SimPhone`` holds the phone's state and renders it with Pillow; ``SimEnv`` is the Environment;
``tasks`` has the task templates; ``adb_server`` serves any simulated device over the ADB
protocol, and ``shell`` is the Android shell those devices share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screenpilot.sim.env import SimEnv
    from screenpilot.sim.phone import SimPhone

_LAZY = {
    "SimEnv": "screenpilot.sim.env",
    "SimPhone": "screenpilot.sim.phone",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = ["SimEnv", "SimPhone"]
