"""``PhoneScreen``: what the simulated phone shows, as pixels and as a UI tree.

The views on screen are laid out again only when the state's version has moved since; the same
views are drawn by the renderer at the screen's density and exported as ``UIElement``s and as
``uiautomator dump`` XML.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from screenpilot.agent.core import UIElement
from screenpilot.sim import screen_export
from screenpilot.sim.app_launcher import background
from screenpilot.sim.density import Density
from screenpilot.sim.navigation import package_of
from screenpilot.sim.phone_state import PhoneState
from screenpilot.sim.render import Renderer
from screenpilot.sim.ui import Node

Layout = Callable[[], tuple[list[Node], int]]
"""Lays the current screen out: its views, bottom to top, and how far its list can scroll."""


class PhoneScreen:
    """The views ``layout`` gives for the current state, cached per state version."""

    def __init__(self, state: PhoneState, density: Density, layout: Layout) -> None:
        self.state = state
        self.density = density
        self.renderer = Renderer(density)
        self._layout = layout
        self.scroll_limit = 0
        """How far the list on screen can scroll, in layout units."""
        self._cache: tuple[int, list[Node], Image.Image | None] | None = None

    def nodes(self) -> list[Node]:
        """The views on screen now, bottom to top."""
        if self._cache is not None and self._cache[0] == self.state.version:
            return self._cache[1]
        nodes, self.scroll_limit = self._layout()
        self._cache = (self.state.version, nodes, None)
        return nodes

    def render(self) -> Image.Image:
        nodes = self.nodes()
        assert self._cache is not None
        if self._cache[2] is None:
            page = self.state.page
            image = self.renderer.render(
                nodes, background(page), wallpaper=page.name in {"home", "drawer"}
            )
            self._cache = (self.state.version, nodes, image)
        rendered = self._cache[2]
        assert rendered is not None
        return rendered

    def ui_elements(self) -> tuple[UIElement, ...]:
        """The views in the UI tree, as ``UIElement``s in device pixels."""
        nodes = self.nodes()
        return screen_export.ui_elements(nodes, self.density, package_of(self.state.page))

    def hierarchy(self, rotation: int) -> str:
        """The screen as AOSP ``uiautomator dump`` writes it (attributes in its order)."""
        nodes = self.nodes()
        return screen_export.hierarchy(nodes, self.density, package_of(self.state.page), rotation)
