"""What to tell the caller when a served model refuses or cannot be reached before it ever
answered: the address, the model's name or the key is wrong, and which one to check.

``transport`` decides when these apply and does the talking (including the one ``GET
/models`` a 404 is worth); this module only words the hints. Every message names the URL
first; it never holds the API key (``transport`` hides it in whatever it quotes).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CHAT_PATH = "/chat/completions"
SHOWN_MODELS = 10
"""How many of the models a server lists a hint names."""
LISTING_BYTES = 256 * 1024
"""How much of a ``GET /models`` answer is read."""


def base_of(url: str) -> str:
    """The ``--base-url`` behind a chat-completions URL."""
    return url.removesuffix(CHAT_PATH)


def models_url(url: str) -> str:
    """Where an OpenAI-compatible server lists its models (``GET {base}/models``)."""
    return f"{base_of(url)}/models"


def unresolved_host(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is a failed host-name lookup."""
    seen: BaseException | None = error
    for _ in range(8):  # the chain httpx builds is three long
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unreachable(url: str, reason: str, *, resolved: bool = True) -> str:
    """Nothing answered at ``url`` on first contact (refused, no such host, no connection
    within the deadline): the address is the caller's to check. Nothing was retried."""
    base = base_of(url)
    if not resolved:
        return (
            f"the host name in --base-url {base} does not resolve ({reason}): check its "
            "spelling, or use the server's IP address"
        )
    return (
        f"no model server answers there ({reason}): is it running, and is --base-url {base} "
        "its address (host, port, usually ending in /v1)?"
    )


@dataclass(frozen=True)
class Listing:
    """What ``GET /models`` said: ``status`` (None: no answer), the model ids it lists."""

    status: int | None
    models: Sequence[str] = ()

    @classmethod
    def read(cls, body: bytes) -> Listing:
        """The ids of a 200 answer's OpenAI model list (``{"data": [{"id": ...}]}``); none
        when it is no such list."""
        try:
            entries = json.loads(body).get("data")
        except (ValueError, AttributeError, RecursionError):
            return cls(200)
        if not isinstance(entries, list):
            return cls(200)
        ids = [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
        return cls(200, ids)


def not_found(model: str, url: str, listing: Listing, quote: Callable[[str], str]) -> str:
    """HTTP 404 for a chat completion: the model's name or the URL's path is wrong; what the
    server lists at ``/models`` says which. ``quote`` writes server text for the message."""
    base = base_of(url)
    if listing.models and model not in listing.models:
        names = ", ".join(quote(name) for name in listing.models[:SHOWN_MODELS])
        more = (
            f" and {len(listing.models) - SHOWN_MODELS} more"
            if len(listing.models) > SHOWN_MODELS
            else ""
        )
        return (
            f"HTTP 404: the server has no model {model!r}; it serves {names}{more}: pass one "
            "to --model"
        )
    if listing.models:
        return (
            f"HTTP 404, although the server lists model {model!r} at {models_url(url)}: "
            f"--base-url {base} has a wrong path (it usually ends in /v1)"
        )
    if listing.status == 404:
        return (
            f"HTTP 404, and {models_url(url)} is not found either: --base-url {base} is not an "
            "OpenAI-compatible endpoint (it usually ends in /v1)"
        )
    return (
        f"HTTP 404: unknown model {model!r} (--model) or wrong --base-url {base} (it usually "
        "ends in /v1)"
    )


def refused_key(status: int, key_hint: str, key_sent: bool) -> str:
    """HTTP 401/403: the key is the caller's to check. ``key_hint`` says where the key is
    read (``$NAME``), or is ``--api-key-env`` when no variable is named."""
    if key_sent:
        return f"the server refused the credentials (HTTP {status}): check {key_hint}"
    if key_hint.startswith("$"):
        fix = f"{key_hint} is not set: put the key there, or name its variable with --api-key-env"
    else:
        fix = "name the environment variable that holds the key with --api-key-env"
    return f"the server wants credentials (HTTP {status}) and none were sent: {fix}"


__all__ = [
    "Listing",
    "base_of",
    "models_url",
    "not_found",
    "refused_key",
    "unreachable",
    "unresolved_host",
]
