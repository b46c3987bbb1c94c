"""Where a step's time goes: the stages a device, a policy and the recorder measure, the
summary (median and nearest-rank 95th percentile) reports and evaluations show, and the
recorder's writer thread, which keeps a step's line behind its screenshot and earlier lines."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from PIL import Image

from screenpilot.agent import Agent, Decision, Observation, Policy, Step, load_run, recording
from screenpilot.agent.latency import nearest_rank, summarize
from screenpilot.agent.recording import RunRecorder, StepRecord
from screenpilot.agent.report import write_report
from screenpilot.environments.device import SimulatedTouchEnv
from screenpilot.environments.gestures import DevicePoint, Done
from screenpilot.environments.settle import Settle, settle
from screenpilot.evaluation.sim import SimSettings, run_eval
from screenpilot.registry import make_policy
from screenpilot.tools import Action, Tap, coords
from tests.helpers import FakeClock, logged_latency

WAIT = 30.0
"""The longest a test waits for a thread (generous: only reached when something is broken)."""


def test_the_summary_takes_the_median_and_the_nearest_rank_95th_percentile() -> None:
    timings = [
        {"policy": 1.0, "env": 2.0},
        {"policy": 3.0, "generate": 1.0},
        {"policy": 2.0, "env": 4.0, "capture": 0.5, "note": "not a time"},
    ]
    assert summarize(timings) == {
        "steps": 3,
        "stages": {  # the stages in step order, the totals, then other names
            "capture": {"median": 0.5, "p95": 0.5, "steps": 1},
            "policy": {"median": 2.0, "p95": 3.0, "steps": 3},
            "env": {"median": 3.0, "p95": 4.0, "steps": 2},
            "generate": {"median": 1.0, "p95": 1.0, "steps": 1},
        },
    }
    twenty = [float(n) for n in range(1, 21)]
    assert nearest_rank(twenty, 95) == 19.0 and nearest_rank(twenty, 50) == 10.0
    assert summarize([]) == {"steps": 0, "stages": {}}


class SettlingPhone(SimulatedTouchEnv):
    """A phone on a fake clock: a touch takes 0.25 s, a capture 0.05 s, and after a touch the
    screen animates for one capture before it stands still."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.settings = Settle(wait=0.1, timeout=1.0, poll=0.2)
        self.frames: list[tuple[int, int, int]] = []
        self.shown = (250, 250, 250)

    @property
    def screen_size(self) -> tuple[int, int]:
        return (100, 200)

    @property
    def input_screen(self) -> coords.Screen:
        return coords.Screen.same_size(100, 200)

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        return self.observe()

    def observe(self) -> Observation:
        self.clock.sleep(0.05)
        if self.frames:
            self.shown = self.frames.pop(0)
        return Observation(Image.new("RGB", (100, 200), self.shown), self.input_screen)

    def touch(self, point: DevicePoint, *, long: bool) -> str | None:
        self.clock.sleep(0.25)
        bright = self.shown[0] == 250
        self.frames = [(120, 120, 120), (10, 10, 10) if bright else (250, 250, 250)]
        return None

    def swipe(self, start: DevicePoint, end: DevicePoint, seconds: float) -> Done:
        return None

    def key(self, key: str) -> Done:
        return None

    def type_text(self, text: str) -> Done:
        return None

    def observe_after(self, action: Action, info: dict[str, object]) -> Observation:
        observation, _ = settle(
            self.observe, lambda seen: seen.screenshot, self.settings, self.clock, self.stages
        )
        return observation


def test_a_device_step_times_the_gesture_the_settle_wait_and_the_captures() -> None:
    phone = SettlingPhone(FakeClock())
    phone.reset()
    result = phone.step(Tap(x=0.5, y=0.5))
    # After the 0.25 s touch: wait 0.1, capture (animating), poll 0.2, capture, poll 0.2,
    # capture (the same): 0.5 s of waiting and three captures of 0.05 s.
    assert result.timings == pytest.approx({"act": 0.25, "settle": 0.5, "capture": 0.15})


class Timed(Policy):
    """Taps at once, saying its decision took 10 ms to prepare and 300 ms to decode."""

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        timings = {"image": 0.004, "prompt": 0.006, "decode": 0.3, "parse": 0.001}
        return Decision(action=Tap(x=0.5, y=0.5), timings=timings)


