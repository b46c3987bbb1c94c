"""One deadline for a whole operation, and sockets that never wait past it.

A timeout set on a socket bounds each wait for data, not the operation: a peer that sends a
byte every half second keeps a read with a 2 s timeout alive for as long as it likes. A
``Deadline`` is fixed when an operation starts; a ``DeadlineSocket`` sets the socket's timeout
to the time left before every wait, and refuses to wait once none is left.
"""

from __future__ import annotations

import socket
from typing import Any

from screenpilot.environments.settle import SYSTEM_CLOCK, Clock


class DeadlineExpired(TimeoutError):
    """The operation's time is spent."""


class Deadline:
    """The moment an operation must be done by, and what its latest connection received."""

    def __init__(self, seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.seconds, self.clock = seconds, clock
        self.end = clock.monotonic() + seconds
        self.received = 0
        """Bytes the latest connection has received."""
        self.closed = False
        """Whether the other side closed the latest connection."""

    def remaining(self) -> float:
        """Seconds left; DeadlineExpired once there are none."""
        left = self.end - self.clock.monotonic()
        if left <= 0:
            raise DeadlineExpired(f"no complete reply within {self.seconds:.3g} s")
        return left

    @property
    def expired(self) -> bool:
        return self.clock.monotonic() >= self.end

    def part(self, share: float) -> Deadline:
        """A deadline for a first attempt that leaves ``1 - share`` of the time left to what
        comes after it (a fallback)."""
        seconds = share * max(self.end - self.clock.monotonic(), 0.0)
        return Deadline(seconds, self.clock)

    def connected(self) -> None:
        """A new connection starts: its counts start from zero."""
        self.received, self.closed = 0, False

    def saw(self, data: bytes) -> None:
        self.received += len(data)
        self.closed = self.closed or not data


class DeadlineSocket:
    """A connected socket whose reads and writes all end by ``deadline``; anything else is
    the socket's own."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock, self._deadline = sock, deadline
        deadline.connected()

    def recv(self, size: int) -> bytes:
        self._sock.settimeout(self._deadline.remaining())
        data = self._sock.recv(size)
        self._deadline.saw(data)
        return data

    def send(self, data: bytes) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.send(data)

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data)

    def settimeout(self, value: float | None) -> None:
        """Ignored: the deadline sets the timeout before every wait."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


__all__ = ["Deadline", "DeadlineExpired", "DeadlineSocket"]
