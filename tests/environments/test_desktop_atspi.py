"""The desktop's accessibility tree (AT-SPI) for the safety gate, on Xvfb with a D-Bus session.

A GTK 3 window (tests/gtk_app.py, run by a Python that has PyGObject) exports its buttons over
AT-SPI; the gate reads their labels from the tree. A Tk window (tests/label_app.py) exports
nothing: put over the GTK window, it hides the tree there, and the gate reads it by OCR.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from screenpilot.agent import Agent, ConfirmationRequest, SafetyGate
from screenpilot.agent.core import UIElement
from screenpilot.agent.safety import look
from screenpilot.environments import desktop_atspi
from screenpilot.environments.desktop import DesktopEnv
from screenpilot.environments.desktop_atspi import uncovered
from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.policies import ScriptedPolicy
from screenpilot.tools import Tap, coords
from tests.helpers import LabelApp

TESTS = Path(__file__).parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
NEEDS = "python3-gi gir1.2-gtk-3.0 libatk-adaptor at-spi2-core dbus"


def test_a_window_counts_only_where_nothing_covers_it() -> None:
    window = (100, 80, 300, 40)
    alone = [((0, 0, 1920, 1080), ((0, 0, 1920, 1080),)), (window, (window,))]
    assert uncovered(window, alone)
    framed = [((98, 50, 304, 72), ((98, 50, 304, 72), (100, 80, 300, 40)))]  # a title bar
    assert uncovered(window, framed)
    covered = [*alone, ((350, 60, 200, 100), ((350, 60, 200, 100),))]
    assert not uncovered(window, covered)
    below = [((350, 60, 200, 100), ((350, 60, 200, 100),)), (window, (window,))]
    assert uncovered(window, below)
    assert not uncovered(window, [((0, 0, 1920, 1080), ((0, 0, 1920, 1080),))])  # no match
    full = (0, 0, 1920, 1080)  # two maximized windows: which one is the tree's is unknown
    assert not uncovered(full, [(full, (full,)), (full, (full,))])
    assert uncovered(full, [(full, (full,)), (window, (window,))]) is False  # covered anyway


@pytest.fixture(scope="module")
def session(xvfb: VirtualDisplay) -> Iterator[dict[str, str]]:
    """A D-Bus session bus on which GTK starts the accessibility bus (at-spi-bus-launcher)."""
    probe = [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('Gtk', '3.0')"]
    if shutil.which("dbus-daemon") is None or subprocess.run(probe, check=False).returncode:
        pytest.fail(f"the AT-SPI tests need a Python with GTK and a D-Bus: apt-get install {NEEDS}")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    try:
        yield {"DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        if saved is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved
        daemon.terminate()
        daemon.wait(timeout=10)


@pytest.fixture(autouse=True)
def _any_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree's walk gives up after 0.75 s, and each AT-SPI call after 0.5 s, by design; a busy
    machine would then see OCR where the tests expect the tree. Here both wait a minute."""
    monkeypatch.setattr(desktop_atspi, "BUDGET", 60.0)
    monkeypatch.setattr(desktop_atspi, "TIMEOUT", 60.0)


def exported_tree(env: DesktopEnv, wait: float = 60.0) -> tuple[UIElement, ...]:
    """The tree, once the application has registered with AT-SPI (its window may show first)."""
    deadline = time.monotonic() + wait
    while (tree := env.ui_tree_of(env.observe())) is None:
        assert time.monotonic() < deadline, "no application exported a tree"
        time.sleep(0.1)
    return tree


@pytest.fixture
def launch(session: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., LabelApp]]:
    apps: list[LabelApp] = []

    def start(toolkit: str, *labels: str, at: tuple[int, int] = (100, 80)) -> LabelApp:
        app_file, python = {
            "gtk": (TESTS / "gtk_app.py", SYSTEM_PYTHON),
            "tk": (TESTS / "label_app.py", sys.executable),
        }[toolkit]
        state = tmp_path / f"{toolkit}{len(apps)}.json"
        place = ["--x", str(at[0]), "--y", str(at[1])]
        apps.append(LabelApp(state, labels, command=[python, str(app_file), *place]))
        return apps[-1]

    yield start
    for app in apps:
        app.stop()


