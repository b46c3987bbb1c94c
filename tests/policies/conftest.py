"""Tiny random-weight Qwen2-VL / Qwen2.5-VL checkpoints, built once per test session, offline."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from tests.policies.chat_server import Server, serve


@pytest.fixture
def server() -> Iterator[Server]:
    """A scripted chat-completions server on 127.0.0.1 (see ``chat_server``)."""
    yield from serve()


class ForceAnswers:
    """A LogitsProcessor that makes ``generate`` write given answers, one per row and call.

    Each ``generate`` call takes the next entry of ``answers`` (a list of texts, one per batch
    row); everything else about the forward pass stays real.
    """

    def __init__(self, tokenizer: Any, answers: Sequence[Sequence[str]]) -> None:
        self.tokenizer = tokenizer
        self.pending = [list(rows) for rows in answers]
        self.eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
        self.current: list[list[int]] = []
        self.start = 0
        self.last = -1
        self.calls = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        length = input_ids.shape[1]
        if length != self.last + 1:  # a new generate call
            rows = self.pending.pop(0)
            self.current = [self.tokenizer(text)["input_ids"] + [self.eos] for text in rows]
            self.start = length
            self.calls += 1
        self.last = length
        position = length - self.start
        forced = torch.full_like(scores, -float("inf"))
        for row, ids in enumerate(self.current):
            forced[row, ids[position] if position < len(ids) else self.eos] = 0.0
        return forced
