"""One Android device behind an adb server: checked shell commands, streams and pulls, each
done within one deadline.

Built on adbutils' client (``adb_wire.BoundedClient``), with what it does not do by itself:
each operation (a shell command, a stream, a pull) ends within ``timeout`` seconds in all,
however slowly the device sends; every failure becomes a ``DeviceError`` naming the device and
command, a ``TransportError`` when the connection itself failed (refused, cut, timed out, bytes
that are not adb); command exit statuses are checked; and streams are read with a bytearray
reader (adbutils' ``read_until_close`` grows a bytes object 4 KiB at a time, which takes ~0.5 s
for a 10 MB frame).
"""

from __future__ import annotations

import os
import shlex
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from screenpilot.environments.deadline import Deadline
from screenpilot.errors import ConfigError, DeviceError, require

if TYPE_CHECKING:
    from screenpilot.environments.adb_wire import BoundedClient

DEFAULT_PORT = 5037


def server_address(host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """The adb server to use: arguments, else ``ANDROID_ADB_SERVER_HOST/PORT``, else 5037."""
    host = host or os.environ.get("ANDROID_ADB_SERVER_HOST") or "127.0.0.1"
    if port is None:
        text = os.environ.get("ANDROID_ADB_SERVER_PORT", str(DEFAULT_PORT))
        try:
            port = int(text)
        except ValueError:
            msg = f"ANDROID_ADB_SERVER_PORT must be a port number, got {text!r}"
            raise ConfigError(msg) from None
    return host, port


def connect_client(host: str | None, port: int | None, timeout: float) -> BoundedClient:
    """An adbutils client whose every operation ends within ``timeout`` seconds."""
    if not timeout > 0:
        raise ConfigError(f"the adb timeout must be a positive number of seconds, got {timeout}")
    require("adbutils", "android")
    from screenpilot.environments.adb_wire import BoundedClient

    client = BoundedClient(*server_address(host, port), timeout)
    client.start_server()
    return client


class TransportError(DeviceError):
    """The connection to the adb server failed: refused, cut off, timed out, or its bytes
    are not adb. ``reason`` says which, without the device and command."""

    def __init__(
        self, reason: str, *, what: str = "", device: str | None = None, command: str | None = None
    ) -> None:
        super().__init__(
            f"{what} failed: {reason}" if what else reason, device=device, command=command
        )
        self.reason = reason


class ServiceRefused(DeviceError):
    """The device refused a service (``FAIL`` reply), e.g. an old adbd without ``exec:``."""


def transport_reason(exc: BaseException, deadline: Deadline | None) -> str | None:
    """How the connection failed, or None when the server or device answered with an error
    (a ``FAIL`` reply: no such device, no such file)."""
    adbutils = require("adbutils", "android")
    if isinstance(exc, TimeoutError | adbutils.AdbTimeout) or (deadline and deadline.expired):
        limit = f" within {deadline.seconds:.3g} s" if deadline else ""
        return f"timed out: no complete reply{limit}"
    if isinstance(exc, ConnectionRefusedError):
        return f"the adb server refused the connection ({exc.strerror or exc})"
    args = exc.args
    if args and args[0] == "Invalid sync cmd" and len(args) > 1 and args[1]:
        return f"the reply is not adb protocol (it starts {args[1]!r})"
    if args and isinstance(args[0], str) and args[0].startswith("Unknown data: "):
        if args[0] != "Unknown data: b''":
            return f"the reply is not adb protocol (it starts {args[0][14:60]})"
    elif isinstance(exc, ValueError):
        return f"the reply is not adb protocol ({exc})"
    if args and args[0] == "shell output invalid":
        return "the reply ended without the command's exit status (cut off, or not adb)"
    closed = deadline is not None and deadline.closed
    if closed or isinstance(exc, EOFError | struct.error) or args == ("Unknown data: b''",):
        received = deadline.received if deadline else 0
        if received == 0:
            return "the adb server closed the connection without answering"
        return f"the connection closed mid-reply (after {received} bytes)"
    if isinstance(exc, OSError):
        return f"the connection failed ({exc})"
    return None


@contextmanager
def device_errors(
    device: str | None, command: str | None, what: str, deadline: Deadline | None = None
) -> Iterator[None]:
    """Turn adbutils and socket failures into DeviceErrors saying what was being done: a
    TransportError when the connection failed, a plain DeviceError when the other side said no.
    """
    adbutils = require("adbutils", "android")
    try:
        yield
    except DeviceError:
        raise
    except (adbutils.AdbError, OSError, EOFError, ValueError, struct.error) as exc:
        reason = transport_reason(exc, deadline)
        if reason is None:
            message = f"{what} failed: {str(exc) or type(exc).__name__}"
            raise DeviceError(message, device=device, command=command) from exc
        raise TransportError(reason, what=what, device=device, command=command) from exc


def list_serials(client: BoundedClient) -> list[str]:
    """Serials of the devices the server reports as ready ("device" state)."""
    command = "host:devices"
    with client.bounded() as deadline, device_errors(None, command, "listing devices", deadline):
        return [info.serial for info in client.list() if info.state == "device"]


def pick_serial(client: BoundedClient, serial: str | None) -> str:
    """The named device if present, else the only device; a clear error otherwise."""
    serials = list_serials(client)
    listing = ", ".join(serials) or "none"
    if serial is not None:
        if serial not in serials:
            msg = f"device {serial!r} is not connected (connected: {listing})"
            raise DeviceError(msg, device=serial)
        return serial
    if len(serials) != 1:
        hint = "connect a device" if not serials else "choose one with --env android:SERIAL"
        msg = f"{len(serials)} devices connected ({listing}); {hint}"
        raise DeviceError(msg)
    return serials[0]


class AdbDevice:
    """A connected device; every method ends within ``timeout`` seconds or raises
    DeviceError."""

    def __init__(self, client: BoundedClient, serial: str, timeout: float) -> None:
        self.client, self.serial, self.timeout = client, serial, timeout
        with self.operation("host-serial:features", "connecting"):
            self.device = client.device(serial)
            self.shell_v2 = "shell_v2" in self.device.get_features().split(",")
            self.tport = client.server_version() >= 41  # else the pre-41 transport request
        self.exec_service = True
        """Whether the device offers ``exec:`` (adbd before Android 5 does not)."""
        self.raw_screencap = True
        """Whether ``screencap`` writes raw frames (some devices print an error instead)."""

    @contextmanager
    def operation(
        self, command: str, what: str, deadline: Deadline | None = None
    ) -> Iterator[Deadline]:
        """Run adbutils calls as one operation: ``deadline``, or the running operation's, or
        a new one of ``timeout`` seconds; failures become DeviceErrors naming ``command``."""
        with (
            self.client.bounded(deadline) as current,
            device_errors(self.serial, command, what, current),
        ):
            yield current

    def shell(
        self, command: Sequence[str] | str, *, check: bool = True, shown: str | None = None
    ) -> str:
        """Run a command (argv items are shell-quoted) and return its output.

        ``shown`` replaces the command line, and withholds the output, in errors: typed text
        (maybe a password) must not reach error messages and the run directory.
        """
        line = command if isinstance(command, str) else shlex.join(command)
        with self.operation(shown or line, "shell command"):
            result = self.device.shell2(line, timeout=self.timeout, v2=self.shell_v2)
        output: str = result.output
        if check and result.returncode != 0:
            detail = " ".join(output.split())[:300] or "no output"
            if shown is not None:
                detail = "output withheld, it may repeat the typed text"
            msg = f"command exited with status {result.returncode}: {detail}"
            raise DeviceError(msg, device=self.serial, command=shown or line)
        return output

    def read_stream(self, service: str, deadline: Deadline | None = None) -> bytearray:
        """Everything a device service (``exec:...``) writes until it closes.

        One connection (adbutils' device calls open two: a version query, then the transport)
        and a bytearray reader: the hot path of every observation.
        """
        with self.operation(service, "reading", deadline):
            connection = self.client.make_connection()
            sock = connection.conn
            try:
                if self.tport:
                    connection.send_command(f"host:tport:serial:{self.serial}")
                    connection.check_okay()
                    connection.read_exact(8)  # the transport id
                else:
                    connection.send_command(f"host:transport:{self.serial}")
                    connection.check_okay()
                connection.send_command(service)
                reply = connection.read_exact(4)
                if reply == b"FAIL":
                    message = connection.read_string_block()
                    msg = f"the device refused {service.split(':')[0]}: ({message})"
                    raise ServiceRefused(msg, device=self.serial, command=service)
                if reply != b"OKAY":
                    raise require("adbutils", "android").AdbError(f"Unknown data: {reply!r}")
                data = bytearray()
                while chunk := sock.recv(1 << 20):
                    data += chunk
            finally:
                sock.close()  # the device closed its side: no need for adbutils' close delay
        return data

    def pull(self, path: str) -> bytes:
        """A file's bytes over the sync protocol; a plain DeviceError when the device says it
        cannot send the file, a TransportError when the connection fails."""
        adbutils = require("adbutils", "android")
        with self.operation(f"sync:RECV {path}", "pulling a file"):
            try:
                data: bytes = self.device.sync.read_bytes(path)
            except adbutils.AdbError as exc:
                if exc.args[1:] == (path,):  # adbutils' form of the device's FAIL reply
                    msg = f"the device cannot send the file: {exc.args[0]}"
                    raise DeviceError(msg, device=self.serial, command=f"sync:RECV {path}") from exc
                raise
        return data
