"""A GTK 3 window of labelled buttons, which exports its widgets over AT-SPI.

    python3 tests/gtk_app.py STATE.json LABEL [LABEL ...] [--x 100 --y 80]

Run with a Python that has PyGObject and GTK 3 (Debian: python3-gi, gir1.2-gtk-3.0 and, for
the accessibility bridge, libatk-adaptor), on a D-Bus session bus. Each button records its
label in STATE.json when pressed; the file also says where each button is on the screen.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402


class App:
    def __init__(self, state_path: Path, labels: list[str], x: int, y: int) -> None:
        self.state_path, self.x, self.y = state_path, x, y
        self.state: dict[str, Any] = {"ready": False, "widgets": {}, "pressed": []}
        self.window = Gtk.Window(title="labels (GTK)")
        grid = Gtk.Grid(column_spacing=12, row_spacing=8)
        grid.set_border_width(12)
        self.buttons: dict[str, Any] = {}
        for index, label in enumerate(labels):
            button = Gtk.Button(label=label)
            button.connect("clicked", lambda _button, label=label: self._press(label))
            grid.attach(button, index % 10, index // 10, 1, 1)  # ten a row
            self.buttons[label] = button
        self.window.add(grid)
        self.window.move(x, y)
        self.window.connect("destroy", Gtk.main_quit)
        self.window.show_all()
        GLib.timeout_add(200, self._announce)

    def _press(self, label: str) -> None:
        self.state["pressed"].append(label)
        self._save()

    def _announce(self) -> bool:
        # Report geometry only once the window is on the screen where it was asked to be.
        gdk_window = self.window.get_window()
        if gdk_window is None or tuple(gdk_window.get_origin()[1:]) != (self.x, self.y):
            return True  # ask again
        widgets = {}
        for label, button in self.buttons.items():
            allocation = button.get_allocation()
            left, top = button.translate_coordinates(self.window, 0, 0)
            widgets[label] = [self.x + left, self.y + top, allocation.width, allocation.height]
        self.state["widgets"] = widgets
        self.state["ready"] = True
        self._save()
        return False

    def _save(self) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.state, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.state_path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("state", type=Path)
    parser.add_argument("labels", nargs="+")
    parser.add_argument("--x", type=int, default=100)
    parser.add_argument("--y", type=int, default=80)
    args = parser.parse_args()
    App(args.state, args.labels, args.x, args.y)
    Gtk.main()


if __name__ == "__main__":
    main()
