"""Deadlines and cancellation for blocking HTTP exchanges, kept by shutting their sockets down.

A thread blocked in a socket read cannot be interrupted, and a read timeout restarts with
every byte that arrives. Shutting the socket down from another thread wakes the read at once
(it sees the end of the stream), whatever the server is doing. A ``Watchdog`` does that for
one exchange when its deadline passes, or when the ``Cancel`` group it belongs to is
abandoned. It learns the exchange's sockets from httpcore's ``trace`` extension (the
``connect_tcp`` and ``start_tls`` events, so the exchange must open its own connection) and is
disarmed when the response starts closing, so it never touches a socket its exchange released.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

DEADLINE = "deadline"
"""The reason a watchdog fires when its time is up."""


class _Abandonable(Protocol):
    def abandon(self, reason: str) -> None: ...


class Cancel:
    """A group of exchanges (and of smaller groups) that can be abandoned together: those
    running end at once, later ones do not start. ``reason`` says why, once abandoned."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._members: set[_Abandonable] = set()

    def abandon(self, reason: str) -> None:
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            self._event.set()
            members = list(self._members)
        for member in members:
            member.abandon(reason)

    def add(self, member: _Abandonable) -> None:
        """Include ``member``; abandoned at once if this group already is."""
        with self._lock:
            if self.reason is None:
                self._members.add(member)
                return
        member.abandon(self.reason)

    def discard(self, member: _Abandonable) -> None:
        with self._lock:
            self._members.discard(member)

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``, or less if the group is abandoned meanwhile (then True)."""
        return self._event.wait(seconds)

    @contextlib.contextmanager
    def group(self) -> Iterator[Cancel]:
        """A smaller group inside this one, for the ``with`` block."""
        inner = Cancel()
        self.add(inner)
        try:
            yield inner
        finally:
            self.discard(inner)


class Watchdog:
    """Shuts one exchange's sockets down when ``seconds`` have passed or ``group`` is
    abandoned; ``reason`` says which (``DEADLINE`` or the group's reason), None until then."""

    def __init__(self, seconds: float, group: Cancel) -> None:
        self.reason: str | None = None
        self._disarmed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._group = group
        self._timer = threading.Timer(seconds, self.abandon, args=(DEADLINE,))
        self._timer.daemon = True
        self._timer.start()
        group.add(self)

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's ``trace`` extension: learn the sockets, disarm as the response closes."""
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            self.watch(info.get("return_value"))
        elif event.endswith("response_closed.started"):
            self.disarm()

    def watch(self, stream: object) -> None:
        """Keep an eye on an httpcore network stream's socket."""
        get_extra_info = getattr(stream, "get_extra_info", None)
        sock = get_extra_info("socket") if callable(get_extra_info) else None
        if isinstance(sock, socket.socket):
            with self._lock:
                if self._disarmed:
                    return
                self._sockets.append(sock)
                if self.reason is not None:
                    _shut(sock)

    def abandon(self, reason: str) -> None:
        with self._lock:
            if self._disarmed or self.reason is not None:
                return
            self.reason = reason
            for sock in self._sockets:
                _shut(sock)

    def disarm(self) -> None:
        """The exchange is over: from now on its sockets are left alone."""
        with self._lock:
            self._disarmed = True
        self._timer.cancel()
        self._group.discard(self)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket (whose own would drop its TLS state
    # under the reading thread); a socket already closed raises OSError, which is fine.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


__all__ = ["DEADLINE", "Cancel", "Watchdog"]
