"""Per-step time of ``Qwen2VLPolicy.act`` vs the bare ``model.generate`` on the same inputs.

Both sides generate the same forced answer (a LogitsProcessor), so they do identical model
work; the difference is the policy's own cost: prompt building, image resizing and
preprocessing, tokenizing, decoding, parsing and the coordinate conversion. It is measured
inside each ``act`` call (its total minus its ``generate``) and reported against the median
bare ``generate``.

    python benchmarks/policy_overhead.py                           # tiny random model, CPU
    python benchmarks/policy_overhead.py --config 2b --device cuda # real 2B shapes, random weights

``--config 2b|7b`` builds the real Qwen2-VL architecture with random weights in memory (no
download); with ``--device cuda`` it also reports prefill and decode tokens per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import transformers

from screenpilot.environments.demo import DemoEnv
from screenpilot.policies.qwen2vl import Qwen2VLPolicy
from screenpilot.policies.tiny import build_components
from screenpilot.tools.actions import Tap


class Force:
    """Forces ``ids`` then end-of-turn, whatever the model would have said."""

    def __init__(self, ids: list[int], eos: int) -> None:
        self.ids, self.eos, self.start, self.last = [*ids, eos], eos, 0, -1

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        length = input_ids.shape[1]
        if length != self.last + 1:
            self.start = length
        self.last = length
        position = length - self.start
        forced = torch.full_like(scores, -float("inf"))
        forced[:, self.ids[position] if position < len(self.ids) else self.eos] = 0.0
        return forced


def build(config_name: str, device: str, max_pixels: int) -> Qwen2VLPolicy:
    dtype = "bfloat16" if device.startswith("cuda") else "float32"
    components = build_components(config_name, device=device, dtype=dtype)  # type: ignore[arg-type]
    return Qwen2VLPolicy(
        f"random-{config_name}",
        card="uitars",  # UI-TARS 1.0 is a Qwen2-VL; its short answers fit 64 tokens
        max_pixels=max_pixels,
        device=device,
        components=components,
        prefix_cache=0,  # the same model work as the bare generate (see prefix_cache.py)
    )


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=["tiny", "2b", "7b"], default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--tokens", type=int, default=64, help="forced output tokens")
    parser.add_argument(
        "--max-pixels", type=int, default=1280 * 28 * 28, help="1280*28*28: 1,272 visual tokens"
    )
    args = parser.parse_args()

    policy = build(args.config, args.device, args.max_pixels)
    observation = DemoEnv(items=("milk", "eggs")).reset()
    frame = policy.card.frame(observation.screen.size, None)
    action = policy.card.render(Tap(x=0.25, y=0.68), frame)
    # A valid answer of exactly --tokens tokens (end-of-turn included): the thought is filler.
    fixed = len(policy.tokenizer(f"Thought: \nAction: {action}")["input_ids"])
    if fixed > args.tokens - 1:
        parser.error(f"--tokens must be at least {fixed + 1}")
    answer = f"Thought: {'a' * (args.tokens - 1 - fixed)}\nAction: {action}"
    ids = policy.tokenizer(answer)["input_ids"]
    eos = policy.tokenizer.convert_tokens_to_ids("<|im_end|>")
    processors = transformers.LogitsProcessorList([Force(ids, eos)])
    policy.generate_kwargs = {"logits_processor": processors}
    policy.max_new_tokens = args.tokens
    inputs, _ = policy.encode([policy.prepare("Open the shopping list", observation, ())])
    prompt_tokens = int(inputs["input_ids"].shape[1])

    def bare() -> None:
        policy.generate(inputs)

    own: list[float] = []  # per act(): everything but its generate call

    def act() -> None:
        started = time.perf_counter()
        decision = policy.act("Open the shopping list", observation, ())
        sync(args.device)
        model_time = decision.timings["prefill"] + decision.timings["decode"]
        own.append(time.perf_counter() - started - model_time)
        assert decision.action is not None, decision.error

    def prefill() -> None:  # one forward pass over the prompt: generate with one new token
        policy.max_new_tokens = 1
        policy.generate(inputs)
        policy.max_new_tokens = args.tokens

    timings: dict[str, list[float]] = {"bare": [], "act": [], "prefill": []}
    for _ in range(3):  # warm-up
        bare(), act(), prefill()
    own.clear()
    for _ in range(args.steps):  # interleaved, so drift affects both sides alike
        for name, run in (("bare", bare), ("act", act), ("prefill", prefill)):
            sync(args.device)
            started = time.perf_counter()
            run()
            sync(args.device)
            timings[name].append(time.perf_counter() - started)

    median = {name: statistics.median(values) for name, values in timings.items()}
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    print(f"config={args.config} device={device} prompt={prompt_tokens} tokens "
          f"(visual {int((inputs['input_ids'] == policy.tokenizer.convert_tokens_to_ids('<|image_pad|>')).sum())}), "
          f"output={args.tokens} tokens, median of {args.steps}")  # fmt: skip
    print(f"  bare model.generate   {median['bare'] * 1000:9.1f} ms/step")
    print(f"  Qwen2VLPolicy.act     {median['act'] * 1000:9.1f} ms/step")
    # The policy's own time is measured inside each act() call (total minus its generate), so
    # load changes on a shared machine do not leak into the difference of two medians.
    print(f"  policy's own time     {statistics.median(own) * 1000:9.1f} ms/step")
    print(
        f"  overhead              {statistics.median(own) / median['bare'] * 100:9.1f} % of generate"
    )
    decode = max(median["bare"] - median["prefill"], 1e-9)
    print(f"  prefill               {prompt_tokens / median['prefill']:9.0f} tok/s")
    print(f"  decode                {(args.tokens - 1) / decode:9.1f} tok/s")


if __name__ == "__main__":
    main()
