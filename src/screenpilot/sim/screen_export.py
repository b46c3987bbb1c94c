"""The phone's screen as a UI tree: ``UIElement``s and ``uiautomator dump`` XML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screenpilot.agent.core import UIElement
from screenpilot.sim import ui
from screenpilot.sim.shell import xml_escape
from screenpilot.tools import coords

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


def ui_elements(phone: SimPhone) -> tuple[UIElement, ...]:
    """The views in the UI tree, as ``UIElement``s in device pixels."""
    screen = coords.Screen.same_size(phone.width, phone.height)
    elements = []
    for node in phone.nodes():
        if not node.tree:
            continue
        left, top, right, bottom = phone.density.box(node.box)
        elements.append(
            UIElement(
                bounds=coords.box_from_device(
                    left, top, min(right, phone.width - 1), min(bottom, phone.height - 1), screen
                ),
                text=node.text,
                description=node.desc,
                kind=ui.CLASSES.get(node.kind, "android.view.View").rsplit(".", 1)[-1],
                resource_id=resource_id(phone, node),
                clickable=node.clickable,
                focused=node.focused,
                checked=node.checked if node.kind == "switch" else None,
                scrollable=node.scrollable,
            )
        )
    return tuple(elements)


def resource_id(phone: SimPhone, node: ui.Node) -> str:
    """A view's full resource id (``package:id/name``), or empty."""
    if not node.rid:
        return ""
    package = "com.android.systemui" if node.kind == "nav" else phone.app
    return f"{package}:id/{node.rid}"


def hierarchy(phone: SimPhone) -> str:
    """The screen as AOSP ``uiautomator dump`` writes it (attributes in its order)."""
    rows = []
    for index, node in enumerate(n for n in phone.nodes() if n.tree):
        left, top, right, bottom = phone.density.box(node.box)
        checkable = node.kind == "switch"
        flag = {True: "true", False: "false"}
        rows.append(
            f'<node index="{index}" text="{xml_escape(node.text)}" '
            f'resource-id="{resource_id(phone, node)}" '
            f'class="{ui.CLASSES.get(node.kind, "android.view.View")}" package="{phone.app}" '
            f'content-desc="{xml_escape(node.desc)}" checkable="{flag[checkable]}" '
            f'checked="{flag[bool(node.checked) and checkable]}" clickable="{flag[node.clickable]}" '
            f'enabled="true" focusable="{flag[node.kind == "field" or node.clickable]}" '
            f'focused="{flag[node.focused]}" scrollable="{flag[node.scrollable]}" '
            f'long-clickable="false" password="false" selected="false" '
            f'bounds="[{left},{top}][{min(right, phone.width)},{min(bottom, phone.height)}]" />'
        )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<hierarchy rotation="{phone.rotation}"><node index="0" text="" resource-id="" '
        f'class="android.widget.FrameLayout" package="{phone.app}" content-desc="" '
        'checkable="false" checked="false" clickable="false" enabled="true" '
        'focusable="false" focused="false" scrollable="false" long-clickable="false" '
        f'password="false" selected="false" bounds="[0,0][{phone.width},{phone.height}]">'
        + "".join(rows)
        + "</node></hierarchy>"
    )
