"""Flows on the simulated phone: a task in every app by text locators alone, and how a flow
fails, waits, scrolls, meets the safety gate and runs dry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screenpilot.agent import SafetyGate, deny_all, load_run
from screenpilot.agent.report import THUMBNAIL_HEIGHT
from screenpilot.flows import load_flow
from screenpilot.flows import steps as flow
from screenpilot.sim.catalog import parse_task
from screenpilot.tools import coords
from tests.flows.helpers import EXAMPLE_FLOWS, example_task, play, sources


def test_the_examples_cover_every_app() -> None:
    apps = {example_task(path).split(".")[0] for path in EXAMPLE_FLOWS}
    assert apps == {"settings", "contacts", "messages", "clock", "notes", "browser", "home"}


@pytest.mark.parametrize("path", EXAMPLE_FLOWS, ids=lambda path: path.stem)
def test_an_example_flow_succeeds_by_text_and_the_task_judge_agrees(
    path: Path, tmp_path: Path
) -> None:
    spec = load_flow(path)
    task = example_task(path)
    assert spec.goal == parse_task(task).goal  # the flow is for that very task
    targets = [
        target
        for step in spec.steps
        for target in (
            getattr(step, "target", None),
            getattr(step, "into", None),
            getattr(step, "until", None),
        )
        if target is not None
    ]
    assert targets and all(target.field in ("label", "text") for target in targets)
    result = play(spec, task, tmp_path / "run")
    assert result.episode.outcome == "success", result.failure
    assert result.episode.task_success is True
    assert set(sources(result)) == {"flow"}
    assert result.summary["model_calls"] == 0
    found = [
        s.decision.info["flow"]["found"]
        for s in result.episode.steps
        if "found" in s.decision.info.get("flow", {})
    ]
    assert found and {f["source"] for f in found} == {"tree"}
    written = json.loads((tmp_path / "run" / "flow.json").read_text())
    assert written["steps_from_flow"] == len(result.episode.steps)
    assert written["steps_from_model"] == 0 and written["task_success"] is True


def test_a_tap_is_recorded_and_its_box_drawn_in_the_report(tmp_path: Path) -> None:
    result = play("steps: [{open_app: Settings}, {tap: Wi-Fi}]", "settings.wifi_on:0", tmp_path)
    step = load_run(tmp_path).steps[1]
    found = step.decision_info["flow"]["found"]
    assert (found["source"], found["how"], found["label"]) == ("tree", "exact text", "Wi-Fi")
    assert step.reasoning == 'flow step 2: tap: "Wi-Fi" — found in the UI tree (exact text "Wi-Fi")'
    left, top, right, bottom = step.decision_info["target_box"]
    assert step.action is not None and step.action.type == "tap"
    assert (step.action.x, step.action.y) == pytest.approx(((left + right) / 2, (top + bottom) / 2))
    thumbnail = coords.Screen.same_size(1080 * THUMBNAIL_HEIGHT // 2400, THUMBNAIL_HEIGHT)
    x, y = coords.to_screenshot_pixels(left, top, thumbnail)
    drawn = (
        f'<rect x="{x}" y="{y}" width="{coords.to_screenshot_pixels(right, 0, thumbnail)[0] - x}"'
    )
    assert drawn in (tmp_path / "report.html").read_text()
    assert result.episode.task_success is True


def test_a_missing_locator_fails_naming_the_step_the_locator_and_the_screen(tmp_path: Path) -> None:
    result = play("steps: [{open_app: Settings}, {tap: Wireless}]", "settings.wifi_on:0", tmp_path)
    assert result.episode.outcome == "failure" and result.episode.task_success is False
    expected = (
        'step 2 (tap: "Wireless"): "Wireless" is not on the screen (looked in: the UI tree); '
        'the screen shows "Wi-Fi", "Off", "Bluetooth", "Visible as “Pixel 7”", "Airplane mode", '
        '"Brightness level", "40%", "Brightness", "Dark theme", "Battery", '
        '"82% - About 1 day left", "Storage", "41% used - 75.5 GB free", "Sound & vibration", '
        '"Volume, haptics, Do Not Disturb" and 6 more (UI tree)'
    )
    assert result.failure == expected
    assert json.loads((tmp_path / "flow.json").read_text())["failure"] == expected
    assert load_run(tmp_path).manifest.outcome == "failure"  # the run is saved


def test_locators_match_normalized_case_spaces_punctuation_and_accents() -> None:
    result = play("steps: [{open_app: Settings}, {tap: wífi}]", "settings.wifi_on:0")
    assert result.episode.task_success is True
    found = result.episode.steps[1].decision.info["flow"]["found"]
    assert (found["how"], found["label"]) == ("normalized text", "Wi-Fi")


def test_wait_for_waits_through_the_environment_and_gives_up_after_its_timeout() -> None:
    text = "steps: [{open_app: Settings}, {wait_for: {text: Hotspot, timeout: 2, poll: 0.5}}]"
    result = play(text, "settings.wifi_on:0")
    actions = [step.action for step in result.episode.steps]
    assert [a.type for a in actions if a is not None] == ["open_app", *["wait"] * 4, "finish"]
    assert {a.seconds for a in actions if a is not None and a.type == "wait"} == {0.5}  # type: ignore[union-attr]
    assert result.failure is not None
    assert result.failure.startswith('step 2 (wait_for: text "Hotspot"): text "Hotspot" is not')
    assert result.failure.endswith(", after waiting 2 s")


def test_wait_for_and_assert_visible_that_hold_take_no_step() -> None:
    text = "steps: [{open_app: Settings}, {wait_for: Battery}, {assert_visible: Storage}, {tap: Wi-Fi}]"
    result = play(text, "settings.wifi_on:0")
    assert [s.action.type for s in result.episode.steps if s.action] == [
        "open_app",
        "tap",
        "finish",
    ]
    checked = result.episode.steps[1].decision.info["flow"]["checked"]
    assert checked == [
        'step 2 (wait_for: "Battery"): "Battery" is visible (found in the UI tree (exact text "Battery"))',
        'step 3 (assert_visible: "Storage"): "Storage" is visible (found in the UI tree (exact text "Storage"))',
    ]
    assert result.episode.task_success is True


def test_an_assertion_that_fails_stops_the_flow() -> None:
    result = play("steps: [{open_app: Settings}, {assert_visible: Hotspot}]", "settings.wifi_on:0")
    assert result.episode.outcome == "failure"
    assert result.failure is not None and result.failure.startswith(
        'step 2 (assert_visible: "Hotspot"): "Hotspot" is not on the screen'
    )


def test_scroll_until_is_bounded() -> None:
    text = "steps: [{open_app: Contacts}, {scroll: {direction: down, until: Nobody Here, max_scrolls: 3}}]"
    result = play(text, "contacts.open_card:1")
    assert [s.action.type for s in result.episode.steps if s.action] == [
        "open_app",
        *["scroll"] * 3,
        "finish",
    ]
    assert result.failure is not None and result.failure.endswith(", after 3 scrolls down")


def test_a_press_the_safety_gate_denies_fails_the_flow() -> None:
    task = "messages.send_new:0"
    spec = load_flow(next(p for p in EXAMPLE_FLOWS if p.stem == "sim_send_message"))
    result = play(spec, task, safety=SafetyGate(confirm=deny_all, reader=None))
    denied = [step for step in result.episode.steps if step.status == "denied"]
    assert len(denied) == 1 and denied[0].safety is not None
    assert denied[0].safety.seen is not None and denied[0].safety.seen.label == "Send SMS"
    assert result.failure is not None and result.failure.startswith(
        'step 6 (tap: "Send SMS") was not carried out: the safety gate denied it: not executed:'
    )
    assert result.episode.task_success is False


def test_a_dry_run_resolves_what_it_can_and_changes_nothing() -> None:
    text = "steps: [{tap: Settings}, {tap: Wi-Fi}]"
    result = play(text, "settings.wifi_on:0", dry_run=True)
    steps = result.episode.steps
    assert [s.status for s in steps] == ["dry_run", "model_error", "dry_run"]
    assert steps[0].decision.info["flow"]["found"]["label"] == "Settings"
    assert steps[1].error is not None and steps[1].error.message.startswith(
        'not resolved in the dry run: step 2 (tap: "Wi-Fi"): "Wi-Fi" is not on the screen'
    )
    assert (
        result.failure
        == "1 of the flow's steps could not be resolved (dry run: the screen never changed)"
    )
    assert result.episode.task_success is False


def test_an_app_the_phone_does_not_have_is_looked_for_on_the_home_screen() -> None:
    result = play("steps: [{open_app: Camera}]", "home.infeasible_camera:0")
    assert [(s.status, s.action.type if s.action else None) for s in result.episode.steps] == [
        ("model_error", "open_app"),
        ("executed", "key"),
        ("executed", "finish"),
    ]
    assert result.failure is not None and result.failure.startswith(
        "step 1 (open_app: \"Camera\"): no app 'Camera' on this phone; apps: "
    )
    assert (
        '; and on the home screen "Camera" is not on the screen (looked in: the UI tree)'
        in result.failure
    )


def test_an_ai_step_needs_a_policy() -> None:
    from screenpilot.errors import ConfigError

    with pytest.raises(ConfigError, match=r"step 2 \(ai: \"turn it on\"\) needs a policy"):
        play("steps: [{open_app: Settings}, {ai: turn it on}]", "settings.wifi_on:0")


def test_a_finish_step_ends_the_flow_with_its_status() -> None:
    result = play(
        "steps: [{open_app: Settings}, {finish: failure}, {tap: Wi-Fi}]", "settings.wifi_on:0"
    )
    assert result.episode.outcome == "failure"
    assert result.failure == "step 2 finishes with failure"
    assert len(result.episode.steps) == 2


def test_every_press_verb_becomes_its_action() -> None:
    assert flow.PRESS_VERBS == (
        "tap",
        "double_tap",
        "long_press",
        "right_click",
        "middle_click",
        "hover",
    )
    result = play("steps: [{open_app: Contacts}, {long_press: Create contact}]", "contacts.add:0")
    assert result.episode.steps[1].action is not None
    assert result.episode.steps[1].action.type == "long_press"
