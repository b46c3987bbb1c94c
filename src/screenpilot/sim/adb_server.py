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
from types import TracebackType

from screenpilot.sim.shell import AndroidShell

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
        self._thread = threading.Thread(target=self._tcp.serve_forever, daemon=True)

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

    # --- protocol ----------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        request = _read_request(sock)
        self.requests.append(request)
        if request == "host:version":
            _okay(sock, f"{VERSION:04x}")
        elif request in {"host:features"} or request.endswith(":features"):
            if (
                request.startswith("host-serial:")
                and self._find(sock, request.split(":")[1]) is None
            ):
                return
            _okay(sock, FEATURES)
        elif request in {"host:devices", "host:devices-l"}:
            _okay(sock, self._device_list(long=request.endswith("-l")))
        elif request.startswith("host-serial:") and request.endswith(":get-state"):
            if self._find(sock, request.split(":")[1]) is not None:
                _okay(sock, "device")
        elif request.startswith(("host:transport", "host:tport:")):
            self._transport(sock, request)
        elif request == "host:kill":
            sock.sendall(b"OKAY")
        else:
            _fail(sock, f"unknown host service {request!r}")

    def _online(self) -> list[AndroidShell]:
        return [d for d in self.devices.values() if d.faults.online]

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

    def _find(self, sock: socket.socket, serial: str | None) -> AndroidShell | None:
        online = self._online()
        if serial is None:
            if len(online) == 1:
                return online[0]
            _fail(sock, "no devices/emulators found" if not online else "more than one device")
            return None
        device = self.devices.get(serial)
        if device is None or not device.faults.online:
            _fail(sock, f"device '{serial}' not found")
            return None
        return device

    def _transport(self, sock: socket.socket, request: str) -> None:
        if request.startswith("host:tport:serial:"):
            serial: str | None = request.removeprefix("host:tport:serial:")
        elif request.startswith("host:transport:"):
            serial = request.removeprefix("host:transport:")
        else:  # host:tport:any, host:transport-any, host:transport-id:N
            serial = None
        device = self._find(sock, serial)
        if device is None:
            return
        sock.sendall(b"OKAY")
        if request.startswith("host:tport:"):
            sock.sendall(struct.pack("<Q", 1))
        service = _read_request(sock)
        self.requests.append(service)
        self._local_service(sock, device, service)

    def _local_service(self, sock: socket.socket, device: AndroidShell, service: str) -> None:
        kind, _, command = service.partition(":")
        if kind == "sync":
            sock.sendall(b"OKAY")
            self._sync(sock, device)
            return
        if kind == "exec" and not device.faults.exec_service:
            _fail(sock, "closed")
            return
        if kind not in {"shell", "exec"} and not kind.startswith("shell,"):
            _fail(sock, f"unknown service {service!r}")
            return
        if not command:
            _fail(sock, "interactive shells are not supported")
            return
        name = command.split()[0] if command.split() else ""
        if name in device.faults.hang:
            sock.sendall(b"OKAY")
            self.stopping.wait(30)
            return
        with device.lock:
            stdout, stderr, status = device.run_shell(command)
        sock.sendall(b"OKAY")
        if kind.startswith("shell,") and "v2" in kind.split(","):
            packets = b"".join(
                struct.pack("<BI", channel, len(data)) + data
                for channel, data in ((1, stdout), (2, stderr))
                if data
            )
            sock.sendall(packets + struct.pack("<BIB", 3, 1, status & 0xFF))
        else:
            data = stdout + stderr
            limit = device.faults.drop_screencap_after
            if limit is not None and name == "screencap":
                sock.sendall(data[:limit])
                sock.shutdown(socket.SHUT_RDWR)
                return
            sock.sendall(data)
        _close_gracefully(sock)

    def _sync(self, sock: socket.socket, device: AndroidShell) -> None:
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
                sock.sendall(b"STAT" + struct.pack("<III", mode, size, int(time.time())))
            elif verb == b"RECV":
                if data is None:
                    message = b"No such file or directory"
                    sock.sendall(b"FAIL" + struct.pack("<I", len(message)) + message)
                    continue
                for start in range(0, len(data), 64 * 1024):
                    chunk = data[start : start + 64 * 1024]
                    sock.sendall(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
                sock.sendall(b"DONE" + struct.pack("<I", 0))
            else:
                message = f"unsupported sync request {verb!r}".encode()
                sock.sendall(b"FAIL" + struct.pack("<I", len(message)) + message)
                return


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


def _okay(sock: socket.socket, payload: str) -> None:
    data = payload.encode()
    sock.sendall(b"OKAY" + f"{len(data):04x}".encode() + data)


def _fail(sock: socket.socket, message: str) -> None:
    data = message.encode()
    sock.sendall(b"FAIL" + f"{len(data):04x}".encode() + data)


def _close_gracefully(sock: socket.socket) -> None:
    """Signal the end of output (clients read until EOF) and let them close first."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(2)
        while sock.recv(65536):
            pass
    except OSError:
        pass
