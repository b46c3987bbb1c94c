"""One JSON POST to a served model, with a total deadline, a size cap and bounded retries.

httpx's timeouts bound each socket operation, and a read's timer restarts with every byte: a
server that trickles its answer (or its headers) a byte at a time, or sends megabytes, holds
the caller for as long as it likes. Here ``timeout`` is the deadline of the whole attempt —
waiting for a connection, connecting, sending, and reading the entire answer. It is kept three
ways: no socket operation may wait longer than the deadline; the answer is streamed and the
deadline checked between chunks; and a watchdog shuts the attempt's socket down when the
deadline passes, which wakes a read blocked on a silent or trickling server at once. Every
attempt uses a fresh connection (``Connection: close``) so that the watchdog always holds its
socket; next to seconds of generation, the handshake this costs is small. The answer is read
up to ``max_bytes`` and abandoned as soon as it is longer (before reading any of it when its
content-length says so).

Whose fault a failure is decides what it becomes:

- Nothing answers at the URL before the server ever answered (the connection is refused,
  the host name does not resolve, no connection within the deadline): a ``ConfigError`` at
  once, naming the URL and what to check (exit 2). On first contact this is the address or a
  server not started, and waiting would not change it; nothing is retried.
- The server, once it has answered, cannot be reached again, breaks the connection, gives no
  complete answer within the deadline, or answers 408, 409, 425, 429 or 5xx: retried (such
  trouble often passes: a restart, a full queue, a dropped connection), then a
  ``DeviceError``. The server is failing,
  no later step would fare better (each would wait out the same deadline), and only whoever
  runs it can help, so the run stops, saved (exit 3). Any other 4xx is a ``DeviceError`` at
  once: the server refuses this request and would refuse it again.
- The server answered in time, but its 2xx body is not JSON or not a chat completion:
  retried (gateways and proxies produce such bodies in passing: an HTML error page, a 200
  carrying ``{"error": ...}``; and a retry costs one quick request), then a
  ``BadResponseError``. It is a ``ModelError``: the step lost its answer the way it loses an
  unreadable one, the step records it, the policy sees it next turn, and the run goes on —
  the next step is a fresh request. A server that only ever answers garbage makes every step
  a model error, and the run ends at its step limit.
- An answer longer than ``max_bytes``, or a completion with no text and no tool call: a
  ``BadResponseError`` at once. Both are the model's output (or a server ignoring
  ``max_tokens``), and the same request would bring the same answer again.
- 401/403 (the key), 404 (the model's name or the URL) and redirects (the URL): a
  ``ConfigError`` at once, for the caller to fix (exit 2). A 404 is followed by one ``GET
  /models`` (within the deadline) whose list says which of the two is wrong; ``server_hints``
  words these hints.

Streaming (``post(stream=True)``): server-sent events (``sse``), read as they arrive under the
same deadline and cap, so that the first token's time is known; a server that refuses them (400
or 422 naming ``stream``) is asked again without, and never again; one ignoring them answers.

Every message names the URL. Text from the server is quoted (control characters escaped)
and cut short, and the API key is replaced by ``***`` wherever the server echoes it, in any
case and in the encodings ``agent/secrets.py`` lists (URL, JSON and HTML escapes), before the
text is cut (so no piece of it survives at the cut either).

Bounds: an attempt ends within ``timeout`` (plus the moment it takes to notice). One
exception: a wait for a free connection (only when more requests run at once than the client
has connections, twice the policy's concurrency) and the connecting after it are each bounded
by ``timeout`` on their own, since httpx fixes a phase's limit when it starts; such an attempt
may take up to twice ``timeout``. Between attempts ``post`` waits ``backoff · 2^n`` seconds,
jittered down to half, or the server's Retry-After, at most 60 s. ``post`` therefore returns or raises within
``(max_retries + 1) · timeout + backoff · (2^max_retries - 1)`` seconds, and at most
``max_retries · 60`` s later when the server asks for longer waits: 615 s (840 s) with the
policy's defaults of 120 s, 4 retries and 1 s backoff. Not bounded here: a DNS lookup, which
the resolver times out itself. ``close()``, and abandoning a ``group`` of requests, end the
running exchanges at once (a ``DeviceError`` saying why) and start no more.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from screenpilot.agent.secrets import Redactor
from screenpilot.errors import ConfigError, DeviceError, require
from screenpilot.policies import server_hints as hints
from screenpilot.policies import transport_faults as faults
from screenpilot.policies.sse import STREAM_OPTIONS, StreamedCompletion
from screenpilot.policies.transport_faults import BadResponseError, Passing, Progress
from screenpilot.policies.watchdog import DEADLINE, Cancel, Watchdog

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_WAIT = 60.0
"""The longest wait between attempts, whatever Retry-After asks."""
MIN_RESPONSE_BYTES = 1024
DETAIL_BYTES = 4096
"""How much of an error status's body is read, for its message."""
QUOTED = 200
"""Characters of server text quoted in a message."""


