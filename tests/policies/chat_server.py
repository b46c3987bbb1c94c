"""A chat-completions server on 127.0.0.1 that answers from a script (for OpenAIPolicy tests).

Besides well-formed replies it can misbehave the ways real servers and proxies do: trickle the
body (or the headers) a byte at a time, cut the connection mid-body, send megabytes, accept a
request and then say nothing, answer 200 with something that is not a completion, or refuse
the request with a body that echoes its headers (the API key among them), as they came or
changed in case or encoding.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Reply = tuple[int, Any, dict[str, str], float]
"""(status, body: dict (sent as JSON), str (sent raw) or ``Misbehave``, headers, delay in s)."""

LINGER = 30.0
"""The longest a misbehaving reply keeps its connection open while the client stays."""


@dataclass(frozen=True)
class Misbehave:
    """A reply that breaks the protocol; build it with the helpers below."""

    mode: Literal["trickle", "slow_headers", "cut", "oversize", "hang", "garbage"]
    data: bytes = b""
    interval: float = 0.05
    declared: bool = True
    """Whether the headers say the body's length (otherwise it ends when the server closes)."""


EchoForm = Literal["raw", "lower", "upper", "url", "json"]


@dataclass(frozen=True)
class Echo:
    """A reply whose body quotes the request's headers (Authorization first), in ``form``."""

    form: EchoForm = "raw"

    def body(self, headers: dict[str, str]) -> str:
        ordered = sorted(headers.items(), key=lambda item: item[0].lower() != "authorization")
        text = "".join(f"{name}: {value}\n" for name, value in ordered)
        if self.form == "lower":
            text = text.lower()
        elif self.form == "upper":
            text = text.upper()
        elif self.form == "url":
            text = urllib.parse.quote(text, safe="")
        elif self.form == "json":
            text = json.dumps({"headers": text})
        return json.dumps({"error": {"message": "bad request", "request": text}})


def echo_headers(status: int = 400, form: EchoForm = "raw") -> Reply:
    """A refusal (``status``) whose body echoes the request's headers in ``form``."""
    return (status, Echo(form), {}, 0.0)


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 1300, "completion_tokens": 30},
    }


def tool_call_completion(
    calls: list[tuple[str, dict[str, Any] | str]], content: str | None = None
) -> dict[str, Any]:
    """A completion that answers with OpenAI ``tool_calls`` (arguments sent as JSON text)."""
    tool_calls = [
        {
            "id": f"call-{number}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
            },
        }
        for number, (name, arguments) in enumerate(calls)
    ]
    message = {"role": "assistant", "content": content, "tool_calls": tool_calls}
    return {
        "id": "cmpl-2",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 20},
    }


def trickle(
    text: str = "done", *, interval: float = 0.05, padding: int = 2000, declared: bool = True
) -> Reply:
    """A valid completion (after ``padding`` spaces) sent one byte every ``interval`` s; its
    length in the headers, or (not ``declared``) the body ending when the server closes."""
    data = b" " * padding + json.dumps(completion(text)).encode()
    return (200, Misbehave("trickle", data, interval, declared=declared), {}, 0.0)


def slow_headers(*, interval: float = 0.05) -> Reply:
    """A status line, then header bytes one every ``interval`` s, never finishing."""
    return (200, Misbehave("slow_headers", interval=interval), {}, 0.0)


def cut(text: str = "done") -> Reply:
    """Headers promising a whole completion, half of it, then the connection closes."""
    return (200, Misbehave("cut", json.dumps(completion(text)).encode()), {}, 0.0)


def oversize(size: int, *, declared: bool = True) -> Reply:
    """A 200 whose completion text is ``size`` bytes long (``declared`` in content-length)."""
    head = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "'
    data = head + b"a" * size + b'"}}]}'
    return (200, Misbehave("oversize", data, declared=declared), {}, 0.0)


def hang() -> Reply:
    """Read the request, then send nothing until the client goes away."""
    return (200, Misbehave("hang"), {}, 0.0)


def garbage(data: bytes = b"<html><body>\x1b[31mIt works!</body></html>") -> Reply:
    """A 200 whose body is not a completion (default: a web server's page)."""
    return (200, Misbehave("garbage", data), {}, 0.0)


