"""The UI tree of an Android screen: ``uiautomator dump`` XML parsed into UI elements with
normalized bounds, and when it is read (``UITreeMode``, ``ScreenTrees``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from typing import Literal

from screenpilot.agent.core import Observation, UIElement
from screenpilot.errors import ConfigError
from screenpilot.tools import coords

DUMP_PATH = "/data/local/tmp/screenpilot_ui.xml"
_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")

UITreeMode = Literal["lazy", "eager", "off"]
"""When the UI tree is read: ``lazy`` only when asked for (the safety gate judging a press or
typing, the read-back after typing), at most once per screen; ``eager`` with every observation,
into ``Observation.ui_elements`` (for policies that read the tree); ``off`` never."""
UI_TREE_MODES: tuple[UITreeMode, ...] = ("lazy", "eager", "off")

Tree = tuple[UIElement, ...]


def tree_mode(value: bool | str) -> UITreeMode:
    """The mode a ``ui_tree`` setting names: one of ``UI_TREE_MODES``, or a bool as it always
    meant: True the tree with every observation (``eager``), False none (``off``)."""
    if value is True:
        return "eager"
    if value is False:
        return "off"
    for mode in UI_TREE_MODES:
        if value == mode:
            return mode
    msg = f"ui_tree must be one of {', '.join(UI_TREE_MODES)} (or a bool), got {value!r}"
    raise ConfigError(msg)


class ScreenTrees:
    """The UI tree of the screen the latest observation shows, read at most once for it.

    ``read`` dumps the tree of the screen as it is now (None when the device could not give
    it). Only the latest observation's screen is still on the device, so only its tree is
    read; an older observation has the tree it carries, if any."""

    def __init__(self, read: Callable[[], Tree | None]) -> None:
        self._read = read
        self._screen: Observation | None = None
        self._tree: Tree | None = None
        self._known = False

    def show(
        self, observation: Observation, tree: Tree | None = None, *, known: bool = False
    ) -> None:
        """``observation`` is the new latest screen; ``known``: its tree is ``tree`` already."""
        self._screen, self._tree, self._known = observation, tree, known

    def swap(self, old: Observation, new: Observation) -> None:
        """``new`` stands for the same screen as ``old`` (the same frame, more notes)."""
        if old is self._screen:
            self._screen = new

    def of(self, observation: Observation) -> Tree | None:
        """The tree of ``observation``'s screen, read now if it is the latest and unread."""
        if observation is not self._screen:
            return observation.ui_elements or None
        if not self._known:
            self._tree, self._known = self._read(), True
        return self._tree


def dump_command() -> list[str]:
    """The command that writes the hierarchy to ``DUMP_PATH`` (pulled afterwards over sync)."""
    return ["uiautomator", "dump", DUMP_PATH]


def parse_hierarchy(xml: bytes | str, screen: coords.Screen) -> tuple[UIElement, ...]:
    """Every node with bounds, in document order; ValueError if the XML is not a dump."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        msg = f"the UI hierarchy is not valid XML: {exc}"
        raise ValueError(msg) from exc
    elements = []
    for node in root.iter("node"):
        match = _BOUNDS.fullmatch(node.get("bounds", ""))
        if match is None:
            continue
        left, top, right, bottom = (int(value) for value in match.groups())
        attribute = node.attrib.get
        flag = {name for name, value in node.attrib.items() if value == "true"}.__contains__
        elements.append(
            UIElement(
                bounds=coords.box_from_device(left, top, right, bottom, screen),
                text=attribute("text", ""),
                description=attribute("content-desc", ""),
                kind=attribute("class", "").rsplit(".", 1)[-1],
                resource_id=attribute("resource-id", ""),
                clickable=flag("clickable"),
                focused=flag("focused"),
                checked=flag("checked") if node.get("checkable") == "true" else None,
                password=flag("password"),
                scrollable=flag("scrollable"),
                enabled=node.get("enabled", "true") == "true",
            )
        )
    return tuple(elements)
