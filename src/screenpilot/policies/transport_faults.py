"""What an exchange with a served model can end in besides an answer (``transport``): a bad
response (the model's fault, recorded on the step), a failure that may pass (retried), a server
that refuses streaming (asked again without it); and how far an attempt got."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from screenpilot.errors import ModelError


class BadResponseError(ModelError):
    """The server answered, but not with a usable chat completion (not JSON, not the schema,
    too large, empty): the server's or the model's fault, recorded on the step."""

    kind = "bad_response"

    def __init__(self, message: str, *, retryable: bool = True, received: int = 0) -> None:
        super().__init__(message)
        self.retryable = retryable
        """Whether another attempt may bring a different answer."""
        self.received = received
        """Bytes of the answer read before it was abandoned (for an oversized one)."""


def refuses_stream(status: int, body: bytes) -> bool:
    """Whether an error status refuses streaming itself (400 or 422 whose message names
    ``stream``, as servers without streaming and strict schemas word it)."""
    return status in (400, 422) and b"stream" in body.lower()


class StreamRefused(Exception):
    """The server refused a streamed request (it is asked again without streaming)."""


class Passing(Exception):
    """A failure that may pass, worth another attempt; ``wait`` is the server's Retry-After."""

    def __init__(self, message: str, *, wait: float | None = None, overrun: bool = False):
        super().__init__(message)
        self.wait = wait
        self.overrun = overrun


def size_text(count: int) -> str:
    """``4194304`` -> ``"4 MiB"``; sizes that are not whole KiB or MiB in bytes."""
    for unit, name in ((2**20, "MiB"), (2**10, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count} bytes"


@dataclass
class Progress:
    """How far an attempt got: the status and the body bytes read."""

    status: int | None = None
    received: int = 0

    def __str__(self) -> str:
        if self.status is None:
            return "no response by then"
        return f"HTTP {self.status}, {self.received} bytes of the body by then"


def retry_after(response: Any) -> float | None:
    """The seconds a response's Retry-After asks to wait (a date is not read), if any."""
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return max(seconds, 0.0) if seconds is not None and math.isfinite(seconds) else None


__all__ = [
    "BadResponseError",
    "Passing",
    "Progress",
    "StreamRefused",
    "refuses_stream",
    "retry_after",
    "size_text",
]
