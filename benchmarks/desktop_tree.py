"""What the safety gate pays to read the desktop's accessibility tree (AT-SPI), per screen.

A GTK 3 window of N buttons (tests/gtk_app.py, run by a Python with PyGObject) on an Xvfb and
a D-Bus session of their own; ``DesktopEnv.ui_tree_of`` is timed on fresh observations (the
X stacking query, the walk over D-Bus and the conversion to UI elements), median of --rounds.

    python benchmarks/desktop_tree.py [--rounds 30] [--buttons 3 30 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from screenpilot.environments.desktop import DesktopEnv
from screenpilot.environments.xvfb import VirtualDisplay

APP = Path(__file__).resolve().parents[1] / "tests" / "gtk_app.py"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--buttons", type=int, nargs="+", default=[3, 30, 200])
    parser.add_argument("--python", default="/usr/bin/python3", help="a Python with PyGObject")
    args = parser.parse_args()
    with VirtualDisplay(1920, 1080) as server, tempfile.TemporaryDirectory() as folder:
        os.environ.update(server.environ)
        daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert daemon.stdout is not None
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = daemon.stdout.readline().strip()
        env = DesktopEnv(settle=0, max_settle=0.1, poll=0.05)
        print("| buttons | elements read | median ms per screen |")
        print("|---:|---:|---:|")
        for count in args.buttons:
            state = Path(folder) / f"{count}.json"
            labels = [f"Button {n}" for n in range(count)]
            columns = ["--x", "20", "--y", "20"]
            app = subprocess.Popen([args.python, str(APP), str(state), *labels, *columns])
            deadline = time.monotonic() + 30
            while not (state.exists() and json.loads(state.read_text())["ready"]):
                if time.monotonic() > deadline:
                    raise RuntimeError("the GTK window did not appear")
                time.sleep(0.05)
            times, size = [], 0
            for _ in range(args.rounds):
                observation = env.observe()
                start = time.perf_counter()
                tree = env.ui_tree_of(observation)
                times.append(time.perf_counter() - start)
                size = len(tree or ())
            print(f"| {count} | {size} | {statistics.median(times) * 1000:.1f} |")
            app.terminate()
            app.wait(timeout=10)
        env.close()
        daemon.terminate()
        daemon.wait(timeout=10)


if __name__ == "__main__":
    main()
