"""What the prompt prefix cache saves per step: prefill tokens (exact) and act time.

Tiny random-weight Qwen2-VL and Qwen2.5-VL models behind ``Qwen2VLPolicy`` with their real
cards (``qwen2vl``, ``qwen25vl``) at the default pixel budget, on the five steps of a scripted
1080x2400 demo-phone episode; each batch holds consecutive steps of it, as an offline evaluation
sends them. Both policies share one model and are forced to write the card's answer for a tap,
so they do the same decoding; they take turns, and the ratios compare medians of one run.

    python benchmarks/prefix_cache.py [--rounds 12] [--batches 1 4 8] [--threads 1]

The tiny models' tokenizer is byte-level (one token per byte of text), so the prompts hold
several times more text tokens than with the real Qwen2 tokenizer; the image tokens are the
real count (1,272 for this screen).
"""

from __future__ import annotations

import argparse
import statistics

import torch
from step_timing import TASK, episode_requests, force, interleave

from screenpilot.policies.qwen2vl import Qwen2VLPolicy
from screenpilot.policies.tiny import build_components
from screenpilot.tools.actions import Tap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=12, help="timed act_batch calls per case")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--families", nargs="+", default=["qwen2vl", "qwen25vl"])
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (one is steadiest on a shared host)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    requests = episode_requests()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; median of {args.rounds}")
    print(
        f"{'':15} {'tokens per step':^30} {'ms per step, cache on / off':^36} {'steps/s':^13}\n"
        f"{'model':9} {'batch':>5} {'prompt':>9} {'prefilled':>10} {'saved':>9} "
        f"{'prefill':>13} {'act':>13} {'ratio':>8} {'on':>6} {'off':>6}"
    )
    for family in args.families:
        components = build_components(family=family)
        policies = {
            name: Qwen2VLPolicy(
                f"tiny-{family}", card=family, components=components, prefix_cache=size
            )
            for name, size in (("on", 16), ("off", 0))
        }
        frame = policies["on"].card.frame((1080, 2400), None)
        for policy in policies.values():
            force(policy, policies["on"].card.answer(Tap(x=0.37, y=0.167), frame))
        encoded = policies["on"].tokenize(
            [policies["on"].prepare(*request) for request in requests], [TASK] * len(requests)
        )
        prompts = ", ".join(f"{len(row.ids):,}" for row in encoded.rows)
        rests = ", ".join(f"{len(row.ids) - row.prefix:,}" for row in encoded.rows)
        print(f"{family}: steps 1-5 prompt tokens {prompts}; after the cached prefix {rests}")
        for batch in args.batches:
            runs = interleave(policies, requests, batch, args.rounds, "cpu")
            on, off = runs["on"], runs["off"]
            prompt = statistics.mean(on.prompt_tokens)
            prefilled = statistics.mean(on.prefill_tokens)
            step_on, step_off = on.median_wall() / batch, off.median_wall() / batch
            fill_on = statistics.median(on.prefill_s) / batch
            fill_off = statistics.median(off.prefill_s) / batch
            print(
                f"{family:9} {batch:5} {prompt:9,.0f} {prefilled:10,.0f} "
                f"{1 - prefilled / prompt:9.0%} {fill_on * 1000:6.0f} /{fill_off * 1000:5.0f} "
                f"{step_on * 1000:6.0f} /{step_off * 1000:5.0f} {step_on / step_off:8.2f} "
                f"{batch * len(on.walls) / sum(on.walls):6.2f} "
                f"{batch * len(off.walls) / sum(off.walls):6.2f}"
            )
            assert off.prefill_tokens == off.prompt_tokens  # uncached: the whole prompt


if __name__ == "__main__":
    main()