@dataclass
class Server:
    """Answers each POST with the next scripted reply, or ``answer(body)`` when the script is
    empty; ``GET /v1/models`` lists ``models``."""

    url: str
    script: list[Reply] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], str] | None = None
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    active: int = 0
    peak: int = 0
    sent: list[int] = field(default_factory=list)
    """Body bytes each misbehaving reply managed to write (into the socket's buffers)."""
    models: list[str] | None = None
    """What ``GET /v1/models`` lists (None: it answers 404)."""
    listings: int = 0
    """How many ``GET`` requests came."""
    stop: Callable[[], None] = lambda: None
    """Stop serving and close the port (connections to it are then refused)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_idle(self, seconds: float) -> bool:
        """Whether every request's handler finished within ``seconds``."""
        deadline = time.monotonic() + seconds
        while self.active and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.active == 0

    def reply(self, headers: dict[str, str], body: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append((headers, body))
            if self.script:
                return self.script.pop(0)
        assert self.answer is not None, "the test did not script this request"
        return (200, completion(self.answer(body)), {}, 0.0)


def client_left(sock: socket.socket, wait: float) -> bool:
    """Whether the client closed its end within ``wait`` seconds (it sends nothing more)."""
    ready, _, _ = select.select([sock], [], [], wait)
    if not ready:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def misbehave(handler: BaseHTTPRequestHandler, status: int, reply: Misbehave) -> int:
    """Answer as ``reply`` says; returns the body bytes written (into the socket's buffers)."""
    try:
        return _misbehave(handler, status, reply)
    except OSError:  # the client gave up
        return 0


def _misbehave(handler: BaseHTTPRequestHandler, status: int, reply: Misbehave) -> int:
    if reply.mode == "hang":
        deadline = time.monotonic() + LINGER
        while time.monotonic() < deadline and not client_left(handler.connection, 0.05):
            pass
        return 0
    if reply.mode == "slow_headers":
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nx-padding: ")
        for _ in range(int(LINGER / reply.interval)):
            handler.wfile.write(b"a")
            time.sleep(reply.interval)
        return 0
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    if reply.declared:
        handler.send_header("content-length", str(len(reply.data)))
    handler.end_headers()
    sent = 0
    try:
        if reply.mode == "trickle":
            for index in range(len(reply.data)):
                handler.wfile.write(reply.data[index : index + 1])
                sent += 1
                time.sleep(reply.interval)
        elif reply.mode == "cut":
            handler.wfile.write(reply.data[: len(reply.data) // 2])
            sent = len(reply.data) // 2
        else:  # oversize, garbage: as fast as the client reads
            for start in range(0, len(reply.data), 65536):
                chunk = reply.data[start : start + 65536]
                handler.connection.sendall(chunk)
                sent += len(chunk)
    except OSError:
        pass  # the client gave up
    return sent


def serve() -> Iterator[Server]:
    state = Server(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length))
            with state.lock:
                state.active += 1
                state.peak = max(state.peak, state.active)
            try:
                status, payload, headers, delay = state.reply(dict(self.headers), body)
                time.sleep(delay)
                if isinstance(payload, Misbehave):
                    self.close_connection = True
                    state.sent.append(misbehave(self, status, payload))
                    return
                if isinstance(payload, Echo):
                    payload = payload.body(dict(self.headers))
                data = payload if isinstance(payload, str) else json.dumps(payload)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data.encode())))
                self.end_headers()
                self.wfile.write(data.encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)
            finally:
                with state.lock:
                    state.active -= 1

        def do_GET(self) -> None:
            with state.lock:
                state.listings += 1
            models = state.models
            if self.path != "/v1/models" or models is None:
                status, data = 404, json.dumps({"detail": "Not Found"})
            else:
                listed = [{"id": name, "object": "model"} for name in models]
                status, data = 200, json.dumps({"object": "list", "data": listed})
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data.encode())))
            self.end_headers()
            self.wfile.write(data.encode())

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()

    state.stop = stop
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    stop()


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
