"""A virtual Android phone for tests: state and a screen rendered from it.

Its shell is the simulated devices' shared one (``screenpilot.sim.shell``): command
lines are split with POSIX quoting, anything a real shell would expand or run is recorded in
``injections``, and ``wm``, ``dumpsys``, ``input``, ``am``, ``monkey``, ``pm``, ``ime``,
``settings``, ``getprop``, ``screencap`` and ``uiautomator`` answer in AOSP's formats. This
device supplies the hooks: one text field, and a record of every gesture, key and typed text.
"""

from __future__ import annotations

import io
import struct
import threading
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from screenpilot.sim.shell import (
    ADB_KEYBOARD,
    LATIN_IME,
    AndroidShell,
    Faults,
    Output,
    xml_escape,
)

__all__ = ["ADB_KEYBOARD", "LATIN_IME", "Faults", "VirtualDevice"]
FIELD_BOX = (0.05, 0.15, 0.95, 0.22)
"""The text field, normalized in the current (rotated) frame."""


@dataclass
class VirtualDevice(AndroidShell):
    """State of one phone; every method is called with ``lock`` held by the server."""

    serial: str = "emulator-5554"
    natural_size: tuple[int, int] = (1080, 2400)
    rotation: int = 0
    model: str = "Pixel 7"
    android_version: str = "14"
    sdk: int = 34
    packages: list[str] = field(
        default_factory=lambda: [
            "com.android.settings",
            "com.google.android.apps.maps",
            "com.android.chrome",
            "com.example.notes",
        ]
    )
    imes: list[str] = field(default_factory=lambda: [LATIN_IME])
    ime: str = LATIN_IME
    app: str = "com.google.android.apps.nexuslauncher"
    secure: bool = False
    """The focused app set FLAG_SECURE: screenshots come out black."""
    screencap_natural: bool = False
    """Capture in the panel's natural orientation even when rotated (some devices do)."""
    backdrop: Image.Image | None = None
    """Drawn behind the UI (current-orientation size), e.g. busy content for benchmarks."""
    png_level: int = 1
    """zlib level of ``screencap -p`` (fast for tests; benchmarks use a typical 6)."""
    animation_frames: int = 0
    """Each action starts an animation lasting this many captures."""
    focused: bool = False
    field_text: str = ""
    max_length: int | None = None
    """Like an EditText's maxLength: the field silently keeps only this many characters."""
    events: list[tuple[str, ...]] = field(default_factory=list)
    """Every gesture and key, as ('tap', x, y), ('swipe', x1, y1, x2, y2, ms), ('key', code)."""
    typed: list[str] = field(default_factory=list)
    """Every string the device accepted as typed text, in order."""
    commands: list[list[str]] = field(default_factory=list)
    """Every command (argv) the shell ran."""
    injections: list[str] = field(default_factory=list)
    """Shell syntax that a real shell would have expanded or executed."""
    files: dict[str, bytes] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _animating: int = 0
    _version: int = 0
    _frame: tuple[tuple[object, ...], Image.Image] | None = None
    _encoded: dict[tuple[tuple[object, ...], bool], bytes] = field(default_factory=dict)

    # --- screen ------------------------------------------------------------------------------

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in the current orientation."""
        w, h = self.natural_size
        return (h, w) if self.rotation % 2 else (w, h)

    def changed(self) -> None:
        self._version += 1
        self._animating = self.animation_frames

    def render(self) -> Image.Image:
        """The screen as the user sees it now (current orientation)."""
        if self._animating:
            self._animating -= 1
            self._version += 1
        key = (self._version, self.secure, self.rotation, self.app, self.field_text, self.focused)
        if self._frame is not None and self._frame[0] == key:
            return self._frame[1]
        width, height = self.size
        shade = sum(self.app.encode()) % 200
        image = Image.new("RGB", (width, height), (30, 60 + shade // 4, 90 + shade // 2))
        if self.backdrop is not None and self.backdrop.size == image.size:
            image.paste(self.backdrop)
        if not self.secure:
            draw = ImageDraw.Draw(image)
            left, top, right, bottom = FIELD_BOX
            box = (left * width, top * height, right * width, bottom * height)
            draw.rectangle(box, fill=(255, 255, 255), outline=(0, 120, 255) if self.focused else 0)
            draw.text((box[0] + 20, box[1] + 20), self.field_text[-60:], fill=0, font_size=48)
            draw.text((40, 40), f"{self.app} taps={len(self.events)}", fill=(255, 255, 255))
            for event in self.events[-3:]:
                if event[0] == "tap":
                    x, y = int(event[1]), int(event[2])
                    draw.ellipse((x - 30, y - 30, x + 30, y + 30), fill=(255, 40, 40))
            if self._animating:
                x = (self._animating * 97) % width
                draw.rectangle((x, height // 2, x + 200, height // 2 + 200), fill=(250, 200, 0))
        else:
            image = Image.new("RGB", (width, height))
        self._frame = (key, image)
        return image

    def capture(self) -> Image.Image:
        """What ``screencap`` captures: the screen, or the unrotated panel on some devices."""
        image = self.render()
        if self.screencap_natural and self.rotation:
            image = image.rotate(-90 * self.rotation, expand=True)
        return image

    def screencap(self, png: bool) -> bytes:
        """The bytes ``screencap`` writes; encoded once per frame, like a device's cost that
        host-side measurements should leave out."""
        image = self.capture()
        assert self._frame is not None
        frame = (*self._frame[0], self.screencap_natural)
        cached = self._encoded.get((frame, png))
        if cached is not None:
            return cached
        if png:
            buffer = io.BytesIO()
            image.save(buffer, "PNG", compress_level=self.png_level)
            data = buffer.getvalue()
        else:
            # AOSP cmds/screencap: width, height, format (1 = RGBA_8888), dataspace, pixels.
            header = struct.pack("<IIII", image.width, image.height, 1, 0)
            data = header + image.convert("RGBA").tobytes()
        self._encoded = {key: value for key, value in self._encoded.items() if key[0] == frame}
        self._encoded[(frame, png)] = data
        return data

    def hierarchy(self) -> str:
        """A ``uiautomator dump`` of the current screen (format of AOSP UiAutomator dumps)."""
        width, height = self.size
        left, top, right, bottom = FIELD_BOX
        bounds = f"[{int(left * width)},{int(top * height)}][{int(right * width)},{int(bottom * height)}]"
        text = xml_escape(self.field_text)
        return (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
            f'<hierarchy rotation="{self.rotation}">'
            f'<node index="0" text="" resource-id="" class="android.widget.FrameLayout" '
            f'package="{self.app}" content-desc="" checkable="false" checked="false" '
            f'clickable="false" enabled="true" focusable="false" focused="false" '
            f'scrollable="false" long-clickable="false" password="false" selected="false" '
            f'bounds="[0,0][{width},{height}]">'
            f'<node index="0" text="{text}" resource-id="{self.app}:id/note" '
            f'class="android.widget.EditText" package="{self.app}" content-desc="Note" '
            f'checkable="false" checked="false" clickable="true" enabled="true" '
            f'focusable="true" focused="{str(self.focused).lower()}" scrollable="false" '
            f'long-clickable="true" password="false" selected="false" bounds="{bounds}" />'
            "</node></hierarchy>"
        )

    # --- the hooks the shared shell calls -------------------------------------------------

    def _tap(self, x: int, y: int) -> None:
        self.events.append(("tap", str(x), str(y)))
        width, height = self.size
        left, top, right, bottom = FIELD_BOX
        self.focused = left * width <= x < right * width and top * height <= y < bottom * height

    def _key(self, code: int) -> None:
        self.events.append(("key", str(code)))
        if self.focused and code in (66, 61):
            self._type_into("\n" if code == 66 else "\t")
        elif self.focused and code == 67:
            self.field_text = self.field_text[:-1]

    def _swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        self.events.append(("swipe", str(x1), str(y1), str(x2), str(y2), str(ms)))

    def _type_into(self, text: str) -> None:
        if self.focused:
            self.field_text = (self.field_text + text)[: self.max_length]
            self.typed.append(text)

    def _launch(self, package: str) -> Output:
        if package not in self.packages:
            return b"** No activities found to run, monkey aborted.\n", b"", 252
        self.app, self.focused = package, False
        self.changed()
        return b"  bash arg: -p\nEvents injected: 1\n", b"", 0
