"""``VirtualDisplay``: an Xvfb X server for machines without a screen (servers, CI, tests).

It picks a free display number, gives the server a fresh Xauthority cookie (so that only the
processes given ``environ`` can connect to it) and a 24-bit depth (mss rejects 16-bit
screens), and waits until the server accepts connections.

    with VirtualDisplay(1920, 1080) as display:
        os.environ.update(display.environ)   # then DesktopEnv() works
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from screenpilot.errors import ConfigError, DeviceError

SOCKET_DIR = Path("/tmp/.X11-unix")
INSTALL_HINT = "install it with: apt-get install xvfb xauth (Debian/Ubuntu)"


def free_display(start: int) -> int:
    """The first display number from ``start`` with neither a socket nor a lock file."""
    for number in range(start, start + 400):
        if not (SOCKET_DIR / f"X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    msg = f"no free X display number in {start}..{start + 399}"
    raise DeviceError(msg)


class VirtualDisplay:
    """One Xvfb server with its own display number and Xauthority file; ``stop()`` ends it."""

    def __init__(
        self, width: int = 1920, height: int = 1080, *, depth: int = 24, first_display: int = 90
    ) -> None:
        if depth not in (24, 32):
            msg = f"depth must be 24 or 32 (mss cannot capture {depth}-bit screens)"
            raise ConfigError(msg)
        for tool in ("Xvfb", "xauth"):
            if shutil.which(tool) is None:
                msg = f"{tool} is not installed; {INSTALL_HINT}"
                raise ConfigError(msg)
        self.width, self.height, self.depth = width, height, depth
        self._workdir = Path(tempfile.mkdtemp(prefix="screenpilot-xvfb-"))
        self.xauthority = self._workdir / "Xauthority"
        self._process: subprocess.Popen[bytes] | None = None
        self.number = -1
        for attempt in range(5):  # another server may take the number between check and start
            self.number = free_display(first_display + attempt * 7)
            if self._start():
                return
        self.stop()
        msg = "Xvfb did not start; see its log: " + self._log_path.read_text(errors="replace")
        raise DeviceError(msg, command="Xvfb")

    @property
    def display(self) -> str:
        return f":{self.number}"

    @property
    def environ(self) -> dict[str, str]:
        """The variables a client needs: DISPLAY and XAUTHORITY."""
        return {"DISPLAY": self.display, "XAUTHORITY": str(self.xauthority)}

    @property
    def _log_path(self) -> Path:
        return self._workdir / "xvfb.log"

    def _start(self) -> bool:
        cookie = secrets.token_hex(16)
        subprocess.run(
            ["xauth", "-q", "-f", str(self.xauthority), "add", self.display, ".", cookie],
            check=True,
            capture_output=True,
        )
        read_fd, write_fd = os.pipe()
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    "Xvfb",
                    self.display,
                    "-screen",
                    "0",
                    f"{self.width}x{self.height}x{self.depth}",
                    "-auth",
                    str(self.xauthority),
                    "-nolisten",
                    "tcp",
                    "-displayfd",
                    str(write_fd),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(write_fd,),
            )
        os.close(write_fd)
        # Xvfb writes its display number to -displayfd once it accepts connections.
        with os.fdopen(read_fd, "rb") as ready:
            answer = ready.readline().strip()
        if answer == str(self.number).encode() and self._process.poll() is None:
            return True
        self._terminate()
        return False

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def stop(self) -> None:
        """End the server (its clients, e.g. xclip holding the clipboard, lose it); idempotent."""
        self._terminate()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> VirtualDisplay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
