"""An ADB host-protocol server on loopback, backed by simulated devices (``AndroidShell``).

It speaks what a client of the adb server (TCP 5037) sends, per AOSP adb ``OVERVIEW.TXT``,
``SERVICES.TXT``, ``SYNC.TXT`` and ``shell_protocol.h``: 4-hex-digit length-prefixed requests,
``OKAY``/``FAIL`` replies, host services (``host:version``, ``host:devices[-l]``,
``host:features``, ``host:transport:<serial>``, ``host:tport:serial:<serial>`` with its 8-byte
transport id, ``host-serial:<serial>:<query>``) and, on a transport, the device services
``shell:``, ``shell,v2,...:``, ``exec:`` and ``sync:`` (STAT, RECV). Both adbutils and the real
``adb`` command-line client work against it.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType

from screenpilot.sim.shell import AndroidShell, Faults

VERSION = 41
FEATURES = "shell_v2,cmd,stat_v2_unused,apex,abb,fixed_push_mkdir"


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True


class _Closed(Exception):
    """The client went away."""


class AdbServer:
    """Serves ``devices`` on ``host`` (default 127.0.0.1, an ephemeral port) until ``stop()``."""

    def __init__(self, *devices: AndroidShell, host: str = "127.0.0.1", port: int = 0) -> None:
        self.devices = {device.serial: device for device in devices}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(_Closed, OSError):
                    server._serve(self.request)

        self._tcp = _Server((host, port), Handler)
        self._tcp.daemon_threads = True
        self.port: int = self._tcp.server_address[1]
        self._thread = threading.Thread(
            target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> AdbServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (``screenpilot sim serve``)."""
        try:
            self._tcp.serve_forever()
        finally:
            self.stopping.set()
            self._tcp.server_close()

    def stop(self) -> None:
        self.stopping.set()
        self._tcp.shutdown()
        self._tcp.server_close()

    def __enter__(self) -> AdbServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def device(self) -> AndroidShell:
        """The first device (most tests have one)."""
        return next(iter(self.devices.values()))

    def after_command(self, prefix: list[str], then: Callable[[AdbServer], None]) -> list[float]:
        """Call ``then(self)`` once, right after the first device command starting with
        ``prefix`` has run (e.g. ``["input", "tap"]``), to inject a fault mid-episode. Returns a
        list that receives the ``time.monotonic()`` of that moment."""
        device = self.device
        original = device.command
        happened: list[float] = []

        def command(argv: list[str]) -> tuple[bytes, bytes, int]:
            output = original(argv)
            if argv[: len(prefix)] == prefix and not happened:
                then(self)
                happened.append(time.monotonic())
            return output

        device.command = command  # type: ignore[method-assign]
        return happened

    # --- protocol ----------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        request = _read_request(sock)
        self.requests.append(request)
        reply = _Reply(sock, self.stopping)
        reply.begin(self._host_faults(), "host")
        if request == "host:version":
            _okay(reply, f"{VERSION:04x}")
        elif request in {"host:features"} or request.endswith(":features"):
            if (
                request.startswith("host-serial:")
                and self._find(reply, request.split(":")[1]) is None
            ):
                return
            _okay(reply, FEATURES)
        elif request in {"host:devices", "host:devices-l"}:
            _okay(reply, self._device_list(long=request.endswith("-l")))
        elif request.startswith("host-serial:") and request.endswith(":get-state"):
            if self._find(reply, request.split(":")[1]) is not None:
                _okay(reply, "device")
        elif request.startswith(("host:transport", "host:tport:")):
            self._transport(sock, reply, request)
        elif request == "host:kill":
            reply.send(b"OKAY")
        else:
            _fail(reply, f"unknown host service {request!r}")

    def _online(self) -> list[AndroidShell]:
        return [d for d in self.devices.values() if d.faults.online]

    def _host_faults(self) -> Faults | None:
        """The faults of a device that makes the server itself misbehave (the name "host")."""
        return next((d.faults for d in self.devices.values() if "host" in d.faults.faulted()), None)

    def _device_list(self, *, long: bool) -> str:
        lines = []
        for number, device in enumerate(self._online(), start=1):
            if long:
                model = device.model.replace(" ", "_")
                lines.append(
                    f"{device.serial:<22} device product:sdk model:{model} device:virtual "
                    f"transport_id:{number}"
                )
            else:
                lines.append(f"{device.serial}\tdevice")
        return "".join(line + "\n" for line in lines)

    def _find(self, reply: _Reply, serial: str | None) -> AndroidShell | None:
        online = self._online()
        if serial is None:
            if len(online) == 1:
                return online[0]
            _fail(reply, "no devices/emulators found" if not online else "more than one device")
            return None
        device = self.devices.get(serial)
        if device is None or not device.faults.online:
            _fail(reply, f"device '{serial}' not found")
            return None
        return device

    def _transport(self, sock: socket.socket, reply: _Reply, request: str) -> None:
        if request.startswith("host:tport:serial:"):
            serial: str | None = request.removeprefix("host:tport:serial:")
        elif request.startswith("host:transport:"):
            serial = request.removeprefix("host:transport:")
        else:  # host:tport:any, host:transport-any, host:transport-id:N
            serial = None
        device = self._find(reply, serial)
        if device is None:
            return
        reply.send(b"OKAY")
        if request.startswith("host:tport:"):
            reply.send(struct.pack("<Q", 1))
        service = _read_request(sock)
        self.requests.append(service)
        self._local_service(sock, reply, device, service)

    def _local_service(
        self, sock: socket.socket, reply: _Reply, device: AndroidShell, service: str
    ) -> None:
        kind, _, command = service.partition(":")
        name = command.split()[0] if command.split() else ""
        with device.lock:
            reply.begin(device.faults, service, "sync" if kind == "sync" else name)
        if kind == "sync":
            reply.send(b"OKAY")
            self._sync(sock, reply, device)
            return
        if kind == "exec" and not device.faults.exec_service:
            _fail(reply, "closed")
            return
        if kind not in {"shell", "exec"} and not kind.startswith("shell,"):
            _fail(reply, f"unknown service {service!r}")
            return
        if not command:
            _fail(reply, "interactive shells are not supported")
            return
        with device.lock:
            stdout, stderr, status = device.run_shell(command)
        reply.send(b"OKAY")
        if kind.startswith("shell,") and "v2" in kind.split(","):
            packets = b"".join(
                struct.pack("<BI", channel, len(data)) + data
                for channel, data in ((1, stdout), (2, stderr))
                if data
            )
            reply.send(packets + struct.pack("<BIB", 3, 1, status & 0xFF))
        else:
            reply.send(stdout + stderr)
        _close_gracefully(sock)

    def _sync(self, sock: socket.socket, reply: _Reply, device: AndroidShell) -> None:
        while True:
            header = _read_exact(sock, 8)
            verb, length = header[:4], struct.unpack("<I", header[4:])[0]
            if verb == b"QUIT":
                return
            path = _read_exact(sock, length).decode()
            with device.lock:
                data = device.files.get(path)
            if verb == b"STAT":
                mode, size = (0o100644, len(data)) if data is not None else (0, 0)
                reply.send(b"STAT" + struct.pack("<III", mode, size, int(time.time())))
            elif verb == b"RECV":
                if data is None:
                    message = b"No such file or directory"
                    reply.send(b"FAIL" + struct.pack("<I", len(message)) + message)
                    continue
                for start in range(0, len(data), 64 * 1024):
                    chunk = data[start : start + 64 * 1024]
                    reply.send(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
                reply.send(b"DONE" + struct.pack("<I", 0))
            else:
                message = f"unsupported sync request {verb!r}".encode()
                reply.send(b"FAIL" + struct.pack("<I", len(message)) + message)
                return


GARBAGE = bytes.fromhex("deadbeef")
"""What a ``garbage`` fault sends, repeated: neither ``OKAY`` nor ``FAIL``, no sane length."""


class _Reply:
    """What the server sends on one connection, through the reply faults of the device (or
    server) answering: each ``begin`` starts a reply whose bytes the fault offsets count."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock, self.stopping = sock, stopping
        self.sent = 0
        self.cut: int | None = None
        self.stall: int | None = None
        self.garbage: int | None = None
        self.trickle = 0.0
        self.chunk = 1

    def begin(self, faults: Faults | None, *names: str) -> None:
        self.sent, self.cut, self.stall, self.garbage, self.trickle = 0, None, None, None, 0.0
        name = None if faults is None else faults.reply_fault(*names)
        if faults is None or name is None:
            return
        self.cut, self.stall = faults.cut.get(name), faults.stall.get(name)
        self.garbage = faults.garbage.get(name)
        self.trickle, self.chunk = faults.trickle.get(name, 0.0), max(faults.trickle_bytes, 1)

    def send(self, data: bytes) -> None:
        start, self.sent = self.sent, self.sent + len(data)
        if self.garbage is not None and self.sent > self.garbage:
            keep = max(self.garbage - start, 0)
            noise = GARBAGE * (len(data) // len(GARBAGE) + 1)
            data = data[:keep] + noise[: len(data) - keep]
        end = min(x for x in (self.cut, self.stall, 1 << 62) if x is not None)
        if self.sent >= end:
            self._write(data[: end - start])
            if end == self.cut:
                self.sock.shutdown(socket.SHUT_RDWR)
            else:
                self.stopping.wait(30)
            raise _Closed
        self._write(data)

    def _write(self, data: bytes) -> None:
        if not self.trickle:
            self.sock.sendall(data)
            return
        for start in range(0, len(data), self.chunk):
            if self.stopping.wait(self.trickle):
                raise _Closed
            self.sock.sendall(data[start : start + self.chunk])


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise _Closed
        data += chunk
    return bytes(data)


def _read_request(sock: socket.socket) -> str:
    length = int(_read_exact(sock, 4), 16)
    return _read_exact(sock, length).decode("utf-8")


def _okay(reply: _Reply, payload: str) -> None:
    data = payload.encode()
    reply.send(b"OKAY" + f"{len(data):04x}".encode() + data)


def _fail(reply: _Reply, message: str) -> None:
    data = message.encode()
    reply.send(b"FAIL" + f"{len(data):04x}".encode() + data)


def _close_gracefully(sock: socket.socket) -> None:
    """Signal the end of output (clients read until EOF) and let them close first."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(2)
        while sock.recv(65536):
            pass
    except OSError:
        pass
