"""The model cards and the local Qwen2-VL policy, scored on the real AITZ sample episode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.aitz_run import AITZSettings, evaluate_policy, score_predictions
from screenpilot.policies.catalog import get_card
from tests.evaluation.test_aitz_data import SAMPLE


@pytest.mark.parametrize("card_name", ["qwen2vl", "qwen25vl", "uitars", "uitars15"])
@pytest.mark.parametrize("protocol", ["qwen", "aitw", "aitz"])
def test_raw_answers_in_each_cards_grammar_score_perfectly(
    card_name: str, protocol: str, tmp_path: Path
) -> None:
    """A model that answers the ground truth in its own grammar is exact under every protocol."""
    dataset = load_aitz(SAMPLE, "train")
    card = get_card(card_name)
    lines = []
    for episode in dataset.episodes:
        for step in episode.steps:
            with Image.open(step.image) as image:
                size = image.size
            resized = card.resized_size(size, 4 * 28 * 28, 1280 * 28 * 28)
            answer = card.answer(step.action, card.frame(size, resized))
            lines.append(
                {
                    "episode_id": step.episode_id,
                    "step_id": step.step_id,
                    "raw": answer,
                    "format": card_name,
                    "resized_size": list(resized),
                }
            )
    predictions = tmp_path / "raw.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    metrics = score_predictions(
        dataset, predictions, "raw", AITZSettings(protocol=protocol), tmp_path / "o"
    )
    assert metrics["overall"]["steps"] == 4
    assert metrics["overall"]["invalid_rate"] == 0.0
    assert metrics["overall"]["type_match"] == 1.0
    if protocol != "aitz":
        assert metrics["overall"]["exact_match"] == 1.0
    else:
        # CoAT's rules want a predicted *box* covering the ground-truth point. The sample's tap
        # (the Clock icon) is on no annotated element, so a point prediction stands for a
        # zero-size box and must hit the very pixel; rounded through the model's frame it
        # lands one pixel off, except where the frame happens to round back exactly.
        scores = [
            json.loads(line) for line in (tmp_path / "o/results.jsonl").read_text().splitlines()
        ]
        assert [s["exact_match"] for s in scores if s["gt_type"] != "click"] == [True] * 3


def test_a_tiny_local_model_is_evaluated_in_batches_and_reported_honestly(
    tiny_qwen2vl: Path, tmp_path: Path
) -> None:
    """Random weights answer nonsense: every step is invalid, recorded with its raw text."""
    from screenpilot.policies.qwen2vl import Qwen2VLPolicy

    def tiny() -> Qwen2VLPolicy:
        return Qwen2VLPolicy(
            str(tiny_qwen2vl), card="qwen2vl", max_pixels=64 * 28 * 28, max_new_tokens=16
        )

    dataset = load_aitz(SAMPLE, "train")
    out = tmp_path / "eval"
    metrics = evaluate_policy(dataset, tiny, out, AITZSettings(batch_size=2))
    assert metrics["overall"]["steps"] == 4
    assert metrics["overall"]["invalid_rate"] == 1.0
    assert metrics["overall"]["exact_match"] == 0.0
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [(line["episode_id"], line["step_id"]) for line in lines] == [
        ("523638528775825151", n) for n in range(4)
    ]
    assert all(line["prediction"] is None and line["raw"] for line in lines)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"]["policy"]["model"] == str(tiny_qwen2vl)
    assert manifest["source"]["policy"]["prompt_format"] == "qwen2vl/mobile"
