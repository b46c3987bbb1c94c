"""Damaged AITZ data: every kind of damage in ``aitz_damage`` is a ``DatasetError`` naming the
file, the field and the reason, and ``skip_bad`` leaves out exactly the damaged episode.
Screenshots are checked when the split loads and decoded when first used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_env import DatasetError, Skip, load_aitz
from screenpilot.evaluation.aitz_images import (
    MAX_SCREENSHOT_PIXELS,
    ScreenshotError,
    decode_screenshot,
    screenshot_size,
)
from screenpilot.evaluation.aitz_run import AITZSettings, evaluate_policy, score_predictions
from screenpilot.policies import FunctionPolicy
from screenpilot.tools.actions import Finish
from tests.evaluation.aitz_damage import (
    ANNOTATION,
    IMAGE,
    SIZE,
    TARGET,
    Damage,
    damage_cases,
    healthy_split,
    replace_chunk,
    with_header,
)

CASES = damage_cases()


def test_the_healthy_split_loads(tmp_path: Path) -> None:
    healthy_split(tmp_path)
    dataset = load_aitz(tmp_path, "test")
    assert [e.episode_id for e in dataset.episodes] == ["111", "222", "333"]
    assert len(dataset) == 7 and dataset.skipped == []
    assert all(s.screenshot().size == SIZE for s in dataset.steps)


def test_hidden_folders_are_neither_subsets_nor_episodes(tmp_path: Path) -> None:
    healthy_split(tmp_path)
    (tmp_path / "test/.cache").mkdir()
    (tmp_path / "test/install/.ipynb_checkpoints").mkdir()
    dataset = load_aitz(tmp_path, "test")
    assert [e.episode_id for e in dataset.episodes] == ["111", "222", "333"]
    with pytest.raises(ConfigError, match="limit must be at least 1, got 0"):
        load_aitz(tmp_path, "test", limit=0)


def test_the_damage_generator_covers_every_kind() -> None:
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.field for c in CASES} >= {
        None,
        "step_id",
        "episode_id",
        "instruction",
        "result_action_type",
        "result_action_text",
        "result_touch_yx",
        "result_lift_yx",
        "ui_positions",
        "ui_text",
        "ui_types",
        "image_path",
        "image_width",
        "image_height",
        "coat_action_desc",
    }


@pytest.mark.parametrize("damage", CASES, ids=[c.name for c in CASES])
def test_damage_is_a_dataset_error_naming_file_field_and_reason(
    tmp_path: Path, damage: Damage
) -> None:
    damage.apply(healthy_split(tmp_path))
    with pytest.raises(DatasetError) as caught:
        load_aitz(tmp_path, "test")
    error = caught.value
    message = str(error)
    assert type(error) is DatasetError
    assert error.file is not None and error.file.name == damage.file
    assert error.field == damage.field
    # The message: the annotation file (and step), the field, then the reason.
    assert message.startswith(str(tmp_path / "test/install" / TARGET / ANNOTATION)), message
    assert damage.file in message
    if damage.field is not None:
        assert f"field {damage.field!r}: " in message
    assert re.search(damage.reason, message), message
    assert "Traceback" not in message and len(message) < 1000


@pytest.mark.parametrize("damage", CASES, ids=[c.name for c in CASES])
def test_skip_bad_leaves_out_exactly_the_damaged_episode(tmp_path: Path, damage: Damage) -> None:
    damage.apply(healthy_split(tmp_path))
    with pytest.raises(DatasetError) as caught:
        load_aitz(tmp_path, "test")
    dataset = load_aitz(tmp_path, "test", skip_bad=True)
    assert [e.episode_id for e in dataset.episodes] == ["111", "333"]
    assert dataset.skipped == [Skip(f"test/install/{TARGET}/{ANNOTATION}", str(caught.value))]
    assert dataset.describe()["skipped"] == [
        {"path": f"test/install/{TARGET}/{ANNOTATION}", "reason": str(caught.value)}
    ]


def test_skip_bad_in_a_policy_run_scores_the_other_episodes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = healthy_split(data)
    other = data / "test/general/GENERAL-111/GENERAL-111_1.png"
    other.write_bytes(other.read_bytes()[:-100])  # truncated
    (folder / IMAGE).write_bytes(with_header((folder / IMAGE).read_bytes(), 100_000, 100_000))
    dataset = load_aitz(data, "test", skip_bad=True)
    assert [e.episode_id for e in dataset.episodes] == ["333"]
    assert [s.path for s in dataset.skipped] == [
        "test/general/GENERAL-111/GENERAL-111.json",
        f"test/install/{TARGET}/{ANNOTATION}",
    ]
    assert "GENERAL-111_1.png is truncated" in dataset.skipped[0].reason
    assert "100000×100000" in dataset.skipped[1].reason
    policy = FunctionPolicy(lambda task, observation, history: Finish(status="success"))
    metrics = evaluate_policy(dataset, lambda: policy, tmp_path / "out", AITZSettings())
    assert metrics["overall"]["steps"] == 1 and metrics["overall"]["exact_match"] == 1.0
    assert metrics["skipped"] == [{"path": s.path, "reason": s.reason} for s in dataset.skipped]


# --- where screenshots are decoded ----------------------------------------------------------


def test_a_screenshot_that_passes_the_check_but_does_not_decode_fails_where_used(
    tmp_path: Path,
) -> None:
    """Compressed data written broken, with right checksums: only decoding finds it."""
    folder = healthy_split(tmp_path)
    path = folder / IMAGE
    path.write_bytes(replace_chunk(path.read_bytes(), b"IDAT", b"not zlib data"))
    dataset = load_aitz(tmp_path, "test")
    broken = dataset.episodes[1].steps[1]
    assert broken.image == path
    with pytest.raises(DatasetError) as caught:
        broken.observation()
    assert type(caught.value) is DatasetError
    assert caught.value.file == path and caught.value.field == "image_path"
    assert str(caught.value).startswith(f"the screenshot {path} cannot be decoded: ")
    assert str(caught.value).endswith("(episode 222 step 1)")
    # A policy run stops there (from a worker thread too), the steps before it logged;
    # scoring predictions needs no pixels, but drawing that miss in report.html does.
    policy = FunctionPolicy(lambda task, observation, history: Finish(status="success"))
    settings = AITZSettings(workers=2)
    with pytest.raises(DatasetError, match=f"the screenshot {re.escape(str(path))} cannot be"):
        evaluate_policy(dataset, lambda: policy, tmp_path / "run", settings)
    assert (tmp_path / "run/results.jsonl").exists()
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("")
    with pytest.raises(DatasetError, match=f"the screenshot {re.escape(str(path))} cannot be"):
        score_predictions(dataset, predictions, "canonical", AITZSettings(), tmp_path / "scored")
    assert (tmp_path / "scored/metrics.json").exists()


def test_a_screenshot_changed_after_loading_is_refused_where_used(tmp_path: Path) -> None:
    folder = healthy_split(tmp_path)
    dataset = load_aitz(tmp_path, "test")
    Image.new("RGB", (100, 100)).save(folder / IMAGE)
    with pytest.raises(DatasetError, match=r"changed since the dataset was loaded: it is 100×100"):
        dataset.episodes[1].steps[1].observation()


@pytest.mark.parametrize("when", ["at load", "where used"])
def test_truncation_is_found_even_where_pil_is_told_to_accept_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # screenpilot never sets it
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    folder = healthy_split(tmp_path)
    path = folder / IMAGE
    Image.effect_noise(SIZE, 60).convert("RGB").save(path)  # several IDAT chunks' worth
    data = path.read_bytes()
    if when == "at load":
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(DatasetError, match=f"{IMAGE} is truncated"):
            load_aitz(tmp_path, "test")
    else:
        step = load_aitz(tmp_path, "test").episodes[1].steps[1]
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(DatasetError, match=f"{IMAGE} is truncated"):
            step.observation()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "1", "I;16"])
def test_every_png_kind_decodes_as_rgb(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "screen.png"
    Image.new(mode, (30, 20)).save(path)
    assert screenshot_size(path) == (30, 20)
    decoded = decode_screenshot(path, (30, 20))
    assert decoded.mode == "RGB" and decoded.size == (30, 20)


def test_the_pixel_limit_is_read_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "screen.png"
    Image.new("RGB", (4, 4)).save(path)
    data = path.read_bytes()
    path.write_bytes(with_header(data, 4096, 4096))
    assert MAX_SCREENSHOT_PIXELS == 4096 * 4096
    assert screenshot_size(path) == (4096, 4096)  # at the limit: accepted without decoding
    path.write_bytes(with_header(data, 4096, 4097))
    with pytest.raises(ScreenshotError, match="more than the 16,777,216"):
        screenshot_size(path)


def test_data_after_the_end_marker_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "screen.png"
    Image.new("RGB", (8, 6)).save(path)
    path.write_bytes(path.read_bytes() + b"trailing bytes")
    assert screenshot_size(path) == (8, 6)
