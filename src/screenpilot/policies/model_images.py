"""Screenshots as a model sees them, made once per screenshot.

A request that shows earlier screenshots (UI-TARS's history turns) shows, at each step, images
it already showed at the step before; a server's prefix cache reuses that part of the prompt
only when those images are the same bytes again. ``model_image`` resizes one way everywhere (the
current screenshot and the earlier ones alike), and ``ByIdentity`` keeps what was derived from
an object (its resized image, its encoded data URI) while the object lives, so that an image is
resized and encoded once however many requests show it; what was made from an object that is
gone (a screenshot the loop released) is dropped.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from PIL import Image

Key = TypeVar("Key")
Value = TypeVar("Value")

KEPT = 32
"""Objects remembered: more than the screenshots one request shows (a window of a few steps),
for the few episodes a policy serves at once."""


def model_image(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The screenshot as RGB at the model's input size (a no-op when it already is)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return rgb if rgb.size == size else rgb.resize(size, Image.Resampling.BICUBIC)


class ByIdentity(Generic[Key, Value]):
    """Values derived from objects, found again by the object itself (not by equality) while
    it lives; the ``kept`` most recently used are remembered. Safe across threads."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._items: OrderedDict[tuple[int, object], tuple[weakref.ref[Key], Value]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many values are kept."""
        with self._lock:
            return len(self._items)

    def find(self, thing: Key, extra: object = None) -> Value | None:
        """The value kept for ``thing`` (and ``extra``), if it is still known."""
        key = (id(thing), extra)
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0]() is not thing:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, thing: Key, extra: object, value: Value) -> None:
        """Keep ``value`` for ``thing`` (and ``extra``), forgetting the values of objects that
        are gone and, past ``kept``, the least recently used."""
        key = (id(thing), extra)
        with self._lock:
            gone = [known for known, (alive, _) in self._items.items() if alive() is None]
            for known in gone:
                del self._items[known]
            self._items[key] = (weakref.ref(thing), value)
            self._items.move_to_end(key)
            while len(self._items) > self.kept:
                self._items.popitem(last=False)

    def get(self, thing: Key, extra: object, make: Callable[[Key], Value]) -> Value:
        """The value made from ``thing`` (and ``extra``, e.g. a size), made now if unknown."""
        found = self.find(thing, extra)
        if found is None:
            found = make(thing)
            self.put(thing, extra, found)
        return found


__all__ = ["KEPT", "ByIdentity", "model_image"]
