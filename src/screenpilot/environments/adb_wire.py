"""adbutils' client with every connection bounded by the deadline of the operation it serves.

adbutils bounds each socket wait by its timeout, not an operation: a device trickling bytes
keeps ``shell2``, a sync pull or a stream alive as long as it trickles; and when the server
refuses a connection it runs ``adb start-server`` (up to 20 s) before trying again. Under
``BoundedClient.bounded`` every connection adbutils opens (the version query, the transport
request, the service itself) connects within the time left, waits on a ``DeadlineSocket`` and
never starts a server. adbutils' protocol code (shell v1 and v2, sync, the host services) runs
unchanged on top. Imported only when a device is used: it needs adbutils.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from screenpilot.environments.deadline import Deadline, DeadlineSocket
from screenpilot.environments.settle import SYSTEM_CLOCK, Clock
from screenpilot.errors import require

try:
    from adbutils import AdbClient, AdbConnection, AdbError
except ImportError:
    require("adbutils", "android")  # says which extra to install
    raise


class BoundedConnection(AdbConnection):  # type: ignore[misc]
    """An adbutils connection that connects and waits only until ``deadline``."""

    def __init__(self, host: str, port: int, deadline: Deadline) -> None:
        self._address, self._deadline = (host, port), deadline
        super().__init__(host, port)
        self._bounded = DeadlineSocket(super().conn, deadline)

    def _safe_connect(self) -> socket.socket:
        """Connect within the time left; a refused connection is an error, not a reason to
        start an adb server in the middle of an episode."""
        return socket.create_connection(self._address, timeout=self._deadline.remaining())

    @property
    def conn(self) -> Any:
        super().conn  # noqa: B018 -- raises AdbError once the connection is closed
        return self._bounded


class BoundedClient(AdbClient):  # type: ignore[misc]
    """An ``adbutils.AdbClient`` whose connections all end by a deadline: the current
    operation's inside ``bounded``, else ``timeout`` seconds from when each one opens."""

    def __init__(self, host: str, port: int, timeout: float, clock: Clock = SYSTEM_CLOCK):
        super().__init__(host=host, port=port, socket_timeout=timeout)
        self.timeout, self.clock = timeout, clock
        self._local = threading.local()
        self._version: int | None = None

    @property
    def deadline(self) -> Deadline | None:
        """The deadline of the operation running in this thread, if one is."""
        deadline: Deadline | None = getattr(self._local, "deadline", None)
        return deadline

    @contextmanager
    def bounded(self, deadline: Deadline | None = None) -> Iterator[Deadline]:
        """Run adbutils calls under ``deadline``; without one, under the running operation's
        deadline, or a new one of ``timeout`` seconds when none is running."""
        outer = self.deadline
        current = deadline or outer or Deadline(self.timeout, self.clock)
        self._local.deadline = current
        try:
            yield current
        finally:
            self._local.deadline = outer

    def start_server(self) -> None:
        """Connect once the way adbutils does, which runs ``adb start-server`` when no server
        answers (as the ``adb`` command does): when an environment is made, never later."""
        with contextlib.suppress(AdbError):
            AdbConnection(self.host, self.port).close()

    def make_connection(self, timeout: float | None = None) -> BoundedConnection:
        """A connection under the running operation's deadline (``timeout`` is ignored)."""
        deadline = self.deadline or Deadline(self.timeout, self.clock)
        return BoundedConnection(self.host, self.port, deadline)

    def server_version(self) -> int:
        """Asked once: adbutils asks before every transport request otherwise."""
        if self._version is None:
            self._version = int(super().server_version())
        return self._version


__all__ = ["BoundedClient", "BoundedConnection"]
