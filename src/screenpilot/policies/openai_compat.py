"""``OpenAIPolicy``: a model card served behind any OpenAI-compatible chat-completions endpoint.

vLLM, SGLang and DashScope's compatible mode all accept the same request. The screenshot is
smart-resized on the client to the model's pixel budget (so the server's own resize is a no-op
and the coordinate frame is known exactly) and sent as a compact data URI. Transient failures
(429, 5xx, timeouts, unreadable bodies) are retried with exponential backoff; authentication
and unknown-model errors are configuration errors, reported at once. The API key is read from
an environment variable and never recorded.
"""

from __future__ import annotations

import base64
import io
import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PIL import Image

from screenpilot.agent.core import Decision, Usage
from screenpilot.errors import ConfigError, DeviceError, ModelError, require
from screenpilot.policies.cards import Message
from screenpilot.policies.settings import PolicySettings
from screenpilot.policies.tool_card import tool_calls_as_text
from screenpilot.policies.vlm import CardPolicy, Request

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
IMAGE_FORMATS = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


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


class _RetryableError(Exception):
    """A failure worth another attempt; ``wait`` is the server's Retry-After, if any."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class OpenAIPolicy(CardPolicy):
    """A model card over ``POST {base_url}/chat/completions``; safe to call from many threads."""

    policy_name = "openai"

    def __init__(
        self,
        settings: PolicySettings | str,
        /,
        *,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        image_format: str = "jpeg",
        image_quality: int = 90,
        concurrency: int = 8,
        extra_body: dict[str, Any] | None = None,
        **changes: Any,
    ) -> None:
        """``settings`` (or the served model's name) with ``changes`` (``base_url=``, ``card=``,
        ... — ``PolicySettings`` fields); the rest are transport settings of this policy."""
        super().__init__(settings, **changes)
        base_url, api_key_env = self.settings.base_url, self.settings.api_key_env
        if not base_url:
            raise ConfigError("the openai policy needs --base-url (e.g. http://localhost:8000/v1)")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"--base-url must be an http(s) URL, got {base_url!r}")
        if image_format not in IMAGE_FORMATS:
            raise ConfigError(f"image format must be one of {sorted(IMAGE_FORMATS)}")
        httpx = require("httpx", "openai")
        self._httpx = httpx
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        key = os.environ.get(api_key_env) if api_key_env else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            timeout=timeout,
            headers=headers,
            limits=httpx.Limits(max_connections=max(concurrency, 1) * 2),
        )
        self.timeout, self.max_retries, self.backoff = timeout, max_retries, backoff
        self.image_format, self.image_quality = image_format, image_quality
        self.concurrency = max(concurrency, 1)
        self.extra_body = dict(extra_body or {})
        self._lock = threading.Lock()
        self.retries = 0
        """Retries made so far (all threads)."""

    def to_openai(self, messages: Sequence[Message]) -> list[dict[str, Any]]:
        """Card messages with PIL images replaced by ``image_url`` data URIs."""
        out = []
        for message in messages:
            content = message["content"]
            if not isinstance(content, str):
                content = [
                    {
                        "type": "image_url",
                        "image_url": {
                            "url": encode_image(
                                part["image"], self.image_format, self.image_quality
                            )
                        },
                    }
                    if part["type"] == "image"
                    else {"type": "text", "text": part["text"]}
                    for part in content
                ]
            out.append({"role": message["role"], "content": content})
        return out

    def body(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": self.to_openai(messages),
            "max_tokens": self.max_new_tokens,
            "temperature": self.temperature,
        }
        if tools:
            body["tools"] = list(tools)
        return {**body, **self.extra_body}

    def complete(self, body: dict[str, Any]) -> tuple[str, Usage | None]:
        """POST one request, retrying transient failures; returns the text and usage."""
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.max_retries + 1):
            try:
                return self._attempt(url, body)
            except _RetryableError as exc:
                if attempt == self.max_retries:
                    msg = f"giving up after {attempt + 1} attempts: {exc}"
                    raise DeviceError(msg, device=self.base_url) from None
                delay = self.backoff * 2**attempt * (0.5 + random.random() / 2)
                with self._lock:
                    self.retries += 1
                time.sleep(min(exc.wait, 60.0) if exc.wait is not None else delay)
        raise AssertionError("unreachable")

    def _attempt(self, url: str, body: dict[str, Any]) -> tuple[str, Usage | None]:
        httpx = self._httpx
        try:
            response = self._client.post(url, json=body)
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out after {self.timeout:g} s ({exc})") from exc
        except httpx.TransportError as exc:
            raise _RetryableError(f"connection failed: {exc}") from exc
        status = response.status_code
        detail = response.text[:300]
        if status in (401, 403):
            hint = f"${self.api_key_env}" if self.api_key_env else "--api-key-env"
            msg = f"the server refused the credentials (HTTP {status}): check {hint}; {detail}"
            raise ConfigError(msg)
        if status == 404:
            msg = (
                f"HTTP 404 from {url}: unknown model {self.model!r} or wrong --base-url "
                f"(it usually ends in /v1); {detail}"
            )
            raise ConfigError(msg)
        if status in RETRY_STATUSES:
            raise _RetryableError(f"HTTP {status}: {detail}", _retry_after(response))
        if status >= 400:
            raise DeviceError(f"HTTP {status}: {detail}", device=self.base_url)
        try:
            data = response.json()
            message = data["choices"][0]["message"]
            content = message.get("content")
            tool_calls = message.get("tool_calls") or []
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise _RetryableError(f"malformed response ({exc!r}): {detail}") from exc
        if isinstance(content, list):  # some servers return content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if tool_calls and isinstance(tool_calls, list):  # OpenAI function calling
            content = tool_calls_as_text(content if isinstance(content, str) else None, tool_calls)
        if not isinstance(content, str):
            raise _RetryableError(f"malformed response: content is {content!r}")
        usage = data.get("usage") or {}
        return content, Usage(
            int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        )

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        """Concurrent requests, at most ``concurrency`` at a time; results in request order."""
        decisions: list[Decision | ModelError] = []
        if len(requests) <= 1:
            decisions.extend(self._act_one(request) for request in requests)
            return decisions
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            decisions.extend(pool.map(self._act_one, requests))
        return decisions

    def _act_one(self, request: Request) -> Decision:
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
        body = self.body(prepared.messages, prepared.tools)
        encoded = time.perf_counter()
        try:
            text, usage = self.complete(body)
        except ModelError as exc:  # e.g. tool calls that are not function calls
            spent = {"prompt": prepared.seconds + encoded - started}
            return Decision(error=exc, raw_output=exc.raw_output, timings=spent)
        timings = {
            "prompt": prepared.seconds + encoded - started,
            "generate": time.perf_counter() - encoded,
        }
        return self.decide(text, observation, history, prepared.resized_size, timings, usage)

    def describe_extra(self) -> dict[str, Any]:
        # The key itself is never recorded, only where it is read from.
        return {
            "base_url": self.base_url,
            "api_key_env": self.api_key_env,
            "image_format": self.image_format,
            "image_quality": self.image_quality if self.image_format == "jpeg" else None,
        }

    def close(self) -> None:
        self._client.close()


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


__all__ = ["OpenAIPolicy", "encode_image"]
