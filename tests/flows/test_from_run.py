"""From a recorded run to a flow, and guarded replay: a flow recorded from the reference
solution replays every simulated task with no model call; a screen that diverges from a guard
hands over to a fallback policy or stops, saying where and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screenpilot.agent import Agent, SafetyGate, load_run
from screenpilot.flows import FlowSpec, flow_from_run, load_flow, save_flow
from screenpilot.flows import steps as flow
from screenpilot.flows.fingerprint import guard_of
from screenpilot.sim.catalog import TEMPLATES, parse_task
from screenpilot.sim.env import SimEnv
from screenpilot.sim.reference import ReferencePolicy
from tests.flows.helpers import play, sources


def reference_run(spec: str, run_dir: Path) -> Path:
    """The reference solution's run, its safety gate reading the UI tree alone."""
    task = parse_task(spec)
    gate = SafetyGate(reader=None)
    agent = Agent(
        SimEnv(spec), ReferencePolicy(task), stall_limit=None, safety=gate, run_dir=run_dir
    )
    agent.run(task.goal)
    return run_dir


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_flow_recorded_from_the_reference_run_replays_with_no_model_call(
    name: str, tmp_path: Path
) -> None:
    spec = f"{name}:0"
    recorded = flow_from_run(reference_run(spec, tmp_path / "reference"), reader=None)
    assert recorded.warnings == []
    path = save_flow(recorded.flow, tmp_path / "flow.yaml")
    replayed = play(load_flow(path), spec, tmp_path / "replay")
    assert replayed.episode.task_success is True, replayed.failure
    assert replayed.summary["model_calls"] == 0
    assert set(sources(replayed)) == {"flow"}
    assert all(step.guard is not None and step.guard.tree for step in recorded.flow.steps)


def test_presses_become_the_shortest_locator_that_finds_the_same_element(tmp_path: Path) -> None:
    recorded = flow_from_run(reference_run("contacts.delete:0", tmp_path / "run"), reader=None)
    written = [
        flow.step_data(step.model_copy(update={"guard": None})) for step in recorded.flow.steps
    ]
    assert written == [
        {"key": "home"},
        {"tap": {"description": "Contacts"}},  # "Contacts" alone finds the caption first
        {"tap": {"description": "Search contacts"}},  # a field by its hint, not its text
        {"type": "Vera Ito"},
        {"tap": "Vera Ito"},
        {"tap": "Delete"},  # the trash can's description: the only "Delete" there
        {"tap": "Delete"},  # the dialog's button: text before descriptions
    ]
    assert recorded.flow.goal == "Delete the contact Vera Ito"


def test_scrolls_before_a_press_become_scroll_until(tmp_path: Path) -> None:
    recorded = flow_from_run(reference_run("contacts.open_card:1", tmp_path / "run"), reader=None)
    scroll = next(step for step in recorded.flow.steps if isinstance(step, flow.Scroll))
    assert (scroll.direction, scroll.until) == ("down", flow.Locator(label="Zoe Evans"))


def strip(run_dir: Path, *fields: str) -> None:
    """Take ``fields`` out of every step of a recorded run (a run with no tree, say)."""
    path = run_dir / "trajectory.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        for name in fields:
            line.pop(name, None)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_without_a_tree_the_labels_the_safety_gate_read_are_used(tmp_path: Path) -> None:
    run_dir = reference_run("contacts.add:0", tmp_path / "run")
    strip(run_dir, "ui_elements")
    recorded = flow_from_run(run_dir, reader=None)
    presses = [step for step in recorded.flow.steps if isinstance(step, flow.Press)]
    labels = ["Contacts", "Create contact", "Name", "Phone", "Save"]
    assert [step.target for step in presses] == [flow.Locator(label=label) for label in labels]
    assert all(
        step.guard is not None and step.guard.tree is None and step.guard.image for step in presses
    )
    assert play(recorded.flow, "contacts.add:0").episode.task_success is True