@pytest.mark.display
def test_the_gate_reads_gtk_buttons_from_the_accessibility_tree(
    launch: Callable[..., LabelApp], tmp_path: Path
) -> None:
    labels = ("Pay now", "Supprimer", "Cancel")
    app = launch("gtk", *labels)
    env = DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05)
    tree = exported_tree(env)
    buttons = {e.label: e for e in tree if e.kind == "push button"}
    assert set(buttons) == set(labels) and all(e.clickable for e in buttons.values())
    for label in labels:
        left, top, width, height = app.state()["widgets"][label]
        box = coords.box_from_device(left, top, left + width, top + height, env.screen)
        assert buttons[label].bounds == pytest.approx(box, abs=2 / 1080)

    script: list[dict[str, object]] = [{"type": "tap", **app.point(x, env.screen)} for x in labels]
    script.append({"type": "finish", "status": "success"})
    episode = Agent(env, ScriptedPolicy(script), run_dir=tmp_path / "run").run("press them")
    env.close()

    assert [step.status for step in episode.steps] == ["denied", "denied", "executed", "executed"]
    for step, label in zip(episode.steps, labels, strict=False):
        assert step.safety is not None and step.safety.seen is not None
        assert (step.safety.seen.label, step.safety.seen.source) == (label, "tree")
    state = app.wait_for(lambda state: bool(state["pressed"]), "the press on Cancel")
    assert state["pressed"] == ["Cancel"]


@pytest.mark.display
def test_a_press_between_the_buttons_is_not_judged_by_the_window_title(
    launch: Callable[..., LabelApp],
) -> None:
    """The frame is named after the window ("labels (GTK)"); a press inside it on nothing that
    exports a name gets no label from the tree, so OCR reads what is drawn there."""
    app = launch("gtk", "Pay now", "Cancel")
    env = DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05)
    tree = exported_tree(env)
    assert any(e.kind == "frame" for e in tree) and all(e.label != "labels (GTK)" for e in tree)
    left, top, _, height = app.state()["widgets"]["Pay now"]
    x, y = coords.from_device(left - 6, top + height // 2, env.screen)  # the window's border
    observation = env.observe()
    seen, looked, _ = look(env, Tap(x=x, y=y), observation, reader=None)
    env.close()
    assert seen is None and looked  # the tree reaches the point, and names nothing there


@pytest.mark.display
def test_a_window_over_the_tree_is_read_by_ocr_not_from_the_tree_beneath(
    launch: Callable[..., LabelApp], tmp_path: Path
) -> None:
    below = launch("gtk", "Cancel", "Close", "Next")  # harmless, and hidden
    env = DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05)
    exported_tree(env)
    above = launch("tk", "Supprimer", "Cancel")  # mapped later: on top, at the same place
    assert env.ui_tree_of(env.observe()) is None  # the only window with a tree is covered

    script = [
        {"type": "tap", **above.point("Supprimer", env.screen)},
        {"type": "finish", "status": "success"},
    ]
    episode = Agent(env, ScriptedPolicy(script), run_dir=tmp_path / "run").run("press it")
    env.close()

    review = episode.steps[0].safety
    assert episode.steps[0].status == "denied"
    assert review is not None and review.seen is not None
    assert (review.seen.label, review.seen.source) == ("Supprimer", "ocr")
    assert above.state()["pressed"] == [] and below.state()["pressed"] == []


@pytest.mark.display
def test_without_ocr_the_gate_sees_only_where_the_tree_reaches(
    launch: Callable[..., LabelApp],
) -> None:
    treed = launch("gtk", "Cancel")
    bare = launch("tk", "Cancel", at=(100, 400))  # beside it, with no tree
    env = DesktopEnv(settle=0.1, max_settle=1.0, poll=0.05)
    exported_tree(env)
    asked: list[ConfirmationRequest] = []

    def refuse(request: ConfirmationRequest) -> bool:
        asked.append(request)
        return False

    script = [
        {"type": "tap", **treed.point("Cancel", env.screen)},
        {"type": "tap", **bare.point("Cancel", env.screen)},
        {"type": "finish", "status": "success"},
    ]
    gate = SafetyGate(confirm=refuse, reader=None)  # as where the ocr extra is not installed
    episode = Agent(env, ScriptedPolicy(script), safety=gate).run("press both")
    env.close()

    assert [step.status for step in episode.steps] == ["executed", "denied", "executed"]
    first = episode.steps[0].safety
    assert first is not None and first.seen is not None and first.seen.source == "tree"
    assert [request.concerns for request in asked] == [
        ("tap on something the safety gate cannot see (no UI tree there, no OCR)",)
    ]
    assert treed.wait_for(lambda state: bool(state["pressed"]), "the press")["pressed"] == [
        "Cancel"
    ]
    assert bare.state()["pressed"] == []
