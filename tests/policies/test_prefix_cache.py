"""The prompt prefix cache of Qwen2VLPolicy: the same scores and tokens as the uncached prompt,
with the prefix's tokens taken from the cache (real forward passes of tiny random models)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("transformers", reason="needs the local extra")

import torch
import transformers

from screenpilot.agent.core import Request
from screenpilot.agent.loop import run_episode
from screenpilot.environments.demo import DemoEnv
from screenpilot.policies import prompts
from screenpilot.policies.prefix_cache import PrefixCache, common_length, unsupported
from screenpilot.policies.qwen2vl import Qwen2VLPolicy, static_end
from screenpilot.policies.scripted import FunctionPolicy
from screenpilot.policies.tiny import build_components
from screenpilot.tools.actions import Action, Finish, Tap, TypeText
from tests.helpers import ADD_BUTTON, FIELD, HOME_ICON

SMALL = {"qwen2vl": 64 * 28 * 28, "qwen25vl": 64 * 28 * 28, "qwen3vl": 64 * 32 * 32}
"""Pixel budgets that keep the screenshot small (the prompt's text is what is cached)."""

ADD_BREAD: list[Action] = [
    Tap(x=HOME_ICON[0], y=HOME_ICON[1]),
    Tap(x=FIELD[0], y=FIELD[1]),
    TypeText(text="bread"),
    Tap(x=ADD_BUTTON[0], y=ADD_BUTTON[1]),
    Finish(status="success"),
]


def episode_requests(task: str = "Add bread") -> list[Request]:
    """The (task, observation, history) of each step of a scripted demo-phone episode."""
    seen: list[Request] = []
    script = iter(ADD_BREAD)

    def record(task: str, observation: Any, history: Any) -> Action:
        seen.append((task, observation, tuple(history)))
        return next(script)

    run_episode(DemoEnv(items=("milk",)), FunctionPolicy(record), task)
    return seen


class Scores:
    """Keeps every row's raw scores of every generate step (before any forcing)."""

    def __init__(self) -> None:
        self.steps: list[Any] = []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        self.steps.append(scores.clone())
        return scores


def pair(
    family: str,
    *,
    initializer_range: float | None = None,
    capacity: int = 16,
    device: str = "cpu",
    **options: Any,
) -> Any:
    """The same random model behind a cached and an uncached policy, each recording scores."""
    components = build_components(
        family=family,  # type: ignore[arg-type]
        initializer_range=initializer_range,
        device=device,
    )
    options["device"] = device
    settings = {"card": family, "max_pixels": SMALL[family], "min_pixels": 4 * 32 * 32, **options}
    policies = []
    for cache in (capacity, 0):
        policy = Qwen2VLPolicy(family, components=components, prefix_cache=cache, **settings)
        policy.generate_kwargs["logits_processor"] = transformers.LogitsProcessorList([Scores()])
        policies.append(policy)
    return policies


def scores_of(policy: Qwen2VLPolicy) -> list[Any]:
    recorder: Scores = policy.generate_kwargs["logits_processor"][0]
    steps, recorder.steps = recorder.steps, []
    return steps


def prefix_tokens(policy: Qwen2VLPolicy, task: str) -> int:
    """Tokens of ``<|im_start|>system\\n{system}<|im_end|>\\n<|im_start|>user\\nThe user query:
    {task}`` in the byte-level tokenizer: one per byte, one per added token (the chat markers,
    ``<tool_call>`` and ``</tool_call>``)."""
    resized = policy.card.resized_size((1080, 2400), policy.min_pixels, policy.max_pixels)
    frame = policy.card.frame((1080, 2400), resized)
    card: Any = policy.card
    qwen3 = hasattr(card, "system_files")  # its system prompt is a file; Qwen2.5-VL's is built
    system = (
        prompts.load(card.system_files["mobile"]) if qwen3 else card.system_prompt(frame, "mobile")
    )
    text = f"system\n{system}\nuser\nThe user query: {task}"
    tags = sum(text.count(tag) * (len(tag) - 1) for tag in ("<tool_call>", "</tool_call>"))
    return len(text.encode()) - tags + 3  # <|im_start|> twice, <|im_end|> once


@pytest.mark.parametrize(
    ("family", "device"),
    [
        ("qwen2vl", "cpu"),
        ("qwen25vl", "cpu"),
        ("qwen3vl", "cpu"),
        pytest.param("qwen2vl", "cuda", marks=pytest.mark.gpu),
        pytest.param("qwen25vl", "cuda", marks=pytest.mark.gpu),
    ],
)
def test_every_step_scores_as_without_the_cache(family: str, device: str) -> None:
    cached, uncached = pair(family, max_new_tokens=6, device=device)
    tolerance = 1e-5 if device == "cpu" else 1e-4  # GPU kernels differ by shape a little more
    requests = episode_requests()
    expected_prefix = prefix_tokens(cached, "Add bread")
    for number, request in enumerate(requests):
        with_cache, without = cached.act_batch([request])[0], uncached.act_batch([request])[0]
        assert not isinstance(with_cache, Exception) and not isinstance(without, Exception)
        assert with_cache.raw_output == without.raw_output
        for mine, theirs in zip(scores_of(cached), scores_of(uncached), strict=True):
            assert torch.allclose(mine, theirs, atol=tolerance, rtol=0)
        assert with_cache.usage == without.usage and with_cache.usage is not None
        prompt = with_cache.usage.prompt_tokens
        reused = 0 if number == 0 else expected_prefix  # the first step computes the prefix
        assert with_cache.info["prefix_cached_tokens"] == reused
        assert with_cache.info["prefill_tokens"] == prompt - reused
        assert without.info["prefix_cached_tokens"] == 0
        assert without.info["prefill_tokens"] == prompt
    assert len(cached.prefix_cache or ()) == 1


@pytest.mark.parametrize(
    ("family", "spread"), [("qwen2vl", 0.5), ("qwen25vl", 0.5), ("qwen3vl", 1.0)]
)
def test_batches_decode_greedily_as_without_the_cache(family: str, spread: float) -> None:
    """Rows of different prefixes (tasks) and rests (histories) in one padded batch, with a
    model whose answers depend on the prompt (weights drawn with a wide ``spread``): token for
    token the uncached answers."""
    cached, uncached = pair(family, initializer_range=spread, max_new_tokens=12)
    bread, other = episode_requests("Add bread"), episode_requests("Put eggs on the list please")
    blank = episode_requests("")[1]  # no prefix: its whole prompt is prefilled beside the others
    cached.act_batch([bread[0]])  # "Add bread" is cached, the other task is not
    scores_of(cached)
    batches = [
        [bread[2]],
        [bread[1], other[0], bread[3]],
        [other[2], bread[4], blank, other[1], bread[0]],
    ]
    answers = set()
    for batch in batches:
        with_cache, without = cached.act_batch(batch), uncached.act_batch(batch)
        assert [d.raw_output for d in with_cache] == [d.raw_output for d in without]
        for mine, theirs in zip(scores_of(cached), scores_of(uncached), strict=True):
            assert torch.allclose(mine, theirs, atol=1e-4, rtol=0)
        answers |= {d.raw_output for d in with_cache}
    assert len(answers) > 1  # the answers depend on the prompt, so equality means something
    # The second batch computed the other task's prefix once; every later row reused one.
    reused = [d.info["prefix_cached_tokens"] > 0 for d in cached.act_batch(batches[2])]
    assert reused == [True, True, False, True, True]


def test_a_prefix_that_changed_is_computed_again() -> None:
    """One entry only: each task evicts the other, and a prefix is reused only when its token
    ids are the ones cached."""
    cached, _ = pair("qwen2vl", max_new_tokens=2, capacity=1)
    bread, eggs = episode_requests("Add bread"), episode_requests("Add eggs")
    reused = [
        cached.act_batch([request])[0].info["prefix_cached_tokens"]
        for request in (bread[0], bread[1], eggs[1], bread[2], bread[3])
    ]
    prefix = prefix_tokens(cached, "Add bread")
    assert reused == [0, prefix, 0, 0, prefix]


def test_a_prompt_without_its_task_before_the_image_runs_uncached() -> None:
    cached, uncached = pair("qwen2vl", max_new_tokens=3)
    request = episode_requests("")[0]  # an empty task marks no prefix
    with_cache, without = cached.act_batch([request])[0], uncached.act_batch([request])[0]
    assert with_cache.raw_output == without.raw_output
    assert with_cache.info["prefix_cached_tokens"] == 0
    assert with_cache.usage is not None
    assert with_cache.info["prefill_tokens"] == with_cache.usage.prompt_tokens
    assert len(cached.prefix_cache or ()) == 0


def test_image_tokens_get_their_mrope_positions() -> None:
    """The uncached prompt's first scores are the model's own forward pass given the image
    tokens' types (from which transformers 5 computes M-RoPE positions), not plain positions."""
    _, uncached = pair("qwen2vl", max_new_tokens=1)
    request = episode_requests()[0]
    uncached.act_batch([request])
    (first,) = scores_of(uncached)
    inputs, _ = uncached.encode([uncached.prepare(*request)])
    ids = inputs["input_ids"]
    types = (ids == uncached.tokenizer.convert_tokens_to_ids("<|image_pad|>")).int()
    plain = torch.arange(ids.shape[1]).view(1, 1, -1).expand(3, 1, -1)
    images = {"pixel_values": inputs["pixel_values"], "image_grid_thw": inputs["image_grid_thw"]}
    with torch.inference_mode():
        model = uncached.hf_model
        mrope = model(input_ids=ids, mm_token_type_ids=types, **images).logits[:, -1]
        text_only = model(input_ids=ids, position_ids=plain, **images).logits[:, -1]
    assert torch.allclose(first, mrope, atol=1e-5, rtol=0)
    assert not torch.allclose(first, text_only, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("text", "task", "end"),
    [
        ("sys: go home, then<|vision_start|>", "go home", 12),
        ("sys<|vision_start|><|image_pad|> go home", "go home", 0),  # after the image
        ("sys go home", "", 0),
        ("sys go home", "go away", 0),
        ("go home and go home", "go home", 7),
    ],
)
def test_the_static_prefix_ends_after_the_task_before_any_image(
    text: str, task: str, end: int
) -> None:
    assert static_end(text, task) == end


def test_common_length_counts_shared_leading_tokens() -> None:
    assert common_length([1, 2, 3, 4], [1, 2, 9]) == 2
    assert common_length([1, 2], [1, 2, 3]) == 2
    assert common_length([], [1]) == 0


def test_the_cache_is_refused_where_it_is_not_verified() -> None:
    def model(kind: str, sliding: bool = False) -> Any:
        text = SimpleNamespace(use_sliding_window=sliding)
        return SimpleNamespace(
            config=SimpleNamespace(model_type=kind, get_text_config=lambda: text)
        )

    new, old = SimpleNamespace(__version__="5.25.0"), SimpleNamespace(__version__="5.12.0.dev0")
    assert unsupported(new, model("qwen2_vl")) is None
    assert unsupported(new, model("qwen2_5_vl")) is None
    assert unsupported(old, model("qwen2_vl")) == (
        "needs transformers >= 5.25 (installed 5.12.0.dev0)"
    )
    assert unsupported(new, model("llava")) == "not available for llava models"
    assert unsupported(new, model("qwen2_vl", sliding=True)) == (
        "not available with sliding-window attention"
    )
    with pytest.raises(ValueError, match="at least one prefix"):
        PrefixCache(0)


def test_the_manifest_says_whether_the_cache_is_on() -> None:
    cached, uncached = pair("qwen2vl")
    assert cached.describe().extra["prefix_cache"] == "on (16 prefixes)"
    assert uncached.describe().extra["prefix_cache"] == "off: turned off"


def test_the_gpu_benchmark_runs_on_a_cpu_with_the_tiny_model() -> None:
    """``benchmarks/gpu_step.py``'s whole path (build, force, interleave, report) on the tiny
    model: the cached rows prefill fewer tokens and score the first token alike."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root / "src"), str(root)]))
    command = [sys.executable, str(root / "benchmarks" / "gpu_step.py"), "--device", "cpu"]
    command += ["--tiny", "--rounds", "1", "--batches", "2"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        fields = line.split()
        if fields[:4] == ["tiny", "/", "sdpa", "2"]:
            rows[fields[4]] = int(fields[5].replace(",", ""))
    assert rows["on"] < rows["off"]
    assert "same argmax 100%" in done.stdout
