"""How much of a request repeats the previous step's: the part a server's prefix cache can reuse.

A chat-completions server renders the messages with the model's chat template and reuses the
cached state of the longest prompt prefix it has already computed (vLLM's automatic prefix
caching: blocks of identical tokens; an image is identified by its content). What this step's
request can reuse of the previous step's is therefore what precedes their first difference.
``PrefixMeter`` measures it per step, against the request made for the step before (found by
the screenshot that step's request showed, so concurrent episodes never mix):

- ``prefix_shared_bytes`` of ``request_bytes``: the bytes of the request's tools and messages as
  sent (JSON, images as their data URIs) that equal the previous request's from the start.
  Exact for any model; bytes are not tokens.
- ``prefix_shared_tokens`` of ``prompt_tokens_counted``, with a tokenizer: the prompt rendered
  in ChatML (the template of the Qwen-based families, ``qwen2vl.render_chatml``), each text run
  tokenized, each image counted as its visual tokens (one per ``factor x factor`` pixels).
  Exact for a model with that template and tokenizer; ``prompt_tokens_counted`` next to the
  server's ``prompt_tokens`` shows whether they are its own.

On the first step both shared counts are 0; where the previous request is unknown (a history
rebuilt from a dataset) they are left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from screenpilot.agent.core import Observation, Step
from screenpilot.policies.cards import Message
from screenpilot.policies.model_images import ByIdentity
from screenpilot.policies.qwen2vl import IMAGE_PAD, render_chatml

Encode = Callable[[str], Sequence[int]]
"""A tokenizer: text (special tokens such as ``<|im_start|>`` included) to token ids."""


@dataclass(frozen=True)
class ImageSlot:
    """An image in the rendered prompt: what identifies it and the tokens it takes."""

    key: str
    tokens: int


Piece = str | ImageSlot


@dataclass
class Layout:
    """One request as the meter keeps it."""

    sent: bytes
    pieces: list[Piece]
    encoded: dict[int, Sequence[int]] = field(default_factory=dict)
    """Token ids of the text pieces, by index, once counted."""


def common_prefix(first: bytes, second: bytes) -> int:
    """The length of the longest common prefix of two byte strings (a binary search over
    slice comparisons, which run at memory speed)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[low:middle] == second[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def common_start(first: Sequence[int], second: Sequence[int]) -> int:
    """How many leading token ids two sequences share."""
    count = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        count += 1
    return count


def chatml_pieces(
    messages: Sequence[Message],
    tools: Sequence[dict[str, Any]] | None,
    key: Callable[[Image.Image], str],
    tokens: Callable[[Image.Image], int],
) -> list[Piece]:
    """The prompt ChatML renders for ``messages``: text runs, and each image as its ``key``
    (what the server receives for it) and its visual ``tokens``."""
    text, images = render_chatml(messages, tools)
    runs = text.split(IMAGE_PAD)
    pieces: list[Piece] = [runs[0]]
    for image, run in zip(images, runs[1:], strict=True):
        pieces += [ImageSlot(key(image), tokens(image)), run]
    return pieces


class PrefixMeter:
    """Measures each request against the one made for the previous step of its episode."""

    def __init__(self, encode: Encode | None = None) -> None:
        self.encode = encode
        self._requests: ByIdentity[Image.Image, Layout] = ByIdentity()
        """Recent requests, by the screenshot of the observation they were made for."""

    def measure(
        self,
        observation: Observation,
        history: Sequence[Step],
        sent: Mapping[str, Any],
        pieces: Callable[[], list[Piece]],
    ) -> dict[str, int]:
        """The shared counts of the request ``sent`` (its ``tools`` and ``messages``) for
        ``observation``; ``pieces`` renders it, called only when a tokenizer counts tokens."""
        data = json.dumps([sent.get("tools"), sent["messages"]]).encode()
        layout = Layout(data, pieces() if self.encode is not None else [])
        before = self._previous(history)
        self._requests.put(observation.screenshot, None, layout)
        counts = {"request_bytes": len(data)}
        if self.encode is not None:
            counts["prompt_tokens_counted"] = self._total(layout)
        if before is None:
            return counts
        counts["prefix_shared_bytes"] = common_prefix(before.sent, data) if before.sent else 0
        if self.encode is not None:
            counts["prefix_shared_tokens"] = self._shared_tokens(before, layout)
        return counts

    def _previous(self, history: Sequence[Step]) -> Layout | None:
        """The previous step's request: empty on the first step, None when unknown."""
        if not history:
            return Layout(b"", [])
        observation = history[-1].observation
        return None if observation is None else self._requests.find(observation.screenshot)

    def _ids(self, layout: Layout, index: int) -> Sequence[int]:
        assert self.encode is not None
        piece = layout.pieces[index]
        assert isinstance(piece, str)
        if index not in layout.encoded:
            layout.encoded[index] = self.encode(piece)
        return layout.encoded[index]

    def _total(self, layout: Layout) -> int:
        return sum(
            piece.tokens if isinstance(piece, ImageSlot) else len(self._ids(layout, index))
            for index, piece in enumerate(layout.pieces)
        )

    def _shared_tokens(self, before: Layout, now: Layout) -> int:
        shared = 0
        for index, (old, new) in enumerate(zip(before.pieces, now.pieces, strict=False)):
            if isinstance(old, ImageSlot) or isinstance(new, ImageSlot):
                if old != new:
                    break
                assert isinstance(new, ImageSlot)
                shared += new.tokens
                continue
            old_ids, new_ids = self._ids(before, index), self._ids(now, index)
            same = common_start(old_ids, new_ids)
            shared += same
            if old != new:
                break
        return shared


__all__ = [
    "Encode",
    "ImageSlot",
    "Layout",
    "Piece",
    "PrefixMeter",
    "chatml_pieces",
    "common_prefix",
    "common_start",
]
