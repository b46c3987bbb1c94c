"""The phone's screen as a UI tree: ``UIElement``s and ``uiautomator dump`` XML."""

from __future__ import annotations

from collections.abc import Sequence

from screenpilot.agent.core import UIElement
from screenpilot.sim import ui
from screenpilot.sim.density import Density
from screenpilot.sim.shell import xml_escape
from screenpilot.tools import coords


def ui_elements(nodes: Sequence[ui.Node], density: Density, package: str) -> tuple[UIElement, ...]:
    """The views in the UI tree, as ``UIElement``s in device pixels; ``package`` is the
    foreground app's."""
    width, height = density.width, density.height
    screen = coords.Screen.same_size(width, height)
    elements = []
    for node in nodes:
        if not node.tree:
            continue
        left, top, right, bottom = density.box(node.box)
        elements.append(
            UIElement(
                bounds=coords.box_from_device(
                    left, top, min(right, width - 1), min(bottom, height - 1), screen
                ),
                text=node.text,
                description=node.desc,
                kind=ui.CLASSES.get(node.kind, "android.view.View").rsplit(".", 1)[-1],
                resource_id=resource_id(node, package),
                clickable=node.clickable,
                focused=node.focused,
                checked=node.checked if node.kind == "switch" else None,
                scrollable=node.scrollable,
            )
        )
    return tuple(elements)


def resource_id(node: ui.Node, package: str) -> str:
    """A view's full resource id (``package:id/name``), or empty."""
    if not node.rid:
        return ""
    owner = "com.android.systemui" if node.kind == "nav" else package
    return f"{owner}:id/{node.rid}"


def hierarchy(nodes: Sequence[ui.Node], density: Density, package: str, rotation: int) -> str:
    """The screen as AOSP ``uiautomator dump`` writes it (attributes in its order)."""
    width, height = density.width, density.height
    rows = []
    for index, node in enumerate(n for n in nodes if n.tree):
        left, top, right, bottom = density.box(node.box)
        checkable = node.kind == "switch"
        flag = {True: "true", False: "false"}
        rows.append(
            f'<node index="{index}" text="{xml_escape(node.text)}" '
            f'resource-id="{resource_id(node, package)}" '
            f'class="{ui.CLASSES.get(node.kind, "android.view.View")}" package="{package}" '
            f'content-desc="{xml_escape(node.desc)}" checkable="{flag[checkable]}" '
            f'checked="{flag[bool(node.checked) and checkable]}" clickable="{flag[node.clickable]}" '
            f'enabled="true" focusable="{flag[node.kind == "field" or node.clickable]}" '
            f'focused="{flag[node.focused]}" scrollable="{flag[node.scrollable]}" '
            f'long-clickable="false" password="false" selected="false" '
            f'bounds="[{left},{top}][{min(right, width)},{min(bottom, height)}]" />'
        )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<hierarchy rotation="{rotation}"><node index="0" text="" resource-id="" '
        f'class="android.widget.FrameLayout" package="{package}" content-desc="" '
        'checkable="false" checked="false" clickable="false" enabled="true" '
        'focusable="false" focused="false" scrollable="false" long-clickable="false" '
        f'password="false" selected="false" bounds="[0,0][{width},{height}]">'
        + "".join(rows)
        + "</node></hierarchy>"
    )