class Transport:
    """POSTs JSON to ``url`` and hands the parsed answer to a reader; safe across threads."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None,
        key_hint: str,
        model: str,
        timeout: float,
        max_retries: int,
        backoff: float,
        max_bytes: int,
        connections: int,
    ) -> None:
        if max_bytes < MIN_RESPONSE_BYTES:
            msg = f"max_response_bytes must be at least {MIN_RESPONSE_BYTES}, got {max_bytes}"
            raise ConfigError(msg)
        if backoff < 0:
            raise ConfigError(f"backoff must be at least 0 seconds, got {backoff}")
        httpx = require("httpx", "openai")
        self._httpx = httpx
        self.url, self.model, self.key_hint = url, model, key_hint
        self.timeout, self.max_retries, self.backoff = timeout, max_retries, backoff
        self.max_bytes, self.clock = max_bytes, time.perf_counter
        """``clock``: where ``post``'s ``timing`` reads the time (a fake clock in tests)."""
        self._hide = Redactor([api_key] if api_key else [])
        self._key_sent = bool(api_key)
        self.answered = False
        """Whether the server has answered a request (with any status) yet: until it has, a
        URL where nothing answers is the caller's to fix, not a server failing."""
        headers = {
            "content-type": "application/json",
            "accept-encoding": "identity",  # no small compressed read inflating past the cap
            "connection": "close",
        }
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            headers=headers,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=0),
        )
        self._everything = Cancel()
        self._lock = threading.Lock()
        self.retries = 0
        """Retries made so far (all threads)."""
        self.streams = True
        """Whether a request asked to stream is streamed (False once the server refused)."""

    def group(self) -> AbstractContextManager[Cancel]:
        """Requests that can be abandoned together (``post``'s ``group``), for a ``with``."""
        return self._everything.group()

    def post(
        self,
        body: Mapping[str, Any],
        read: Callable[[Any], T],
        group: Cancel | None = None,
        *,
        stream: bool = False,
        timing: dict[str, float] | None = None,
    ) -> T:
        """POST ``body`` (streamed with ``stream`` while the server allows), retrying what may
        pass; ``read`` turns the answer into the result or raises ``BadResponseError``.
        ``timing`` gets ``request`` (retries included) and, streamed, ``ttft`` (from the start
        of the attempt that answered). Abandoning ``group`` (or ``close``) ends it at once."""
        if group is None:
            with self.group() as own:
                return self.post(body, read, own, stream=stream, timing=timing)
        started = self.clock()
        streamed = stream and self.streams
        payload = json.dumps({**body, **STREAM_OPTIONS} if streamed else body).encode()
        attempts = 0
        while True:
            if group.reason is not None:
                raise self._abandoned(group.reason)
            attempts += 1
            try:
                began = self.clock()
                data, first_token = self._attempt(payload, group, streamed)
                result = read(data)
                if timing is not None:
                    timing["request"] = self.clock() - started
                    if first_token is not None:
                        timing["ttft"] = first_token - began
                return result
            except faults.StreamRefused:
                self.streams, streamed, attempts = False, False, attempts - 1
                payload = json.dumps(body).encode()
                continue
            except Passing as exc:
                failure: Exception = exc
                wait = exc.wait
            except BadResponseError as exc:
                if not exc.retryable:
                    raise self._bad(exc, attempts) from None
                failure, wait = exc, None
            if attempts > self.max_retries:
                break
            delay = self.backoff * 2 ** (attempts - 1) * (0.5 + random.random() / 2)
            if group.wait(min(delay if wait is None else wait, MAX_WAIT)):
                continue  # abandoned meanwhile: raised above
            with self._lock:
                self.retries += 1
        raise self._give_up(failure, attempts)

    def _attempt(self, payload: bytes, group: Cancel, streamed: bool) -> tuple[Any, float | None]:
        """One exchange within the deadline: the parsed 2xx answer and, when it came as
        events, when its first token did; or a raised failure."""
        httpx = self._httpx
        deadline = time.monotonic() + self.timeout
        watchdog = Watchdog(self.timeout, group)
        progress = Progress()
        events: StreamedCompletion | None = None
        try:
            with self._client.stream(
                "POST",
                self.url,
                content=payload,
                timeout=httpx.Timeout(self.timeout),
                extensions={"trace": watchdog.trace},
            ) as response:
                try:
                    watchdog.watch(response.extensions.get("network_stream"))
                    progress.status = response.status_code
                    self.answered = True
                    if not 200 <= response.status_code < 300:
                        body = self._read(response, deadline, progress, DETAIL_BYTES, cap=False)
                        if streamed and faults.refuses_stream(response.status_code, body):
                            raise faults.StreamRefused
                        self._refuse(response, body)
                    kind = str(response.headers.get("content-type", ""))
                    streaming = "text/event-stream" in kind
                    events = StreamedCompletion(self.clock) if streaming else None
                    body = self._read(
                        response, deadline, progress, self.max_bytes, cap=True, events=events
                    )
                finally:
                    watchdog.disarm()
            # A body without a length ends where the connection does, so the watchdog's shutdown
            # reads as its end: what was read is then cut short, not the server's answer.
            if watchdog.reason == DEADLINE:
                raise self._overrun(progress)
            if watchdog.reason is not None:
                raise self._abandoned(watchdog.reason)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout) and not self.answered:
                reason = f"no connection within {self.timeout:g} s"
                raise ConfigError(self._named(hints.unreachable(self.url, reason))) from None
            raise self._overrun(progress) from None
        except httpx.TransportError as exc:
            if watchdog.reason == DEADLINE:
                raise self._overrun(progress) from None
            if watchdog.reason is not None:
                raise self._abandoned(watchdog.reason) from None
            if isinstance(exc, httpx.ConnectError) and not self.answered:
                resolved = not hints.unresolved_host(exc)
                message = hints.unreachable(self.url, str(exc), resolved=resolved)
                raise ConfigError(self._named(message)) from None
            if isinstance(exc, httpx.ConnectError):
                raise Passing(f"could not connect ({exc})") from None
            raise Passing(f"the connection broke ({exc}; {progress})") from None
        finally:
            watchdog.disarm()
        if events is None:
            return self._parse(body), None
        try:
            return events.completion(), events.first_token
        except ValueError as exc:
            raise BadResponseError(str(exc)) from None

    def _read(
        self,
        response: Any,
        deadline: float,
        progress: Progress,
        limit: int,
        *,
        cap: bool,
        events: StreamedCompletion | None = None,
    ) -> bytes:
        """The body, up to ``limit`` bytes: past it, abandoned (``cap``) or cut short; each
        chunk goes to ``events`` as it arrives."""
        declared = str(response.headers.get("content-length", ""))
        if cap and declared.isdigit() and int(declared) > limit:
            raise self._too_large(int(declared), limit, said=True)
        chunks: list[bytes] = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            progress.received += len(chunk)
            if progress.received > limit:
                if cap:
                    raise self._too_large(progress.received, limit, said=False)
                break
            if time.monotonic() > deadline:
                raise self._overrun(progress)
            if events is not None:
                try:
                    events.feed(chunk)
                except ValueError as exc:
                    raise BadResponseError(str(exc)) from None
        return b"".join(chunks)

    def _parse(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            msg = (
                f"the answer is not JSON ({reason}); it starts {self.quote(body)}: is --base-url "
                "an OpenAI-compatible endpoint (usually ending in /v1)?"
            )
            raise BadResponseError(msg) from None

    def _refuse(self, response: Any, body: bytes) -> None:
        """Raise what an error status means."""
        status, detail = response.status_code, self.quote(body)
        if status in (401, 403):
            msg = hints.refused_key(status, self.key_hint, self._key_sent)
            raise ConfigError(self._named(f"{msg}; {detail}"))
        if status == 404:
            msg = hints.not_found(self.model, self.url, self._listing(), self.quote)
            raise ConfigError(self._named(f"{msg}; {detail}"))
        if 300 <= status < 400:
            location = self.printable(
                self._hide.redact(str(response.headers.get("location", "nowhere")))
            )
            base = hints.base_of(location)
            msg = f"redirected (HTTP {status}) to {location}: use --base-url {base}"
            raise ConfigError(self._named(msg))
        if status in RETRY_STATUSES:
            raise Passing(f"HTTP {status}: {detail}", wait=faults.retry_after(response))
        raise DeviceError(self._named(f"HTTP {status}: {detail}"))

    def _listing(self) -> hints.Listing:
        """What the server lists at ``GET /models``, read within the deadline."""
        httpx = self._httpx
        deadline = time.monotonic() + self.timeout
        try:
            with self._client.stream(
                "GET", hints.models_url(self.url), timeout=httpx.Timeout(self.timeout)
            ) as response:
                if response.status_code != 200:
                    return hints.Listing(response.status_code)
                limit = hints.LISTING_BYTES
                body = self._read(response, deadline, Progress(), limit, cap=False)
        except (httpx.HTTPError, Passing):
            return hints.Listing(None)
        return hints.Listing.read(body)

    def _abandoned(self, reason: str) -> DeviceError:
        return DeviceError(self._named(f"abandoned: {reason}"))

    def _overrun(self, progress: Progress) -> Passing:
        msg = f"no complete answer within {self.timeout:g} s ({progress})"
        return Passing(msg, overrun=True)

    def _too_large(self, size: int, limit: int, *, said: bool) -> BadResponseError:
        shown = faults.size_text
        how = f"its content-length is {size}" if said else f"abandoned after {shown(size)}"
        msg = f"the answer is larger than {shown(limit)} (max_response_bytes; {how})"
        return BadResponseError(msg, retryable=False, received=0 if said else size)

    def _bad(self, error: BadResponseError, attempts: int) -> BadResponseError:
        tries = f"gave up after {attempts} attempts: " if attempts > 1 else ""
        message = self._named(f"{tries}{error}")
        return BadResponseError(message, retryable=False, received=error.received)

    def _give_up(self, failure: Exception, attempts: int) -> Exception:
        if isinstance(failure, BadResponseError):
            return self._bad(failure, attempts)
        tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        hint = ""
        if isinstance(failure, Passing) and failure.overrun:
            hint = "; raise --timeout if the server is only slow"
        return DeviceError(self._named(f"gave up after {tries}: {failure}{hint}"))

    def _named(self, message: str) -> str:
        """The message with the URL first and the key, if the server echoed it, hidden."""
        return self._hide.redact(f"{self.url}: {message}")

    def quote(self, data: bytes | str) -> str:
        """Server text for a message: cut short, quoted, control characters escaped."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        text = self._hide.redact(text)
        short = text[:QUOTED] + ("…" if len(text) > QUOTED else "")
        return repr(short)

    def show(self, value: object) -> str:
        """A parsed JSON value for a message: its JSON text (control characters escaped), cut
        short."""
        text = self._hide.redact(json.dumps(value, default=str))
        return text[:QUOTED] + ("…" if len(text) > QUOTED else "")

    @staticmethod
    def printable(text: str) -> str:
        return "".join(c if c.isprintable() else "?" for c in text[:QUOTED])

    def close(self) -> None:
        """Abandon the requests still running (in other threads) and release the client."""
        self._everything.abandon("the policy was closed")
        self._client.close()


__all__ = ["BadResponseError", "Transport"]
