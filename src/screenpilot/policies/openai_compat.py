"""``OpenAIPolicy``: a model card served behind any OpenAI-compatible chat-completions endpoint.

vLLM, SGLang and DashScope's compatible mode all accept the same request. The screenshot is
smart-resized on the client to the model's pixel budget (so the server's own resize is a no-op
and the coordinate frame is known exactly) and sent as a compact data URI. The HTTP exchange
(``transport``) has a total deadline per attempt (``timeout``: connecting, sending and the
whole answer), a cap on the answer's size (``max_response_bytes``) and bounded retries with
backoff; its module documentation says which failure becomes which error and why: a server
that fails or stalls is a ``DeviceError`` after the retries (the run stops, saved), an answer
that is no usable completion is a ``BadResponseError`` (a ``ModelError``: recorded on the step),
a refused key, an unknown model, a wrong URL, or a URL where nothing answered before the server
ever did, is a ``ConfigError`` at once. The API key is read
from an environment variable and never recorded.

Each decision records its stages (``image``: resizing and encoding the screenshots, each once;
``prompt``; ``ttft`` and ``request``, the answer streamed where the server allows it;
``parse``), the server's token usage (with the prompt tokens it found cached, where it says),
and how much of the request repeats the previous step's (``prefix``).
"""

from __future__ import annotations

import base64
import io
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any

from PIL import Image

from screenpilot.agent.core import Decision, Usage
from screenpilot.errors import ConfigError, ModelError, require
from screenpilot.policies.cards import Message
from screenpilot.policies.hub import load_options
from screenpilot.policies.model_images import ByIdentity
from screenpilot.policies.prefix import Encode, PrefixMeter, chatml_pieces
from screenpilot.policies.settings import PolicySettings
from screenpilot.policies.tool_card import tool_calls_as_text
from screenpilot.policies.transport import BadResponseError, Transport
from screenpilot.policies.vlm import CardPolicy, Request
from screenpilot.policies.watchdog import Cancel

IMAGE_FORMATS = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_MAX_RESPONSE_BYTES = 4 * 2**20
"""4 MiB: a completion of a few thousand tokens is some kilobytes; even with logprobs of every
token it stays far below."""


