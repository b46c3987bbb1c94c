"""Where a model named by ``--model`` is loaded from: a local folder, the Hugging Face hub, or
the hub's cache on this machine when the hub cannot be reached.

transformers asks the hub about each file it loads, and huggingface_hub retries a hub it
cannot reach (five times a file, waiting up to 8 s in between), so without a network a hub id
took most of a minute and a dozen retry warnings to fail. Here one request of at most
``PROBE_TIMEOUT`` seconds decides first, unless the model is a local folder or the hub's
offline mode (``HF_HUB_OFFLINE=1``) is on: if the hub answers (any status: a gated or
missing model is transformers' to explain), loading goes ahead as usual; if not, a cached
model is loaded from the cache alone, and an uncached one is a ``ConfigError`` saying how to
load it offline.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError, require

PROBE_TIMEOUT = 5.0
"""Seconds the hub has to answer the one request that tells whether it can be reached."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer: the hub is there (it sends files on to its CDN)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def unreachable(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why nothing answered a ``HEAD`` of ``url`` within ``timeout`` seconds, or None when
    something did (with any status)."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None
    except urllib.error.URLError as exc:
        return str(exc.reason)
    except (OSError, ValueError) as exc:  # reset, timed out, closed; a malformed URL
        return str(exc) or type(exc).__name__


def load_options(
    model: str,
    *,
    endpoint: str | None = None,
    cache_dir: str | Path | None = None,
    timeout: float = PROBE_TIMEOUT,
) -> dict[str, Any]:
    """Keyword arguments for transformers' ``from_pretrained(model, ...)``: none when
    ``model`` is a local folder, offline mode is on or the hub answers;
    ``local_files_only=True`` when the hub cannot be reached but the model is cached; a
    ConfigError when it is neither. ``endpoint`` and ``cache_dir`` default to the hub's own
    (``HF_ENDPOINT``, ``HF_HOME``)."""
    if Path(model).expanduser().exists():
        return {}
    hub = require("huggingface_hub", "local")
    if hub.constants.HF_HUB_OFFLINE:
        return {}
    try:
        hub.utils.validate_repo_id(model)
    except ValueError:  # not a hub id either: transformers says so
        return {}
    endpoint = (endpoint or hub.constants.ENDPOINT).rstrip("/")
    reason = unreachable(f"{endpoint}/{model}/resolve/main/config.json", timeout)
    if reason is None:
        return {}
    if isinstance(hub.try_to_load_from_cache(model, "config.json", cache_dir=cache_dir), str):
        return {"local_files_only": True}
    cache = cache_dir or hub.constants.HF_HUB_CACHE
    msg = (
        f"cannot load model {model!r}: it is not a local folder, nor in the Hugging Face cache "
        f"({cache}), and the hub at {endpoint} cannot be reached ({reason}). Where the hub is "
        "reachable, load it once (it is then cached) and set HF_HUB_OFFLINE=1 to use the cache "
        "offline, or download it to a folder and pass that folder to --model"
    )
    raise ConfigError(msg)


__all__ = ["PROBE_TIMEOUT", "load_options", "unreachable"]
