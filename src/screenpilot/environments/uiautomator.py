"""Parse ``uiautomator dump`` XML into UI elements with normalized bounds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from screenpilot.agent.core import UIElement
from screenpilot.tools import coords

DUMP_PATH = "/data/local/tmp/screenpilot_ui.xml"
_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


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
