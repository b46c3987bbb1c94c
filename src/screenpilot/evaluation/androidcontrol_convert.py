"""AndroidControl's release (google-research ``android_control``: GZIP TFRecord files of
``tf.train.Example`` episodes, and ``splits.json``) turned into AITW-style step files laid out as
AITZ's are::

    <out>/<split>/android_control/<episode_id>/<episode_id>.json     a JSON list, one dict per step
    <out>/<split>/android_control/<episode_id>/<episode_id>_<k>.png  screenshot k, as released

Each episode's features (``android_control/README.md``): ``episode_id``, ``goal``,
``screenshots`` (PNG bytes), ``screenshot_widths`` / ``screenshot_heights``,
``accessibility_trees`` (android_env ``AndroidAccessibilityForest`` protos), ``actions`` (JSON,
one fewer than the screenshots) and ``step_instructions`` (one per action).

The step records are those AgentCPM-GUI's ``eval/eval_data/process_ac.py`` (OpenBMB/AgentCPM-GUI
@ acbaf50) writes, field for field: ``result_touch_yx`` / ``result_lift_yx`` as ``[y, x]``
normalized by the step's screenshot size; click and long_press as a DUAL_POINT (4) with touch =
lift; a scroll as a DUAL_POINT from its point (the screen centre when the action has none) moving
0.3 of the screen *against* the labelled direction, clamped to [0, 1] (the script: "Android
control has reversed scroll directions"); input_text as TYPE (3); navigate_back 5,
navigate_home 6, wait 1; ``ui_positions`` every ``bounds_in_screen`` of the forest in the order
its text form prints them (each window's own bounds, then its nodes'), as normalized ``[top,
left, height, width]``; ``low_instruction`` the step instruction; and after the last action a
synthetic finish step (code 10, ``low_instruction`` "finish the task") on the final screenshot.

Differences, all additive: ``image_path`` is relative to the split folder (the script writes an
absolute path to its own screenshots folder); open_app steps, which the script drops, are kept
with code 2 (the script's placeholder for actions it has no code for) and the app name in
``result_action_text``; and each record also carries ``action`` (the released action's JSON),
``synthetic`` (true on the added finish), and ``ui_text`` / ``ui_types`` / ``ui_interactive``
beside ``ui_positions`` (a node's text or content description, its class name — ``window`` for a
window — and whether the script's ``get_interactive_nodes`` rule holds: clickable, focusable, or
an action with id 1, 16 or 32). ``eval androidcontrol --steps cpm`` selects the script's steps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError
from screenpilot.evaluation.tfrecord import (
    RecordError,
    WireError,
    fields,
    parse_example,
    read_records,
    signed,
)
from screenpilot.tools import coords

SUBSET = "android_control"
SPLIT_NAMES = ("train", "validation", "test")
SCROLL_LENGTH = 0.3
FINGER = {"left": "right", "right": "left", "up": "down", "down": "up"}
"""process_ac.py's ``map_direction``: the labelled direction to the finger's."""
INTERACTIVE_ACTION_IDS = frozenset({1, 16, 32})
CODES = {"input_text": 3, "navigate_back": 5, "navigate_home": 6, "wait": 1, "finish": 10}
OPEN_APP_CODE = 2
FINISH_INSTRUCTION = "finish the task"


@dataclass(frozen=True)
class UIBox:
    """A ``bounds_in_screen`` of a forest: a window's or a node's, in device pixels."""

    left: int
    top: int
    right: int
    bottom: int
    label: str = ""
    kind: str = "window"
    interactive: bool = False


def _rect(data: bytes) -> tuple[int, int, int, int]:
    edges = {1: 0, 2: 0, 3: 0, 4: 0}  # ProtoRect left, top, right, bottom (int32)
    for number, _, value in fields(data):
        if number in edges and isinstance(value, int):
            edges[number] = signed(value, 32)
    return edges[1], edges[2], edges[3], edges[4]


def _node(data: bytes) -> UIBox | None:
    """An ``AndroidAccessibilityNodeInfo`` (android_env ``android_accessibility_node_info.proto``:
    bounds_in_screen 2, class_name 3, content_description 4, text 7, is_clickable 14,
    is_focusable 17, actions 24 with id 1); None when it has no bounds."""
    rect, texts, flags, action_ids = None, {3: "", 4: "", 7: ""}, {14: False, 17: False}, []
    for number, wire, value in fields(data):
        if number == 2 and wire == 2:
            rect = _rect(value)
        elif number in texts and wire == 2:
            texts[number] = bytes(value).decode("utf-8", "replace")
        elif number in flags and wire == 0:
            flags[number] = bool(value)
        elif number == 24 and wire == 2:
            action_ids += [signed(v, 32) for n, w, v in fields(value) if n == 1 and w == 0]
    if rect is None:
        return None
    interactive = flags[14] or flags[17] or any(i in INTERACTIVE_ACTION_IDS for i in action_ids)
    return UIBox(*rect, label=texts[7] or texts[4], kind=texts[3], interactive=interactive)


def forest_boxes(data: bytes) -> list[UIBox]:
    """Every bounds of an ``AndroidAccessibilityForest`` (windows 1; a window's bounds 1 and tree
    11; a tree's nodes 1) in text-format order: a window's own bounds, then its nodes'."""
    boxes: list[UIBox] = []
    for number, wire, window in fields(data):
        if number != 1 or wire != 2:
            continue
        own: UIBox | None = None
        nodes: list[UIBox] = []
        for part, part_wire, value in fields(window):
            if part == 1 and part_wire == 2:
                own = UIBox(*_rect(value))
            elif part == 11 and part_wire == 2:
                for item, item_wire, node in fields(value):
                    if item == 1 and item_wire == 2 and (box := _node(node)) is not None:
                        nodes.append(box)
        boxes += ([own] if own is not None else []) + nodes
    return boxes


def aitw_fields(action: dict[str, Any], width: int, height: int) -> dict[str, Any]:
    """process_ac.py's ``transform_action_data`` for one released action (plus open_app)."""
    kind = action.get("action_type")
    touch = lift = [-1.0, -1.0]
    text = ""
    if kind in ("click", "long_press", "scroll"):
        try:
            x, y = coords.point_from_image_pixels(action["x"], action["y"], (width, height))
        except (KeyError, TypeError, ZeroDivisionError):
            x, y = 0.5, 0.5
        end_x, end_y = x, y
        if kind == "scroll":
            finger = FINGER.get(action.get("direction"))  # type: ignore[arg-type]
            if finger is None:
                raise ValueError(f"a scroll with direction {action.get('direction')!r}")
            end_y = {"up": max(0, y - SCROLL_LENGTH), "down": min(1, y + SCROLL_LENGTH)}.get(
                finger, y
            )
            end_x = {"left": max(0, x - SCROLL_LENGTH), "right": min(1, x + SCROLL_LENGTH)}.get(
                finger, x
            )
        code, touch, lift = 4, [y, x], [end_y, end_x]
    elif kind == "open_app":
        code, text = OPEN_APP_CODE, str(action.get("app_name", ""))
    elif kind in CODES:
        code = CODES[kind]
        text = str(action.get("text", "")) if kind == "input_text" else ""
    else:
        raise ValueError(f"an action of unknown type {kind!r}")
    return {
        "result_action_type": code,
        "result_touch_yx": json.dumps(touch),
        "result_lift_yx": json.dumps(lift),
        "duration": None,
        "result_action_text": text,
    }


@dataclass
class Episode:
    """One converted episode: its id, its step records and its screenshots."""

    episode_id: int
    records: list[dict[str, Any]]
    screenshots: list[bytes]


def convert_episode(features: dict[str, list[Any]]) -> Episode:
    """One ``tf.train.Example`` episode's features as step records (ValueError saying why not)."""
    ids = [v for v in features.get("episode_id", []) if isinstance(v, int)]
    if len(ids) != 1:
        raise ValueError(f"episode_id holds {len(ids)} values")
    texts = {
        name: [bytes(v).decode("utf-8") for v in features.get(name, []) if isinstance(v, bytes)]
        for name in ("goal", "actions", "step_instructions")
    }
    shots = [v for v in features.get("screenshots", []) if isinstance(v, bytes)]
    trees = [v for v in features.get("accessibility_trees", []) if isinstance(v, bytes)]
    widths = [v for v in features.get("screenshot_widths", []) if isinstance(v, int)]
    heights = [v for v in features.get("screenshot_heights", []) if isinstance(v, int)]
    actions, instructions = texts["actions"], texts["step_instructions"]
    if not shots or len(actions) != len(shots) - 1 or len(instructions) != len(actions):
        raise ValueError(
            f"{len(shots)} screenshots, {len(actions)} actions and {len(instructions)} step "
            "instructions (the release has one action and instruction per screenshot but the last)"
        )
    if not len(trees) == len(widths) == len(heights) == len(shots):
        raise ValueError(
            f"{len(shots)} screenshots but {len(trees)} trees, {len(widths)} widths, "
            f"{len(heights)} heights"
        )
    if not texts["goal"]:
        raise ValueError("no goal")
    episode_id, goal = ids[0], texts["goal"][0]
    steps = [*zip(actions, instructions, strict=True), ('{"action_type":"finish"}', None)]
    records = []
    for index, (action_json, instruction) in enumerate(steps):
        width, height = widths[index], heights[index]
        try:
            action = json.loads(action_json)
        except ValueError as exc:
            raise ValueError(f"action {index} is not JSON: {exc}") from exc
        if not isinstance(action, dict) or width <= 0 or height <= 0:
            raise ValueError(f"action {index} ({action_json!r}) on a {width}×{height} screen")
        try:
            boxes = forest_boxes(trees[index])
        except WireError as exc:
            raise ValueError(f"accessibility tree {index} cannot be read: {exc}") from exc
        name = f"{episode_id}_{index}.png"
        screen = coords.Screen(width, height, width, height)
        records.append(
            {
                "episode_id": episode_id,
                "step_id": index,
                "episode_length": len(shots),
                "image_width": width,
                "image_height": height,
                "image_path": f"{SUBSET}/{episode_id}/{name}",
                "instruction": goal,
                **aitw_fields(action, width, height),
                "ui_positions": json.dumps(
                    [
                        list(
                            coords.yxhw_from_pixels(
                                b.top, b.left, b.bottom - b.top, b.right - b.left, screen
                            )
                        )
                        for b in boxes
                    ]
                ),
                "ui_text": json.dumps([b.label for b in boxes], ensure_ascii=False),
                "ui_types": json.dumps([b.kind for b in boxes], ensure_ascii=False),
                "ui_interactive": json.dumps([b.interactive for b in boxes]),
                "low_instruction": FINISH_INSTRUCTION if instruction is None else instruction,
                "subset": SUBSET,
                "action": action_json,
                "synthetic": instruction is None,
            }
        )
    return Episode(episode_id, records, shots)


def read_splits(path: Path) -> dict[int, str]:
    """``splits.json``: episode ids under ``train`` / ``validation`` / ``test`` -> each id's split."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the splits file {path}: {exc}") from exc
    if not isinstance(data, dict) or not set(data) & set(SPLIT_NAMES):
        raise ConfigError(f"{path} must be a JSON object with {', '.join(SPLIT_NAMES)} lists")
    where: dict[int, str] = {}
    for split in SPLIT_NAMES:
        for value in data.get(split, []):
            if type(value) is not int:
                raise ConfigError(f"{path}: {split} holds {value!r}, not an episode id")
            where[value] = split
    return where


@dataclass
class Conversion:
    """What a conversion wrote and left out, as ``conversion.json`` records it."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    splits_sha256: str = ""
    episodes: dict[str, int] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    other_splits: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)


