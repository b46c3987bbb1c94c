"""The safety gate on a real desktop: a Tk window (no accessibility tree) on Xvfb, read by OCR.

The window (tests/label_app.py) writes every button press to its state file; the tests drive
it through ``DesktopEnv`` and the ``Agent``, with no confirm callback, as a real desktop runs
without a person at hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from screenpilot.agent import Agent, ConfirmationRequest, SafetyGate
from screenpilot.agent.recording import load_run
from screenpilot.environments.desktop import DesktopEnv
from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.policies import ScriptedPolicy
from screenpilot.tools import coords
from tests.helpers import LabelApp

pytestmark = pytest.mark.display

LABELS = ("Pay now", "Supprimer", "Cancel")


@pytest.fixture
def app(xvfb: VirtualDisplay, tmp_path: Path) -> Iterator[LabelApp]:
    running = LabelApp(tmp_path / "labels.json", LABELS)
    yield running
    running.stop()


def taps(app: LabelApp, screen: coords.Screen) -> list[dict[str, object]]:
    script: list[dict[str, object]] = [{"type": "tap", **app.point(x, screen)} for x in LABELS]
    return [*script, {"type": "finish", "status": "success"}]


def test_ocr_denies_pay_now_and_supprimer_and_lets_cancel_through(
    app: LabelApp, tmp_path: Path
) -> None:
    env = DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05)
    script = taps(app, env.screen)
    # The Agent's own gate: OCR where the engine is installed, no person to ask.
    episode = Agent(env, ScriptedPolicy(script), run_dir=tmp_path / "run").run("press them")
    env.close()

    assert [step.status for step in episode.steps] == ["denied", "denied", "executed", "executed"]
    concerns = ("pay", "delete")
    for step, label, action in zip(episode.steps, LABELS, script, strict=False):
        review = step.safety
        assert review is not None and review.looked
        assert review.seen is not None and review.seen.source == "ocr"
        assert review.seen.label == label
        assert review.seen.box is not None
        left, top, right, bottom = review.seen.box
        assert left <= float(action["x"]) <= right and top <= float(action["y"]) <= bottom
        if label == "Cancel":
            assert review.allowed and review.concerns == ()
        else:
            concern = concerns[LABELS.index(label)]
            assert not review.allowed and not review.asked
            assert review.concerns == (f"tap on a control labelled {label!r} ({concern})",)
            assert review.rules == ("sensitive_control",)
        assert "safety" in step.timings

    state = app.wait_for(lambda state: bool(state["pressed"]), "the press on Cancel")
    assert state["pressed"] == ["Cancel"]
    recorded = load_run(tmp_path / "run").steps
    seen = [step.safety.seen for step in recorded[:3] if step.safety is not None]
    assert [(s.label, s.source) for s in seen if s is not None] == [(x, "ocr") for x in LABELS]


def test_a_desktop_gate_that_cannot_read_asks_for_every_press(
    app: LabelApp, tmp_path: Path
) -> None:
    env = DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05)
    asked: list[ConfirmationRequest] = []

    def refuse(request: ConfirmationRequest) -> bool:
        asked.append(request)
        return False

    gate = SafetyGate(confirm=refuse, reader=None)  # as where the ocr extra is not installed
    episode = Agent(env, ScriptedPolicy(taps(app, env.screen)), safety=gate).run("press them")
    env.close()

    assert [step.status for step in episode.steps] == ["denied", "denied", "denied", "executed"]
    assert len(asked) == 3
    assert all(
        request.concerns
        == ("tap on something the safety gate cannot see (no UI tree there, no OCR)",)
        for request in asked
    )
    assert app.state()["pressed"] == []  # no click was ever sent
