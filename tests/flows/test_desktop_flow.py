"""A desktop flow on Xvfb: a Tk window (no accessibility tree) whose buttons a flow finds by
OCR and presses through ``screenpilot flow run --env desktop``; the safety gate still stops a
press on "Pay now"."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from screenpilot.agent import load_run
from screenpilot.environments.xvfb import VirtualDisplay
from tests.flows.helpers import ROOT
from tests.helpers import LabelApp

pytestmark = pytest.mark.display

LABELS = ("Pay now", "Supprimer", "Cancel")


@pytest.fixture
def app(xvfb: VirtualDisplay, tmp_path: Path) -> Iterator[LabelApp]:
    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    running = LabelApp(tmp_path / "labels.json", LABELS)
    yield running
    running.stop()


def flow_on_desktop(flow: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    flow_file = tmp_path / "flow.yaml"
    flow_file.write_text(flow)
    command = ["flow", "run", str(flow_file), "--env", "desktop", "--out", str(tmp_path / "run")]
    return subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,  # nobody to ask: a flagged press is denied
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_button_found_by_ocr_is_pressed(app: LabelApp, tmp_path: Path) -> None:
    result = flow_on_desktop("goal: Cancel it\nsteps:\n  - tap: Cancel\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert app.wait_for(lambda state: bool(state["pressed"]), "the press")["pressed"] == ["Cancel"]
    step = load_run(tmp_path / "run").steps[0]
    found = step.decision_info["flow"]["found"]
    assert (found["source"], found["label"]) == ("ocr", "Cancel")
    left, top, width, height = app.state()["widgets"]["Cancel"]
    x, y = found["point"]
    assert left <= x * 1920 <= left + width and top <= y * 1080 <= top + height
    assert step.safety is not None and step.safety.seen is not None
    assert (step.safety.seen.source, step.safety.seen.label) == ("ocr", "Cancel")


def test_the_safety_gate_stops_a_flagged_press_found_by_ocr(app: LabelApp, tmp_path: Path) -> None:
    result = flow_on_desktop("steps:\n  - tap: Pay now\n  - tap: Cancel\n", tmp_path)
    assert result.returncode == 1
    assert app.state()["pressed"] == []
    printed = " ".join(result.stderr.split())
    assert (
        'flow failed: step 1 (tap: "Pay now") was not carried out: the safety gate denied it'
        in printed
    )
    summary = json.loads((tmp_path / "run" / "flow.json").read_text())
    assert summary["outcome"] == "failure" and summary["steps"] == 2
