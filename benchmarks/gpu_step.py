"""Per-step speed of ``Qwen2VLPolicy`` on a GPU, with and without the prompt prefix cache.

Random-weight models of the real Qwen2-VL-2B and -7B architectures, built in memory from their
configurations (nothing is downloaded), in bf16. Each step is one 1080x2400 demo-phone frame at
the default pixel budget (1,272 visual tokens) with the ``qwen2vl`` card's prompt, and 64 forced
output tokens; a batch holds consecutive steps of one episode. For each size, attention
implementation (sdpa, and flash_attention_2 when flash-attn is installed) and batch: prefill and
decode tokens per second, seconds per step and steps per second, cache on and off (interleaved,
medians), and how far the cached prompt's first scores are from the uncached ones.

    python benchmarks/gpu_step.py                                 # 2b and 7b, batches 1 4 8
    python benchmarks/gpu_step.py --sizes 7b --batches 8 --rounds 10
    python benchmarks/gpu_step.py --device cpu --tiny --rounds 2  # the whole path, on a CPU

Prefill tokens/s counts the prompt tokens computed (pads excluded); decode tokens/s counts the
63 tokens after the first, which the prefill pass yields. The models' tokenizer is byte-level
(one token per byte of text), so prompts hold several times more text tokens than with the real
Qwen2 tokenizer; the visual tokens are the real count.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
from typing import Any

import torch
from step_timing import Force, Runs, episode_requests, force, interleave

from screenpilot.policies.qwen2vl import Qwen2VLPolicy
from screenpilot.policies.tiny import build_components
from screenpilot.tools.actions import Tap

OUTPUT_TOKENS = 64


def answer(policy: Qwen2VLPolicy, tokens: int) -> str:
    """Qwen2-VL's grounding answer for a tap on the demo app's text field (0-1000 coordinates
    in box tokens), its prose padded to ``tokens`` tokens, end-of-turn included."""
    text = "Tap the text field <|box_start|>(370,167)<|box_end|>"
    short = tokens - 1 - len(policy.tokenizer(text)["input_ids"])
    if short < 0:
        raise SystemExit(f"the answer needs at least {tokens - short} tokens")
    answer = text.replace("field", "field" + "." * short)
    assert policy.card.parse(answer, (1080, 2400)).action == Tap(x=0.37, y=0.167)
    return answer


def row(name: str, batch: int, on: Runs, off: Runs, first: tuple[float, float]) -> list[str]:
    """Table lines for one case: per mode, then the on/off ratio and the scores' agreement."""
    lines = []
    for mode, runs in (("on", on), ("off", off)):
        prefill = statistics.median(
            sum(runs.prefill_tokens[i * batch : (i + 1) * batch]) / seconds
            for i, seconds in enumerate(runs.prefill_s)
        )
        decode = statistics.median(batch * (OUTPUT_TOKENS - 1) / s for s in runs.decode_s)
        wall = runs.median_wall()
        lines.append(
            f"{name:24} {batch:5} {mode:>5} {statistics.mean(runs.prefill_tokens):9,.0f} "
            f"{prefill:11,.0f} {decode:9,.1f} {wall / batch:8.3f} {batch / wall:8.2f}"
        )
    ratio = on.median_wall() / off.median_wall()
    lines.append(
        f"{'':24} {'':5} {'':>5} s/step on/off {ratio:.2f}; first scores max |diff| "
        f"{first[0]:.3g}, same argmax {first[1]:.0%}"
    )
    return lines


def agreement(on: Force, off: Force) -> tuple[float, float]:
    """Largest difference of the first generated token's scores (cache on vs off, same rows)
    and the share of rows whose best token agrees."""
    diffs, same, rows = 0.0, 0, 0
    for mine, theirs in zip(on.first, off.first, strict=True):
        diffs = max(diffs, float((mine - theirs).abs().max()))
        same += int((mine.argmax(-1) == theirs.argmax(-1)).sum())
        rows += mine.shape[0]
    return diffs, same / max(rows, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--sizes", nargs="+", choices=["2b", "7b"], default=["2b", "7b"])
    parser.add_argument("--tiny", action="store_true", help="the tiny model instead (dry run)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--rounds", type=int, default=5, help="timed act_batch calls per case")
    args = parser.parse_args()
    on_gpu = args.device.startswith("cuda")
    dtype = "bfloat16" if on_gpu else "float32"
    attention = ["sdpa"]
    if on_gpu and importlib.util.find_spec("flash_attn") is not None:
        attention.append("flash_attention_2")
    sizes: list[Any] = ["tiny"] if args.tiny else args.sizes
    requests = episode_requests()
    device_name = torch.cuda.get_device_name() if on_gpu else "cpu"
    print(f"{device_name}, torch {torch.__version__}, {dtype}, median of {args.rounds} calls")
    print(
        f"{'model / attention':24} {'batch':>5} {'cache':>5} {'prefill':>9} {'prefill':>11} "
        f"{'decode':>9} {'s/step':>8} {'steps/s':>8}\n{'':24} {'':5} {'':5} {'tok/row':>9} "
        f"{'tok/s':>11} {'tok/s':>9}"
    )
    for size in sizes:
        for attn in attention:
            components = build_components(
                size, device=args.device, dtype=dtype, attn_implementation=attn
            )
            policies, forcing = {}, {}
            for mode, capacity in (("on", 16), ("off", 0)):
                policies[mode] = Qwen2VLPolicy(
                    f"random-qwen2vl-{size}", card="qwen2vl", device=args.device, dtype=dtype,
                    attn_implementation=attn, components=components, prefix_cache=capacity,
                )  # fmt: skip
                text = answer(policies[mode], OUTPUT_TOKENS)
                forcing[mode], count = force(policies[mode], text)
                assert count == OUTPUT_TOKENS, count
            for batch in args.batches:
                forcing["on"].first.clear()
                forcing["off"].first.clear()
                runs = interleave(policies, requests, batch, args.rounds, args.device)
                first = agreement(forcing["on"], forcing["off"])
                print("\n".join(row(f"{size} / {attn}", batch, runs["on"], runs["off"], first)))
            del policies, forcing, components
            if on_gpu:
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
