"""DesktopEnv on a real X server (Xvfb) driving a real Tk application (tests/desktop_app.py).

Every test reads the application's own state file: where its widgets are (converted to the
policy's coordinates through ``coords``) and what it received (clicks with their coordinates,
the entry's text, the list's scroll position, canvas drags).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from screenpilot.agent import Agent
from screenpilot.agent.recording import load_run
from screenpilot.environments.desktop import DesktopEnv
from screenpilot.environments.desktop_io import Clipboard, Display, Monitor
from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.errors import ConfigError, DeviceError, UnsupportedActionError
from screenpilot.imaging import same_screen
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools import Key, MouseMove, Tap, coords
from tests.helpers import AppProcess

pytestmark = pytest.mark.display

APP = Path(__file__).parents[1] / "desktop_app.py"
UNICODE = "naïve café 你好 ; $(x)"


class RunningApp(AppProcess):
    """The test application in a subprocess, and its state file."""

    def __init__(self, state_path: Path, x: int, y: int) -> None:
        argv = [sys.executable, str(APP), str(state_path), "--x", str(x), "--y", str(y)]
        super().__init__(state_path, argv)
        self.wait_for(lambda state: state["ready"], "the app to start")

    def centre(self, widget: str) -> tuple[int, int]:
        """A widget's centre in root-window (pointer) pixels."""
        left, top, width, height = self.state()["widgets"][widget]
        return (left + width // 2, top + height // 2)


@pytest.fixture
def launch(xvfb: VirtualDisplay, tmp_path: Path) -> Iterator[Callable[..., RunningApp]]:
    apps: list[RunningApp] = []

    def start(x: int = 100, y: int = 80) -> RunningApp:
        apps.append(RunningApp(tmp_path / f"app{len(apps)}.json", x, y))
        return apps[-1]

    yield start
    for app in apps:
        app.stop()


def fast_env(**kwargs: Any) -> DesktopEnv:
    # A paste is waited for until the screen shows it: up to a minute on a busy machine.
    return DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05, paste_wait=60, **kwargs)


def point(
    device: tuple[int, int], screen: coords.Screen, names: tuple[str, str] = ("x", "y")
) -> dict[str, float]:
    """A device pixel as the normalized point a policy would give for it."""
    x, y = coords.from_device(*device, screen)
    return {names[0]: x, names[1]: y}


def at(app: RunningApp, widget: str, screen: coords.Screen) -> dict[str, float]:
    """The normalized point of a widget's centre."""
    return point(app.centre(widget), screen)


def test_an_episode_clicks_buttons_and_types_unicode_into_the_entry(
    launch: Callable[..., RunningApp], tmp_path: Path
) -> None:
    app = launch()
    env = fast_env()
    assert env.screen == coords.Screen(1920, 1080, 1920, 1080)
    clipboard = Clipboard()
    clipboard.write("what the user had copied")
    s = env.screen
    script = [
        {"type": "tap", **at(app, "one", s)},
        {"type": "double_tap", **at(app, "two", s)},
        {"type": "right_click", **at(app, "menu", s)},
        {"type": "middle_click", **at(app, "menu", s)},
        {"type": "tap", **at(app, "entry", s)},
        {"type": "type", "text": UNICODE},
        {"type": "key", "key": "ctrl+a"},
        {"type": "key", "key": "backspace"},
        {"type": "type", "text": "plain ASCII 42!"},
        {"type": "finish", "status": "success"},
    ]
    episode = Agent(env, ScriptedPolicy(script), run_dir=tmp_path / "run").run("use the app")
    env.close()
    assert episode.outcome == "success", [step.error for step in episode.steps]

    state = app.wait_for(lambda st: st["entry"] == "plain ASCII 42!", "the typed text")
    assert state["commands"] == {"one": 1, "two": 2}
    assert state["doubles"] == ["two"]
    points = {name: list(app.centre(name)) for name in ("one", "two", "menu")}
    assert [(c["widget"], c["button"], [c["x"], c["y"]]) for c in state["clicks"]] == [
        ("one", 1, points["one"]),
        ("two", 1, points["two"]),
        ("two", 1, points["two"]),
        ("menu", 3, points["menu"]),
        ("menu", 2, points["menu"]),
    ]
    # The Unicode text arrived whole, ctrl+a + backspace emptied the entry, then ASCII was typed.
    history = state["entry_history"]
    assert UNICODE in history
    assert history[history.index(UNICODE) + 1] == ""
    assert clipboard.read() == "what the user had copied"

    run = load_run(tmp_path / "run")
    assert run.manifest.environment["monitor_rect"] == [0, 0, 1920, 1080]
    assert run.manifest.environment["monitors"] == [[0, 0, 1920, 1080], [0, 0, 1920, 1080]]
    assert run.manifest.environment["pointer_per_pixel"] == [1.0, 1.0]
    steps = run.steps
    info = [step.result_info for step in steps]
    assert info[0]["device_point"] == points["one"]
    assert info[5]["typed_via"] == "clipboard" and info[8]["typed_via"] == "keyboard"
    assert info[5]["paste_seen"] is True  # the clipboard was restored after the app pasted
    assert info[6]["pressed"] == ["ctrl", "a"]
    assert all("settle_s" in i and "action_s" in i for i in info[:-1])


