"""A chat-completions server on 127.0.0.1 that answers from a script (for OpenAIPolicy tests)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, Any, dict[str, str], float]
"""(status, body: dict (sent as JSON) or str (sent raw), headers, delay in seconds)."""


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


@dataclass
class Server:
    """Answers each POST with the next scripted reply, or ``answer(body)`` when the script is empty."""

    url: str
    script: list[Reply] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], str] | None = None
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    active: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, headers: dict[str, str], body: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append((headers, body))
            if self.script:
                return self.script.pop(0)
        assert self.answer is not None, "the test did not script this request"
        return (200, completion(self.answer(body)), {}, 0.0)


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

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
