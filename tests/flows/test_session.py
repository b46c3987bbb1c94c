"""The Python form: ``with Flow(env) as f: f.tap(...)``, run by the agent loop step by step."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenpilot.agent import load_run
from screenpilot.errors import ConfigError
from screenpilot.flows import Flow, FlowStepError
from screenpilot.sim.env import SimEnv
from screenpilot.sim.reference import ReferencePolicy


def test_each_verb_runs_when_called_and_the_run_is_recorded(tmp_path: Path) -> None:
    env = SimEnv("contacts.add:0")
    with Flow(env, goal="add Chloe", run_dir=tmp_path, reader=None) as f:
        f.open_app("Contacts")
        assert env.phone.app == "com.google.android.contacts"  # done by the time the call returns
        f.tap("Create contact")
        f.type("Chloe Petrov", into="Name")
        f.type("+1 648-555-8091", into="Phone")
        f.tap("Save")
        f.assert_visible("Chloe Petrov")
    assert f.episode is not None
    assert (f.episode.outcome, f.episode.task_success) == ("success", True)
    run = load_run(tmp_path)
    assert run.manifest.task == "add Chloe" and run.manifest.policy.name == "flow"
    assert [s.action.type for s in run.steps if s.action] == [
        "open_app", "tap", "tap", "type", "tap", "type", "tap", "finish",
    ]  # fmt: skip


def test_a_failed_step_raises_and_the_script_may_go_on() -> None:
    env = SimEnv("settings.wifi_on:0")
    with Flow(env, reader=None) as f:
        f.open_app("Settings")
        with pytest.raises(FlowStepError, match=r'^step 2 \(tap: "Wireless"\): "Wireless" is not'):
            f.tap("Wireless")
        assert f.visible("Wi-Fi") and not f.visible("Wireless")
        f.tap("Wi-Fi")
    assert f.episode is not None and f.episode.task_success is True


def test_ai_hands_a_sub_goal_to_the_policy_and_the_script_goes_on() -> None:
    env = SimEnv("settings.wifi_on:0")
    with Flow(env, policy=ReferencePolicy(), grounding=False, reader=None) as f:
        f.key("home")
        assert f.ai("Turn on Wi-Fi", max_steps=5) is None
        f.assert_visible("Wi-Fi")
    assert f.episode is not None and f.episode.task_success is True
    sources = [step.decision.info.get("source") for step in f.episode.steps]
    assert sources == ["flow", "model", "model", "model", "flow"]


def test_ai_without_a_policy_is_refused_before_anything_runs() -> None:
    with Flow(SimEnv("settings.wifi_on:0"), reader=None) as f:
        with pytest.raises(ConfigError, match="needs a policy"):
            f.ai("Turn on Wi-Fi")
        f.open_app("Settings")
    assert f.episode is not None and f.episode.outcome == "success"


def test_an_error_in_the_block_ends_the_run_with_failure_saying_why() -> None:
    with (
        pytest.raises(RuntimeError, match="boom"),
        Flow(SimEnv("settings.wifi_on:0"), reader=None) as f,
    ):
        f.open_app("Settings")
        raise RuntimeError("boom")
    assert f.episode is not None and f.episode.outcome == "failure"
    assert f.episode.answer == "the script stopped: RuntimeError: boom"


def test_a_verb_after_the_run_ended_says_so() -> None:
    """The step budget ends the run after the tap; the tap is done, the next verb cannot be."""
    env = SimEnv("settings.wifi_on:0")
    with Flow(env, reader=None, max_steps=2) as f:
        f.open_app("Settings")
        f.tap("Wi-Fi")
        with pytest.raises(FlowStepError, match=r"the run has ended \(max_steps\)"):
            f.key("home")
    assert env.phone.data.wifi is True
