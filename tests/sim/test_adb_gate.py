"""The safety gate over adb, from the command line: the served simulated phone is a real device
to ``screenpilot run --env android``, which reads its UI tree when the gate judges a press, so
the reference solutions of tasks that send or delete are stopped at the sensitive tap unless
``--yes`` is given. Standard input is closed: nobody can be asked."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from screenpilot.sim.adb_server import AdbServer
from screenpilot.sim.catalog import parse_task
from screenpilot.sim.env import SimEnv
from screenpilot.sim.phone import SimPhone
from tests.helpers import reference_actions

ROOT = Path(__file__).resolve().parents[2]


def messages(phone: SimPhone) -> int:
    return sum(len(thread) for thread in phone.data.threads.values())


def contacts(phone: SimPhone) -> int:
    return len(phone.data.contacts)


CASES: dict[str, tuple[str, Callable[[SimPhone], int], int]] = {
    # task: (the label of the tap that does it, what it changes, by how much)
    "messages.send_new:3": ("Send SMS", messages, 1),
    "messages.reply:0": ("Send SMS", messages, 1),
    "contacts.delete:0": ("Delete", contacts, -1),
}


def run_over_adb(
    server: AdbServer, spec: str, tmp_path: Path, *flags: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """``screenpilot run GOAL --env android --actions REFERENCE`` against ``server``, stdin
    closed; returns the finished process and the steps of trajectory.jsonl."""
    script = tmp_path / "actions.jsonl"
    script.write_text("".join(json.dumps(a) + "\n" for a in reference_actions(spec)))
    out = tmp_path / "run"
    environment = {
        **os.environ,
        "ANDROID_ADB_SERVER_HOST": "127.0.0.1",
        "ANDROID_ADB_SERVER_PORT": str(server.port),
        "ADBUTILS_ADB_PATH": "/bin/false",  # never start a real adb server
    }
    goal = parse_task(spec).goal
    command = ["run", goal, "--env", "android", "--actions", str(script), "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command, *flags],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    trajectory = out / "trajectory.jsonl"
    steps = [json.loads(line) for line in trajectory.read_text(encoding="utf-8").splitlines()]
    return result, steps


def sensitive_tap(steps: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """The first step whose tap the gate saw labelled ``label``."""
    for step in steps:
        seen = (step.get("safety") or {}).get("seen")
        if step["action"]["type"] == "tap" and seen and seen["label"] == label:
            return step
    raise AssertionError(f"no tap on {label!r} in {[s['action'] for s in steps]}")


@pytest.mark.parametrize("spec", sorted(CASES))
def test_the_sensitive_tap_is_denied_without_a_person_to_ask(
    served: Callable[[str], tuple[SimEnv, AdbServer]], tmp_path: Path, spec: str
) -> None:
    label, count, _ = CASES[spec]
    sim, server = served(spec)
    before = count(sim.phone)
    result, steps = run_over_adb(server, spec, tmp_path)
    assert result.returncode == 0, result.stderr  # the script ran to its end
    step = sensitive_tap(steps, label)
    assert step["status"] == "denied"
    assert step["safety"]["seen"]["source"] == "tree"
    assert step["safety"]["rules"] == ["sensitive_control"]
    assert step["safety"]["allowed"] is False
    assert count(sim.phone) == before
    assert not parse_task(spec).evaluate(sim.phone, "success", None)
    assert any(argv[:2] == ["uiautomator", "dump"] for argv in sim.phone.commands)


@pytest.mark.parametrize("spec", sorted(CASES))
def test_with_yes_the_sensitive_tap_runs(
    served: Callable[[str], tuple[SimEnv, AdbServer]], tmp_path: Path, spec: str
) -> None:
    label, count, change = CASES[spec]
    sim, server = served(spec)
    before = count(sim.phone)
    result, steps = run_over_adb(server, spec, tmp_path, "--yes")
    assert result.returncode == 0, result.stderr
    step = sensitive_tap(steps, label)
    assert step["status"] == "executed"
    assert step["safety"]["seen"]["source"] == "tree"
    assert step["safety"]["asked"] is True and step["safety"]["allowed"] is True
    assert count(sim.phone) == before + change
    assert parse_task(spec).evaluate(sim.phone, "success", None)


def test_without_the_ui_tree_the_gate_reads_labels_by_ocr(
    served: Callable[[str], tuple[SimEnv, AdbServer]], tmp_path: Path
) -> None:
    """contacts.delete taps a trash-can icon, then the dialog's "Delete" button: OCR reads no
    word on the icon (the tap goes through), and denies the button by its word."""
    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    spec = "contacts.delete:0"
    sim, server = served(spec)
    before = contacts(sim.phone)
    result, steps = run_over_adb(server, spec, tmp_path, "--no-ui-tree")
    assert result.returncode == 0, result.stderr
    taps = [step for step in steps if step["action"]["type"] == "tap"]
    assert [step["safety"]["seen"]["source"] for step in taps] == ["ocr"] * len(taps)
    assert [step["status"] for step in taps] == ["executed"] * (len(taps) - 1) + ["denied"]
    confirm = taps[-1]
    assert confirm["safety"]["seen"]["label"] == "Delete"
    assert confirm["safety"]["rules"] == ["sensitive_control"]
    assert contacts(sim.phone) == before
    assert not any(argv[:1] == ["uiautomator"] for argv in sim.phone.commands)


def test_without_the_ui_tree_and_ocr_every_tap_is_denied_as_unseen(
    served: Callable[[str], tuple[SimEnv, AdbServer]], tmp_path: Path
) -> None:
    spec = "messages.send_new:3"
    sim, server = served(spec)
    before = messages(sim.phone)
    result, steps = run_over_adb(server, spec, tmp_path, "--no-ui-tree", "--no-ocr")
    assert result.returncode == 0, result.stderr
    taps = [step for step in steps if step["action"]["type"] == "tap"]
    assert taps and all(step["status"] == "denied" for step in taps)
    send = taps[-1]  # the Send SMS tap of the reference solution
    assert send["safety"]["rules"] == ["unseen_target"]
    assert send["safety"]["looked"] is False and send["safety"]["seen"] is None
    assert "cannot see" in send["safety"]["concerns"][0]
    assert messages(sim.phone) == before
    assert not any(argv[:1] == ["uiautomator"] for argv in sim.phone.commands)


def test_a_person_at_the_terminal_is_asked_and_told_what_the_gate_read(
    served: Callable[[str], tuple[SimEnv, AdbServer]], tmp_path: Path
) -> None:
    """With a terminal, the gate asks; the question names the label it read, and "n" keeps
    the message unsent."""
    spec = "messages.send_new:3"
    sim, server = served(spec)
    before = messages(sim.phone)
    script = tmp_path / "actions.jsonl"
    script.write_text("".join(json.dumps(a) + "\n" for a in reference_actions(spec)))
    environment = {
        **os.environ,
        "ANDROID_ADB_SERVER_HOST": "127.0.0.1",
        "ANDROID_ADB_SERVER_PORT": str(server.port),
        "ADBUTILS_ADB_PATH": "/bin/false",
    }
    command = ["run", parse_task(spec).goal, "--env", "android", "--actions", str(script)]
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")  # the answer waits in the terminal until asked
        result = subprocess.run(
            [sys.executable, "-m", "screenpilot.cli", *command, "--out", str(tmp_path / "run")],
            cwd=ROOT,
            env=environment,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    printed = " ".join((result.stdout + result.stderr).split())  # the question may wrap
    assert "Safety check" in printed and "The gate read 'Send SMS' there (tree)." in printed
    steps = [json.loads(line) for line in (tmp_path / "run/trajectory.jsonl").open()]
    step = sensitive_tap(steps, "Send SMS")
    assert step["status"] == "denied" and step["safety"]["asked"] is True
    assert messages(sim.phone) == before
