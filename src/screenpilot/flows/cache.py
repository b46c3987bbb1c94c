"""Locations a flow found by OCR or a model, kept per (flow, step, screen) for reuse.

An entry is reused for the same key (the flow's identity, the step, the locator) on a screen
whose perceptual hash is within ``fingerprint.CACHE_MATCH`` of the one it was found on. With a
``path``, the cache is read from and written to a JSON file, so that a flow run every day asks
its model once per screen, not once per run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from screenpilot.errors import ConfigError
from screenpilot.flows.fingerprint import CACHE_MATCH, hash_similarity, hash_text, image_hash
from screenpilot.imaging import write_atomic
from screenpilot.tools.coords import Box

PER_KEY = 8
"""Screens remembered per key; the oldest goes first."""


@dataclass(frozen=True)
class CachedLocation:
    x: float
    y: float
    how: str
    label: str = ""
    box: Box | None = None


class Found(Protocol):
    """What ``LocationCache.put`` takes: a location found (``locate.Resolution``)."""

    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...
    @property
    def how(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def box(self) -> Box | None: ...


def _well_formed(entry: Any) -> bool:
    """A cache entry ``get`` can read: a hex hash and a point in [0, 1]."""
    if not isinstance(entry, dict) or not isinstance(entry.get("hash"), str):
        return False
    try:
        int(entry["hash"], 16)
    except ValueError:
        return False

    def unit(value: Any) -> bool:
        return type(value) in (int, float) and 0 <= value <= 1

    box = entry.get("box")
    box_ok = box is None or (isinstance(box, list) and len(box) == 4 and all(map(unit, box)))
    return unit(entry.get("x")) and unit(entry.get("y")) and box_ok


class LocationCache:
    """Locations by key and screen hash; in memory, or backed by a JSON file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.entries: dict[str, list[dict[str, Any]]] = {}
        self.hits = 0
        if self.path is not None and self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot read the location cache {self.path}: {exc}") from None
            if not isinstance(loaded, dict) or not all(
                isinstance(entries, list) and all(map(_well_formed, entries))
                for entries in loaded.values()
            ):
                raise ConfigError(
                    f"{self.path} is not a location cache (a JSON object of lists of "
                    '{"hash", "x", "y", ...} entries); delete it to start afresh'
                )
            self.entries = loaded

    def get(self, key: str, screenshot: Image.Image) -> CachedLocation | None:
        """The location kept for ``key`` on a screen like ``screenshot``, if any."""
        entries = self.entries.get(key)
        if not entries:
            return None
        current = image_hash(screenshot)
        for entry in reversed(entries):
            if hash_similarity(int(entry["hash"], 16), current) >= CACHE_MATCH:
                self.hits += 1
                box = entry.get("box")
                return CachedLocation(
                    float(entry["x"]),
                    float(entry["y"]),
                    str(entry.get("how", "")),
                    str(entry.get("label", "")),
                    (box[0], box[1], box[2], box[3]) if isinstance(box, list) else None,
                )
        return None

    def put(self, key: str, screenshot: Image.Image, found: Found) -> None:
        """Keep where ``found`` (a ``Resolution``) is for ``key`` on this screen."""
        entry = {
            "hash": hash_text(image_hash(screenshot)),
            "x": found.x,
            "y": found.y,
            "how": found.how,
            "label": found.label,
            "box": list(found.box) if found.box is not None else None,
        }
        kept = self.entries.setdefault(key, [])
        kept.append(entry)
        del kept[:-PER_KEY]
        if self.path is not None:
            text = json.dumps(self.entries, ensure_ascii=False, indent=1)
            write_atomic(self.path, text.encode())


__all__ = ["PER_KEY", "CachedLocation", "LocationCache"]
