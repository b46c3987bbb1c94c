"""Screen fingerprints: what a flow step remembers of the screen it expects, and how alike two
screens are.

Two kinds, one per way of knowing a screen:

- **The UI tree's signature** — the multiset of (class, normalized label) pairs of the elements
  that carry a label. Two screens are compared by their multiset Jaccard similarity (shared
  pairs over all pairs, each pair counted as often as it occurs). Positions are left out: a list
  scrolled by one row, or a clock that ticked, is still the same screen. A guard passes at
  ``TREE_MATCH`` or more.
- **A perceptual hash of the screenshot** where no tree is known (a desktop window that exports
  none): a difference hash, ``HASH_SIDE`` x ``HASH_SIDE`` bits, one per pair of horizontally
  neighbouring cells of a greyscale thumbnail (1 where the left cell is brighter). Similarity is
  the share of equal bits. A guard passes at ``IMAGE_MATCH`` or more; a cached location is
  reused only at ``CACHE_MATCH`` or more, since a position, unlike a screen's identity, moves
  with every pixel.

The thresholds were chosen on the simulated phone's screens (``tests/flows/test_fingerprint.py``
checks both sides of each): the same page with another seed's contents (other contacts, other
messages) stays above them, another page of the same app falls below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image

from screenpilot.agent.core import UIElement
from screenpilot.flows.steps import Guard
from screenpilot.flows.text import normalized

TREE_MATCH = 0.5
"""The least UI-tree similarity at which a screen is the one a step expects."""
IMAGE_MATCH = 0.9
"""The least perceptual-hash similarity at which a screen is the one a step expects."""
CACHE_MATCH = 0.97
"""The least perceptual-hash similarity at which a location found on one screen is reused on
another (about 8 of 256 bits may differ: a clock, a cursor)."""
HASH_SIDE = 16
"""The difference hash is HASH_SIDE x HASH_SIDE bits."""


def tree_signature(elements: Iterable[UIElement]) -> Counter[str]:
    """The multiset of ``class:label`` of the labelled elements (labels normalized)."""
    pairs: Counter[str] = Counter()
    for element in elements:
        rid = element.resource_id.rpartition("/")[2]
        name = rid or normalized(element.label)
        if name:
            pairs[f"{element.kind}:{name}"] += 1
    return pairs


def tree_similarity(first: Counter[str], second: Counter[str]) -> float:
    """Multiset Jaccard similarity; 1.0 for two empty signatures."""
    union = sum((first | second).values())
    if union == 0:
        return 1.0
    return sum((first & second).values()) / union


def image_hash(image: Image.Image) -> int:
    """The difference hash of a screenshot, as an integer of HASH_SIDE**2 bits."""
    small = image.convert("L").resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.BOX)
    pixels = small.tobytes()  # one byte per pixel, row by row
    bits = 0
    for row in range(HASH_SIDE):
        for column in range(HASH_SIDE):
            left = pixels[row * (HASH_SIDE + 1) + column]
            right = pixels[row * (HASH_SIDE + 1) + column + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return bits


def hash_similarity(first: int, second: int) -> float:
    """The share of equal bits of two difference hashes."""
    return 1.0 - (first ^ second).bit_count() / HASH_SIDE**2


def hash_text(value: int) -> str:
    """A difference hash as fixed-width hexadecimal (how flow files store it)."""
    return f"{value:0{HASH_SIDE**2 // 4}x}"


@dataclass(frozen=True)
class Comparison:
    """How a screen compares with the one a guard expects."""

    kind: str
    """``tree`` or ``image``: which signature was compared."""
    similarity: float
    threshold: float

    @property
    def passed(self) -> bool:
        return self.similarity >= self.threshold

    def text(self) -> str:
        sign = ">=" if self.passed else "<"
        name = "UI-tree" if self.kind == "tree" else "screenshot"
        return f"{name} similarity {self.similarity:.2f} {sign} {self.threshold:g}"


def guard_of(elements: Sequence[UIElement] | None, screenshot: Image.Image | None) -> Guard | None:
    """The guard of a screen: its tree's signature where it has a tree, and its screenshot's
    hash where the screenshot is at hand (both, when both are: a replay without a tree still
    has the hash to compare)."""
    tree = sorted(tree_signature(elements).elements()) if elements else None
    image = hash_text(image_hash(screenshot)) if screenshot is not None else None
    if tree is None and image is None:
        return None
    return Guard(tree=tree, image=image)


def compare(
    guard: Guard, elements: Sequence[UIElement] | None, screenshot: Image.Image
) -> Comparison | None:
    """How the current screen (its tree, if known, and screenshot) compares with ``guard``:
    by the trees where both have one, else by the screenshots' hashes; None when the guard
    holds nothing comparable."""
    if guard.tree is not None and elements:
        similarity = tree_similarity(Counter(guard.tree), tree_signature(elements))
        threshold = TREE_MATCH if guard.tree_threshold is None else guard.tree_threshold
        return Comparison("tree", similarity, threshold)
    if guard.image is not None:
        similarity = hash_similarity(int(guard.image, 16), image_hash(screenshot))
        threshold = IMAGE_MATCH if guard.image_threshold is None else guard.image_threshold
        return Comparison("image", similarity, threshold)
    return None


__all__ = [
    "CACHE_MATCH",
    "HASH_SIDE",
    "IMAGE_MATCH",
    "TREE_MATCH",
    "Comparison",
    "compare",
    "guard_of",
    "hash_similarity",
    "hash_text",
    "image_hash",
    "tree_signature",
    "tree_similarity",
]
