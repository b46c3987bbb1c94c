"""A simulated Android phone with apps and a task suite (``SimEnv``), servable over ADB.

The phone, one module per concept:

- ``phone``: ``SimPhone``, the parts below put together, as apps, tasks and the shell use it;
- ``phone_state``: what it remembers (``PhoneState``); ``state``: its content (``PhoneData``);
- ``navigation``: the app table, pages, dialogs and the ``Navigator`` between them;
- ``phone_input``: touches in device pixels, keys, typed text and the on-screen keyboard;
- ``screen``: the views on screen, cached per change; ``screen_export``: them as a UI tree;
- ``system_ui``: status bar, navigation bar, keyboard and dialogs around a page;
- ``ui`` and ``widgets``: the views apps are built from; ``app_*``: the six apps and the
  launcher, reached through ``pages``;
- ``density``: layout units to device pixels; ``render``, ``glyphs``, ``fonts``: drawing.

``SimEnv`` (``env``) is the Environment; ``tasks`` and ``tasks_*`` hold the task templates,
listed in ``catalog``, and ``reference`` plays their solutions; ``adb_server`` serves any
simulated device over the ADB protocol, ``shell`` is the Android shell those devices share and
``shell_syntax`` splits its command lines.
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
