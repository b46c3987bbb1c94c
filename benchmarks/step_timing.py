"""What ``prefix_cache.py`` and ``gpu_step.py`` share: the steps of a demo-phone episode as
requests, a forced answer, and interleaved timing of a cached and an uncached policy."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import transformers

from screenpilot.agent.core import Decision, Request
from screenpilot.agent.loop import run_episode
from screenpilot.environments.demo import DemoEnv
from screenpilot.policies.qwen2vl import Qwen2VLPolicy
from screenpilot.policies.scripted import FunctionPolicy
from screenpilot.tools.actions import Action, Finish, Tap, TypeText

TASK = "Add bread to the shopping list"
SCRIPT: list[Action] = [  # home icon, text field, type, Add button, done
    Tap(x=0.25, y=0.679),
    Tap(x=0.37, y=0.167),
    TypeText(text="bread"),
    Tap(x=0.847, y=0.167),
    Finish(status="success"),
]


def episode_requests(task: str = TASK) -> list[Request]:
    """Each step's (task, observation, history) of a scripted episode on the 1080x2400 demo
    phone, as an evaluation hands them to ``act_batch``."""
    seen: list[Request] = []
    script = iter(SCRIPT)

    def record(task: str, observation: Any, history: Any) -> Action:
        seen.append((task, observation, tuple(history)))
        return next(script)

    run_episode(DemoEnv(items=("milk", "eggs")), FunctionPolicy(record), task)
    return seen


class Force:
    """Makes every row write ``ids`` then end-of-turn, whatever the model would have said; the
    model's own scores of the first generated token are kept in ``first``."""

    def __init__(self, ids: list[int], eos: int) -> None:
        self.ids, self.eos, self.start, self.last = [*ids, eos], eos, 0, -1
        self.first: list[Any] = []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        length = input_ids.shape[1]
        if length != self.last + 1:  # a new generate call
            self.start = length
            self.first.append(scores.float().cpu())
        self.last = length
        position = length - self.start
        forced = torch.full_like(scores, -float("inf"))
        forced[:, self.ids[position] if position < len(self.ids) else self.eos] = 0.0
        return forced


def force(policy: Qwen2VLPolicy, answer: str) -> tuple[Force, int]:
    """Force ``answer`` on ``policy``; returns the processor and the answer's tokens (with the
    end-of-turn token)."""
    ids = policy.tokenizer(answer)["input_ids"]
    forcing = Force(ids, policy.tokenizer.convert_tokens_to_ids("<|im_end|>"))
    policy.generate_kwargs["logits_processor"] = transformers.LogitsProcessorList([forcing])
    policy.max_new_tokens = len(ids) + 1
    return forcing, len(ids) + 1


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@dataclass
class Runs:
    """Per ``act_batch`` call: wall seconds, and the decisions' token counts and timings."""

    walls: list[float] = field(default_factory=list)
    prefill_s: list[float] = field(default_factory=list)
    decode_s: list[float] = field(default_factory=list)
    prefill_tokens: list[int] = field(default_factory=list)
    cached_tokens: list[int] = field(default_factory=list)
    prompt_tokens: list[int] = field(default_factory=list)

    def add(self, wall: float, decisions: Sequence[Decision]) -> None:
        self.walls.append(wall)
        # A batch's timings are shared out per row: the batch's own is their sum.
        self.prefill_s.append(sum(d.timings["prefill"] for d in decisions))
        self.decode_s.append(sum(d.timings["decode"] for d in decisions))
        for decision in decisions:
            self.prefill_tokens.append(decision.info["prefill_tokens"])
            self.cached_tokens.append(decision.info["prefix_cached_tokens"])
            self.prompt_tokens.append(decision.usage.prompt_tokens if decision.usage else 0)

    def median_wall(self) -> float:
        return statistics.median(self.walls)


def interleave(
    policies: dict[str, Qwen2VLPolicy],
    requests: Sequence[Request],
    batch: int,
    rounds: int,
    device: str,
) -> dict[str, Runs]:
    """``rounds`` calls of ``act_batch`` per policy on batches of ``batch`` consecutive steps,
    the policies taking turns (and the first turn alternating) so that drift affects them alike.
    One untimed round first, which also fills the prefix cache."""
    runs = {name: Runs() for name in policies}
    names = list(policies)
    for round_index in range(rounds + 1):
        start = round_index * batch
        rows = [requests[(start + i) % len(requests)] for i in range(batch)]
        for name in names if round_index % 2 == 0 else names[::-1]:
            sync(device)
            started = time.perf_counter()
            decisions = policies[name].act_batch(rows)
            sync(device)
            wall = time.perf_counter() - started
            if round_index:
                runs[name].add(wall, [d for d in decisions if isinstance(d, Decision)])
    return runs