def test_scrolling_the_list_and_dragging_pressing_hovering_on_the_canvas(
    launch: Callable[..., RunningApp], tmp_path: Path
) -> None:
    app = launch()
    env = fast_env()
    s = env.screen
    left, top, _, _ = app.state()["widgets"]["canvas"]
    start, end = (left + 20, top + 30), (left + 260, top + 120)
    hover = (left + 150, top + 80)
    script = [
        {"type": "scroll", "direction": "down", "amount": 0.5, **at(app, "list", s)},
        {"type": "scroll", "direction": "up", "amount": 0.1, **at(app, "list", s)},
        {
            "type": "swipe",
            **point(start, s),
            **point(end, s, ("x2", "y2")),
            "seconds": 0.3,
        },
        {"type": "long_press", **point(start, s), "seconds": 0.6},
        {"type": "mouse_move", **point(hover, s)},
        {"type": "scroll", "direction": "right", "amount": 0.2, **at(app, "canvas", s)},
        {"type": "scroll", "direction": "left", "amount": 0.1, **at(app, "canvas", s)},
        {"type": "scroll", "direction": "down", "amount": 0.1, **at(app, "canvas", s)},
        {"type": "finish", "status": "success"},
    ]
    episode = Agent(env, ScriptedPolicy(script), run_dir=tmp_path / "run").run("scroll and draw")
    env.close()
    assert episode.outcome == "success", [step.error for step in episode.steps]
    # 0.5 of a screen at 10 wheel clicks per screen: 5 clicks down, then 1 click up.
    assert [step.result_info["wheel_clicks"] for step in episode.steps if step.index in (0, 1)] == [
        [0, -5],
        [0, 1],
    ]
    state = app.wait_for(lambda st: len(st["canvas_presses"]) == 2, "the canvas presses")
    # Tk's listbox scrolls 5 rows per wheel click: 5 clicks down to row 25, 1 click up to 20.
    tops = state["list_tops"]
    assert max(tops) == 25 and tops[-1] == 20
    assert tops[: tops.index(25) + 1] == sorted(tops[: tops.index(25) + 1])

    drag, hold = state["canvas_presses"]
    assert (drag["start"], drag["end"]) == (list(start), list(end))
    assert drag["motions"] >= 3  # the drag moved through intermediate points
    assert hold["start"] == hold["end"] == list(start)
    assert hold["held_s"] >= 0.55 and drag["held_s"] >= 0.25
    assert state["canvas_hover"] is not None
    # Right (2 clicks) and left (1) on the horizontal wheel, which Tk reports as Shift + 5 / 4,
    # then down (1) on the vertical wheel.
    assert state["canvas_wheel"] == ["5+shift", "5+shift", "4+shift", "5"]


