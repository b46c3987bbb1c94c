"""The transport's deadline on a fake clock and a fake socket: exact, and independent of how
fast the machine is; and how failures of the connection are told apart from refusals."""

from __future__ import annotations

import socket
import struct

import pytest
from adbutils import AdbError, AdbTimeout

from screenpilot.environments.adb import transport_reason
from screenpilot.environments.deadline import Deadline, DeadlineExpired, DeadlineSocket
from tests.helpers import FakeClock


class TrickleSocket:
    """A peer that sends one byte every ``interval`` seconds of the fake clock."""

    def __init__(self, clock: FakeClock, interval: float) -> None:
        self.clock, self.interval = clock, interval
        self.timeouts: list[float | None] = []

    def settimeout(self, value: float | None) -> None:
        self.timeouts.append(value)

    def recv(self, size: int) -> bytes:
        timeout = self.timeouts[-1]
        if timeout is not None and self.interval >= timeout:
            self.clock.sleep(timeout)
            raise TimeoutError("timed out")
        self.clock.sleep(self.interval)
        return b"x"


def as_socket(fake: object) -> socket.socket:
    return fake  # type: ignore[return-value]


def test_a_trickle_cannot_outlast_the_deadline() -> None:
    clock = FakeClock()
    peer = TrickleSocket(clock, interval=0.5)
    deadline = Deadline(2.0, clock)
    sock = DeadlineSocket(as_socket(peer), deadline)
    received = b""
    with pytest.raises(TimeoutError):
        while True:
            received += sock.recv(1)
    # Each wait gets only the time left: a per-read timeout of 2 s would never fire.
    assert peer.timeouts == [2.0, 1.5, 1.0, 0.5]
    assert received == b"xxx" and deadline.received == 3
    assert clock.now == 2.0 and deadline.expired
    with pytest.raises(DeadlineExpired, match="within 2 s"):
        sock.recv(1)  # no more waiting once the time is spent
    assert clock.now == 2.0


def test_a_timeout_set_by_the_caller_does_not_extend_the_deadline() -> None:
    clock = FakeClock()
    peer = TrickleSocket(clock, interval=0.5)
    sock = DeadlineSocket(as_socket(peer), Deadline(1.0, clock))
    sock.settimeout(600)  # what adbutils sets
    sock.recv(1)
    assert peer.timeouts == [1.0]


def test_a_first_attempt_leaves_time_for_a_fallback() -> None:
    clock = FakeClock()
    deadline = Deadline(2.0, clock)
    clock.sleep(0.4)
    first = deadline.part(0.5)
    assert first.remaining() == pytest.approx(0.8)
    clock.sleep(0.8)
    assert first.expired and not deadline.expired
    assert deadline.remaining() == pytest.approx(0.8)


def test_a_closed_connection_is_seen() -> None:
    clock = FakeClock()
    deadline = Deadline(1.0, clock)

    class Closing(TrickleSocket):
        def recv(self, size: int) -> bytes:
            return b"OK" if not deadline.received else b""

    sock = DeadlineSocket(as_socket(Closing(clock, 0.1)), deadline)
    assert sock.recv(4) == b"OK" and not deadline.closed
    assert sock.recv(4) == b"" and deadline.closed and deadline.received == 2
    DeadlineSocket(as_socket(Closing(clock, 0.1)), deadline)  # a new connection: new counts
    assert deadline.received == 0 and not deadline.closed


def deadline_after(received: int, closed: bool) -> Deadline:
    deadline = Deadline(2.0, FakeClock())
    deadline.received, deadline.closed = received, closed
    return deadline


@pytest.mark.parametrize(
    ("error", "received", "closed", "reason"),
    [
        (AdbTimeout("adb read timeout"), 10, False, "timed out: no complete reply within 2 s"),
        (ConnectionRefusedError(111, "Connection refused"), 0, False, "refused the connection"),
        (AdbError("Unknown data: b''"), 0, True, "closed the connection without answering"),
        (AdbError("Unknown data: b'\\xde\\xad'"), 4, False, "not adb protocol"),
        (AdbError("Invalid sync cmd", "\x00ab"), 4, False, "not adb protocol"),
        (EOFError("Expected 5 bytes, got 2"), 6, True, "closed mid-reply (after 6 bytes)"),
        (struct.error("unpack requires 4 bytes"), 30, True, "closed mid-reply (after 30 bytes)"),
        (AdbError("read chunk missing"), 112, True, "closed mid-reply (after 112 bytes)"),
        (AdbError("shell output invalid", "cmd", b""), 9, True, "without the command's exit"),
        (ConnectionResetError(104, "Connection reset by peer"), 9, False, "connection failed"),
        (AdbError("device 'emulator-5554' not found"), 20, False, None),
    ],
)
def test_failures_of_the_connection_are_told_from_refusals(
    error: BaseException, received: int, closed: bool, reason: str | None
) -> None:
    found = transport_reason(error, deadline_after(received, closed))
    if reason is None:
        assert found is None  # the server answered: no such device
    else:
        assert found is not None and reason in found