def test_a_press_off_an_elements_centre_keeps_its_place(tmp_path: Path) -> None:
    """The brightness slider is pressed where the level should be, not at its middle."""
    recorded = flow_from_run(reference_run("settings.brightness:0", tmp_path / "run"), reader=None)
    slider = recorded.flow.steps[2]
    level = parse_task("settings.brightness:0").params["level"] / 100
    assert isinstance(slider, flow.Press) and slider.target.label == "Brightness"
    assert slider.target.at == (level, 0.5)
    assert flow.step_data(slider.model_copy(update={"guard": None})) == {
        "tap": {"label": "Brightness", "at": [level, 0.5]}
    }


def test_with_nothing_to_read_a_press_keeps_its_point_and_says_so(tmp_path: Path) -> None:
    run_dir = reference_run("settings.wifi_on:0", tmp_path / "run")
    strip(run_dir, "ui_elements", "safety")
    recorded = flow_from_run(run_dir, reader=None)
    tapped = load_run(run_dir).steps[1].action
    assert tapped is not None and tapped.type == "tap"
    first = next(step for step in recorded.flow.steps if isinstance(step, flow.Press))
    assert first.target == flow.Locator(x=round(tapped.x, 4), y=round(tapped.y, 4))  # type: ignore[union-attr]
    assert len(recorded.warnings) == 2
    assert recorded.warnings[0].startswith("run step 2 (tap at ")
    assert recorded.warnings[0].endswith("): no label found there; the flow presses the same point")
    assert play(recorded.flow, "settings.wifi_on:0").episode.task_success is True


def diverging_flow(tmp_path: Path) -> FlowSpec:
    """The Wi-Fi flow recorded from the reference run, its third step expecting the home
    screen: replayed, the Settings page it meets there diverges from its guard."""
    recorded = flow_from_run(
        reference_run("settings.wifi_on:0", tmp_path / "reference"), reader=None
    )
    home = SimEnv("settings.wifi_on:0").reset()
    steps = list(recorded.flow.steps)
    steps[2] = steps[2].model_copy(update={"guard": guard_of(home.ui_elements, home.screenshot)})
    return FlowSpec(tuple(steps), recorded.flow.goal)


def test_a_diverging_screen_without_a_fallback_stops_saying_where_and_why(tmp_path: Path) -> None:
    spec = diverging_flow(tmp_path)
    result = play(spec, "settings.wifi_on:0", tmp_path / "replay")
    assert result.episode.outcome == "failure" and result.episode.task_success is False
    assert result.failure is not None
    assert result.failure.startswith(
        'step 3 (tap: id "wifi_switch"): the screen is not the one recorded (UI-tree similarity 0.'
    )
    assert result.failure.endswith(" < 0.5)")
    assert [step.action.type for step in result.episode.steps if step.action] == [
        "key",
        "tap",
        "finish",
    ]


def test_a_diverging_screen_hands_over_to_the_fallback_which_finishes_the_task(
    tmp_path: Path,
) -> None:
    spec = diverging_flow(tmp_path)
    result = play(spec, "settings.wifi_on:0", tmp_path / "replay", fallback=ReferencePolicy())
    assert result.episode.outcome == "success" and result.episode.task_success is True
    assert sources(result) == ["flow", "flow", "model", "model", "model", "model"]
    summary = json.loads((tmp_path / "replay" / "flow.json").read_text())
    assert (summary["steps_from_flow"], summary["steps_from_model"]) == (2, 4)
    assert summary["model_calls"] == 4
    assert summary["handed_off"]["step"] == 3
    assert summary["handed_off"]["reason"].startswith(
        'step 3 (tap: id "wifi_switch"): the screen is not'
    )


def test_a_missing_locator_hands_over_too() -> None:
    text = "goal: Turn on Wi-Fi\nsteps: [{open_app: Settings}, {tap: Wireless}]"
    result = play(text, "settings.wifi_on:0", fallback=ReferencePolicy())
    assert result.episode.task_success is True
    assert result.summary["handed_off"]["step"] == 2
    assert sources(result)[0] == "flow" and set(sources(result)[1:]) == {"model"}


def test_without_a_goal_there_is_nothing_to_hand_over() -> None:
    result = play(
        "steps: [{open_app: Settings}, {tap: Wireless}]",
        "settings.wifi_on:0",
        fallback=ReferencePolicy(),
    )
    assert result.episode.outcome == "failure" and result.summary["handed_off"] is None
