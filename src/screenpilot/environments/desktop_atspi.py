"""The desktop's accessibility tree on Linux (AT-SPI), for the safety gate.

Applications built on GTK, Qt and other toolkits with accessibility export their widgets over
AT-SPI, a D-Bus protocol on a bus of its own. ``AccessibilityTree`` speaks it with jeepney (a
pure-Python D-Bus library: no PyGObject build, no system Python): it finds the bus through the
X root window's ``AT_SPI_BUS`` property (what libatspi does; else the session bus's
``org.a11y.Bus``), then walks each application's windows, keeping what is showing, with its
name, role, states and extents on the screen.

AT-SPI knows nothing of which window is in front. A window's elements are kept only when the X
server's stacking order shows no other window over it; a covered window (and one that matches
no X window) is left out, so that what the gate judges is what the screen shows there, and
the gate reads those places by OCR instead. A tree larger than ``MAX_NODES`` or slower than
``BUDGET`` seconds is not used at all: half a tree could label a point with a container's name
instead of the button's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from screenpilot.agent.core import UIElement
from screenpilot.environments.desktop_io import xlib_authority
from screenpilot.errors import require
from screenpilot.tools import coords

REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
ACCESSIBLE = "org.a11y.atspi.Accessible"
COMPONENT = "org.a11y.atspi.Component"
SCREEN_COORDS = 0
MAX_NODES = 1000
BUDGET = 0.75
"""Seconds a walk of the tree may take."""
TIMEOUT = 0.5
"""Seconds one AT-SPI call may take (an application that hangs does not hang the gate)."""

# AT-SPI state bits (AtspiStateType)
CHECKED, ENABLED, FOCUSED, SHOWING, VISIBLE, CHECKABLE = 4, 8, 12, 25, 30, 41
CONTAINER_ROLES = frozenset(
    {
        "application",
        "frame",
        "window",
        "dialog",
        "file chooser",
        "internal frame",
        "panel",
        "filler",
        "scroll pane",
        "viewport",
        "layered pane",
        "root pane",
        "split pane",
        "page tab list",
        "tool bar",
        "menu bar",
        "status bar",
        "canvas",
        "drawing area",
    }
)
"""Roles whose name is a title, not what a press inside them presses (a window is named after
its document): they carry no label, so a press on something inside that exports nothing (a
drawn button, a web view) is read by OCR rather than judged by the window's title."""
CLICKABLE_ROLES = frozenset(
    {
        "push button",
        "toggle button",
        "check box",
        "radio button",
        "menu item",
        "check menu item",
        "radio menu item",
        "link",
        "page tab",
        "combo box",
        "list item",
        "icon",
    }
)

Rect = tuple[int, int, int, int]
"""x, y, width, height in root-window (pointer) pixels."""


@dataclass(frozen=True, slots=True)
class Node:
    """One showing element: its name, role, state bits and extents."""

    name: str
    role: str
    states: int
    rect: Rect

    def has(self, state: int) -> bool:
        return bool(self.states >> state & 1)


def _same(a: Rect, b: Rect, slack: int = 2) -> bool:
    return all(abs(p - q) <= slack for p, q in zip(a, b, strict=True))


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def uncovered(window: Rect, stack: list[tuple[Rect, tuple[Rect, ...]]]) -> bool:
    """Whether an AT-SPI window is an X window that no other window covers any part of.

    ``stack``: the viewable top-level X windows bottom to top, each with its own rectangle and
    those of its first two levels of children (a window manager's frame holds the application's
    window). A window that matches none of them is not known to be in front: False; nor is one
    that matches several (two maximized windows have the same rectangle, and the hidden one
    would otherwise lend its tree to the one in front)."""
    owners = [i for i, (_, rects) in enumerate(stack) if any(_same(r, window) for r in rects)]
    if len(owners) != 1:
        return False
    return not any(_overlaps(window, top) for top, _ in stack[owners[0] + 1 :])


class XServer:
    """What the X server says: the accessibility bus's address and the window stacking."""

    def __init__(self, display: str | None = None) -> None:
        xlib_display = require("Xlib.display", "desktop")
        self.X = require("Xlib.X", "desktop")
        with xlib_authority():
            self.display: Any = xlib_display.Display(display)
        self.root: Any = self.display.screen().root

    def bus_address(self) -> str | None:
        atom = self.display.intern_atom("AT_SPI_BUS", True)
        if not atom:
            return None
        prop = self.root.get_full_property(atom, self.X.AnyPropertyType)
        if prop is None or not prop.value:
            return None
        value = prop.value
        return value.decode() if isinstance(value, bytes) else str(value)

    def stack(self) -> list[tuple[Rect, tuple[Rect, ...]]]:
        """Viewable top-level windows, bottom to top, with their children's rectangles."""
        found = []
        for window in self.root.query_tree().children:
            try:
                if window.get_attributes().map_state != self.X.IsViewable:
                    continue
                top = self._rect(window)
                inner = [top]  # without a window manager, the application's window itself
                for child in window.query_tree().children:
                    inner.append(self._rect(child))
                    inner.extend(self._rect(c) for c in child.query_tree().children)
            except Exception:  # a window closed meanwhile: Xlib's BadWindow
                continue
            found.append((top, tuple(inner)))
        return found

    def _rect(self, window: Any) -> Rect:
        geometry = window.get_geometry()
        origin = self.root.translate_coords(window, 0, 0)
        return (int(origin.x), int(origin.y), int(geometry.width), int(geometry.height))

    def close(self) -> None:
        self.display.close()


