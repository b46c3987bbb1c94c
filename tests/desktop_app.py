"""A small Tk application the desktop tests drive through DesktopEnv.

    python tests/desktop_app.py STATE.json [--x 100 --y 80]

It has two buttons, a label that records any mouse button, a text entry, a scrollable list and
a canvas, and keeps STATE.json up to date (written atomically every 50 ms when something
changed): where every widget is on the screen (root coordinates), every click with its button
and coordinates, the entry's text and every value it had, the list's first visible row (and each it had), and
what the canvas saw (presses with how long they were held and where they ended, pointer
motion, wheel buttons). Tests assert this file, not the calls they made.
"""

from __future__ import annotations

import argparse
import json
import os
import tkinter as tk
from pathlib import Path
from typing import Any


class App:
    def __init__(self, root: tk.Tk, state_path: Path, x: int, y: int) -> None:
        self.root, self.state_path, self.x, self.y = root, state_path, x, y
        self.state: dict[str, Any] = {
            "ready": False,
            "widgets": {},
            "clicks": [],
            "doubles": [],
            "commands": {"one": 0, "two": 0},
            "entry": "",
            "entry_history": [],
            "list_top": 0,
            "list_tops": [0],
            "canvas_presses": [],
            "canvas_hover": None,
            "canvas_wheel": [],
        }
        self._written = ""
        self._press: dict[str, Any] | None = None

        self.one = tk.Button(root, text="One", width=10, command=lambda: self._command("one"))
        self.two = tk.Button(root, text="Two", width=10, command=lambda: self._command("two"))
        self.menu = tk.Label(root, text="Any button", relief="raised", width=12)
        self.text = tk.StringVar(root)
        # A steady cursor: a blink would count as the paste showing on the screen.
        self.entry = tk.Entry(root, textvariable=self.text, width=40, insertofftime=0)
        frame = tk.Frame(root)
        self.listbox = tk.Listbox(frame, height=10, width=30)
        scrollbar = tk.Scrollbar(frame, command=self.listbox.yview)
        self.listbox.configure(yscrollcommand=scrollbar.set)
        for number in range(200):
            self.listbox.insert("end", f"item {number}")
        self.canvas = tk.Canvas(root, width=300, height=160, background="#dde")

        self.one.grid(row=0, column=0, padx=10, pady=10)
        self.two.grid(row=0, column=1, padx=10, pady=10)
        self.menu.grid(row=0, column=2, padx=10, pady=10)
        self.entry.grid(row=1, column=0, columnspan=3, padx=10, pady=10)
        frame.grid(row=2, column=0, columnspan=3, padx=10, pady=10)
        self.listbox.pack(side="left")
        scrollbar.pack(side="right", fill="y")
        self.canvas.grid(row=3, column=0, columnspan=3, padx=10, pady=10)

        for name, widget in (("one", self.one), ("two", self.two), ("menu", self.menu)):
            widget.bind("<ButtonPress>", lambda event, name=name: self._click(name, event), "+")
            widget.bind("<Double-Button-1>", lambda event, name=name: self._double(name, event))
        self.text.trace_add("write", lambda *_: self._entry_changed())
        # Select-all as most desktop applications bind it (Tk's own Ctrl+A moves to line start).
        self.entry.bind("<Control-a>", self._select_all)
        self.canvas.bind("<ButtonPress-1>", self._canvas_press)
        self.canvas.bind("<B1-Motion>", self._canvas_drag)
        self.canvas.bind("<ButtonRelease-1>", self._canvas_release)
        self.canvas.bind("<Motion>", self._canvas_hover)
        self.canvas.bind("<ButtonPress>", self._canvas_wheel, "+")
        root.after(300, self._announce)

    def _click(self, name: str, event: tk.Event[Any]) -> None:
        self.state["clicks"].append(
            {"widget": name, "button": event.num, "x": event.x_root, "y": event.y_root}
        )

    def _double(self, name: str, event: tk.Event[Any]) -> None:
        # The second press of a double click reaches only this, more specific, binding.
        self._click(name, event)
        self.state["doubles"].append(name)

    def _command(self, name: str) -> None:
        self.state["commands"][name] += 1

    def _entry_changed(self) -> None:
        value = self.text.get()
        self.state["entry"] = value
        self.state["entry_history"].append(value)

    def _select_all(self, _event: tk.Event[Any]) -> str:
        self.entry.selection_range(0, "end")
        self.entry.icursor("end")
        return "break"

    def _canvas_press(self, event: tk.Event[Any]) -> None:
        self._press = {
            "start": [event.x_root, event.y_root],
            "t": event.time,
            "motions": 0,
        }

    def _canvas_drag(self, event: tk.Event[Any]) -> None:
        if self._press is not None:
            self._press["motions"] += 1

    def _canvas_release(self, event: tk.Event[Any]) -> None:
        press, self._press = self._press, None
        if press is None:
            return
        held = (int(event.time) - int(press.pop("t"))) / 1000  # X server timestamps, in ms
        self.state["canvas_presses"].append(
            {**press, "end": [event.x_root, event.y_root], "held_s": held}
        )

    def _canvas_hover(self, event: tk.Event[Any]) -> None:
        self.state["canvas_hover"] = [event.x_root, event.y_root]

    def _canvas_wheel(self, event: tk.Event[Any]) -> None:
        # Tk 8.6 on X11 reports the horizontal wheel (X buttons 6 / 7) as Shift + button 4 / 5.
        if event.num in (4, 5, 6, 7):
            shift = "+shift" if int(event.state) & 1 else ""
            self.state["canvas_wheel"].append(f"{event.num}{shift}")

    def _announce(self) -> None:
        # Report geometry only once the window is on the screen where it was asked to be.
        self.root.update_idletasks()
        if not self.root.winfo_viewable() or (self.root.winfo_rootx(), self.root.winfo_rooty()) != (
            self.x,
            self.y,
        ):
            self.root.after(50, self._announce)
            return
        widgets = {
            "one": self.one,
            "two": self.two,
            "menu": self.menu,
            "entry": self.entry,
            "list": self.listbox,
            "canvas": self.canvas,
        }
        self.state["widgets"] = {
            name: [w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()]
            for name, w in widgets.items()
        }
        self.state["list_row_height"] = self.listbox.bbox(0)[3] if self.listbox.bbox(0) else 0
        self.state["ready"] = True
        self._save()

    def _save(self) -> None:
        top = self.listbox.nearest(0)
        if top != self.state["list_top"]:
            self.state["list_top"] = top
            self.state["list_tops"].append(top)
        text = json.dumps(self.state, ensure_ascii=False)
        if text != self._written:
            temporary = self.state_path.with_suffix(".tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.state_path)
            self._written = text
        self.root.after(50, self._save)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("state", type=Path)
    parser.add_argument("--x", type=int, default=100)
    parser.add_argument("--y", type=int, default=80)
    args = parser.parse_args()
    root = tk.Tk()
    root.title("screenpilot test app")
    root.geometry(f"+{args.x}+{args.y}")
    App(root, args.state, args.x, args.y)
    root.mainloop()


if __name__ == "__main__":
    main()
