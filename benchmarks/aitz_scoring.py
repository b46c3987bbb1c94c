"""Scoring throughput of ``screenpilot eval aitz --predictions``: loading the split included.

A synthetic test split of AITZ's size (506 episodes, 4,724 steps, the four test subsets in
their real proportions, 540x1140 screenshots, 30 UI boxes per screen, every action code) and a
predictions file (about two thirds exact, the rest near misses, wrong types and nulls) are
written once; then the configurations run --repeat rounds, interleaved, in this process and
the median of each is reported with its ratio to loading alone.

    python benchmarks/aitz_scoring.py [--repeat 5] [--keep DIR] [--real-screens]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.evaluation.aitz_run import AITZSettings, score_predictions

# (subset, episodes, steps) of the AITZ test split (IMNearth/CoAT README, "Statistics").
SUBSETS = [
    ("general", 156, 1202),
    ("install", 134, 1108),
    ("google_apps", 76, 621),
    ("web_shopping", 140, 1793),
]
SIZE = (540, 1140)


def _step(rng: random.Random, last: bool) -> dict[str, Any]:
    boxes = []
    for _ in range(30):  # [top, left, height, width] inside the screenshot, as AITZ's are
        height, width = rng.randrange(10, 60), rng.randrange(20, 300)
        boxes.append(
            [rng.randrange(0, SIZE[1] - height), rng.randrange(0, SIZE[0] - width), height, width]
        )
    none = "[-1.0, -1.0]"
    if last:
        code, touch, lift, text, desc = 10, none, none, "", "stop and set the query as completed"
    else:
        roll = rng.random()
        if roll < 0.6:
            x, y = rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95)
            code, touch, lift, text, desc = 4, f"[{y}, {x}]", f"[{y}, {x}]", "", "click on the item"
        elif roll < 0.75:
            code, touch, lift, text, desc = 4, "[0.8, 0.5]", "[0.2, 0.5]", "", "scroll up"
        elif roll < 0.9:
            code, touch, lift, text, desc = (
                3,
                none,
                none,
                "wireless headphones",
                'type in the content: "wireless headphones"',
            )
        else:
            code = rng.choice([5, 6, 7])
            touch, lift, text = none, none, ""
            desc = {5: "press the back button", 6: "press the home button", 7: "press enter"}[code]
    return {
        "result_action_type": code,
        "result_action_text": text,
        "result_touch_yx": touch,
        "result_lift_yx": lift,
        "ui_positions": json.dumps(boxes),
        "ui_text": json.dumps(["label"] * len(boxes)),
        "ui_types": json.dumps(["TEXT"] * len(boxes)),
        "coat_screen_desc": "A shopping app with a search bar and a list of products.",
        "coat_action_think": "The next step is to open the search results.",
        "coat_action_desc": desc,
        "coat_action_result": "The results are shown.",
    }


SAMPLE_SCREEN = (
    Path(__file__).resolve().parents[1]
    / "tests/data/aitz/train/google_apps/GOOGLE_APPS-523638528775825151"
    / "GOOGLE_APPS-523638528775825151_1.png"
)


def write_split(root: Path, seed: int = 0, *, real_screens: bool = False) -> None:
    """The synthetic test split; every episode's screenshots share one PNG's bytes: a flat
    grey screen (4 kB), or with ``real_screens`` the sample episode's home screen scaled to
    540×1140 (180 kB, about the size of AITZ's screenshots)."""
    rng = random.Random(seed)
    png = root / "screen.png"
    if real_screens:
        with Image.open(SAMPLE_SCREEN) as screen:
            screen.convert("RGB").resize(SIZE).save(png)
    else:
        Image.new("RGB", SIZE, (240, 240, 240)).save(png)
    data = png.read_bytes()
    for subset, episodes, steps in SUBSETS:
        lengths = [steps // episodes + (1 if n < steps % episodes else 0) for n in range(episodes)]
        for number, length in enumerate(lengths):
            name = f"{subset.upper()}-{seed}{subset[:2]}{number:05d}"
            folder = root / "test" / subset / name
            folder.mkdir(parents=True)
            records = []
            for step_id in range(length):
                (folder / f"{name}_{step_id}.png").write_bytes(data)
                records.append(
                    {
                        "episode_id": name.rsplit("-", 1)[1],
                        "episode_length": length,
                        "step_id": step_id,
                        "instruction": "find wireless headphones",
                        "image_path": f"{subset}/{name}/{name}_{step_id}.png",
                        **_step(rng, step_id == length - 1),
                    }
                )
            (folder / f"{name}.json").write_text(json.dumps(records))


def write_predictions(root: Path, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    lines = []
    for step in load_aitz(root, "test").steps:
        roll = rng.random()
        action: dict[str, Any] | None = step.action.model_dump(mode="json")
        if roll < 0.05:
            action = None
        elif roll < 0.15:
            action = {"type": "key", "key": "back"}
        elif roll < 0.35 and action and action["type"] == "tap":
            action = {
                "type": "tap",
                "x": min(1.0, action["x"] + 0.12),
                "y": min(1.0, action["y"] + 0.1),
            }
        lines.append(
            json.dumps({"episode_id": step.episode_id, "step_id": step.step_id, "action": action})
        )
    path.write_text("\n".join(lines) + "\n")


def timed(configurations: list[tuple[str, Callable[[], object]]], repeat: int) -> list[float]:
    """Median seconds per configuration; rounds interleave them so background load on the
    machine hits every configuration alike."""
    times: list[list[float]] = [[] for _ in configurations]
    for _ in range(repeat):
        for slot, (_, function) in enumerate(configurations):
            start = time.perf_counter()
            function()
            times[slot].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the split here and keep it")
    parser.add_argument(
        "--real-screens",
        action="store_true",
        help="screenshots of AITZ's size in bytes (a real screen scaled up), not flat grey ones",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch) / "aitz"
        if not (root / "test").exists():
            root.mkdir(parents=True, exist_ok=True)
            write_split(root, real_screens=args.real_screens)
        predictions = root / "predictions.jsonl"
        write_predictions(root, predictions)
        steps = len(load_aitz(root, "test"))
        outputs = Path(scratch) / "out"
        runs = iter(range(10**6))

        configurations: list[tuple[str, Callable[[], object]]] = [
            ("load the split only", lambda: load_aitz(root, "test")),
            *(
                (
                    f"load + score, {p} protocol",
                    lambda p=p: score_predictions(
                        load_aitz(root, "test"), predictions, "canonical", AITZSettings(protocol=p)
                    ),
                )  # type: ignore[misc]
                for p in ("qwen", "aitw", "aitz")
            ),
            (
                "load + score + write results.jsonl, metrics, manifest (qwen)",
                lambda: score_predictions(
                    load_aitz(root, "test"),
                    predictions,
                    "canonical",
                    AITZSettings(report=False),
                    outputs / str(next(runs)),
                ),
            ),
            (
                "… and report.html (300 misses drawn)",
                lambda: score_predictions(
                    load_aitz(root, "test"),
                    predictions,
                    "canonical",
                    AITZSettings(),
                    outputs / str(next(runs)),
                ),
            ),
        ]
        print(f"{steps} steps; median of {args.repeat} interleaved runs each")
        print("| configuration | median s | steps/s | vs. loading |")
        print("|---|---|---|---|")
        medians = timed(configurations, args.repeat)
        for (name, _), seconds in zip(configurations, medians, strict=True):
            print(
                f"| {name} | {seconds:.2f} | {steps / seconds:,.0f} | {seconds / medians[0]:.2f}× |"
            )


if __name__ == "__main__":
    main()
