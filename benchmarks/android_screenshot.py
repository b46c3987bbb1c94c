"""Host-side time and bytes per Android screenshot: raw ``screencap`` vs PNG.

A virtual 1080x2400 phone showing busy content (photo-like half, text half) is served by the loopback ADB-protocol server of the test suite, in a
separate process, with every frame encoded in advance: the numbers are what the host spends
(adb transport, reading, decoding), not the device's capture or PNG-encoding time, which on a
real phone adds roughly 0.1 s (raw) vs 0.5-2 s (PNG). Paths compared, interleaved:

- ``raw``: screenpilot's path, ``exec:screencap`` read into a bytearray and decoded with PIL;
- ``png``: screenpilot's fallback, ``exec:screencap -p`` decoded with PIL;
- ``adbutils png``: ``AdbDevice.screenshot(error_ok=False)`` as peers call it, decoded.

    python benchmarks/android_screenshot.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = """
import sys
from PIL import Image, ImageDraw, ImageFilter
from screenpilot.sim.adb_server import AdbServer
from tests.android_device import VirtualDevice

# A screen as busy as a real one: a photo-like top half, a page of text below (PNG ~1.4 MB).
w, h = 1080, 2400
noise = [Image.effect_noise((w, h // 2), s).filter(ImageFilter.GaussianBlur(2)) for s in (60, 50, 40)]
gradient = Image.linear_gradient("L").resize((w, h // 2)).convert("RGB")
backdrop = Image.new("RGB", (w, h), "white")
backdrop.paste(Image.blend(Image.merge("RGB", noise), gradient, 0.4))
draw = ImageDraw.Draw(backdrop)
for line in range(40):
    text = f"Lorem ipsum dolor sit amet {line} consectetur adipiscing elit sed do eiusmod"
    draw.text((40, h // 2 + 20 + line * 28), text, fill=(20, 20, 20), font_size=24)
device = VirtualDevice(backdrop=backdrop, png_level=6)
with AdbServer(device) as server:
    device.screencap(png=False), device.screencap(png=True)  # encode once, up front
    print(server.port, flush=True)
    sys.stdin.read()
"""


def median_ms(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ["ADBUTILS_ADB_PATH"] = "/bin/false"  # never start a real adb server
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        from screenpilot.environments.adb import AdbDevice, connect_client
        from screenpilot.environments.adb_capture import Screenshots

        client = connect_client("127.0.0.1", port, timeout=30)
        device = AdbDevice(client, "emulator-5554", timeout=30)
        raw, png = Screenshots(device, "raw"), Screenshots(device, "png")
        paths: dict[str, Callable[[], object]] = {
            "raw": raw.take,
            "png": png.take,
            # adbutils returns a lazily decoded image: load() makes it do the same work.
            "adbutils png": lambda: device.device.screenshot(error_ok=False).load(),
        }
        sizes = {
            "raw": raw.take().nbytes,
            "png": png.take().nbytes,
        }
        sizes["adbutils png"] = sizes["png"]
        results: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(3):  # interleave, so drifting load hits every path alike
            for name, function in paths.items():
                results[name].append(median_ms(function, max(1, args.runs // 3)))
        raw = statistics.median(results["raw"])
        print("| path | median ms / screenshot (host side) | bytes / screenshot | vs. raw |")
        print("|---|---|---|---|")
        for name in paths:
            value = statistics.median(results[name])
            print(f"| {name} | {value:.1f} | {sizes[name]:,} | {value / raw:.1f}x |")
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
