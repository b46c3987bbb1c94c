"""DesktopEnv's own time per step on a 1920x1080x24 Xvfb: capture -> PIL, and each action.

Capture: ``Display.grab`` (mss grab + one BGRX -> RGB conversion, no PNG), against two
baselines measured in the same run: the bare mss grab, and a PNG round trip (mss's PNG writer
then PIL decoding it), which is what a screenshot-through-a-file pipeline pays. Actions:
``DesktopEnv.step`` with the settle waits set to 0, so ``action_s`` (the pyautogui / clipboard
calls themselves) and the whole step (action + capture) are what is timed. An Xvfb of its own
is started; nothing else runs on it.

    python benchmarks/desktop_step.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from PIL import Image

from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.tools import Action, to_action

T = TypeVar("T")


def timed(name: str, function: Callable[[], T], times: dict[str, list[float]]) -> T:
    start = time.perf_counter()
    result = function()
    times[name].append(time.perf_counter() - start)
    return result


ACTIONS: list[tuple[str, dict[str, object]]] = [
    ("tap", {"type": "tap", "x": 0.4, "y": 0.4}),
    ("double_tap", {"type": "double_tap", "x": 0.4, "y": 0.4}),
    ("right_click", {"type": "right_click", "x": 0.4, "y": 0.4}),
    ("mouse_move", {"type": "mouse_move", "x": 0.6, "y": 0.6}),
    ("scroll (5 wheel clicks)", {"type": "scroll", "direction": "down"}),
    ("key ctrl+a", {"type": "key", "key": "ctrl+a"}),
    ("type 15 ASCII chars (keyboard)", {"type": "type", "text": "hello agent 123"}),
    ("type 'naïve café 你好' (clipboard)", {"type": "type", "text": "naïve café 你好"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with VirtualDisplay(1920, 1080) as xvfb:
        os.environ.update(xvfb.environ)
        from screenpilot.environments.desktop import DesktopEnv

        env = DesktopEnv(settle=0, max_settle=0, paste_wait=0)
        display, monitor = env.display, env.monitor
        sct = display.sct
        region = monitor.as_mss()

        def png_round_trip() -> Image.Image:
            import mss.tools

            shot = sct.grab(region)
            return Image.open(io.BytesIO(mss.tools.to_png(shot.rgb, shot.size))).convert("RGB")

        # Rounds interleave every measurement, so drifting load on a shared machine hits all
        # of them alike and the ratios stay fair.
        actions: list[tuple[str, Action]] = [(name, to_action(spec)) for name, spec in ACTIONS]
        times: dict[str, list[float]] = defaultdict(list)
        env.reset()
        for round_number in range(args.rounds):
            timed("mss grab only", lambda: sct.grab(region), times)
            timed("capture -> PIL RGB (DesktopEnv)", lambda: display.grab(monitor), times)
            if round_number % 5 == 0:
                timed("capture -> PNG -> PIL (baseline)", png_round_trip, times)
            for name, action in actions:
                if "clipboard" in name and round_number % 5:
                    continue
                result = timed(name, lambda action=action: env.step(action), times)
                times[f"{name} action"].append(result.info["action_s"])

        def ms(name: str) -> float:
            return statistics.median(times[name]) * 1000

        to_pil = ms("capture -> PIL RGB (DesktopEnv)")
        print(f"screen {env.screen_size[0]}x{env.screen_size[1]}x24, {args.rounds} rounds, medians")
        print("| capture | ms | vs. DesktopEnv |")
        print("| --- | --- | --- |")
        for name in (
            "mss grab only",
            "capture -> PIL RGB (DesktopEnv)",
            "capture -> PNG -> PIL (baseline)",
        ):
            print(f"| {name} | {ms(name):.2f} | {ms(name) / to_pil:.2f}x |")
        print("\n| action | action ms | whole step ms (action + capture) |")
        print("| --- | --- | --- |")
        for name, _ in actions:
            print(f"| {name} | {ms(name + ' action'):.2f} | {ms(name):.2f} |")
        env.close()


if __name__ == "__main__":
    main()
