"""The AITZ loader and AITZEnv: synthetic data in the dataset's format, bad data, and
the real sample episode checked step by step against its screenshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_env import AITZEnv, gt_history, load_aitz
from screenpilot.evaluation.aitz_run import AITZSettings, score_predictions
from screenpilot.evaluation.matching import PROTOCOLS
from screenpilot.tools import coords
from screenpilot.tools.actions import Finish, Key, Swipe, Tap, TypeText, to_json
from tests.evaluation.aitz_fixtures import step, tap, write_episode

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "aitz"
SAMPLE_ID = "523638528775825151"


def every_code_episode(root: Path) -> None:
    """Two subsets, three image sizes, every AITW action code AITZ uses."""
    write_episode(
        root,
        "general",
        "GENERAL-111",
        [
            tap(0.25, 0.5, boxes=[[190, 40, 20, 30]], texts=["OK"]),
            step(4, touch=(0.5, 0.8), lift=(0.5, 0.2), desc="scroll up"),
            step(3, text="café au lait", desc='type in the content: "café au lait"'),
            step(7, desc="press enter"),
            step(5, desc="press the back button"),
            step(6, desc="press the home button"),
            step(10, desc="stop and set the query as completed"),
        ],
        size=(540, 1140),
    )
    write_episode(
        root,
        "install",
        "INSTALL-222",
        [step(4, touch=(0.9, 0.5), lift=(0.1, 0.52)), step(11, desc="stop")],
        size=(720, 1480),
    )
    write_episode(root, "install", "INSTALL-333", [step(10)], size=(412, 732))


def test_every_action_code_becomes_its_canonical_action(tmp_path: Path) -> None:
    every_code_episode(tmp_path)
    dataset = load_aitz(tmp_path, "test")
    assert [e.episode_id for e in dataset.episodes] == ["111", "222", "333"]
    assert [e.subset for e in dataset.episodes] == ["general", "install", "install"]
    actions = [s.action for s in dataset.steps]
    assert actions == [
        Tap(x=0.25, y=0.5),
        Swipe(x=0.5, y=0.8, x2=0.5, y2=0.2),
        TypeText(text="café au lait"),
        Key(key="enter"),
        Key(key="back"),
        Key(key="home"),
        Finish(status="success"),
        Swipe(x=0.9, y=0.5, x2=0.1, y2=0.52),
        Finish(status="failure"),
        Finish(status="success"),
    ]
    kinds = [s.kind for s in dataset.steps]
    assert kinds == [
        "click",
        "scroll",
        "type",
        "press",
        "press",
        "press",
        "stop",
        "scroll",
        "stop",
        "stop",
    ]
    first = dataset.episodes[0].steps[0]
    # Sizes come from the PNGs; the [top, left, height, width] pixel box becomes normalized.
    assert first.gt.screen.size == (540, 1140)
    assert dataset.episodes[1].steps[0].gt.screen.size == (720, 1480)
    assert dataset.episodes[2].steps[0].gt.screen.size == (412, 732)
    (element,) = first.ui_elements
    assert element.text == "OK" and element.kind == "TEXT"
    assert element.bounds == pytest.approx((40 / 540, 190 / 1140, 70 / 540, 210 / 1140))
    observation = first.observation()
    assert observation.screenshot.size == (540, 1140)
    assert observation.info["coat_action_desc"] == "click on it"
    assert dataset.describe()["steps"] == 10 and len(dataset.annotation_sha256) == 64


def test_subset_and_limit_select_episodes(tmp_path: Path) -> None:
    every_code_episode(tmp_path)
    assert [e.episode_id for e in load_aitz(tmp_path, "test", "install").episodes] == ["222", "333"]
    assert [e.episode_id for e in load_aitz(tmp_path, "test", limit=2).episodes] == ["111", "222"]
    with pytest.raises(ConfigError, match=r"no subset .single..*found: general, install"):
        load_aitz(tmp_path, "test", "single")
    with pytest.raises(ConfigError) as missing:
        load_aitz(tmp_path, "train")
    assert str(missing.value) == f"no split 'train' in {tmp_path}; it has: test — try --split test"


def test_the_annotation_hash_changes_with_the_annotations(tmp_path: Path) -> None:
    every_code_episode(tmp_path)
    before = load_aitz(tmp_path, "test").annotation_sha256
    assert load_aitz(tmp_path, "test").annotation_sha256 == before
    path = tmp_path / "test/install/INSTALL-333/INSTALL-333.json"
    path.write_text(path.read_text().replace("do the thing", "do another thing"))
    assert load_aitz(tmp_path, "test").annotation_sha256 != before


def test_ground_truth_history_in_the_cards_convention(tmp_path: Path) -> None:
    every_code_episode(tmp_path)
    episode = load_aitz(tmp_path, "test").episodes[0]
    plain = gt_history(episode, 3)
    assert [s.action for s in plain] == [s.action for s in episode.steps[:3]]
    assert all(s.decision.info == {} and s.decision.reasoning is None for s in plain)
    coat = gt_history(episode, 3, coat=True)
    assert [s.decision.info["summary"] for s in coat] == [
        "click on it",
        "scroll up",
        'type in the content: "café au lait"',
    ]
    assert [s.decision.reasoning for s in coat] == ["think 4", "think 4", "think 3"]
    assert [s.index for s in coat] == [0, 1, 2] and all(s.status == "executed" for s in coat)


def test_environment_is_teacher_forced(tmp_path: Path) -> None:
    every_code_episode(tmp_path)
    env = AITZEnv(tmp_path, protocol="qwen", coat_history=True)
    first = env.reset()
    assert env.task == "do the thing" and first.screenshot.size == (540, 1140)
    # A wrong action is scored as a miss and the episode still follows the recording.
    result = env.step(Key(key="back"))
    assert result.info["type_match"] is False and result.info["exact_match"] is False
    assert result.info["gt"] == to_json(Tap(x=0.25, y=0.5)) and not result.terminated
    assert [s.action for s in env.history()] == [Tap(x=0.25, y=0.5)]
    result = env.step(Swipe(x=0.5, y=0.9, x2=0.5, y2=0.3))  # a finger moving up, as recorded
    assert result.info["exact_match"] is True
    assert len(env.history()) == 2 and env.history()[1].decision.info["summary"] == "scroll up"
    assert env.reset().screenshot.size == (720, 1480)  # the next episode


def test_a_split_with_type_steps_that_typed_nothing_loads_as_it_is(tmp_path: Path) -> None:
    """The real test split has TYPE steps with an empty ``result_action_text``: they load, and
    each protocol scores them as its source does (see ``test_matching``)."""
    write_episode(
        tmp_path,
        "general",
        "GENERAL-444",
        [
            tap(0.5, 0.5),
            step(3, text="", desc='type in the content: ""'),
            step(3, text="  ", desc='type in the content: "  "'),
            step(10, desc="stop and set the query as completed"),
        ],
    )
    every_code_episode(tmp_path)
    dataset = load_aitz(tmp_path, "test")
    assert dataset.skipped == [] and len(dataset) == 14
    episode = next(e for e in dataset.episodes if e.episode_id == "444")
    _, empty, spaces, _ = episode.steps
    assert to_json(empty.action) == {"type": "type", "text": ""} and empty.kind == "type"
    assert spaces.action == TypeText(text="  ") and spaces.kind == "type"
    history = gt_history(episode, 3)
    assert history[1].decision.raw_output == '{"type": "type", "text": ""}'
    lines = [
        {"episode_id": "444", "step_id": 0, "action": {"type": "tap", "x": 0.5, "y": 0.5}},
        {"episode_id": "444", "step_id": 1, "action": {"type": "type", "text": "Lyft"}},
        {"episode_id": "444", "step_id": 2, "action": {"type": "type", "text": "Lyft"}},
        {"episode_id": "444", "step_id": 3, "action": {"type": "finish", "status": "success"}},
    ]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    exact = {}
    for protocol in sorted(PROTOCOLS):
        out = tmp_path / protocol
        score_predictions(dataset, predictions, "canonical", AITZSettings(protocol=protocol), out)
        results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        exact[protocol] = [r["exact_match"] for r in results]
        assert results[1]["gt"] == {"type": "type", "text": ""}
    # CoAT alone keeps the spaces, which "Lyft" does not hold.
    assert exact == {
        "aitw": [True, True, True, True],
        "aitz": [True, True, False, True],
        "qwen": [True, True, True, True],
    }


# --- the real sample episode (CoAT's data-example) ------------------------------------------


def test_the_sample_episode_step_by_step() -> None:
    dataset = load_aitz(SAMPLE, "train")
    (episode,) = dataset.episodes
    assert (episode.episode_id, episode.subset, len(episode.steps)) == (SAMPLE_ID, "google_apps", 4)
    assert episode.instruction == 'open app "Clock" (install if not already installed)'
    home, drawer, clock, done = episode.steps
    assert all(s.gt.screen.size == (270, 600) for s in episode.steps)
    # Step 0: the "Set up email" screen; the agent presses home.
    assert home.action == Key(key="home")
    assert [e.text for e in home.ui_elements[:3]] == ["M", "Set", "up email"]
    # Step 1: the home screen; the finger swipes from mid-screen to the very top, which opens
    # the app drawer. AITZ calls it "scroll up" (finger sense); canonically it is a scroll down.
    assert isinstance(drawer.action, Swipe)
    assert drawer.action.y == pytest.approx(0.541, abs=1e-3)
    assert drawer.action.y2 == pytest.approx(0.001, abs=1e-3)
    assert drawer.coat["coat_action_desc"] == "scroll up"
    assert (
        coords.swipe_to_scroll(drawer.action.x, drawer.action.y, drawer.action.x2, drawer.action.y2)
        == "down"
    )
    # Step 2: the app drawer; the tap lands on the Clock icon at pixel (163, 299), just above
    # the OCR box of its label ("Cleck", top 321, left 156).
    assert isinstance(clock.action, Tap)
    assert coords.to_screenshot_pixels(clock.action.x, clock.action.y, clock.gt.screen) == (
        163,
        299,
    )
    label = next(e for e in clock.ui_elements if e.text == "Cleck")
    assert label.bounds[0] < clock.action.x < label.bounds[2] and clock.action.y < label.bounds[1]
    # Step 3: the Clock app is open; the task is complete.
    assert done.action == Finish(status="success")
    assert "Stopwatch" in [e.text for e in done.ui_elements]
    # The nav bar's back icon sits bottom left on every screen.
    back = next(e for e in home.ui_elements if e.kind == "ICON_V_BACKWARD")
    assert back.bounds[0] < 0.25 and back.bounds[1] > 0.95


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_perfect_predictions_score_1_under_every_protocol(tmp_path: Path, protocol: str) -> None:
    dataset = load_aitz(SAMPLE, "train")
    lines = [
        {"episode_id": s.episode_id, "step_id": s.step_id, "action": to_json(s.action)}
        for s in dataset.steps
    ]
    predictions = tmp_path / "perfect.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    metrics = score_predictions(dataset, predictions, "canonical", AITZSettings(protocol=protocol))
    overall = metrics["overall"]
    assert overall == {
        "steps": 4,
        "type_match": 1.0,
        "exact_match": 1.0,
        "invalid_rate": 0.0,
        "repaired_rate": 0.0,
        "episodes": 1,
        "goal_progress": 1.0,
        "success_rate": 1.0,
    }
    assert set(metrics["by_action"]) == {"press", "scroll", "click", "stop"}


def test_the_environment_spec_names_root_split_and_subset(tmp_path: Path) -> None:
    from screenpilot.registry import make_env

    every_code_episode(tmp_path)
    env = make_env(f"aitz:{tmp_path}")
    assert isinstance(env, AITZEnv) and len(env.dataset.episodes) == 3
    env = make_env(f"aitz:{tmp_path}/test/install")
    assert isinstance(env, AITZEnv)
    assert [e.episode_id for e in env.dataset.episodes] == ["222", "333"]
    sample = make_env(f"aitz:{SAMPLE}/train")
    assert isinstance(sample, AITZEnv) and sample.dataset.split == "train"
    with pytest.raises(ConfigError, match="aitz needs the dataset folder"):
        make_env("aitz")
    with pytest.raises(ConfigError, match="unknown protocol 'exact'"):
        AITZEnv(tmp_path, protocol="exact")
