"""Lost and misbehaving devices: every failure of the connection ends the episode with a
DeviceError naming the device and the command, within the configured timeout used as a total
deadline per operation, and the run so far is saved.

The faults are the served phone's (``Faults``): a device cut off mid-reply, one that trickles
its bytes, one that accepts and never answers, one that sends bytes that are not adb. Only the
faults that the deadline must end (a stall, a trickle) run under a small timeout; every other
test gives the device a timeout no healthy reply comes near on a busy machine. How long a
failure took is checked only against how long the fault itself would have lasted.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from screenpilot.agent import Agent, Step, load_run
from screenpilot.environments.android import AndroidEnv
from screenpilot.errors import ConfigError, DeviceError
from screenpilot.policies import ScriptedPolicy
from screenpilot.sim.adb_server import AdbServer
from screenpilot.tools import Wait
from tests.android_device import VirtualDevice

TIMEOUT = 1.0
"""The configured timeout where the deadline must end a fault, in seconds."""
PATIENT = 600.0
"""The configured timeout everywhere else: no healthy reply comes near it."""
WAITED_OUT = 20.0
"""A stall lasts 30 s and a trickle (a byte every 0.1 s) longer still: a failed step this long
after the fault came from waiting the fault out, not from the deadline."""
SMALL = {"natural_size": (108, 240)}
SCRIPT = [
    {"type": "tap", "x": 0.5, "y": 0.5},
    {"type": "tap", "x": 0.5, "y": 0.25},
    {"type": "finish", "status": "success"},
]


def stop(server: AdbServer) -> None:
    server.stopping.set()
    server._tcp.shutdown()
    server._tcp.server_close()


Fault = Callable[[AdbServer], None]

FAULTS: dict[str, tuple[Fault, str]] = {
    # name: (what happens to the device after the first tap, what the error says)
    "refused": (stop, "refused"),
    "gone": (lambda s: setattr(s.device.faults, "online", False), "not found"),
    "exit_status": (lambda s: s.device.faults.exit_codes.update(input=1), "exited with status 1"),
    "cut_screenshot": (lambda s: s.device.faults.cut.update(screencap=200), "mid-screenshot"),
    "cut_shell_output": (lambda s: s.device.faults.cut.update(dumpsys=60), "closed"),
    "cut_shell_status": (lambda s: s.device.faults.cut.update(input=6), "closed"),
    "cut_pull": (lambda s: s.device.faults.cut.update(sync=112), "closed"),
    "trickle_shell": (lambda s: s.device.faults.trickle.update(dumpsys=0.1), "timed out"),
    "trickle_screenshot": (lambda s: s.device.faults.trickle.update(screencap=0.1), "timed out"),
    "trickle_pull": (lambda s: s.device.faults.trickle.update(sync=0.1), "timed out"),
    "stall_after_okay": (lambda s: s.device.faults.stall.update(input=4), "timed out"),
    "silent_server": (lambda s: s.device.faults.stall.update(host=0), "timed out"),
    "server_closes": (lambda s: s.device.faults.cut.update(host=0), "without answering"),
    "garbage_server": (lambda s: s.device.faults.garbage.update(host=0), "not adb"),
    "garbage_shell": (lambda s: s.device.faults.garbage.update(dumpsys=4), "closed"),
    "garbage_screenshot": (lambda s: s.device.faults.garbage.update(screencap=4), "not a valid"),
}


@pytest.fixture
def adb(monkeypatch: pytest.MonkeyPatch) -> Iterator[AdbServer]:
    """A server with one small phone; adbutils may never start a real adb daemon."""
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")
    with AdbServer(VirtualDevice(**SMALL)) as server:  # type: ignore[arg-type]
        yield server


def timeout_for(expected: str) -> float:
    """TIMEOUT for the faults the deadline must end, PATIENT for the others."""
    return TIMEOUT if expected == "timed out" else PATIENT


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_a_failing_device_ends_the_episode_in_time_and_keeps_the_run(
    adb: AdbServer, tmp_path: Path, case: str
) -> None:
    fault, expected = FAULTS[case]
    env = AndroidEnv(
        port=adb.port,
        timeout=timeout_for(expected),
        settle_timeout=0.2,
        poll_interval=0.01,
        ui_tree=True,
    )
    injected = adb.after_command(["input", "tap"], fault)
    run_dir = tmp_path / "run"
    failed: list[float] = []  # when the loop had the failed step (before saving the run)

    def on_step(step: Step) -> None:
        if step.status == "device_error":
            failed.append(time.monotonic())

    with pytest.raises(DeviceError) as caught:
        Agent(env, ScriptedPolicy(SCRIPT), run_dir=run_dir, on_step=on_step).run("tap twice")
    assert injected, "the fault was never injected"
    assert len(failed) == 1
    assert failed[0] - injected[0] < WAITED_OUT, f"{failed[0] - injected[0]:.2f} s after the fault"
    error = caught.value
    assert error.device == "emulator-5554"
    assert error.command, str(error)
    assert expected in str(error)
    run = load_run(run_dir)
    assert run.manifest.outcome == "error"
    assert run.steps[-1].status == "device_error"
    assert (run_dir / "report.html").exists()


def test_no_server_at_all_is_a_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")  # the adb server cannot be started
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    with pytest.raises(DeviceError, match="refused the connection"):
        AndroidEnv(port=port, timeout=PATIENT)


def test_a_command_that_fails_names_the_command(adb: AdbServer) -> None:
    env = AndroidEnv(port=adb.port, timeout=PATIENT, settle_timeout=0.2, poll_interval=0.01)
    adb.device.faults.exit_codes["input"] = 1
    with pytest.raises(DeviceError, match="input tap 54 120"):
        env.tap((54, 120))


def test_a_ui_dump_the_device_cannot_send_is_a_note_not_the_end(adb: AdbServer) -> None:
    def dump_without_file(args: list[str]) -> tuple[bytes, bytes, int]:
        return b"UI hierchary dumped to: /data/local/tmp/screenpilot_ui.xml\n", b"", 0

    adb.device._cmd_uiautomator = dump_without_file  # type: ignore[attr-defined]
    env = AndroidEnv(
        port=adb.port, timeout=PATIENT, settle_timeout=0.0, poll_interval=0.0, ui_tree=True
    )
    observation = env.reset()
    assert observation.ui_elements == ()
    assert any("cannot send the file: No such file" in note for note in observation.notes)


# --- the capture path -----------------------------------------------------------------------


def test_one_slow_raw_capture_falls_back_once_and_raw_is_tried_again(adb: AdbServer) -> None:
    # The raw attempt has half the timeout, which the stall outlasts; the PNG the other half.
    env = AndroidEnv(port=adb.port, timeout=2 * TIMEOUT, settle_timeout=0.0, poll_interval=0.0)
    env.reset()
    adb.device.faults.stall["exec:screencap"], adb.device.faults.times = 0, 1
    slow = env.observe()
    assert slow.info["screenshot_path"] == "png"
    assert "timed out" in slow.info["screenshot_fallback"]
    assert "screenshot_demoted" not in slow.info
    again = env.observe()
    assert again.info["screenshot_path"] == "raw"
    assert "screenshot_fallback" not in again.info


def test_repeated_raw_failures_demote_to_png_for_the_episode(adb: AdbServer) -> None:
    env = AndroidEnv(port=adb.port, timeout=PATIENT, settle_timeout=0.0, poll_interval=0.0)
    env.reset()
    adb.device.faults.cut["exec:screencap"] = 5004  # raw frames are cut; PNG ones are not
    paths = [env.observe().info for _ in range(3)]
    assert [info["screenshot_path"] for info in paths] == ["png"] * 3
    assert "screenshot_demoted" not in paths[1]
    assert "3 raw captures in a row failed" in paths[2]["screenshot_demoted"]
    requests = len(adb.requests)
    after = env.step(Wait(seconds=0.01)).observation
    assert after.info["screenshot_path"] == "png"
    assert "screenshot_demoted" in after.info
    assert "exec:screencap" not in adb.requests[requests:]  # raw is no longer tried
    adb.device.faults.cut.clear()
    assert env.reset().info["screenshot_path"] == "raw"  # a new episode tries raw again


def test_the_demotion_is_recorded_in_the_run(adb: AdbServer, tmp_path: Path) -> None:
    env = AndroidEnv(port=adb.port, timeout=PATIENT, settle_timeout=0.0, poll_interval=0.0)
    adb.device.faults.cut["exec:screencap"] = 5004
    script = [{"type": "wait", "seconds": 0.01}] * 3 + [{"type": "finish", "status": "success"}]
    Agent(env, ScriptedPolicy(script), run_dir=tmp_path / "run", stall_limit=None).run("wait")
    steps = load_run(tmp_path / "run").steps
    assert [s.observation_info["screenshot_path"] for s in steps] == ["png"] * 4
    assert "screenshot_fallback" in steps[0].observation_info
    assert ["screenshot_demoted" in s.observation_info for s in steps] == [False, False, True, True]


def test_a_raw_success_resets_the_count(adb: AdbServer) -> None:
    env = AndroidEnv(port=adb.port, timeout=PATIENT, settle_timeout=0.0, poll_interval=0.0)
    env.reset()
    faults = adb.device.faults
    faults.cut["exec:screencap"] = 5004
    for _ in range(4):
        faults.times = 2
        assert [env.observe().info["screenshot_path"] for _ in range(3)] == ["png", "png", "raw"]


# --- through the command line ---------------------------------------------------------------

CLI_CASES = [  # the command line reads the UI tree when the gate judges the second tap
    "refused",
    "cut_screenshot",
    "cut_shell_output",
    "cut_shell_status",
    "cut_pull",
    "trickle_pull",
    "trickle_shell",
    "trickle_screenshot",
    "silent_server",
    "server_closes",
    "garbage_server",
]


@pytest.mark.parametrize("case", CLI_CASES)
def test_screenpilot_run_exits_3_with_the_run_saved(
    adb: AdbServer, tmp_path: Path, case: str
) -> None:
    fault, expected = FAULTS[case]
    injected = adb.after_command(["input", "tap"], fault)
    actions = tmp_path / "actions.jsonl"
    actions.write_text("".join(json.dumps(action) + "\n" for action in SCRIPT))
    environment = {
        **os.environ,
        "ANDROID_ADB_SERVER_PORT": str(adb.port),
        "ADBUTILS_ADB_PATH": "/bin/false",
        "SCREENPILOT_ADB_TIMEOUT": str(timeout_for(expected)),
    }
    out = tmp_path / "run"
    command = ["run", "tap twice", "--env", "android", "--actions", str(actions), "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert injected
    assert result.returncode == 3, result.stderr
    assert "device error" in result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
    assert f"screenpilot: the run so far is saved in {out}" in result.stdout + result.stderr
    run = load_run(out)
    assert run.manifest.outcome == "error"
    assert run.steps[-1].status == "device_error"
    assert (out / "report.html").exists()


@pytest.mark.parametrize("text", ["soon", "0", "-1", "1e10", "inf", "nan"])
def test_the_command_lines_timeout_must_be_positive_seconds(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("SCREENPILOT_ADB_TIMEOUT", text)
    with pytest.raises(ConfigError, match="SCREENPILOT_ADB_TIMEOUT must be a positive number"):
        AndroidEnv.from_spec(None)


def test_the_command_lines_timeout_reaches_the_device(
    adb: AdbServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREENPILOT_ADB_TIMEOUT", "0.75")
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb.port))
    env = AndroidEnv.from_spec("emulator-5554")
    assert env.adb.timeout == 0.75 and env.describe()["timeout"] == 0.75
