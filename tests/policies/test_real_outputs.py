"""What released models actually printed, read by the cards (``tests/data/real_outputs.md``).

Each output is read by its card; the action must be the one a careful reader sees, compared in
the model's own units (the parsed point mapped back through the frame the card read it in), or a
refusal where a reader cannot tell. At least 95 % of the counted items must read right; the misses
and the per-card figures are printed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from screenpilot.errors import ModelError
from screenpilot.policies.cards import Parsed
from screenpilot.policies.catalog import CARDS
from screenpilot.tools.coords import ModelFrame

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real_outputs.jsonl"
ITEMS: list[dict[str, Any]] = [
    json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
]
UNKNOWN_IMAGE = (1000, 1000)
UNKNOWN_PIXELS = (8192, 8192)
"""Where the source states no sizes, a large frame stands in for pixel units: the comparison is
in the model's own units, so any frame the numbers fit gives the same verdict."""
TYPES = {"hotkey": "key", "double_click": "double_tap"}
POINTED = {"tap", "long_press", "right_click", "double_tap", "mouse_move"}


def read(item: dict[str, Any]) -> tuple[Parsed, ModelFrame]:
    card, platform = CARDS[item["format"]], item["platform"]
    image = tuple(item["image_size"] or UNKNOWN_IMAGE)
    resized = tuple(item["resized_size"]) if item["resized_size"] else None
    pixels = card.convention_for(platform).units != "relative"
    if resized is None and item["image_size"] is None and pixels:
        resized = UNKNOWN_PIXELS
    parsed = card.parse(item["text"], image, resized, platform=platform)
    frame = card.frame(image, resized, platform)
    for repair in parsed.repairs:  # read in a fallback frame: "... were read in pixels-WxH"
        if repair.startswith("frame:"):
            width, height = repair.rsplit("pixels-", 1)[1].split("x")
            frame = ModelFrame.pixels(int(width), int(height))
    return parsed, frame


def near(x: float, y: float, point: list[float], frame: ModelFrame) -> bool:
    tolerance_x, tolerance_y = max(2.0, 0.003 * frame.width), max(2.0, 0.003 * frame.height)
    return (
        abs(x * frame.width - point[0]) <= tolerance_x
        and abs(y * frame.height - point[1]) <= tolerance_y
    )


def verdict(item: dict[str, Any]) -> str | None:
    """None when the item reads right, else why not."""
    expected = item["expected"]
    try:
        parsed, frame = read(item)
    except ModelError as exc:
        return None if expected["action"] == "ambiguous" else f"refused: {exc}"
    action = parsed.action.model_dump()
    if expected["action"] == "ambiguous":
        return f"read {action} where a reader cannot tell ({expected['why']})"
    kind = TYPES.get(expected["action"], expected["action"])
    problems = []
    if action["type"] != kind:
        problems.append(f"a {action['type']}, not a {kind}")
    elif kind in POINTED and expected.get("point") is not None:
        if not near(action["x"], action["y"], expected["point"], frame):
            problems.append(f"at {action['x']:.4f},{action['y']:.4f} in {frame.name}")
    elif kind == "swipe" and "from" in expected:
        if not (
            near(action["x"], action["y"], expected["from"], frame)
            and near(action["x2"], action["y2"], expected["to"], frame)
        ):
            problems.append("another finger path")
    elif kind == "scroll" and action["direction"] != expected["direction"]:
        problems.append(f"scrolls {action['direction']}")
    elif kind == "type" and action["text"] != expected["text"]:
        problems.append(f"types {action['text']!r}")
    elif kind == "key":
        key = expected.get("key") or expected.get("keys")
        key = "+".join(key) if isinstance(key, list) else key
        if action["key"] != key.lower().replace(" ", ""):
            problems.append(f"presses {action['key']}")
    elif kind == "open_app" and action["app"] != expected["app"]:
        problems.append(f"opens {action['app']}")
    elif kind == "finish" and (
        action["status"] != expected.get("status", "success")
        or (action["answer"] or None) != (expected.get("answer") or None)
    ):
        problems.append(f"finishes {action['status']} with {action['answer']!r}")
    return "; ".join(problems) or None


def test_the_corpus_is_real_and_traceable() -> None:
    assert len(ITEMS) >= 150
    assert len({item["id"] for item in ITEMS}) == len(ITEMS)
    assert len({item["text"] for item in ITEMS}) == len(ITEMS)
    for item in ITEMS:
        source = item["source"]
        assert (source.get("repo") and source.get("path")) or source.get("url"), item["id"]
        assert item["scope"] in {"card", "other-prompt", "illustration", "fixture"}
        assert item["format"] is None or item["format"] in CARDS, item["id"]


def test_real_outputs_read_as_a_careful_reader_reads_them() -> None:
    counted = [item for item in ITEMS if item["scope"] == "card"]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for item in counted:
        total[item["format"]] += 1
        problem = verdict(item)
        if problem is None:
            right[item["format"]] += 1
        else:
            misses.append(f"{item['id']} ({item['format']}): {problem}\n    {item['text'][:160]!r}")
    for name in sorted(total):
        print(f"{name:>9}: {right[name]}/{total[name]}")  # noqa: T201
    print("\n".join(misses))  # noqa: T201
    assert len(counted) >= 150
    assert sum(right.values()) / len(counted) >= 0.95, "\n".join(misses)
