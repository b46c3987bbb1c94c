"""A synthetic AndroidControl release in the documented format (google-research
``android_control/README.md``): GZIP TFRecord files of ``tf.train.Example`` episodes with the
features ``episode_id``, ``goal``, ``screenshots``, ``accessibility_trees``,
``screenshot_widths``, ``screenshot_heights``, ``actions`` and ``step_instructions``; the trees
are android_env ``AndroidAccessibilityForest`` protos; and ``splits.json``."""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.evaluation.tfrecord import (
    frame_record,
    length_delimited,
    serialize_example,
    varint_field,
)

WIDTH, HEIGHT = 108, 240
"""Screens are small; coordinates in actions are pixels of this size."""


@dataclass
class Node:
    left: int
    top: int
    right: int
    bottom: int
    text: str = ""
    description: str = ""
    class_name: str = "android.widget.TextView"
    clickable: bool = False
    action_ids: tuple[int, ...] = ()


def _rect(left: int, top: int, right: int, bottom: int) -> bytes:
    return b"".join(
        varint_field(number, value)
        for number, value in ((1, left), (2, top), (3, right), (4, bottom))
        if value  # proto3 leaves zeros out
    )


def node_bytes(node: Node) -> bytes:
    data = length_delimited(2, _rect(node.left, node.top, node.right, node.bottom))
    data += length_delimited(3, node.class_name.encode())
    if node.description:
        data += length_delimited(4, node.description.encode())
    if node.text:
        data += length_delimited(7, node.text.encode())
    if node.clickable:
        data += varint_field(14, 1)
    for action_id in node.action_ids:
        data += length_delimited(24, varint_field(1, action_id))
    return data


def forest(*windows: tuple[tuple[int, int, int, int], list[Node]]) -> bytes:
    """An accessibility forest: each window's bounds and nodes."""
    out = b""
    for bounds, nodes in windows:
        tree = b"".join(length_delimited(1, node_bytes(n)) for n in nodes)
        window = length_delimited(1, _rect(*bounds)) + varint_field(3, 7)
        out += length_delimited(1, window + length_delimited(11, tree))
    return out


def png(colour: int, size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (colour % 255, 80, 120)).save(buffer, "PNG")
    return buffer.getvalue()


BUTTON = Node(40, 100, 60, 120, text="OK", clickable=True)
PAGE = Node(0, 20, 108, 220, class_name="android.widget.FrameLayout")
APP_ICON = Node(10, 30, 30, 50, text="Clock", action_ids=(16,))


@dataclass
class EpisodeSpec:
    episode_id: int
    goal: str
    actions: list[dict[str, Any]]
    instructions: list[str] = field(default_factory=list)
    trees: list[bytes] | None = None

    def features(self) -> dict[str, list[bytes] | list[int]]:
        count = len(self.actions) + 1
        instructions = self.instructions or [f"step {i}" for i in range(len(self.actions))]
        trees = self.trees or [
            forest(((0, 0, WIDTH, HEIGHT), [PAGE, BUTTON, APP_ICON])) for _ in range(count)
        ]
        return {
            "episode_id": [self.episode_id],
            "goal": [self.goal.encode()],
            "screenshots": [png(40 * k) for k in range(count)],
            "accessibility_trees": trees,
            "screenshot_widths": [WIDTH] * count,
            "screenshot_heights": [HEIGHT] * count,
            "actions": [json.dumps(a).encode() for a in self.actions],
            "step_instructions": [i.encode() for i in instructions],
        }


EPISODES = [
    EpisodeSpec(
        11,
        "Open the Clock app and set an alarm",
        [
            {"action_type": "open_app", "app_name": "Clock"},
            {"action_type": "click", "x": 50, "y": 110},
            {"action_type": "scroll", "direction": "down"},
            {"action_type": "input_text", "text": "Wake up"},
            {"action_type": "navigate_back"},
        ],
        ["open the Clock app", "tap OK", "scroll down", "type the label", "go back"],
    ),
    EpisodeSpec(
        22,
        "Check the weather",
        [
            {"action_type": "long_press", "x": 20, "y": 40},
            {"action_type": "wait"},
            {"action_type": "navigate_home"},
        ],
    ),
    EpisodeSpec(33, "A validation task", [{"action_type": "click", "x": 54, "y": 120}]),
    EpisodeSpec(44, "A training task", [{"action_type": "navigate_home"}]),
]
SPLITS = {"train": [44], "validation": [33], "test": [11, 22]}


def write_release(folder: Path, episodes: list[EpisodeSpec] | None = None) -> Path:
    """Write ``folder/android_control-00000-of-00001`` (GZIP TFRecord) and ``splits.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    records = b"".join(
        frame_record(serialize_example(e.features())) for e in (episodes or EPISODES)
    )
    (folder / "android_control-00000-of-00001").write_bytes(gzip.compress(records))
    (folder / "splits.json").write_text(json.dumps(SPLITS))
    return folder