def test_mouse_move_puts_the_pointer_exactly_there(launch: Callable[..., RunningApp]) -> None:
    app = launch()
    env = fast_env()
    left, top, _, _ = app.state()["widgets"]["canvas"]
    target = (left + 77, top + 33)
    x, y = coords.from_device(*target, env.screen)
    result = env.step(MouseMove(x=x, y=y))
    env.close()
    assert result.info["device_point"] == list(target)
    app.wait_for(lambda st: st["canvas_hover"] == list(target), "the pointer on the canvas")


class DoubledDisplay(Display):
    """A HiDPI display: every capture comes back at twice the pointer's resolution."""

    def grab(self, monitor: Monitor) -> Image.Image:
        image = super().grab(monitor)
        return image.resize((image.width * 2, image.height * 2), Image.Resampling.NEAREST)


def test_a_2x_screenshot_scale_is_measured_and_clicks_land_on_the_logical_point(
    launch: Callable[..., RunningApp],
) -> None:
    app = launch()
    env = fast_env(display=DoubledDisplay.connect())
    observation = env.reset()
    assert observation.screenshot.size == (3840, 2160)
    assert env.screen == coords.Screen(3840, 2160, 1920, 1080)
    cx, cy = app.centre("one")
    # The policy points at the button's pixel in the 2x screenshot it was shown.
    x, y = coords.from_screenshot_pixels(2 * cx + 1, 2 * cy + 1, env.screen)
    result = env.step(Tap(x=x, y=y))
    env.close()
    assert result.info["device_point"] == [cx, cy]
    state = app.wait_for(lambda st: st["commands"]["one"] == 1, "the click")
    assert [(c["x"], c["y"]) for c in state["clicks"]] == [(cx, cy)]


class SplitDisplay(Display):
    """Two 960x1080 monitors side by side: the layout mss would report for two screens.

    Xvfb offers one RandR monitor, and ``xrandr --setmonitor`` did not add more on it, so the
    monitor list is injected; capture and input stay real.
    """

    def monitors(self) -> list[Monitor]:
        return [
            Monitor(0, 0, 0, 1920, 1080),
            Monitor(1, 0, 0, 960, 1080, "left"),
            Monitor(2, 960, 0, 960, 1080, "right"),
        ]


def test_a_tap_on_monitor_2_lands_on_monitor_2(launch: Callable[..., RunningApp]) -> None:
    app = launch(x=1200, y=100)
    display = SplitDisplay.connect()
    env = fast_env(display=display, monitor=2)
    assert env.screen == coords.Screen(960, 1080, 960, 1080, offset_x=960, offset_y=0)
    observation = env.reset()
    whole = display.grab(Monitor(0, 0, 0, 1920, 1080))
    assert same_screen(observation.screenshot, whole.crop((960, 0, 1920, 1080)))
    cx, cy = app.centre("two")
    point = at(app, "two", env.screen)
    # In monitor 2's own frame the button is left of where it is on the whole desktop.
    assert point["x"] == pytest.approx((cx - 960 + 0.5) / 960)
    result = env.step(Tap(**point))
    env.close()
    assert result.info["device_point"] == [cx, cy]
    state = app.wait_for(lambda st: st["commands"]["two"] == 1, "the click on monitor 2")
    assert [(c["widget"], c["x"], c["y"]) for c in state["clicks"]] == [("two", cx, cy)]


def test_keys_the_desktop_lacks_are_refused_before_anything_happens(
    launch: Callable[..., RunningApp],
) -> None:
    app = launch()
    env = fast_env()
    env.step(Tap(**at(app, "entry", env.screen)))
    for key in ("back", "ctrl+é", "volume_up"):
        with pytest.raises(UnsupportedActionError):
            env.step(Key(key=key))
    env.step(Key(key="x"))
    env.step(Key(key="shift+y"))
    env.close()
    app.wait_for(lambda st: st["entry"] == "xY", "the keys")


