"""The framework's own time per step: the loop, the safety gate and recording, without the
policy's or the device's time.

An environment that returns ready-made 1080x2400 screens (with a 60-element UI tree) and a
policy that answers at once or "thinks" for --think-ms (sleeping, as a GPU or HTTP call does)
run for --steps steps. Each step's wall time is measured between consecutive on_step callbacks;
the overhead is that minus the policy's and the environment's own time (``record`` is the
step's own recording stage; the mean shows the pace a policy faster than the encoders is held
to). "serial" is how recording worked before the writer thread: each
step's line waited on the loop's path for its screenshot to be encoded. The configurations run
in rounds, interleaved, in one process, so their ratios compare like with like.

    python benchmarks/loop_overhead.py [--steps 200] [--rounds 3] [--think-ms 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    loop,
    recording,
)
from screenpilot.agent.latency import nearest_rank
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

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
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


class SerialRecorder(recording.RunRecorder):
    """Recording as it was before the writer thread: each line waits, on the loop's path, until
    the step's screenshot is encoded and the line is written."""

    def write_step(self, record: recording.StepRecord, **options: Any) -> None:
        self.drain()
        super().write_step(record, **options)
        self.drain()


@contextmanager
def recorder(kind: str, encoders: int) -> Iterator[None]:
    """Run the agent with the writer-thread recorder (``kind="writer"``) or the serial one."""
    chosen = SerialRecorder if kind == "serial" else recording.RunRecorder
    names = vars(loop)
    saved, saved_encoders = names["RunRecorder"], recording.ENCODERS
    names["RunRecorder"], recording.ENCODERS = chosen, encoders
    try:
        yield
    finally:
        names["RunRecorder"], recording.ENCODERS = saved, saved_encoders


def measure(
    steps: int, think: float, run_dir: Path | None, image_format: str = "png"
) -> tuple[list[float], list[float]]:
    """Per-step overhead and ``record`` stage in seconds, for every step after the first."""
    stamps: list[float] = []
    records: list[Step] = []

    def on_step(step: Step) -> None:
        stamps.append(time.perf_counter())
        records.append(step)

    agent = Agent(
        StaticEnv(),
        ThinkingPolicy(think),
        max_steps=steps,
        stall_limit=None,
        run_dir=run_dir,
        image_format=image_format,
        report=False,
        on_step=on_step,
    )
    agent.run("benchmark")
    overheads, recorded = [], []
    for index in range(1, len(records)):
        wall = stamps[index] - stamps[index - 1]
        own = records[index].timings["policy"] + records[index].timings["env"]
        overheads.append(wall - own)
        recorded.append(records[index].timings.get("record", 0.0))
    return overheads, recorded


CONFIGURATIONS = (
    # name, think (None: --think-ms), recording (None, or kind and encoders), image format
    ("loop only, no recording, instant policy", 0.0, None, "png"),
    ("recording PNG, serial (before), instant policy", 0.0, ("serial", 1), "png"),
    ("recording PNG, writer, 1 encoder, instant policy", 0.0, ("writer", 1), "png"),
    ("recording PNG, writer, 2 encoders, instant policy", 0.0, ("writer", 2), "png"),
    ("recording PNG, serial (before), policy {think} ms", None, ("serial", 1), "png"),
    ("recording PNG, writer, policy {think} ms", None, ("writer", 2), "png"),
    ("recording WebP, writer, policy {think} ms", None, ("writer", 2), "webp"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think-ms", type=float, default=50.0)
    args = parser.parse_args()
    results: dict[str, tuple[list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.rounds):
            for number, (name, think, kind, image_format) in enumerate(CONFIGURATIONS):
                label = name.format(think=f"{args.think_ms:g}")
                seconds = args.think_ms / 1000 if think is None else think
                run_dir = None if kind is None else Path(scratch) / f"{round_}-{number}"
                if kind is None:
                    measured = measure(args.steps, seconds, None)
                else:
                    with recorder(*kind):
                        measured = measure(args.steps, seconds, run_dir, image_format)
                overheads, recorded = results.setdefault(label, ([], []))
                overheads += measured[0]
                recorded += measured[1]
    baseline = statistics.median(next(iter(results.values()))[0])
    print(
        f"{args.rounds} rounds of {args.steps} steps of {WIDTH}x{HEIGHT} screens; "
        "overhead = step wall time - policy - environment"
    )
    print(
        f"{'configuration':<52} {'median ms':>10} {'mean ms':>8} {'p95 ms':>8} "
        f"{'record ms':>10} {'vs loop':>8}"
    )
    for name, (overheads, recorded) in results.items():
        median = statistics.median(overheads)
        print(
            f"{name:<52} {median * 1000:>10.2f} {statistics.fmean(overheads) * 1000:>8.2f} "
            f"{nearest_rank(overheads, 95) * 1000:>8.2f} {statistics.median(recorded) * 1000:>10.2f} "
            f"{median / baseline:>7.1f}x"
        )


if __name__ == "__main__":
    main()
