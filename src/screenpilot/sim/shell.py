"""A small Android ``sh`` shared by every simulated device: answers to the commands adb clients
send (``input``, ``screencap``, ``uiautomator``, ``wm``, ``dumpsys``, ``am``, ``monkey``, ``pm``,
``ime``, ``settings``, ``getprop``), in the formats AOSP's tools print.

It executes nothing on the host. Command lines are split by ``shell_syntax.lex`` with POSIX
rules; anything a real shell would *expand or run* outside quotes is recorded in
``injections`` so tests can prove text never reaches the shell unquoted. A device supplies the
hooks (``app``, ``_tap``, ``_swipe``, ``_key``, ``_type_into``, ``_launch``, ``screencap``,
``hierarchy``).
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field

from screenpilot.sim.shell_syntax import lex

ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"
TYPABLE = frozenset(chr(c) for c in range(0x20, 0x7F))
"""What ``input text`` can deliver: the virtual keyboard's printable ASCII."""

Output = tuple[bytes, bytes, int]


@dataclass
class Faults:
    """Failures a served device injects on request (tests use them).

    The reply faults (``cut``, ``stall``, ``garbage``, ``trickle``) are keyed by what they hit:
    a command's name (``"screencap"``, ``"input"``), a whole service (``"exec:screencap"``, the
    raw capture only), ``"sync"`` (file pulls) or ``"host"`` (the server's own replies and the
    transport handshake before every device request: the whole server misbehaves). Offsets
    count the bytes of one reply, its ``OKAY`` included."""

    online: bool = True
    exec_service: bool = True
    """False: the ``exec:`` service is refused, as on an adbd that predates it."""
    raw_screencap: bool = True
    """False: plain ``screencap`` prints an error instead of raw pixels."""
    screencap_warning: str = ""
    """Printed by ``screencap`` before the image, as multi-display devices do."""
    exit_codes: dict[str, int] = field(default_factory=dict)
    """Command name -> exit status it fails with (and a message on stderr)."""
    cut: dict[str, int] = field(default_factory=dict)
    """Close the connection after this many bytes of the reply (0: without answering)."""
    stall: dict[str, int] = field(default_factory=dict)
    """Send nothing more after this many bytes of the reply, until the server stops
    (0: accept the request, then silence; 4: ``OKAY``, then silence)."""
    garbage: dict[str, int] = field(default_factory=dict)
    """From this byte of the reply on, send bytes that are not adb (0: instead of ``OKAY``)."""
    trickle: dict[str, float] = field(default_factory=dict)
    """Send the reply ``trickle_bytes`` at a time, this many seconds apart."""
    trickle_bytes: int = 1
    times: int | None = None
    """How many replies the reply faults still hit (None: every one); each hit counts one."""

    def faulted(self) -> set[str]:
        """The names some reply fault hits."""
        return set(self.cut) | set(self.stall) | set(self.garbage) | set(self.trickle)

    def reply_fault(self, *names: str) -> str | None:
        """The first of ``names`` a reply fault hits, counting it against ``times``."""
        faulted = self.faulted()
        name = next((name for name in names if name in faulted), None)
        if name is None or self.times == 0:
            return None
        if self.times is not None:
            self.times -= 1
        return name


class AndroidShell:
    """The shell of a simulated device. Subclasses hold the attributes below and the hooks."""

    serial: str
    model: str
    android_version: str
    sdk: int
    natural_size: tuple[int, int]
    rotation: int
    packages: list[str]
    imes: list[str]
    ime: str
    files: dict[str, bytes]
    commands: list[list[str]]
    injections: list[str]
    faults: Faults
    lock: threading.RLock

    # --- hooks ------------------------------------------------------------------------------

    @property
    def app(self) -> str:
        """The package of the app in the foreground (a subclass may hold it as an attribute)."""
        raise NotImplementedError

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in the current orientation."""
        w, h = self.natural_size
        return (h, w) if self.rotation % 2 else (w, h)

    def changed(self) -> None:
        """The screen changed (invalidate caches, start animations)."""

    def _tap(self, x: int, y: int) -> None:
        raise NotImplementedError

    def _swipe(self, x1: int, y1: int, x2: int, y2: int, ms: int) -> None:
        raise NotImplementedError

    def _key(self, code: int) -> None:
        raise NotImplementedError

    def _type_into(self, text: str) -> None:
        raise NotImplementedError

    def _launch(self, package: str) -> Output:
        raise NotImplementedError

    def screencap(self, png: bool) -> bytes:
        raise NotImplementedError

    def hierarchy(self) -> str:
        raise NotImplementedError

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
        operator, argv = ";", list[str]()
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
                x1, y1, x2, y2 = (int(v) for v in rest[:4])
                self._swipe(x1, y1, x2, y2, int(rest[4]) if len(rest) == 5 else 300)
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


def xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
        .replace("\r", "&#13;")
    )
