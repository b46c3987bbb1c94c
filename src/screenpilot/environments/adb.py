"""One Android device behind an adb server: checked shell commands, fast screenshots, pulls.

Built on adbutils' client, with three things it does not do by itself: every failure becomes a
``DeviceError`` naming the device and command within a bounded timeout; command exit statuses
are checked; and the raw ``screencap`` stream is read with a bytearray reader (adbutils'
``read_until_close`` grows a bytes object 4 KiB at a time, which takes ~0.5 s for a 10 MB frame).
"""

from __future__ import annotations

import io
import os
import shlex
import struct
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, cast

from PIL import Image, UnidentifiedImageError

from screenpilot.errors import ConfigError, DeviceError, require

DEFAULT_PORT = 5037
RAW_FORMATS = {1: ("RGBX", 4), 2: ("RGBX", 4), 3: ("RGB", 3), 4: ("RGB;16", 2), 5: ("BGRX", 4)}
"""Android ``PixelFormat`` codes screencap writes (AOSP frameworks/native, ``PIXEL_FORMAT_*``)
-> (PIL raw mode, bytes per pixel); alpha is dropped while decoding (RGBA_8888 read as RGBX)."""
ScreenshotPath = Literal["raw", "png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def connect_client(host: str | None, port: int | None, timeout: float) -> Any:
    """An ``adbutils.AdbClient`` whose sockets all time out after ``timeout`` seconds."""
    adbutils = require("adbutils", "android")
    host, port = server_address(host, port)
    return adbutils.AdbClient(host=host, port=port, socket_timeout=timeout)


@contextmanager
def device_errors(device: str | None, command: str | None, what: str) -> Iterator[None]:
    """Turn adbutils and socket failures into a DeviceError saying what was being done."""
    adbutils = require("adbutils", "android")
    try:
        yield
    except DeviceError:
        raise
    except (adbutils.AdbError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError | adbutils.AdbTimeout):
            reason = f"timed out ({reason})"
        raise DeviceError(f"{what} failed: {reason}", device=device, command=command) from exc


def list_serials(client: Any) -> list[str]:
    """Serials of the devices the server reports as ready ("device" state)."""
    with device_errors(None, "host:devices", "listing devices"):
        return [info.serial for info in client.list() if info.state == "device"]


def pick_serial(client: Any, serial: str | None) -> str:
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


@dataclass(frozen=True)
class Capture:
    """One screenshot, how it was taken, and how many bytes crossed the connection."""

    image: Image.Image
    path: ScreenshotPath
    nbytes: int


class ServiceRefused(DeviceError):
    """The device refused a service (``FAIL`` reply), e.g. an old adbd without ``exec:``."""


class AdbDevice:
    """A connected device; every method raises DeviceError on failure."""

    def __init__(self, client: Any, serial: str, timeout: float) -> None:
        self.client, self.serial, self.timeout = client, serial, timeout
        with device_errors(serial, "host-serial:features", "connecting"):
            self.device = client.device(serial)
            self.shell_v2 = "shell_v2" in self.device.get_features().split(",")
            self.tport = client.server_version() >= 41  # else the pre-41 transport request
        self.exec_service = True
        self.raw_screencap = True

    def shell(
        self, command: Sequence[str] | str, *, check: bool = True, shown: str | None = None
    ) -> str:
        """Run a command (argv items are shell-quoted) and return its output.

        ``shown`` replaces the command line, and withholds the output, in errors: typed text
        (maybe a password) must not reach error messages and the run directory.
        """
        line = command if isinstance(command, str) else shlex.join(command)
        with device_errors(self.serial, shown or line, "shell command"):
            result = self.device.shell2(line, timeout=self.timeout, v2=self.shell_v2)
        output: str = result.output
        if check and result.returncode != 0:
            detail = " ".join(output.split())[:300] or "no output"
            if shown is not None:
                detail = "output withheld, it may repeat the typed text"
            msg = f"command exited with status {result.returncode}: {detail}"
            raise DeviceError(msg, device=self.serial, command=shown or line)
        return output

    def read_stream(self, service: str) -> bytes | bytearray:
        """Everything a device service (``exec:...``) writes until it closes, within the timeout.

        One connection (adbutils' device calls open two: a version query, then the transport)
        and a bytearray reader: the hot path of every observation.
        """
        adbutils = require("adbutils", "android")
        deadline = time.monotonic() + self.timeout
        with device_errors(self.serial, service, "reading"):
            connection = self.client.make_connection(timeout=self.timeout)
            sock = connection.conn
            try:
                if self.tport:
                    connection.send_command(f"host:tport:serial:{self.serial}")
                    connection.check_okay()
                    connection.read(8)  # the transport id
                else:
                    connection.send_command(f"host:transport:{self.serial}")
                    connection.check_okay()
                connection.send_command(service)
                try:
                    connection.check_okay()
                except adbutils.AdbError as exc:
                    msg = f"the device refused {service.split(':')[0]}: ({exc})"
                    raise ServiceRefused(msg, device=self.serial, command=service) from exc
                data = bytearray()
                while chunk := sock.recv(1 << 20):
                    data += chunk
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"no end of output after {self.timeout:g} s")
            finally:
                sock.close()  # the device closed its side: no need for adbutils' close delay
        return data

    def pull(self, path: str) -> bytes:
        """A file's bytes over the sync protocol."""
        with device_errors(self.serial, f"sync:RECV {path}", "pulling a file"):
            data: bytes = self.device.sync.read_bytes(path)
        return data

    def screenshot(self, mode: Literal["auto", "raw", "png"] = "auto") -> Capture:
        """A screenshot: raw pixels when the device can, PNG otherwise; never a blank stand-in."""
        if mode != "png" and self.exec_service and self.raw_screencap:
            try:
                data = self.read_stream("exec:screencap")
            except ServiceRefused:
                if mode == "raw":
                    raise
                self.exec_service = False  # an adbd without exec: -> PNG over shell: below
            else:
                image = decode_raw(data, self.serial)
                if image is not None:
                    return Capture(image, "raw", len(data))
                if mode == "raw":
                    msg = f"the device did not send a raw frame ({len(data)} bytes)"
                    raise DeviceError(msg, device=self.serial, command="screencap")
                self.raw_screencap = False
        service = "exec:screencap -p" if self.exec_service else "shell:screencap -p"
        data = self.read_stream(service)
        start = max(data.find(PNG_SIGNATURE, 0, 1024), 0)  # skip a warning printed first
        try:
            with Image.open(io.BytesIO(memoryview(data)[start:])) as png:
                image = png.convert("RGB")
        except (UnidentifiedImageError, OSError) as exc:
            msg = f"the screenshot is not a valid PNG ({len(data)} bytes: {data[:40]!r})"
            raise DeviceError(msg, device=self.serial, command="screencap -p") from exc
        return Capture(image, "png", len(data))