class AccessibilityTree:
    """Reads the showing, uncovered part of the desktop's AT-SPI tree."""

    def __init__(self, *, max_nodes: int = MAX_NODES, budget: float | None = None) -> None:
        self.max_nodes = max_nodes
        self.budget = BUDGET if budget is None else budget
        self._jeepney = require("jeepney", "desktop")
        self._blocking = require("jeepney.io.blocking", "desktop")
        self._x = XServer(os.environ.get("DISPLAY"))
        self._bus: Any = None

    def _connect(self) -> Any:
        if self._bus is None:
            address = self._x.bus_address()
            if address is None:
                session = self._blocking.open_dbus_connection("SESSION")
                try:
                    bus = self._jeepney.DBusAddress(
                        "/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus"
                    )
                    message = self._jeepney.new_method_call(bus, "GetAddress")
                    address = session.send_and_get_reply(message, timeout=TIMEOUT).body[0]
                finally:
                    session.close()
            self._bus = self._blocking.open_dbus_connection(address)
        return self._bus

    def _call(self, ref: tuple[str, str], interface: str, method: str, *args: Any) -> Any:
        address = self._jeepney.DBusAddress(ref[1], bus_name=ref[0], interface=interface)
        signature = "u" if args else None
        message = self._jeepney.new_method_call(address, method, signature, args)
        return self._connect().send_and_get_reply(message, timeout=TIMEOUT).body[0]

    def _name(self, ref: tuple[str, str]) -> str:
        address = self._jeepney.DBusAddress(ref[1], bus_name=ref[0], interface=ACCESSIBLE)
        message = self._jeepney.Properties(address).get("Name")
        return str(self._connect().send_and_get_reply(message, timeout=TIMEOUT).body[0][1])

    def _node(self, ref: tuple[str, str]) -> Node | None:
        low, high = self._call(ref, ACCESSIBLE, "GetState")
        states = int(low) | int(high) << 32
        if not states >> SHOWING & 1:
            return None
        x, y, width, height = self._call(ref, COMPONENT, "GetExtents", SCREEN_COORDS)
        role = str(self._call(ref, ACCESSIBLE, "GetRoleName"))
        return Node(self._name(ref), role, states, (int(x), int(y), int(width), int(height)))

    def nodes(self) -> list[Node] | None:
        """Showing elements of uncovered windows; None when the tree is too large or slow."""
        deadline = time.monotonic() + self.budget
        stack = self._x.stack()
        found: list[Node] = []
        visited = 0
        for application in self._call(REGISTRY, ACCESSIBLE, "GetChildren"):
            for window_ref in self._call(tuple(application), ACCESSIBLE, "GetChildren"):
                window = self._node(tuple(window_ref))
                if window is None or not uncovered(window.rect, stack):
                    continue
                pending = [tuple(window_ref)]
                while pending:
                    ref = pending.pop()
                    visited += 1
                    if visited > self.max_nodes or time.monotonic() > deadline:
                        return None
                    node = window if ref == tuple(window_ref) else self._node(ref)
                    if node is None:
                        continue
                    found.append(node)
                    pending.extend(tuple(c) for c in self._call(ref, ACCESSIBLE, "GetChildren"))
        return found

    def elements(self, screen: coords.Screen) -> tuple[UIElement, ...] | None:
        """The tree as UI elements of ``screen``; None when there is none to read."""
        try:
            nodes = self.nodes()
        except Exception:  # no bus, a closed application, a timeout: the gate falls back to OCR
            self.close_bus()
            return None
        if not nodes:
            return None
        elements = []
        for node in nodes:
            x, y, width, height = node.rect
            if width <= 0 or height <= 0:
                continue
            bounds = coords.box_from_device(x, y, x + width, y + height, screen)
            if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
                continue  # on another monitor
            elements.append(
                UIElement(
                    bounds,
                    text="" if node.role in CONTAINER_ROLES else node.name,
                    kind=node.role,
                    clickable=node.role in CLICKABLE_ROLES,
                    focused=node.has(FOCUSED),
                    checked=node.has(CHECKED) if node.has(CHECKABLE) else None,
                    password=node.role == "password text",
                    enabled=node.has(ENABLED),
                )
            )
        return tuple(elements) or None

    def close_bus(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.close()

    def close(self) -> None:
        self.close_bus()
        self._x.close()
