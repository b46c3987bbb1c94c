"""A virtual Android phone for tests: state, a screen rendered from it, and a small ``sh``.

It executes nothing on the host. Command lines are split with POSIX shell quoting rules
(single and double quotes, backslashes, ``;``, ``&&``, ``||``, ``$?``); anything a real shell
would *expand or run* outside quotes (``$(...)``, backticks, ``$VAR``, globs, pipes, redirections)
is recorded in ``injections`` so tests can prove the environment never lets text reach the shell
unquoted. Commands are interpreted the way Android's tools answer them (``wm``, ``dumpsys``,
``input``, ``am``, ``monkey``, ``pm``, ``ime``, ``settings``, ``getprop``, ``screencap``,
``uiautomator``), with the output formats quoted from AOSP where a client parses them.
"""

from __future__ import annotations

import base64
import io
import struct
import threading
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from tests.android_shell import lex

ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"
FIELD_BOX = (0.05, 0.15, 0.95, 0.22)
"""The text field, normalized in the current (rotated) frame."""
TYPABLE = {chr(c) for c in range(0x20, 0x7F)}
"""What ``input text`` can deliver: the virtual keyboard's printable ASCII."""

Output = tuple[bytes, bytes, int]


@dataclass
class Faults:
    """Failures the server injects on request."""

    online: bool = True
    drop_screencap_after: int | None = None
    """Close the connection after this many bytes of a screencap."""
    exec_service: bool = True
    """False: the ``exec:`` service is refused, as on an adbd that predates it."""
    raw_screencap: bool = True
    """False: plain ``screencap`` prints an error instead of raw pixels."""
    screencap_warning: str = ""
    """Printed before the image, as screencap does on multi-display devices."""
    exit_codes: dict[str, int] = field(default_factory=dict)
    """Command name -> exit status it fails with (and a message on stderr)."""
    hang: set[str] = field(default_factory=set)
    """Command names that never answer (until the server stops)."""