def convert(
    sources: Sequence[Path],
    out: Path,
    splits_file: Path,
    splits: Iterable[str] = ("test", "validation"),
    *,
    on_episode: Callable[[int], None] | None = None,
) -> Conversion:
    """Convert the episodes of ``splits`` found in the TFRecord ``sources`` into ``out``. An
    episode that cannot be converted is left out and listed with the reason."""
    wanted = set(splits)
    unknown = wanted - set(SPLIT_NAMES)
    if unknown:
        raise ConfigError(f"unknown split {sorted(unknown)}; expected {', '.join(SPLIT_NAMES)}")
    where = read_splits(splits_file)
    summary = Conversion(splits_sha256=hashlib.sha256(splits_file.read_bytes()).hexdigest())
    for source in sources:
        count = 0
        for number, data in enumerate(read_records(source)):
            count += 1
            try:
                episode = convert_episode(parse_example(data).features)
            except (ValueError, UnicodeDecodeError) as exc:
                summary.skipped.append(
                    {"source": source.name, "record": number, "reason": str(exc)}
                )
                continue
            split = where.get(episode.episode_id)
            if split not in wanted:
                summary.other_splits += 1
                continue
            _write(out / split / SUBSET / str(episode.episode_id), episode)
            summary.episodes[split] = summary.episodes.get(split, 0) + 1
            summary.steps[split] = summary.steps.get(split, 0) + len(episode.records)
            if on_episode is not None:
                on_episode(episode.episode_id)
        summary.sources.append({"file": source.name, "records": count})
    out.mkdir(parents=True, exist_ok=True)
    (out / "conversion.json").write_text(
        json.dumps(summary.__dict__, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


def _write(folder: Path, episode: Episode) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, png in enumerate(episode.screenshots):
        (folder / f"{episode.episode_id}_{index}.png").write_bytes(png)
    (folder / f"{episode.episode_id}.json").write_text(
        json.dumps(episode.records, ensure_ascii=False), encoding="utf-8"
    )


__all__ = ["Conversion", "RecordError", "UIBox", "aitw_fields", "convert", "convert_episode"]