def _line_starts(data: bytes | bytearray, limit: int = 1024) -> Iterator[int]:
    """0, then every position after a newline in the first ``limit`` bytes: where a frame may
    start when screencap printed a warning first (multi-display devices do; adbutils #133)."""
    yield 0
    position = data.find(b"\n", 0, limit)
    while position >= 0:
        yield position + 1
        position = data.find(b"\n", position + 1, limit)


def decode_raw(data: bytes | bytearray, serial: str | None = None) -> Image.Image | None:
    """Decode ``screencap``'s raw output (width, height, format[, dataspace] + pixels).

    None when the bytes are not a raw frame at all (e.g. an error message), so the caller can
    fall back to PNG; a DeviceError when a valid header promises more pixels than arrived.
    """
    for start in _line_starts(data):
        if len(data) - start < 12:
            break
        width, height, pixel_format = struct.unpack_from("<III", data, start)
        if pixel_format in RAW_FORMATS and 0 < width <= 16384 and 0 < height <= 16384:
            break
    else:
        return None
    if len(data) - start < 12:
        return None
    rawmode, depth = RAW_FORMATS[pixel_format]
    size = width * height * depth
    if len(data) - start < 12 + size:
        msg = f"the connection dropped mid-screenshot ({len(data)} bytes, frame is {size})"
        raise DeviceError(msg, device=serial, command="screencap")
    # After a 12- or 16-byte header; a view, so the 10 MB frame is not copied.
    pixels = cast(bytes, memoryview(data)[len(data) - size :])
    if rawmode == "RGB;16":
        numpy = require("numpy", "android")
        value = numpy.frombuffer(pixels, dtype="<u2").reshape(height, width).astype("uint32")
        rgb = numpy.stack(
            [(value >> 11) * 255 // 31, ((value >> 5) & 63) * 255 // 63, (value & 31) * 255 // 31],
            axis=-1,
        ).astype("uint8")
        return Image.fromarray(rgb, "RGB")
    return Image.frombytes("RGB", (width, height), pixels, "raw", rawmode)
