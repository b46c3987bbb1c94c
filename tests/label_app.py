"""A Tk window of labelled buttons for the OCR safety tests; Tk exposes no accessibility tree.

    python tests/label_app.py STATE.json LABEL [LABEL ...] [--x 100 --y 80]

Each button records its label in STATE.json when pressed (written atomically). The file also
says where each button is on the screen (root coordinates) once the window is shown there.
"""

from __future__ import annotations

import argparse
import json
import os
import tkinter as tk
from pathlib import Path
from typing import Any


class App:
    def __init__(self, root: tk.Tk, state_path: Path, labels: list[str], x: int, y: int) -> None:
        self.root, self.state_path, self.x, self.y = root, state_path, x, y
        self.state: dict[str, Any] = {"ready": False, "widgets": {}, "pressed": []}
        self.buttons: dict[str, tk.Button] = {}
        for column, label in enumerate(labels):
            button = tk.Button(root, text=label, command=lambda label=label: self._press(label))
            button.grid(row=0, column=column, padx=12, pady=12)
            self.buttons[label] = button
        root.after(200, self._announce)

    def _press(self, label: str) -> None:
        self.state["pressed"].append(label)
        self._save()

    def _announce(self) -> None:
        # Report geometry only once the window is on the screen where it was asked to be.
        self.root.update_idletasks()
        where = (self.root.winfo_rootx(), self.root.winfo_rooty())
        if not self.root.winfo_viewable() or where != (self.x, self.y):
            self.root.after(50, self._announce)
            return
        self.state["widgets"] = {
            label: [b.winfo_rootx(), b.winfo_rooty(), b.winfo_width(), b.winfo_height()]
            for label, b in self.buttons.items()
        }
        self.state["ready"] = True
        self._save()

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
    parser.add_argument("--font", default=None, help="a Tk font spec, e.g. 'DejaVuSans 11'")
    args = parser.parse_args()
    root = tk.Tk()
    root.title("labels")
    root.geometry(f"+{args.x}+{args.y}")
    if args.font:
        root.option_add("*Font", args.font)
    App(root, args.state, args.labels, args.x, args.y)
    root.mainloop()


if __name__ == "__main__":
    main()
