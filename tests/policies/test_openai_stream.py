"""Streamed answers from a served model: the time to the first token and of the whole request,
read from an injected clock that the test's own server on 127.0.0.1 moves; streamed tool calls
and usage; and the servers that refuse or ignore streaming.

The server and the clock meet through events, not sleeps: the server advances the clock, sends
the first token, waits until the client has read it (its clock is read then), advances the
clock again and sends the rest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("httpx", reason="needs the openai extra")

from screenpilot.agent.core import Usage
from screenpilot.environments.demo import DemoEnv
from screenpilot.policies.openai_compat import OpenAIPolicy
from screenpilot.tools import Tap

WAIT = 30.0
"""The longest a server waits for the client to read a token (generous: never reached)."""


class Clock:
    """Seconds the server sets; ``stamp_next`` makes the next reading signal ``read``."""

    def __init__(self) -> None:
        self.now = 100.0
        self.read = threading.Event()
        self._armed = False
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            if self._armed:
                self._armed = False
                self.read.set()
            return self.now

    def advance(self, seconds: float, *, stamp_next: bool = False) -> None:
        with self._lock:
            self.now += seconds
            self._armed = stamp_next
            self.read.clear()


@dataclass
class Streamer:
    """How the server answers: the ``first`` events (the last of them holding the first
    token) ``before_first`` seconds after the request on the clock, the ``rest``
    ``after_first`` seconds later; ``refuse`` answers a streamed request 400, ``ignore``
    answers every request with plain JSON."""

    clock: Clock
    first: list[dict[str, Any]]
    rest: list[dict[str, Any]]
    before_first: float = 2.0
    after_first: float = 5.0
    refuse: bool = False
    ignore: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def chunk(content: str | None = None, **delta: Any) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}


def as_completion(events: list[dict[str, Any]]) -> dict[str, Any]:
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}


@pytest.fixture
def streamer() -> Iterator[Callable[..., Streamer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(first: list[dict[str, Any]], rest: list[dict[str, Any]], **options: Any) -> Streamer:
        state = Streamer(Clock(), first, rest, **options)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                state.requests.append(body)
                if body.get("stream") and state.refuse:
                    self._json(400, {"error": {"message": "stream is not supported"}})
                elif not body.get("stream") or state.ignore:
                    self._json(200, as_completion(state.first + state.rest))
                else:
                    self._stream()

            def _json(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _send(self, event: dict[str, Any] | str) -> None:
                data = event if isinstance(event, str) else json.dumps(event)
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

            def _stream(self) -> None:
                self.close_connection = True
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                state.clock.advance(state.before_first, stamp_next=True)
                for event in state.first:
                    self._send(event)
                assert state.clock.read.wait(WAIT), "the client never read the first token"
                state.clock.advance(state.after_first)
                for event in state.rest:
                    self._send(event)
                self._send("[DONE]")

            def log_message(self, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        return state

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def served(state: Streamer, card: str = "qwen25vl", **options: Any) -> OpenAIPolicy:
    return OpenAIPolicy(
        "served-model",
        base_url=state.url,
        card=card,
        api_key_env=None,
        backoff=0.01,
        clock=state.clock,
        **options,
    )


CLICK = '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [336, 742]}}\n</tool_call>'


def test_the_first_token_and_the_whole_request_are_timed_apart(
    streamer: Callable[..., Streamer],
) -> None:
    usage = {
        "prompt_tokens": 1300,
        "completion_tokens": 31,
        "prompt_tokens_details": {"cached_tokens": 1024},
    }
    first = [chunk(role="assistant"), chunk(CLICK[:9])]  # the role alone is no token yet
    rest = [chunk(CLICK[9:40]), chunk(CLICK[40:]), {"choices": [], "usage": usage}]
    state = streamer(first, rest, before_first=2.0, after_first=5.0)
    decision = served(state).act("Open the settings", DemoEnv().reset(), ())
    assert decision.action == Tap(x=0.5, y=0.5)
    assert decision.timings["ttft"] == 2.0 and decision.timings["request"] == 7.0
    assert decision.usage == Usage(1300, 31, 1024)
    sent = state.requests[0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_streamed_tool_calls_are_assembled_from_their_pieces(
    streamer: Callable[..., Streamer],
) -> None:
    arguments = json.dumps({"x": 0.25, "y": 0.75})
    call = {"index": 0, "id": "call-1", "type": "function"}
    first = [chunk(role="assistant", tool_calls=[{**call, "function": {"name": "tap"}}])]
    rest = [
        chunk(tool_calls=[{"index": 0, "function": {"arguments": arguments[:6]}}]),
        chunk(tool_calls=[{"index": 0, "function": {"arguments": arguments[6:]}}]),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    state = streamer(first, rest, before_first=0.5, after_first=1.0)
    decision = served(state, card="tools").act("Tap", DemoEnv().reset(), ())
    assert decision.action == Tap(x=0.25, y=0.75)
    assert decision.timings["ttft"] == 0.5 and decision.timings["request"] == 1.5


def test_a_server_that_refuses_streaming_is_asked_again_without_it(
    streamer: Callable[..., Streamer],
) -> None:
    state = streamer([chunk(CLICK)], [], refuse=True)
    policy = served(state)
    observation = DemoEnv().reset()
    first = policy.act("Open the settings", observation, ())
    second = policy.act("Open the settings", observation, ())
    assert first.action == second.action == Tap(x=0.5, y=0.5)
    assert [body.get("stream") for body in state.requests] == [True, None, None]
    assert "ttft" not in first.timings and first.timings["request"] == 0.0
    assert policy.retries == 0


def test_a_server_that_ignores_streaming_answers_as_usual(
    streamer: Callable[..., Streamer],
) -> None:
    state = streamer([chunk(CLICK)], [], ignore=True)
    decision = served(state).act("Open the settings", DemoEnv().reset(), ())
    assert decision.action == Tap(x=0.5, y=0.5) and "ttft" not in decision.timings


def test_an_error_in_the_stream_is_the_steps_model_error(
    streamer: Callable[..., Streamer],
) -> None:
    error = {"error": {"message": "the engine ran out of memory"}}
    state = streamer([chunk("Thought: ")], [error])
    decision = served(state, max_retries=1).act("Open the settings", DemoEnv().reset(), ())
    assert decision.error is not None and "ran out of memory" in str(decision.error)
    assert len(state.requests) == 2  # retried once: such trouble may pass


def test_without_streaming_no_first_token_is_timed(streamer: Callable[..., Streamer]) -> None:
    state = streamer([chunk(CLICK)], [])
    decision = served(state, stream=False).act("Open the settings", DemoEnv().reset(), ())
    assert decision.action == Tap(x=0.5, y=0.5) and "ttft" not in decision.timings
    assert "stream" not in state.requests[0]


@pytest.mark.parametrize("piece", [1, 7, 100, 1 << 20])
def test_a_stream_cut_anywhere_reads_the_same(piece: int) -> None:
    """However the body is cut (a byte at a time, mid-line, mid-character), the events read
    are the same, and a last line without its newline still counts."""
    from screenpilot.policies.sse import StreamedCompletion

    long_text = "é" * 20_000 + " the end"
    events = [
        {"choices": [{"delta": {"content": long_text}}]},
        {"choices": [{"delta": {"content": " more"}, "finish_reason": "stop"}]},
        {"usage": {"prompt_tokens": 3, "completion_tokens": 2}},
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]"
    stream = StreamedCompletion(clock=lambda: 0.0)
    for start in range(0, len(body), piece):
        stream.feed(body[start : start + piece])
    completion = stream.completion()
    assert completion["choices"][0]["message"]["content"] == long_text + " more"
    assert completion["choices"][0]["finish_reason"] == "stop"
    assert completion["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}
