"""DesktopEnv's own time per step on a 1920x1080x24 Xvfb: capture -> PIL, and each action.

Capture: ``Display.grab`` (mss grab + one BGRX -> RGB conversion, no PNG), against two
baselines measured in the same run: the bare mss grab, and a PNG round trip (mss's PNG writer
then PIL decoding it), which is what a screenshot-through-a-file pipeline pays. Actions:
``DesktopEnv.step`` with the settle waits set to 0, so ``action_s`` (the pyautogui / clipboard
calls themselves) and the whole step (action + capture) are what is timed. An Xvfb of its own
is started; nothing else runs on it.

    python benchmarks/desktop_step.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable

from PIL import Image

from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.tools import Action, to_action


def median_ms(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


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
    parser.add_argument("--repeats", type=int, default=200)
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

        bare = median_ms(lambda: sct.grab(region), args.repeats)
        to_pil = median_ms(lambda: display.grab(monitor), args.repeats)
        png = median_ms(png_round_trip, max(20, args.repeats // 5))
        print(
            f"screen {env.screen_size[0]}x{env.screen_size[1]}x24, {args.repeats} repeats, medians"
        )
        print("| capture | ms |")
        print("| --- | --- |")
        print(f"| mss grab only | {bare:.2f} |")
        print(f"| capture -> PIL RGB (DesktopEnv) | {to_pil:.2f} |")
        print(f"| capture -> PNG -> PIL (baseline) | {png:.2f} ({png / to_pil:.1f}x slower) |")

        env.reset()
        print("\n| action | action ms | whole step ms |")
        print("| --- | --- | --- |")
        for name, spec in ACTIONS:
            action: Action = to_action(spec)
            action_times, step_times = [], []
            for _ in range(args.repeats if "clipboard" not in name else max(20, args.repeats // 5)):
                start = time.perf_counter()
                result = env.step(action)
                step_times.append(time.perf_counter() - start)
                action_times.append(result.info["action_s"])
            print(
                f"| {name} | {statistics.median(action_times) * 1000:.2f} | "
                f"{statistics.median(step_times) * 1000:.2f} |"
            )
        env.close()


if __name__ == "__main__":
    main()
