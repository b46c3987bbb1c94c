"""The AndroidControl release read without TensorFlow, converted to AgentCPM-GUI's step files,
and loaded as the declared step sets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from screenpilot.errors import ConfigError
from screenpilot.evaluation.androidcontrol_convert import convert, convert_episode, forest_boxes
from screenpilot.evaluation.androidcontrol_data import load_androidcontrol
from screenpilot.evaluation.tfrecord import (
    RecordError,
    crc32c,
    frame_record,
    parse_example,
    read_records,
    serialize_example,
)
from screenpilot.tools.actions import Key, LongPress, OpenApp, Scroll, Tap, TypeText, Wait
from tests.evaluation.androidcontrol_fixtures import (
    EPISODES,
    HEIGHT,
    WIDTH,
    EpisodeSpec,
    Node,
    forest,
    write_release,
)


def test_crc32c_gives_the_standard_check_value() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # CRC-32C (Castagnoli) check value


def test_records_read_back_and_damage_is_named(tmp_path: Path) -> None:
    path = tmp_path / "records"
    path.write_bytes(gzip.compress(frame_record(b"first") + frame_record(b"second record")))
    assert list(read_records(path)) == [b"first", b"second record"]
    raw = bytearray(frame_record(b"first") + frame_record(b"second record"))
    raw[12 + 2] ^= 0xFF  # a byte of the first record's data
    path.write_bytes(bytes(raw))
    with pytest.raises(RecordError, match="record at byte 0 fails its CRC"):
        list(read_records(path))
    path.write_bytes(frame_record(b"first")[:-2])
    with pytest.raises(RecordError, match="cut off"):
        list(read_records(path))


def test_an_example_reads_back_its_bytes_and_int64_features() -> None:
    data = serialize_example({"goal": [b"a", b"b\xc3\xa9"], "ids": [7, -3, 2**40]})
    example = parse_example(data)
    assert example.bytes_list("goal") == [b"a", b"b\xc3\xa9"]
    assert example.int64_list("ids") == [7, -3, 2**40]


def test_forest_bounds_come_window_first_then_nodes() -> None:
    tree = forest(
        ((0, 0, 100, 200), [Node(1, 2, 3, 4, text="a", clickable=True)]),
        ((0, 150, 100, 200), [Node(5, 160, 50, 190, description="nav", action_ids=(32,))]),
    )
    boxes = [(b.left, b.top, b.right, b.bottom, b.label, b.interactive) for b in forest_boxes(tree)]
    assert boxes == [
        (0, 0, 100, 200, "", False),
        (1, 2, 3, 4, "a", True),
        (0, 150, 100, 200, "", False),
        (5, 160, 50, 190, "nav", True),
    ]


def test_an_episode_becomes_agentcpm_step_records() -> None:
    records = convert_episode(parse_example(serialize_example(EPISODES[0].features())).features)
    steps = records.records
    assert [s["step_id"] for s in steps] == [0, 1, 2, 3, 4, 5]
    assert [s["result_action_type"] for s in steps] == [2, 4, 4, 3, 5, 10]
    assert steps[0]["result_action_text"] == "Clock"
    # click (50, 110) on a 108x240 screen, stored [y, x], touch = lift
    assert steps[1]["result_touch_yx"] == "[0.4583333333333333, 0.46296296296296297]"
    assert steps[1]["result_lift_yx"] == steps[1]["result_touch_yx"]
    # "scroll down" with no point: from the centre, the finger moves up 0.3
    assert (steps[2]["result_touch_yx"], steps[2]["result_lift_yx"]) == ("[0.5, 0.5]", "[0.2, 0.5]")
    assert steps[3]["result_action_text"] == "Wake up"
    finish = steps[5]
    assert finish["synthetic"] is True and finish["low_instruction"] == "finish the task"
    assert finish["image_path"] == "android_control/11/11_5.png"
    assert finish["action"] == '{"action_type":"finish"}'
    assert steps[1]["low_instruction"] == "tap OK" and steps[1]["instruction"].startswith("Open")
    assert json.loads(steps[1]["ui_positions"]) == [
        [0.0, 0.0, 1.0, 1.0],
        [20 / 240, 0.0, 200 / 240, 1.0],
        [100 / 240, 40 / 108, 20 / 240, 20 / 108],
        [30 / 240, 10 / 108, 20 / 240, 20 / 108],
    ]
    assert json.loads(steps[1]["ui_interactive"]) == [False, False, True, True]
    assert json.loads(steps[1]["ui_text"]) == ["", "", "OK", "Clock"]
    assert steps[1]["image_width"] == WIDTH and steps[1]["image_height"] == HEIGHT


def test_scrolls_with_a_point_are_clamped_to_the_screen() -> None:
    spec = EpisodeSpec(5, "g", [{"action_type": "scroll", "direction": "right", "x": 27, "y": 60}])
    step = convert_episode(parse_example(serialize_example(spec.features())).features).records[0]
    # "right" moves content from the right: the finger moves left 0.3 from x 0.25, clamped at 0
    assert (step["result_touch_yx"], step["result_lift_yx"]) == ("[0.25, 0.25]", "[0.25, 0]")


def test_an_episode_of_mismatched_lists_is_refused() -> None:
    features = EPISODES[1].features()
    features["step_instructions"] = features["step_instructions"][:1]
    with pytest.raises(ValueError, match="3 actions and 1 step instructions"):
        convert_episode(features)


def test_convert_writes_the_requested_splits_in_aitz_layout(tmp_path: Path) -> None:
    release = write_release(tmp_path / "release")
    out = tmp_path / "ac"
    summary = convert([release / "android_control-00000-of-00001"], out, release / "splits.json")
    assert summary.episodes == {"test": 2, "validation": 1} and summary.other_splits == 1
    assert summary.steps == {"test": 6 + 4, "validation": 2}
    folder = out / "test" / "android_control" / "11"
    assert sorted(p.name for p in folder.iterdir()) == [
        "11.json",
        *(f"11_{k}.png" for k in range(6)),
    ]
    assert not (out / "train").exists()
    assert json.loads((out / "conversion.json").read_text())["episodes"] == summary.episodes


@pytest.fixture
def converted(tmp_path: Path) -> Path:
    release = write_release(tmp_path / "release")
    convert([release / "android_control-00000-of-00001"], tmp_path / "ac", release / "splits.json")
    return tmp_path / "ac"


def test_the_full_step_set_is_the_test_split_as_released(converted: Path) -> None:
    dataset = load_androidcontrol(converted, "full")
    steps = list(dataset.steps)
    assert [(s.episode_id, s.step_id) for s in steps] == [
        *(("11", k) for k in range(5)),
        *(("22", k) for k in range(3)),
    ]
    assert [s.action for s in steps] == [
        OpenApp(app="Clock"),
        Tap(x=50 / 108, y=110 / 240),
        Scroll(direction="down"),
        TypeText(text="Wake up"),
        Key(key="back"),
        LongPress(x=20 / 108, y=40 / 240),
        Wait(),
        Key(key="home"),
    ]
    assert dataset.counts["left_out"] == {"open_app": 0, "synthetic_finish": 2}
    assert steps[1].step_instruction == "tap OK" and steps[1].kind == "click"


def test_the_cpm_step_set_drops_open_app_and_adds_finish_steps(converted: Path) -> None:
    dataset = load_androidcontrol(converted, "cpm")
    keys = [(s.episode_id, s.step_id, s.kind) for s in dataset.steps]
    assert keys == [
        ("11", 1, "click"), ("11", 2, "scroll"), ("11", 3, "input_text"),
        ("11", 4, "navigate_back"), ("11", 5, "finish"),
        ("22", 0, "long_press"), ("22", 1, "wait"), ("22", 2, "navigate_home"), ("22", 3, "finish"),
        ("33", 0, "click"), ("33", 1, "finish"),
    ]  # fmt: skip
    assert dataset.counts["by_split"] == {
        "test": {"episodes": 2, "steps": 9},
        "validation": {"episodes": 1, "steps": 2},
    }
    assert dataset.counts["synthetic_finish_steps"] == 3
    assert dataset.counts["left_out"] == {"open_app": 1, "synthetic_finish": 0}


def test_a_step_list_selects_steps_or_whole_episodes(converted: Path, tmp_path: Path) -> None:
    listed = tmp_path / "ac_idx.txt"
    listed.write_text("episode_22_screenshot_0\nepisode_22_screenshot_2\nepisode_99_screenshot_0\n")
    dataset = load_androidcontrol(converted, "osatlas-7708", step_list=listed)
    assert [(s.episode_id, s.step_id) for s in dataset.steps] == [("22", 0), ("22", 2)]
    assert dataset.counts["step_list_entries"] == 3 and dataset.counts["step_list_missing"] == 1
    listed.write_text("11\n")
    assert len(load_androidcontrol(converted, "osatlas-7708", step_list=listed)) == 5
    listed.write_text("episode 11\n")
    with pytest.raises(ConfigError, match=r"ac_idx.txt:1: 'episode 11' is neither"):
        load_androidcontrol(converted, "osatlas-7708", step_list=listed)
    with pytest.raises(ConfigError, match="needs --step-list"):
        load_androidcontrol(converted, "osatlas-7708")