@dataclass
class VirtualDevice:
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
        text = _xml_escape(self.field_text)
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

    # --- the shell ---------------------------------------------------------------------------

    def run_shell(self, line: str) -> Output:
        """Run a command line the way ``/system/bin/sh -c`` would, without running anything."""
        out, err = bytearray(), bytearray()
        status = 0
        for operator, argv in self._parse(line):
            if (operator == "&&" and status != 0) or (operator == "||" and status == 0):
                continue
            argv = [a.replace("\0?", str(status)) for a in argv]
            if not argv:
                continue
            self.commands.append(argv)
            o, e, status = self.command(argv)
            out += o
            err += e
        return bytes(out), bytes(err), status

    def _parse(self, line: str) -> list[tuple[str, list[str]]]:
        commands: list[tuple[str, list[str]]] = []
        operator, argv = ";", []
        for kind, value in lex(line, self.injections):
            if kind == "op":
                commands.append((operator, argv))
                operator, argv = value, []
            else:
                argv.append(value)
        commands.append((operator, argv))
        return commands

    def command(self, argv: list[str]) -> Output:
        name, args = argv[0], argv[1:]
        if name in self.faults.exit_codes:
            code = self.faults.exit_codes[name]
            return b"", f"{name}: injected failure\n".encode(), code
        handler = getattr(self, f"_cmd_{name.replace('-', '_')}", None)
        if handler is None:
            return b"", f"/system/bin/sh: {name}: inaccessible or not found\n".encode(), 127
        result: Output = handler(args)
        return result

    def _cmd_echo(self, args: list[str]) -> Output:
        return (" ".join(args) + "\n").encode(), b"", 0

    def _cmd_wm(self, args: list[str]) -> Output:
        if args[:1] == ["size"]:
            w, h = self.natural_size
            return f"Physical size: {w}x{h}\n".encode(), b"", 0
        return b"", b"wm: unsupported\n", 1

    def _cmd_dumpsys(self, args: list[str]) -> Output:
        w, h = self.natural_size
        if args[:1] == ["display"]:
            lw, lh = self.size
            return (
                (
                    "DISPLAY MANAGER (dumpsys display)\n  mViewports=[DisplayViewport{type=INTERNAL, "
                    f"valid=true, isActive=true, displayId=0, orientation={self.rotation}, "
                    f"logicalFrame=Rect(0, 0 - {lw}, {lh}), deviceWidth={w}, deviceHeight={h}}}]\n"
                ).encode(),
                b"",
                0,
            )
        if args[:1] == ["window"]:
            activity = f"{self.app}/{self.app}.MainActivity"
            return (
                (
                    f"WINDOW MANAGER WINDOWS (dumpsys window windows)\n"
                    f"  mCurrentFocus=Window{{5d2c1e0 u0 {activity}}}\n"
                    f"  mFocusedApp=ActivityRecord{{a1b2c3 u0 {activity} t12}}\n"
                ).encode(),
                b"",
                0,
            )
        return b"", b"", 0

    def _cmd_getprop(self, args: list[str]) -> Output:
        props = {
            "ro.product.model": self.model,
            "ro.build.version.release": self.android_version,
            "ro.build.version.sdk": str(self.sdk),
        }
        if args:
            return (props.get(args[0], "") + "\n").encode(), b"", 0
        return "".join(f"[{k}]: [{v}]\n" for k, v in props.items()).encode(), b"", 0

    def _cmd_input(self, args: list[str]) -> Output:
        if args and args[0] in {"touchscreen", "keyboard"}:
            args = args[1:]
        if not args:
            return b"", b"usage: input ...\n", 1
        verb, rest = args[0], args[1:]
        try:
            if verb == "tap" and len(rest) == 2:
                self._tap(int(rest[0]), int(rest[1]))
            elif verb == "swipe" and len(rest) in (4, 5):
                self.events.append(("swipe", *rest[:4], rest[4] if len(rest) == 5 else "300"))
                [int(v) for v in rest]
            elif verb == "keyevent" and rest:
                for code in rest:
                    self._key(int(code))
            elif verb == "text" and rest:
                return self._text(rest[0])
            else:
                return b"", f"Error: Unknown command: {verb} {rest}\n".encode(), 1
        except ValueError as exc:
            return b"", f"Error: {exc}\n".encode(), 1
        self.changed()
        return b"", b"", 0

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

    def _text(self, argument: str) -> Output:
        # AOSP InputShellCommand.sendText: "%s" becomes a space; characters missing from the
        # virtual keyboard's key map make the whole command fail before anything is typed.
        text = argument.replace("%s", " ")
        missing = sorted(set(text) - TYPABLE)
        if missing:
            message = f"Exception occurred while executing 'text': no key for {missing!r}\n"
            return b"", message.encode(), 255
        self._type_into(text)
        self.changed()
        return b"", b"", 0

    def _type_into(self, text: str) -> None:
        if self.focused:
            self.field_text = (self.field_text + text)[: self.max_length]
            self.typed.append(text)

    def _cmd_am(self, args: list[str]) -> Output:
        if args[:1] == ["broadcast"]:
            action = args[args.index("-a") + 1] if "-a" in args else ""
            extra = args[args.index("--es") + 1 : args.index("--es") + 3] if "--es" in args else []
            if self.ime == ADB_KEYBOARD and action == "ADB_INPUT_B64" and extra[:1] == ["msg"]:
                text = base64.b64decode(extra[1], validate=True).decode("utf-8")
                self._type_into(text)
                self.changed()
            return (
                (
                    f"Broadcasting: Intent {{ act={action} flg=0x400000 (has extras) }}\n"
                    "Broadcast completed: result=0\n"
                ).encode(),
                b"",
                0,
            )
        if args[:1] == ["start"] and "-n" in args:
            package = args[args.index("-n") + 1].split("/")[0]
            return self._launch(package)
        if args[:1] == ["force-stop"]:
            return b"", b"", 0
        return b"", b"am: unsupported\n", 1

    def _cmd_monkey(self, args: list[str]) -> Output:
        package = args[args.index("-p") + 1] if "-p" in args else ""
        return self._launch(package)

    def _launch(self, package: str) -> Output:
        if package not in self.packages:
            return b"** No activities found to run, monkey aborted.\n", b"", 252
        self.app, self.focused = package, False
        self.changed()
        return b"  bash arg: -p\nEvents injected: 1\n", b"", 0

    def _cmd_pm(self, args: list[str]) -> Output:
        if args[:2] == ["list", "packages"]:
            return "".join(f"package:{p}\n" for p in self.packages).encode(), b"", 0
        return b"", b"pm: unsupported\n", 1

    def _cmd_ime(self, args: list[str]) -> Output:
        if args[:1] == ["list"]:
            return "".join(f"{ime}\n" for ime in self.imes).encode(), b"", 0
        return b"", b"ime: unsupported\n", 1

    def _cmd_settings(self, args: list[str]) -> Output:
        if args == ["get", "secure", "default_input_method"]:
            return f"{self.ime}\n".encode(), b"", 0
        return b"null\n", b"", 0

    def _cmd_screencap(self, args: list[str]) -> Output:
        png = "-p" in args
        if not png and not self.faults.raw_screencap:
            return b"", b"screencap: raw output is not supported\n", 1
        return self.faults.screencap_warning.encode() + self.screencap(png), b"", 0

    def _cmd_uiautomator(self, args: list[str]) -> Output:
        if args[:1] != ["dump"]:
            return b"", b"uiautomator: unsupported\n", 1
        path = args[1] if len(args) > 1 else "/sdcard/window_dump.xml"
        self.files[path] = self.hierarchy().encode()
        return f"UI hierchary dumped to: {path}\n".encode(), b"", 0

    def _cmd_rm(self, args: list[str]) -> Output:
        for path in args:
            if not path.startswith("-"):
                self.files.pop(path, None)
        return b"", b"", 0

    def _cmd_cat(self, args: list[str]) -> Output:
        if args and args[0] in self.files:
            return self.files[args[0]], b"", 0
        return b"", b"cat: No such file or directory\n", 1


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
        .replace("\r", "&#13;")
    )
