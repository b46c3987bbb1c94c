"""Time from a device fault to the error that ends the episode, through ``AndroidEnv``.

A virtual 1080x2400 phone is served by the loopback ADB-protocol server of the test suite. An
agent taps twice; right after the first tap the served phone starts to misbehave (one fault per
case: refused connections, a connection cut mid-reply, bytes trickled one every 0.5 s, a server
that accepts and then says nothing, bytes that are not adb, ...). For each case the script
prints the exception that ended the run, the exit code ``screenpilot run`` maps it to (3: a
device error), and the median seconds from the fault to the exception over ``--runs`` runs,
with the adb timeout at ``--timeout`` seconds. A case still running after ``--cap`` seconds is
ended by stopping the server and shown as ``>CAP``.

    python benchmarks/android_faults.py [--runs 3] [--timeout 2] [--cap 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' virtual device

from tests.android_device import VirtualDevice

from screenpilot.agent import Agent
from screenpilot.environments.android import AndroidEnv
from screenpilot.errors import ConfigError, DeviceError, ModelError
from screenpilot.policies import ScriptedPolicy
from screenpilot.sim.adb_server import AdbServer

SCRIPT = [
    {"type": "tap", "x": 0.5, "y": 0.5},
    {"type": "tap", "x": 0.5, "y": 0.25},
    {"type": "finish", "status": "success"},
]
TRICKLE = 0.5
"""Seconds between two trickled bytes."""


def stop(server: AdbServer) -> None:
    server.stopping.set()
    server._tcp.shutdown()
    server._tcp.server_close()


CASES: dict[str, Callable[[AdbServer], None]] = {
    "connection refused (server gone)": stop,
    "device offline": lambda s: setattr(s.device.faults, "online", False),
    "cut mid-screenshot": lambda s: s.device.faults.cut.update(screencap=5004),
    "cut mid-shell output": lambda s: s.device.faults.cut.update(dumpsys=60),
    "cut before the exit status": lambda s: s.device.faults.cut.update(input=6),
    "cut mid-pull": lambda s: s.device.faults.cut.update(sync=112),
    "trickle: shell output": lambda s: s.device.faults.trickle.update(dumpsys=TRICKLE),
    "trickle: screenshot": lambda s: s.device.faults.trickle.update(screencap=TRICKLE),
    "trickle: pull": lambda s: s.device.faults.trickle.update(sync=TRICKLE),
    "OKAY, then silence": lambda s: s.device.faults.stall.update(input=4),
    "accepts, then silence": lambda s: s.device.faults.stall.update(host=0),
    "closes without answering": lambda s: s.device.faults.cut.update(host=0),
    "garbage instead of OKAY": lambda s: s.device.faults.garbage.update(host=0),
    "garbage shell output": lambda s: s.device.faults.garbage.update(dumpsys=4),
    "garbage screenshot": lambda s: s.device.faults.garbage.update(screencap=4),
}


def exit_code(error: BaseException | None) -> int:
    """What ``screenpilot run`` exits with for ``error`` (cli/app.py ``main``)."""
    if error is None:
        return 0
    if isinstance(error, ConfigError | ModelError):
        return 2
    if isinstance(error, DeviceError):
        return 3
    return 1  # another ScreenpilotError, or any other exception (a traceback)


def run_case(fault: Callable[[AdbServer], None], timeout: float, cap: float) -> tuple[str, float]:
    """One episode with ``fault`` after the first tap: (what ended it, seconds after the fault)."""
    server = AdbServer(VirtualDevice()).start()
    injected = server.after_command(["input", "tap"], fault)
    outcome: list[BaseException | None] = []
    env = AndroidEnv(port=server.port, timeout=timeout, settle_timeout=0.5, ui_tree=True)

    def episode() -> None:
        with tempfile.TemporaryDirectory() as folder:
            try:
                Agent(env, ScriptedPolicy(SCRIPT), run_dir=Path(folder) / "run").run("tap")
            except BaseException as exc:  # what ended the run is the measurement
                outcome.append(exc)
            else:
                outcome.append(None)

    worker = threading.Thread(target=episode, daemon=True)
    worker.start()
    worker.join(cap)
    if worker.is_alive():
        stop(server)
        worker.join()
        return f">{cap:g} s, then ended by stopping the server", float("inf")
    ended = time.monotonic()
    stop(server)
    error = outcome[0]
    what = "no error" if error is None else f"{type(error).__name__}: {error}"
    return f"exit {exit_code(error)}  {what}", ended - injected[0] if injected else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--cap", type=float, default=60.0)
    args = parser.parse_args()
    os.environ["ADBUTILS_ADB_PATH"] = "/bin/false"  # never start a real adb server
    print(f"adb timeout {args.timeout:g} s, median of {args.runs} runs, seconds after the fault")
    for name, fault in CASES.items():
        results = [run_case(fault, args.timeout, args.cap) for _ in range(args.runs)]
        seconds = statistics.median(seconds for _, seconds in results)
        print(f"{name:<34} {seconds:7.2f}  {results[-1][0][:220]}", flush=True)


if __name__ == "__main__":
    main()
