"""A streamed chat completion (``"stream": true``: server-sent events) read back into the
completion it stands for, noting when the first token arrived.

Each event is a ``data: {json}`` line of ``chat.completion.chunk`` objects whose
``choices[0].delta`` carries the next piece of ``content`` (or ``reasoning_content``) and of
each ``tool_calls`` entry (its ``function.arguments`` in pieces, by ``index``); a last chunk
with ``"choices": []`` carries the ``usage`` when ``stream_options.include_usage`` was asked;
``data: [DONE]`` ends the stream (OpenAI's chat completions streaming reference; vLLM and SGLang
send the same). A chunk holding ``error`` ends it with that error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

STREAM_OPTIONS = {"stream": True, "stream_options": {"include_usage": True}}
"""What a request adds to be streamed, with its usage at the end."""


class StreamError(ValueError):
    """The stream is not a chat completion's (the transport reports it as a bad response)."""


class StreamedCompletion:
    """Fed the body's bytes as they arrive; ``completion()`` is the non-streamed equivalent."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.first_token: float | None = None
        """When the first generated text (or tool call) arrived, on ``clock``."""
        self._pending: list[bytes] = []
        """The pieces of the line not yet ended by a newline (joined once, when it ends)."""
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._finish: Any = None
        self._usage: Any = None
        self._error: Any = None

    def feed(self, chunk: bytes) -> None:
        """Read the complete lines in ``chunk`` (and what came before it). Each byte is looked
        at a bounded number of times however the body is cut: a piece without a newline is
        only kept, and a line is joined once, when its newline arrives."""
        if b"\n" not in chunk:
            if chunk:
                self._pending.append(chunk)
            return
        first, *lines, rest = chunk.split(b"\n")
        self._line(b"".join([*self._pending, first]).strip())
        for line in lines:
            self._line(line.strip())
        self._pending = [rest] if rest else []

    def _line(self, line: bytes) -> None:
        if not line.startswith(b"data:"):
            return  # a blank line between events, a comment, an event name
        data = line[len(b"data:") :].strip()
        if data == b"[DONE]" or self._error is not None:
            return
        try:
            event = json.loads(data)
        except (ValueError, RecursionError):
            quoted = data[:200].decode("utf-8", "replace")
            raise StreamError(f"a streamed event is not JSON: {quoted!r}") from None
        if not isinstance(event, dict):
            raise StreamError(f"a streamed event is not an object: {str(event)[:200]!r}")
        if "error" in event:
            self._error = event["error"]
            return
        if event.get("usage"):
            self._usage = event["usage"]
        choices = event.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        if isinstance(choice, dict):
            self._choice(choice)

    def _choice(self, choice: dict[str, Any]) -> None:
        if choice.get("finish_reason"):
            self._finish = choice["finish_reason"]
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            return
        wrote = False
        for name, parts in (("content", self._content), ("reasoning_content", self._reasoning)):
            piece = delta.get(name)
            if isinstance(piece, str) and piece:
                parts.append(piece)
                wrote = True
        calls = delta.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, dict):
                self._call_piece(call)
                wrote = True
        if wrote and self.first_token is None:
            self.first_token = self.clock()

    def _call_piece(self, piece: dict[str, Any]) -> None:
        index = piece.get("index", len(self._calls))
        call = self._calls.setdefault(
            index if isinstance(index, int) else len(self._calls),
            {"type": "function", "function": {"name": "", "arguments": ""}},
        )
        if isinstance(piece.get("id"), str):
            call["id"] = piece["id"]
        function = piece.get("function")
        if isinstance(function, dict):
            for name in ("name", "arguments"):
                if isinstance(function.get(name), str):
                    call["function"][name] += function[name]

    def completion(self) -> dict[str, Any]:
        """The chat completion the events make up (``{"error": ...}`` if one ended them)."""
        rest = b"".join(self._pending).strip()
        self._pending = []
        if rest:
            self._line(rest)
        if self._error is not None:
            return {"error": self._error}
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self._content) if self._content else None,
        }
        if self._reasoning:
            message["reasoning_content"] = "".join(self._reasoning)
        if self._calls:
            message["tool_calls"] = [self._calls[index] for index in sorted(self._calls)]
        choice = {"index": 0, "message": message, "finish_reason": self._finish}
        return {"object": "chat.completion", "choices": [choice], "usage": self._usage}


__all__ = ["STREAM_OPTIONS", "StreamError", "StreamedCompletion"]