def encode_image(image: Image.Image, image_format: str = "jpeg", quality: int = 90) -> str:
    """A ``data:`` URI of the image (JPEG at ``quality``, or lossless PNG / WebP)."""
    buffer = io.BytesIO()
    if image_format == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=quality)
    elif image_format == "webp":
        image.save(buffer, "WEBP", lossless=True, method=0)
    else:
        image.save(buffer, "PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:{IMAGE_FORMATS[image_format]};base64,{data}"


class OpenAIPolicy(CardPolicy):
    """A model card over ``POST {base_url}/chat/completions``; safe to call from many threads."""

    policy_name = "openai"

    def __init__(
        self,
        settings: PolicySettings | str,
        /,
        *,
        backoff: float = 1.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        image_format: str = "jpeg",
        image_quality: int = 90,
        concurrency: int = 8,
        extra_body: dict[str, Any] | None = None,
        stream: bool = True,
        clock: Callable[[], float] | None = None,
        **changes: Any,
    ) -> None:
        """``settings`` (or the served model's name) with ``changes`` (``base_url=``, ``card=``,
        ``timeout=``, ``max_retries=``, ... — ``PolicySettings`` fields); the rest are settings
        of this policy's transport: ``backoff`` (seconds before the first retry, doubling),
        ``max_response_bytes`` (an answer past it is abandoned), ``concurrency`` (requests of
        one ``act_batch`` at a time), ``extra_body`` (merged into every request), ``stream``
        (stream answers, to know the time to the first token; a server that refuses is asked
        without), ``clock`` (where request timings read the time; a fake clock in tests).

        ``timeout`` (default 120 s) is each attempt's deadline, from waiting for a connection
        to the answer's last byte; ``max_retries`` (default 4) bounds the attempts. One ``act``
        call ends within ``(max_retries + 1) · timeout + backoff · (2^max_retries - 1)``
        seconds plus the time to encode the image and parse the answer (615 s with the
        defaults), up to ``max_retries · 60`` s later if the server's Retry-After asks for
        longer waits. ``act_batch`` takes at most that per round of ``concurrency`` requests,
        and about one round once the server fails for good."""
        super().__init__(settings, **changes)
        base_url, api_key_env = self.settings.base_url, self.settings.api_key_env
        if not base_url:
            raise ConfigError("the openai policy needs --base-url (e.g. http://localhost:8000/v1)")
        if not base_url.startswith(("http://", "https://")) or not _has_host(base_url):
            raise ConfigError(
                f"--base-url must be an http(s) URL with a host, e.g. http://localhost:8000/v1, "
                f"got {base_url!r}"
            )
        if image_format not in IMAGE_FORMATS:
            raise ConfigError(f"image format must be one of {sorted(IMAGE_FORMATS)}")
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        timeout, max_retries = self.settings.timeout, self.settings.max_retries
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.max_retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        self.backoff, self.max_response_bytes = backoff, max_response_bytes
        self.image_format, self.image_quality = image_format, image_quality
        self.concurrency = max(concurrency, 1)
        self.extra_body = dict(extra_body or {})
        self.stream = stream
        self._uris: ByIdentity[Image.Image, str] = ByIdentity()
        self.prefix = PrefixMeter(load_tokenizer(self.settings.tokenizer))
        self._transport = Transport(
            f"{self.base_url}/chat/completions",
            api_key=os.environ.get(api_key_env) if api_key_env else None,
            key_hint=f"${api_key_env}" if api_key_env else "--api-key-env",
            model=self.model,
            timeout=self.timeout,
            max_retries=self.max_retries,
            backoff=backoff,
            max_bytes=max_response_bytes,
            connections=self.concurrency * 2,
        )
        if clock is not None:
            self._transport.clock = clock

    @property
    def retries(self) -> int:
        """Retries made so far (all threads)."""
        return self._transport.retries

    def data_uri(self, image: Image.Image) -> str:
        """The image as the request sends it; encoded once however many requests show it."""
        return self._uris.get(
            image, None, lambda shown: encode_image(shown, self.image_format, self.image_quality)
        )

    def to_openai(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        """Card messages with PIL images replaced by ``image_url`` data URIs."""
        out = []
        for message in messages:
            content = message["content"]
            if not isinstance(content, str):
                content = [
                    {"type": "image_url", "image_url": {"url": self.data_uri(part["image"])}}
                    if part["type"] == "image"
                    else {"type": "text", "text": part["text"]}
                    for part in content
                ]
            out.append({"role": message["role"], "content": content})
        return out

    def body(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        return self.body_of(self.to_openai(messages), tools)

    def body_of(
        self, sent: list[dict[str, Any]], tools: Sequence[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The request for messages already in OpenAI's form (``to_openai``)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": sent,
            "max_tokens": self.max_new_tokens,
            "temperature": self.temperature,
        }
        if tools:
            body["tools"] = list(tools)
        return {**body, **self.extra_body}

    def complete(
        self,
        body: dict[str, Any],
        group: Cancel | None = None,
        timing: dict[str, float] | None = None,
    ) -> tuple[str, Usage | None]:
        """POST one request, retrying what may pass; returns the text and usage; ``timing``
        gets ``request`` and, when the answer was streamed, ``ttft``. Abandoning ``group`` ends
        it at once (``act_batch`` does once another request failed for good)."""
        return self._transport.post(
            body, self._read_completion, group, stream=self.stream, timing=timing
        )

    def _read_completion(self, data: Any) -> tuple[str, Usage | None]:
        """A chat completion's text (tool calls written as Hermes text) and usage."""
        show = self._transport.show
        if isinstance(data, dict) and "error" in data and "choices" not in data:
            msg = f"the server answered with an error, not a completion: {show(data['error'])}"
            raise BadResponseError(msg)
        choices = data.get("choices") if isinstance(data, dict) else None
        choice = choices[0] if isinstance(choices, list) and choices else None
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or not isinstance(message, dict):
            msg = f"the answer is not a chat completion (no choices[0].message): {show(data)}"
            raise BadResponseError(msg)
        content = message.get("content")
        if isinstance(content, list):  # some servers return content parts
            content = "".join(
                str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
            )
        tool_calls = message.get("tool_calls")
        if tool_calls and not isinstance(tool_calls, list):
            raise BadResponseError(f"the completion's tool_calls are {show(tool_calls)}")
        if tool_calls:  # OpenAI function calling; a call that is none is a ParseError
            content = tool_calls_as_text(content if isinstance(content, str) else None, tool_calls)
        if content is None:
            reason = choice.get("finish_reason")
            msg = f"the completion has no text and no tool calls (finish_reason {reason!r})"
            raise BadResponseError(msg, retryable=False)
        if not isinstance(content, str):
            msg = f"the answer is not a chat completion: its content is {show(content)}"
            raise BadResponseError(msg)
        return content, _usage(data.get("usage"))

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        """Concurrent requests, at most ``concurrency`` at a time; results in request order.

        A model fault comes back in its request's place. The first failure that ends the batch
        (the server is down, the key refused) is raised at once: the queued requests are
        dropped and the running ones abandoned (a connection being opened runs out its
        timeout at most)."""
        decisions: list[Decision | ModelError] = []
        if len(requests) <= 1:
            decisions.extend(self._act_one(request) for request in requests)
            return decisions
        with self._transport.group() as batch:
            decisions.extend(self._concurrently(requests, batch))
        return decisions

    def _concurrently(self, requests: Sequence[Request], batch: Cancel) -> list[Decision]:
        failures: list[BaseException] = []
        lock = threading.Lock()

        def one(request: Request) -> Decision:
            if batch.reason is not None:
                raise _Dropped
            try:
                return self._act_one(request, batch)
            except BaseException as exc:
                with lock:
                    failures.append(exc)
                batch.abandon("another request of the batch failed")
                raise

        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests)))
        try:
            futures = [pool.submit(one, request) for request in requests]
            wait(futures, return_when=FIRST_EXCEPTION)
            if failures:
                raise failures[0]  # the first to fail; the others were abandoned after it
            return [future.result() for future in futures]
        finally:
            batch.abandon("the batch ended")  # running requests end at once (Ctrl-C)
            pool.shutdown(wait=True, cancel_futures=True)

    def _act_one(self, request: Request, group: Cancel | None = None) -> Decision:
        task, observation, history = request
        prepared = self.prepare(task, observation, history)
        size = prepared.resized_size
        if self.card.resized_size(size, self.min_pixels, self.max_pixels) != size:
            msg = (
                f"the pixel budget {self.min_pixels}..{self.max_pixels} is too narrow for a "
                f"{observation.screen.width}x{observation.screen.height} screen: the server would "
                f"resize the {size[0]}x{size[1]} image again; lower --min-pixels or raise --max-pixels"
            )
            raise ConfigError(msg)
        started = time.perf_counter()
        sent = self.to_openai(prepared.messages)
        encoded = time.perf_counter()
        body = self.body_of(sent, prepared.tools)
        factor = self.card.convention_for(self.platform).factor
        prefix = self.prefix.measure(
            observation,
            history,
            body,
            lambda: chatml_pieces(
                prepared.messages,
                prepared.tools,
                self.data_uri,
                lambda image: (image.width // factor) * (image.height // factor),
            ),
        )
        timings = {
            "image": prepared.image_seconds + encoded - started,
            "prompt": prepared.prompt_seconds + time.perf_counter() - encoded,
        }
        try:
            text, usage = self.complete(body, group, timings)
        except ModelError as exc:  # an unusable answer, or tool calls that are no calls
            return Decision(error=exc, raw_output=exc.raw_output, timings=timings, info=prefix)
        decision = self.decide(text, observation, history, prepared.resized_size, timings, usage)
        return replace(decision, info={**decision.info, **prefix})

    def describe_extra(self) -> dict[str, Any]:
        # The key itself is never recorded, only where it is read from.
        return {
            "base_url": self.base_url,
            "api_key_env": self.api_key_env,
            "image_format": self.image_format,
            "image_quality": self.image_quality if self.image_format == "jpeg" else None,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "max_response_bytes": self.max_response_bytes,
        }

    def close(self) -> None:
        self._transport.close()


def _has_host(url: str) -> bool:
    """Whether ``url`` parses, with a host and a valid port (``http:///v1`` has no host)."""
    try:
        parts = urllib.parse.urlsplit(url)
        return bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:  # an unclosed [IPv6 bracket, a port that is not a number
        return False


def _usage(usage: Any) -> Usage:
    """Token counts as reported (0 where a server leaves them out or garbles them), with the
    prompt tokens it served from its cache where it says (``prompt_tokens_details``)."""
    counts = usage if isinstance(usage, dict) else {}
    details = counts.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    try:
        return Usage(
            int(counts.get("prompt_tokens") or 0),
            int(counts.get("completion_tokens") or 0),
            None if cached is None else int(cached),
        )
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 read as infinity
        return Usage()


def load_tokenizer(name: str | None) -> Encode | None:
    """The tokenizer named (a hub id or a folder; from the local cache when the hub cannot be
    reached) as a function from text to token ids; None without a name."""
    if name is None:
        return None
    transformers = require("transformers", "local")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(name, **load_options(name))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load the tokenizer {name!r} (--tokenizer): {exc}") from exc

    def encode(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    return encode


class _Dropped(Exception):
    """A request of a batch not sent because another one had failed for good."""


__all__ = ["OpenAIPolicy", "encode_image"]
