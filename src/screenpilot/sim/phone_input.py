"""``PhoneInput``: what the simulated phone does with touches, keys and typed text.

Touches arrive in device pixels; ``Density`` says where they land in the layout, and the
topmost view there takes a tap. Keys and text reach the focused field as the on-screen
keyboard's keys do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from screenpilot.sim.ui import STATUS_H

if TYPE_CHECKING:
    from screenpilot.sim.density import Density
    from screenpilot.sim.navigation import Navigator
    from screenpilot.sim.phone_state import PhoneState
    from screenpilot.sim.screen import PhoneScreen

KEY_PRESSES = {"enter": "<enter>", "backspace": "<del>", "tab": "<enter>", "space": " "}
"""Keys that act on the focused field, as the keyboard key they press."""


class PhoneInput:
    """Hit-tests touches against the views on ``screen`` and types into the focused field;
    ``submit`` is what ENTER does in a field (search, send, a new line, ...)."""

    def __init__(
        self,
        state: PhoneState,
        density: Density,
        screen: PhoneScreen,
        navigation: Navigator,
        *,
        submit: Callable[[str], None],
    ) -> None:
        self.state = state
        self.density = density
        self.screen = screen
        self.navigation = navigation
        self._submit = submit

    # --- touches (device pixels) --------------------------------------------------------------

    def tap(self, x: float, y: float, *, long: bool = False) -> str | None:
        """Tap at device pixels; returns what was hit (its text or description), if anything."""
        lx, ly = self.density.to_layout(x, y)
        for node in reversed(self.screen.nodes()):
            if not node.contains(lx, ly):
                continue
            if node.on_slide is not None:
                left, _, right, _ = node.box
                node.on_slide(min(max((lx - left) / (right - left), 0.0), 1.0))
            elif long and node.on_long is not None:
                node.on_long()
            elif node.on_tap is not None:
                node.on_tap()
            elif node.kind in {"panel", "dialog"} and node.fill is not None:
                return None  # an opaque surface swallows the tap
            else:
                continue
            self.state.changed()
            return node.text or node.desc or node.rid or node.kind
        return None

    def swipe(self, x1: float, y1: float, x2: float, y2: float) -> None:
        """A finger moving from (x1, y1) to (x2, y2): scrolls lists, opens the app drawer."""
        lx1, ly1 = self.density.to_layout(x1, y1)
        _, ly2 = self.density.to_layout(x2, y2)
        dy = ly2 - ly1
        if abs(dy) < 20 and abs(x2 - x1) < 20:
            self.tap(x1, y1, long=True)
            return
        page = self.state.page
        if page.name == "home" and dy < -200:
            self.navigation.open("", "drawer")
            return
        if page.name == "drawer" and dy > 200 and page.scroll == 0:
            self.navigation.back()
            return
        if ly1 < STATUS_H and dy > 200:
            return  # the notification shade is not simulated
        if any(n.scrollable and n.contains(lx1, ly1) for n in self.screen.nodes()):
            page.scroll = int(min(max(page.scroll - dy, 0), self.screen.scroll_limit))
            self.state.changed()

    # --- keys and text ------------------------------------------------------------------------

    def key(self, name: str) -> None:
        """A key by name: back, home, app_switch, or one that acts on the focused field."""
        if name == "back":
            self.navigation.back()
        elif name == "home":
            self.navigation.go_home()
        elif name == "app_switch":
            self.navigation.show_recents()
        elif self.state.focus is not None and name in KEY_PRESSES:
            self.press(KEY_PRESSES[name])
        self.state.changed()

    def focus_field(self, key: str, initial: str = "") -> None:
        """Give a field the focus: the keyboard shows, in lower-case letters."""
        state = self.state
        state.fields.setdefault(key, initial)
        state.focus, state.shifted, state.symbols = key, False, False
        state.changed()

    def type_text(self, value: str) -> None:
        """Type into the focused field (nothing happens without one, as on a phone)."""
        for piece in value.replace("\r\n", "\n").split("\n")[:-1]:
            self._insert(piece)
            self.press("<enter>")
        self._insert(value.replace("\r\n", "\n").split("\n")[-1])

    def press(self, value: str) -> None:
        """A key of the on-screen keyboard: a character, or <shift>, <sym>, <del>, <enter>."""
        state = self.state
        key = state.focus
        if key is None:
            return
        if value == "<shift>":
            state.shifted = not state.shifted
        elif value == "<sym>":
            state.symbols = not state.symbols
        elif value == "<del>":
            state.fields[key] = state.fields.get(key, "")[:-1]
        elif value == "<enter>":
            self._submit(key)
        else:
            self._insert(value)
            state.shifted = False
        state.changed()

    def _insert(self, value: str) -> None:
        state = self.state
        if state.focus is not None and value:
            state.fields[state.focus] = state.fields.get(state.focus, "") + value
            state.changed()
