"""Flows on the served simulated phone, a real device to ``screenpilot flow run --env android``:
the example flows by the device's UI tree, a flow recorded on ``--env sim`` replayed over adb
with its guards, and, without the tree, locators read by OCR."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from screenpilot.agent import Agent, SafetyGate, load_run
from screenpilot.flows import flow_from_run, save_flow
from screenpilot.sim.adb_server import AdbServer
from screenpilot.sim.catalog import parse_task
from screenpilot.sim.env import SimEnv
from screenpilot.sim.reference import ReferencePolicy
from tests.flows.helpers import EXAMPLE_FLOWS, ROOT

Serve = Callable[[str], tuple[SimEnv, AdbServer]]


def flow_over_adb(
    server: AdbServer, flow_file: Path, out: Path, *flags: str
) -> subprocess.CompletedProcess[str]:
    """``screenpilot flow run FLOW --env android`` against ``server``, stdin closed."""
    environment = {
        **os.environ,
        "ANDROID_ADB_SERVER_HOST": "127.0.0.1",
        "ANDROID_ADB_SERVER_PORT": str(server.port),
        "ADBUTILS_ADB_PATH": "/bin/false",  # never start a real adb server
    }
    command = ["flow", "run", str(flow_file), "--env", "android", "--out", str(out), *flags]
    return subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def example(stem: str) -> Path:
    return next(path for path in EXAMPLE_FLOWS if path.stem == stem)


@pytest.mark.parametrize(
    ("stem", "spec", "flags"),
    [
        ("sim_add_contact", "contacts.add:0", ("--no-ocr",)),
        ("sim_send_message", "messages.send_new:0", ("--no-ocr", "--yes")),  # Send SMS asks
    ],
)
def test_the_example_flow_works_on_the_served_phone(
    served: Serve, tmp_path: Path, stem: str, spec: str, flags: tuple[str, ...]
) -> None:
    sim, server = served(spec)
    result = flow_over_adb(server, example(stem), tmp_path / "run", *flags)
    assert result.returncode == 0, result.stderr
    assert parse_task(spec).evaluate(sim.phone, "success", None)  # the task's own judge
    assert any(argv[:2] == ["uiautomator", "dump"] for argv in sim.phone.commands)
    steps = load_run(tmp_path / "run").steps
    found = [
        s.decision_info["flow"]["found"]["source"]
        for s in steps
        if "found" in s.decision_info.get("flow", {})
    ]
    assert found and set(found) == {"tree"}
    if stem == "sim_send_message":  # no package holds "Messages": its launcher icon is tapped
        opening = [(s.status, s.action.type if s.action else None) for s in steps[:3]]
        assert opening == [("model_error", "open_app"), ("executed", "key"), ("executed", "tap")]
        assert steps[2].decision_info["flow"]["found"]["label"] == "Messages"


def test_a_flow_recorded_on_the_simulator_replays_over_adb_with_its_guards(
    served: Serve, tmp_path: Path
) -> None:
    spec = "notes.create:0"
    task = parse_task(spec)
    agent = Agent(
        SimEnv(spec),
        ReferencePolicy(task),
        stall_limit=None,
        safety=SafetyGate(reader=None),
        run_dir=tmp_path / "reference",
    )
    agent.run(task.goal)
    flow_file = save_flow(
        flow_from_run(tmp_path / "reference", reader=None).flow, tmp_path / "notes.yaml"
    )
    sim, server = served(spec)
    result = flow_over_adb(server, flow_file, tmp_path / "run", "--no-ocr")
    assert result.returncode == 0, result.stderr
    assert "0 from the model; 0 model calls" in result.stderr
    assert task.evaluate(sim.phone, "success", None)
    guards = [s.decision_info["flow"].get("guard") for s in load_run(tmp_path / "run").steps[:-1]]
    assert guards and all(guard is not None and guard["kind"] == "tree" for guard in guards)
    assert all(guard["similarity"] >= 0.5 for guard in guards)


def test_without_the_ui_tree_locators_are_read_by_ocr(served: Serve, tmp_path: Path) -> None:
    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    spec = "settings.wifi_on:0"
    sim, server = served(spec)
    result = flow_over_adb(server, example("sim_wifi_on"), tmp_path / "run", "--no-ui-tree")
    assert result.returncode == 0, result.stderr
    assert sim.phone.data.wifi is True
    assert not any(argv[:1] == ["uiautomator"] for argv in sim.phone.commands)
    steps = load_run(tmp_path / "run").steps
    tap = steps[1].decision_info["flow"]["found"]
    assert (tap["source"], tap["label"]) == ("ocr", "Wi-Fi")
