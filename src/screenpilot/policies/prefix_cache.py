"""The key/value cache of a prompt's static prefix, kept across steps and shared by a batch.

Every step of a task starts its prompt with the same tokens — the system prompt and the task —
and only what follows (history, screenshot) changes. ``PrefixCache`` keeps what the model
computed for such a prefix, keyed by its token ids, and lays out a batch whose rows continue
from their prefixes, so that ``generate`` runs the model over the tokens after them only. A row
reuses an entry when its ids start with the entry's ids exactly; otherwise its prefix is computed
first and kept (least recently used entries make room).

A batch is laid out as a prefix region, whose cache the entries fill, then a suffix region that
``generate`` prefills::

    row i:  [prefix_i][pad .. pad] [pad .. pad][rest_i]
            <- widest prefix -----> <- widest rest ---->

Every pad is masked, so each row attends to its own tokens only; the model derives the M-RoPE
position ids from the whole masked sequence (a pad takes no position), giving each row the
positions it has alone; new tokens are appended on the right, as with left padding. A prefix
holds no image, so its positions are plain text positions from 0, the same in every layout.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screenpilot.errors import require

SUPPORTED_MODELS = frozenset({"qwen2_vl", "qwen2_5_vl", "qwen3_vl"})
"""Model types whose ``generate`` computes the positions of images after a cached prefix."""

VERIFIED_TRANSFORMERS = (5, 25)
"""Older versions reuse the position offsets of the previous call once a cache is passed, which
misplaces the image tokens that follow a cached prefix."""

KeysValues = tuple[tuple[Any, Any], ...]
"""Per layer, the (keys, values) tensors of one prefix: ``(1, heads, tokens, head_dim)``."""


def unsupported(transformers: Any, model: Any) -> str | None:
    """Why ``model`` cannot continue from a cached prefix with this transformers; None if it can."""
    version = tuple(int(part) for part in re.findall(r"\d+", transformers.__version__)[:2])
    if version < VERIFIED_TRANSFORMERS:
        wanted = ".".join(map(str, VERIFIED_TRANSFORMERS))
        return f"needs transformers >= {wanted} (installed {transformers.__version__})"
    model_type = getattr(model.config, "model_type", None)
    if model_type not in SUPPORTED_MODELS:
        return f"not available for {model_type} models"
    if getattr(model.config.get_text_config(), "use_sliding_window", False):
        return "not available with sliding-window attention"
    return None


def common_length(ids: Sequence[int], other: Sequence[int]) -> int:
    """How many leading tokens two sequences share."""
    length = 0
    for mine, theirs in zip(ids, other, strict=False):
        if mine != theirs:
            break
        length += 1
    return length


@dataclass(frozen=True)
class Row:
    """One prompt: its token ids and how many of them form its static prefix (0: none)."""

    ids: list[int]
    prefix: int


@dataclass
class Layout:
    """A batch ready for ``generate``: the ids and mask over both regions, the cache holding the
    prefix region, and per row the prompt tokens taken from the cache and those computed now
    (a newly computed prefix included)."""

    input_ids: Any
    attention_mask: Any
    cache: Any
    cached_tokens: list[int]
    computed_tokens: list[int]


class PrefixCache:
    """Up to ``capacity`` prefixes' keys and values, most recently used kept."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a prefix cache holds at least one prefix, not {capacity}")
        self.capacity = capacity
        self._entries: OrderedDict[tuple[int, ...], KeysValues] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def layout(self, model: Any, rows: Sequence[Row], pad_id: int) -> Layout:
        """Look up (or compute) each row's prefix and lay the batch out as described above."""
        torch = require("torch", "local")
        device = model.device
        found: dict[tuple[int, ...], KeysValues] = {}
        cached, computed = [], []
        for row in rows:
            key = tuple(row.ids[: row.prefix])
            hit = key in found or key in self._entries
            if key and key not in found:
                entry = self._entries.get(key)
                found[key] = self._compute(model, key) if entry is None else entry
                self._entries[key] = found[key]
                self._entries.move_to_end(key)
            cached.append(row.prefix if hit else 0)
            computed.append(len(row.ids) - cached[-1])
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        widest_prefix = max(row.prefix for row in rows)
        widest_rest = max(len(row.ids) - row.prefix for row in rows)
        width = widest_prefix + widest_rest
        input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for index, row in enumerate(rows):
            rest = row.ids[row.prefix :]
            input_ids[index, : row.prefix] = torch.tensor(row.ids[: row.prefix])
            input_ids[index, width - len(rest) :] = torch.tensor(rest)
            mask[index, : row.prefix] = 1
            mask[index, width - len(rest) :] = 1
        keys = [found.get(tuple(row.ids[: row.prefix])) for row in rows]
        cache = self._batch_cache(model, keys, widest_prefix) if widest_prefix else None
        return Layout(input_ids.to(device), mask.to(device), cache, cached, computed)

    @staticmethod
    def _compute(model: Any, ids: tuple[int, ...]) -> KeysValues:
        """One forward pass over a prefix (text only, so positions 0..n-1 on every M-RoPE axis)."""
        torch = require("torch", "local")
        transformers = require("transformers", "local")
        cache = transformers.DynamicCache(config=model.config)
        tokens = torch.tensor([ids], device=model.device)
        positions = torch.arange(len(ids), device=model.device).view(1, 1, -1).expand(3, 1, -1)
        with torch.inference_mode():
            model(input_ids=tokens, position_ids=positions, cache=cache, use_cache=True,
                  logits_to_keep=1)  # fmt: skip
        return tuple((layer[0], layer[1]) for layer in cache)

    @staticmethod
    def _batch_cache(model: Any, entries: Sequence[KeysValues | None], width: int) -> Any:
        """A cache of ``width`` positions per row: each row's prefix, then zeros (masked)."""
        torch = require("torch", "local")
        transformers = require("transformers", "local")
        template = next(entry for entry in entries if entry is not None)
        layers = []
        for layer, (keys, values) in enumerate(template):
            shape = (1, keys.shape[1], width, keys.shape[3])
            stacked = []
            for tensor_index, like in enumerate((keys, values)):
                rows = []
                for entry in entries:
                    block = like.new_zeros(shape)
                    if entry is not None:
                        part = entry[layer][tensor_index]
                        block[:, :, : part.shape[2]] = part
                    rows.append(block)
                stacked.append(torch.cat(rows))
            layers.append((stacked[0], stacked[1]))
        return transformers.DynamicCache(ddp_cache_data=layers, config=model.config)


__all__ = ["Layout", "PrefixCache", "Row", "common_length", "unsupported"]