def test_points_in_the_corners_stay_off_the_fail_safe(xvfb: VirtualDisplay) -> None:
    env = fast_env()
    result = env.step(Tap(x=0.0, y=0.0))
    assert result.info["device_point"] == [1, 1]
    result = env.step(Tap(x=1.0, y=1.0))
    assert result.info["device_point"] == [1918, 1078]
    env.close()


def test_a_person_moving_the_pointer_into_a_corner_stops_the_run(
    xvfb: VirtualDisplay, tmp_path: Path
) -> None:
    env = fast_env()

    def person_interrupts(task: str, observation: Any, history: Any) -> Tap:
        env.display.pyautogui.moveTo(1919, 0)  # what a person does to abort
        return Tap(x=0.5, y=0.5)

    agent = Agent(env, FunctionPolicy(person_interrupts), run_dir=tmp_path / "run")
    gui: Any = env.display.pyautogui
    try:
        with pytest.raises(DeviceError, match="fail-safe"):
            agent.run("anything")
    finally:  # the person lets go: the pointer leaves the corner for the next tests
        gui.FAILSAFE = False
        gui.moveTo(960, 540)
        gui.FAILSAFE = True
        env.close()
    manifest = load_run(tmp_path / "run").manifest
    assert manifest.outcome == "error" and "fail-safe" in (manifest.error or "")


def test_the_cli_runs_a_script_on_the_desktop(
    launch: Callable[..., RunningApp], tmp_path: Path
) -> None:
    app = launch()
    script = tmp_path / "steps.jsonl"
    steps = [
        {"type": "tap", **at(app, "one", coords.Screen.same_size(1920, 1080))},
        {"type": "finish", "status": "success"},
    ]
    script.write_text("".join(json.dumps(step) + "\n" for step in steps), encoding="utf-8")
    command = ["run", "press One", "--env", "desktop:1", "--actions", str(script)]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command, "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    app.wait_for(lambda st: st["commands"]["one"] == 1, "the click from the command line")
    assert load_run(tmp_path / "run").manifest.environment["name"] == "DesktopEnv"


def test_one_process_refuses_to_drive_a_second_display(xvfb: VirtualDisplay) -> None:
    # A fresh process, since this one's pyautogui is bound to the session's display.
    code = """
import os
from screenpilot.environments.desktop import DesktopEnv
from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.errors import ConfigError
with VirtualDisplay(640, 480) as first, VirtualDisplay(800, 600) as second:
    os.environ.update(first.environ)
    env = DesktopEnv(settle=0, max_settle=0)
    print(env.screen_size)
    env.close()
    os.environ.update(second.environ)
    try:
        DesktopEnv()
    except ConfigError as exc:
        print("ConfigError:", exc)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    first_line, second_line = result.stdout.strip().splitlines()
    assert first_line == "(640, 480)"
    assert second_line.startswith("ConfigError: pyautogui in this process is bound to display")


def test_a_monitor_that_does_not_exist_is_named_with_the_ones_that_do(
    xvfb: VirtualDisplay,
) -> None:
    with pytest.raises(ConfigError, match=r"no monitor 3; monitors: 0: 1920x1080\+0\+0, 1: "):
        DesktopEnv(3)


def test_typed_text_leaves_the_clipboard_even_when_the_paste_fails(
    xvfb: VirtualDisplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = fast_env()
    clipboard = Clipboard()
    clipboard.write("what the user had copied")

    def broken(*keys: str) -> None:
        raise OSError("the keyboard is gone")

    monkeypatch.setattr(env.display.pyautogui, "hotkey", broken)
    with pytest.raises(OSError, match="keyboard is gone"):
        env.type_text("pässwörd-42")  # non-ASCII: pasted through the clipboard
    env.close()
    assert clipboard.read() == "what the user had copied"
