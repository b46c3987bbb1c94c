"""Qwen2VLPolicy with real forward passes of tiny random-weight models, loaded from disk.

Where a test needs a particular answer, a LogitsProcessor forces its tokens; the prompt, the
image tokens, generation, decoding, parsing and the coordinate conversion all run for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("transformers", reason="needs the local extra")

from screenpilot.agent import load_run
from screenpilot.agent.loop import run_episode
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import ConfigError
from screenpilot.policies import PolicySettings
from screenpilot.policies.qwen2vl import IMAGE_PAD, Qwen2VLPolicy
from screenpilot.registry import make_policy
from screenpilot.tools.actions import Action, Finish, Tap, TypeText
from tests.helpers import ADD_BUTTON, FIELD, HOME_ICON
from tests.policies.conftest import ForceAnswers

BUDGET = 64 * 28 * 28  # a 1080x2400 phone screen becomes 140x308: 5 x 11 = 55 visual tokens


def forced(policy: Qwen2VLPolicy, answers: list[list[str]]) -> ForceAnswers:
    import transformers

    force = ForceAnswers(policy.tokenizer, answers)
    policy.generate_kwargs["logits_processor"] = transformers.LogitsProcessorList([force])
    return force


def plan(policy: Qwen2VLPolicy, actions: list[Action]) -> list[list[str]]:
    resized = policy.card.resized_size((1080, 2400), policy.min_pixels, policy.max_pixels)
    frame = policy.card.frame((1080, 2400), resized)
    return [[policy.card.answer(action, frame)] for action in actions]


ADD_BREAD: list[Action] = [
    Tap(x=HOME_ICON[0], y=HOME_ICON[1]),
    Tap(x=FIELD[0], y=FIELD[1]),
    TypeText(text="bread"),
    Tap(x=ADD_BUTTON[0], y=ADD_BUTTON[1]),
    Finish(status="success"),
]


@pytest.mark.parametrize(
    ("card", "family"), [("qwen2vl", "qwen2vl"), ("qwen25vl", "qwen25vl"), ("uitars15", "qwen25vl")]
)
def test_a_full_episode_on_the_demo_phone(
    card: str, family: str, tiny_qwen2vl: Path, tiny_qwen25vl: Path, tmp_path: Path
) -> None:
    model = tiny_qwen2vl if family == "qwen2vl" else tiny_qwen25vl
    budget = 100 * 28 * 28 if card == "uitars15" else BUDGET  # UI-TARS-1.5's minimum
    policy = Qwen2VLPolicy(str(model), card=card, max_pixels=budget, max_new_tokens=200)
    force = forced(policy, plan(policy, ADD_BREAD))
    env = DemoEnv(items=("milk",))
    episode = run_episode(env, policy, "Add bread", run_dir=tmp_path / "run")
    assert episode.outcome == "success" and len(episode.steps) == 5 and force.calls == 5
    assert env.state.items == [("milk", False), ("bread", False)]
    first = episode.steps[0].decision
    assert first.usage is not None and first.usage.completion_tokens > 10
    assert set(first.timings) == {"image", "prompt", "prefill", "decode", "parse"}
    # The frame is the image the model saw. With min = max pixels (UI-TARS-1.5 here)
    # smart_resize lands at 168x392, under the minimum, and a second pass would give 196x448:
    # the processor must not resize again, so that prompt, pixels and parser agree.
    resized = [168, 392] if card == "uitars15" else [140, 308]
    assert all(step.decision.info["resized_size"] == resized for step in episode.steps)
    manifest = load_run(tmp_path / "run").manifest
    assert manifest.policy.name == "qwen2vl" and manifest.policy.prompt_format == f"{card}/mobile"
    assert manifest.policy.max_pixels == budget


def test_the_prompt_carries_one_pad_per_visual_token(tiny_qwen2vl: Path) -> None:
    policy = Qwen2VLPolicy(str(tiny_qwen2vl), card="qwen2vl", max_pixels=BUDGET)
    observation = DemoEnv().reset()
    inputs, sizes = policy.encode([policy.prepare("task", observation, ())])
    pad = policy.tokenizer.convert_tokens_to_ids(IMAGE_PAD)
    assert int((inputs["input_ids"] == pad).sum()) == 55  # (308/28) x (140/28)
    assert sizes == [(140, 308)]
    assert tuple(inputs["image_grid_thw"][0].tolist()) == (1, 22, 10)


def test_box_tokens_survive_decoding_and_become_the_box_centre(tiny_qwen2vl: Path) -> None:
    policy = Qwen2VLPolicy(str(tiny_qwen2vl), card="qwen2vl", max_pixels=BUDGET)
    answer = (
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": '
        '"<|box_start|>(200,600),(300,700)<|box_end|>"}}\n</tool_call>'
    )
    forced(policy, [[answer]])
    decision = policy.act("tap", DemoEnv().reset(), ())
    assert decision.raw_output == answer + "<|im_end|>"
    assert decision.action == Tap(x=0.25, y=0.65)


def test_unforced_output_is_a_model_error_the_loop_records(tiny_qwen2vl: Path) -> None:
    policy = Qwen2VLPolicy(str(tiny_qwen2vl), card="qwen2vl", max_pixels=BUDGET, max_new_tokens=8)
    episode = run_episode(DemoEnv(), policy, "anything", max_steps=2, stall_limit=None)
    assert episode.outcome == "max_steps"
    assert [step.status for step in episode.steps] == ["model_error", "model_error"]
    step = episode.steps[0]
    assert step.error is not None and step.error.kind == "parse_error"
    assert step.decision.raw_output  # the random text is kept for the record


def test_act_batch_generates_once_for_several_requests(tiny_qwen2vl: Path) -> None:
    policy = Qwen2VLPolicy(str(tiny_qwen2vl), card="qwen2vl", max_pixels=BUDGET, max_new_tokens=200)
    frame = policy.card.frame((1080, 2400), None)
    env = DemoEnv(items=("milk",))
    home = env.reset()
    in_app = env.step(Tap(x=HOME_ICON[0], y=HOME_ICON[1])).observation
    rows = [
        policy.card.answer(Tap(x=0.1, y=0.2), frame),
        policy.card.answer(Tap(x=0.7, y=0.9), frame),
    ]
    force = forced(policy, [rows])
    short, long = ("open it", home, ()), ("a much longer task text " * 4, in_app, ())
    decisions = policy.act_batch([short, long])
    assert force.calls == 1
    assert [d.action for d in decisions] == [Tap(x=0.1, y=0.2), Tap(x=0.7, y=0.9)]
    # Left padding: each row's prompt length is its own, as if it had been run alone.
    alone = [policy.encode([policy.prepare(*r)])[0]["input_ids"].shape[1] for r in (short, long)]
    assert [d.usage.prompt_tokens for d in decisions if d.usage] == alone
    assert alone[0] < alone[1]


def test_the_registry_builds_it_from_options(tiny_qwen2vl: Path) -> None:
    policy = make_policy(
        "qwen2vl",
        PolicySettings(model=str(tiny_qwen2vl), card="uitars", max_pixels=BUDGET, max_new_tokens=5),
    )
    assert isinstance(policy, Qwen2VLPolicy)
    info = policy.describe()
    assert info.prompt_format == "uitars/mobile" and info.decoding["max_new_tokens"] == 5
    assert info.extra["device"] == "cpu" and info.extra["dtype"] == "float32"


def test_a_qwen3vl_checkpoint_runs_with_its_card(tiny_qwen3vl: Path, tmp_path: Path) -> None:
    """Qwen3VLForConditionalGeneration through the same policy: patch 16, so the card resizes
    with factor 32, and its 0-999 coordinates land where the answer says."""
    policy = Qwen2VLPolicy(str(tiny_qwen3vl), card="qwen3vl", max_new_tokens=200)
    assert type(policy.hf_model).__name__ == "Qwen3VLForConditionalGeneration"
    force = forced(policy, plan(policy, ADD_BREAD))
    env = DemoEnv(items=("milk",))
    episode = run_episode(env, policy, "Add bread", run_dir=tmp_path / "run")
    assert episode.outcome == "success" and force.calls == 5
    assert env.state.items == [("milk", False), ("bread", False)]
    # 1080x2400 at 1,024 visual tokens of 32 pixels: 672x1504, both multiples of 32.
    assert episode.steps[0].decision.info["resized_size"] == [672, 1504]


def test_a_card_of_another_patch_size_is_refused(tiny_qwen3vl: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"\(factor 32\), but the qwen25vl card resizes with factor 28"
    ):
        Qwen2VLPolicy(str(tiny_qwen3vl), card="qwen25vl")


@pytest.mark.parametrize(
    ("cuda_build", "gpus", "device", "reason"),
    [
        (None, 0, "cuda", "is built without CUDA"),
        ("12.8", 0, "cuda", "finds no CUDA GPU"),
        ("12.8", 1, "cuda:1", "torch sees 1 CUDA device"),
    ],
)
def test_a_cuda_device_torch_cannot_use_is_refused_before_loading(
    monkeypatch: pytest.MonkeyPatch, cuda_build: str | None, gpus: int, device: str, reason: str
) -> None:
    """A configuration error naming --device, not torch's assertion from moving the model."""
    import torch

    monkeypatch.setattr(torch.version, "cuda", cuda_build)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    with pytest.raises(ConfigError, match=rf"^--device {device}: .*{reason}"):
        Qwen2VLPolicy("no/such-model", device=device)  # refused before any loading
