"""The framework's own time per step: the loop, the safety gate and recording, without the
policy's or the device's time.

An environment that returns ready-made 1080x2400 screens (with a 60-element UI tree) and a
policy that "thinks" for --think-ms (sleeping, as a GPU or HTTP call does) run for --steps steps.
Each step's wall time is measured between consecutive on_step callbacks; the overhead is that
minus the policy's and the environment's own time. Configurations run in one process, so their
ratios compare like with like.

    python benchmarks/loop_overhead.py [--steps 300] [--think-ms 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from screenpilot.agent import (
    Agent,
    Decision,
    Environment,
    Observation,
    Policy,
    Step,
    StepResult,
    UIElement,
)
from screenpilot.tools import Action, Tap
from screenpilot.tools.coords import Screen

WIDTH, HEIGHT = 1080, 2400


def make_screens(count: int = 4) -> list[Image.Image]:
    screens = []
    for n in range(count):
        image = Image.new("RGB", (WIDTH, HEIGHT), (245, 245, 245))
        draw = ImageDraw.Draw(image)
        for row in range(30):
            top = 100 + row * 75
            draw.rectangle((30, top, 1050, top + 60), fill=((row * 37 + n * 50) % 255, 120, 200))
            draw.text((50, top + 20), f"row {row} screen {n}", fill=(0, 0, 0))
        screens.append(image)
    return screens


class StaticEnv(Environment):
    """Hands out prepared screens instantly; its own time is what it takes to copy one."""

    simulated = True

    def __init__(self) -> None:
        self.screens = make_screens()
        self.screen = Screen.same_size(WIDTH, HEIGHT)
        self.elements = tuple(
            UIElement(
                (0.03, 0.04 + i * 0.015, 0.97, 0.05 + i * 0.015),
                text=f"item {i}",
                kind="text",
                clickable=True,
            )
            for i in range(60)
        )
        self.count = 0

    @property
    def screen_size(self) -> tuple[int, int]:
        return (WIDTH, HEIGHT)

    def _observe(self) -> Observation:
        self.count += 1
        image = self.screens[self.count % len(self.screens)].copy()
        return Observation(image, self.screen, ui_elements=self.elements)

    def reset(self, task: str | None = None) -> Observation:
        return self._observe()

    def step(self, action: Action) -> StepResult:
        return StepResult(self._observe(), info={"device_point": [540, 1200]})


class ThinkingPolicy(Policy):
    """Taps alternating points after sleeping ``think`` seconds."""

    def __init__(self, think: float) -> None:
        self.think = think

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        started = time.perf_counter()
        if self.think:
            time.sleep(self.think)
        action = Tap(x=0.5, y=0.3 if len(history) % 2 else 0.7)
        return Decision(
            action=action,
            raw_output='{"name": "tap"}',
            timings={"generate": time.perf_counter() - started},
        )


def measure(
    steps: int, think: float, run_dir: Path | None, image_format: str = "png"
) -> list[float]:
    """Per-step overhead in seconds, for every step after the first."""
    stamps: list[float] = []
    records: list[Step] = []

    def on_step(step: Step) -> None:
        stamps.append(time.perf_counter())
        records.append(step)

    agent = Agent(
        StaticEnv(),
        ThinkingPolicy(think),
        max_steps=steps,
        stall_limit=3,
        run_dir=run_dir,
        image_format=image_format,
        report=False,
        on_step=on_step,
    )
    agent.run("benchmark")
    overheads = []
    for index in range(1, len(records)):
        wall = stamps[index] - stamps[index - 1]
        own = records[index].timings["policy"] + records[index].timings["env"]
        overheads.append(wall - own)
    return overheads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--think-ms", type=float, default=50.0)
    args = parser.parse_args()
    think = args.think_ms / 1000
    with tempfile.TemporaryDirectory() as scratch:
        rows = [
            ("loop only, no recording", measure(args.steps, think, None)),
            (
                f"recording PNG, policy {args.think_ms:g} ms",
                measure(args.steps, think, Path(scratch) / "png"),
            ),
            (
                f"recording WebP, policy {args.think_ms:g} ms",
                measure(args.steps, think, Path(scratch) / "webp", "webp"),
            ),
            ("recording PNG, instant policy", measure(args.steps, 0.0, Path(scratch) / "instant")),
        ]
    baseline = statistics.median(rows[0][1])
    print(
        f"{args.steps} steps of {WIDTH}x{HEIGHT} screens; overhead = step wall time - policy - environment"
    )
    print(f"{'configuration':<38} {'median ms':>10} {'p90 ms':>8} {'vs loop only':>13}")
    for name, values in rows:
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<38} {median * 1000:>10.2f} {p90 * 1000:>8.2f} {median / baseline:>12.1f}x")


if __name__ == "__main__":
    main()