def test_every_step_carries_its_stages_into_the_trajectory_and_the_report(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    agent = Agent(SettlingPhone(FakeClock()), Timed(), max_steps=3, stall_limit=None)
    agent.run_dir = run_dir
    episode = agent.run("tap three times")
    for step in episode.steps:
        stages = set(step.timings)
        assert stages == {
            *("image", "prompt", "decode", "parse", "safety", "act", "settle", "capture"),
            *("env", "policy", "record", "total"),
        }
        assert step.timings["act"] == pytest.approx(0.25)
        assert step.timings["settle"] == pytest.approx(0.5)
        assert step.timings["decode"] == 0.3
    written = load_run(run_dir).steps
    assert [line.timings for line in written] == [dict(step.timings) for step in episode.steps]
    page = write_report(run_dir).read_text(encoding="utf-8")
    table = page[page.index('<table class="latency">') : page.index("</table>")]
    names = table.split("</tr>")[0]
    order = ["capture", "settle", "image", "prompt", "decode", "parse", "act", "record"]
    order += ["policy", "safety", "env", "total"]
    assert [part.split("</th>")[0] for part in names.split("<th>")[2:]] == order
    medians = table.split("</tr>")[1]
    assert "<td>150 ms</td><td>500 ms</td><td>4 ms</td><td>6 ms</td><td>300 ms</td>" in medians


def test_the_sim_evaluation_summarizes_every_step_in_its_metrics(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    settings = SimSettings(tasks="home.open_app", episodes_per_task=2)
    metrics = run_eval(out, settings, lambda: make_policy("reference"))
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    latency = metrics["latency"]
    assert latency["steps"] == sum(result["steps"] for result in results) > 0
    assert {"policy", "act", "capture", "env", "record", "total"} <= set(latency["stages"])
    assert latency == logged_latency(out)
    assert json.loads((out / "metrics.json").read_text())["latency"] == latency


# --- the writer thread ----------------------------------------------------------------------


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[int, threading.Event]]:
    """Encoding waits, per image width, until the test opens that width's gate; ``started``
    (key -1 plus width) is set once that encoding began."""
    real = recording.encode
    events: dict[int, threading.Event] = {}

    def encode(image: Image.Image, image_format: str) -> bytes:
        events.setdefault(-image.width, threading.Event()).set()
        if not events.setdefault(image.width, threading.Event()).wait(WAIT):
            raise TimeoutError("the test never opened the gate")
        return real(image, image_format)

    monkeypatch.setattr(recording, "encode", encode)
    yield events
    for event in events.values():
        event.set()


def record(index: int, screenshot: str) -> StepRecord:
    screen = coords.Screen.same_size(10, 10)
    return StepRecord(index=index, timestamp=0.0, screenshot=screenshot, screen=screen, status="executed")  # fmt: skip


def lines(run_dir: Path) -> list[int]:
    text = (run_dir / recording.TRAJECTORY).read_text(encoding="utf-8")
    return [json.loads(line)["index"] for line in text.splitlines()]


def test_a_line_is_written_after_its_screenshot_and_after_every_earlier_line(
    tmp_path: Path, gated: dict[int, threading.Event]
) -> None:
    recorder = RunRecorder(tmp_path / "run")
    first = recorder.save_screenshot("0000", Image.new("RGB", (10, 10)))
    recorder.write_step(record(0, first))
    second = recorder.save_screenshot("0001", Image.new("RGB", (11, 10)))
    recorder.write_step(record(1, second))
    assert gated.setdefault(-10, threading.Event()).wait(WAIT)
    assert gated.setdefault(-11, threading.Event()).wait(WAIT)
    assert lines(tmp_path / "run") == []  # neither screenshot is on disk yet
    gated.setdefault(11, threading.Event()).set()  # the second screenshot is done first
    deadline = time.monotonic() + WAIT
    while not (tmp_path / "run" / second).exists():  # written whole, then renamed
        assert time.monotonic() < deadline, "the second screenshot was never written"
        time.sleep(0.005)
    assert lines(tmp_path / "run") == []  # its line waits for the first step's
    gated.setdefault(10, threading.Event()).set()
    recorder.close()
    assert lines(tmp_path / "run") == [0, 1]


def test_the_loop_waits_once_the_backlog_of_screenshots_is_full(
    tmp_path: Path, gated: dict[int, threading.Event]
) -> None:
    recorder = RunRecorder(tmp_path / "run")
    for index in range(recording.BACKLOG):
        recorder.save_screenshot(f"{index:04d}", Image.new("RGB", (10, 10)))
    returned = threading.Event()

    def one_more() -> None:
        recorder.save_screenshot("more", Image.new("RGB", (10, 10)))
        returned.set()

    waiting = threading.Thread(target=one_more)
    waiting.start()
    assert not returned.wait(0.2)  # held while every screenshot is still being encoded
    gated.setdefault(10, threading.Event()).set()
    assert returned.wait(WAIT)
    waiting.join(WAIT)
    recorder.close()
    assert len(list((tmp_path / "run" / "screens").iterdir())) == recording.BACKLOG + 1


def test_after_a_failed_screenshot_no_later_line_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = recording.encode

    def encode(image: Image.Image, image_format: str) -> bytes:
        if image.width == 10:
            raise OSError("No space left on device")
        return real(image, image_format)

    monkeypatch.setattr(recording, "encode", encode)
    recorder = RunRecorder(tmp_path / "run")
    with pytest.raises(OSError, match="No space left"):  # at the next write, or at the end
        for index, width in enumerate((10, 11)):
            shot = recorder.save_screenshot(f"{index:04d}", Image.new("RGB", (width, 10)))
            recorder.write_step(record(index, shot))
        recorder.drain()
    recorder.close()  # the error was raised once; closing adds none
    assert lines(tmp_path / "run") == []
