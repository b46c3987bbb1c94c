"""When AndroidEnv reads the UI tree: lazily, when the safety gate judges a press or typing
(and to read typed text back), at most once per screen.

The served simulated phone records every command it runs, so the ``uiautomator dump``
commands it received are counted on the device's side."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from screenpilot.agent import Agent, Observation, Step, load_run
from screenpilot.agent.safety import SafetyGate, Target, allow_all, deny_all
from screenpilot.environments.android import AndroidEnv
from screenpilot.environments.uiautomator import tree_mode
from screenpilot.errors import ConfigError, DeviceError
from screenpilot.policies import ScriptedPolicy
from screenpilot.registry import make_env
from screenpilot.sim.adb_server import AdbServer
from screenpilot.sim.env import SimEnv
from screenpilot.tools import Key
from tests.helpers import reference_actions

FAST: dict[str, Any] = {"settle_timeout": 0.3, "poll_interval": 0.01, "screenshot": "raw"}
JUDGED = {"tap", "double_tap", "long_press", "type"}
"""The actions the gate looks at: presses and typing."""
SPEC = "contacts.add:2"  # taps and typing, screen after screen


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[AdbServer]:
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")  # never start a real adb daemon
    with AdbServer(SimEnv(SPEC).phone) as served:
        yield served


def dumps(server: AdbServer) -> int:
    return sum(1 for argv in server.device.commands if argv[:2] == ["uiautomator", "dump"])


def always_objects(target: Target) -> str:
    return "a rule that objects to everything"


def test_a_press_heavy_episode_reads_each_needed_screen_once(server: AdbServer) -> None:
    env = AndroidEnv(port=server.port, **FAST)
    assert env.ui_tree == "lazy" and env.describe()["ui_tree"] == "lazy"
    during: list[int] = []  # dumps the device ran during each step

    def count(step: Step) -> None:
        during.append(dumps(server) - sum(during))

    script = reference_actions(SPEC)
    agent = Agent(
        env,
        ScriptedPolicy(script),
        safety=SafetyGate(confirm=allow_all),
        stall_limit=None,
        keep_observations=len(script) + 1,  # every observation stays alive: ids stay unique
        on_step=count,
        report=False,
    )
    episode = agent.run("add a contact")
    assert episode.outcome == "success"
    steps = episode.steps
    kinds = [step.decision.action.type for step in steps if step.decision.action is not None]
    assert kinds.count("type") >= 2 and kinds.count("tap") >= 4 and "key" in kinds
    # The screens whose tree was needed: every one the gate judged, and every one typing led to.
    needed: set[int] = set()
    for index, (step, kind) in enumerate(zip(steps, kinds, strict=True)):
        if kind in JUDGED:
            needed.add(id(step.observation))
        if kind == "type":
            needed.add(id(steps[index + 1].observation))
    assert dumps(server) == len(needed)
    for index, kind in enumerate(kinds):
        if kind not in JUDGED:
            assert during[index] == 0, (index, kind)  # e.g. the key home, the finish
    for step in steps:
        assert step.safety is None or (step.safety.looked and step.safety.concerns == ())


def test_swipes_and_keys_read_no_tree(server: AdbServer) -> None:
    env = AndroidEnv(port=server.port, **FAST)
    script = [
        {"type": "key", "key": "home"},
        {"type": "swipe", "x": 0.5, "y": 0.7, "x2": 0.5, "y2": 0.3},
        {"type": "scroll", "direction": "down", "x": 0.5, "y": 0.6},
        {"type": "key", "key": "back"},
        {"type": "finish", "status": "success"},
    ]
    episode = Agent(env, ScriptedPolicy(script), stall_limit=None, report=False).run("look")
    assert episode.outcome == "success" and len(episode.steps) == 5
    assert dumps(server) == 0


def test_a_screen_judged_again_is_not_dumped_again(server: AdbServer) -> None:
    env = AndroidEnv(port=server.port, **FAST)
    script = [
        {"type": "tap", "x": 0.5, "y": 0.5},
        {"type": "tap", "x": 0.2, "y": 0.8},
        {"type": "long_press", "x": 0.5, "y": 0.3},
        {"type": "key", "key": "home"},
        {"type": "tap", "x": 0.5, "y": 0.5},
        {"type": "finish", "status": "failure"},
    ]
    gate = SafetyGate(rules=(always_objects,), confirm=deny_all)
    agent = Agent(env, ScriptedPolicy(script), safety=gate, stall_limit=None, report=False)
    episode = agent.run("press")
    statuses = [step.status for step in episode.steps]
    assert statuses == ["denied", "denied", "denied", "executed", "denied", "executed"]
    assert dumps(server) == 2  # the first screen, judged three times; the home screen once


def test_only_the_latest_screen_is_read_from_the_device(server: AdbServer) -> None:
    env = AndroidEnv(port=server.port, **FAST)
    first = env.reset()
    second = env.step(Key(key="home")).observation
    assert env.ui_tree_of(first) is None  # that screen is gone: nothing to dump
    assert dumps(server) == 0
    tree = env.ui_tree_of(second)
    assert tree is not None and any(element.label == "Contacts" for element in tree)
    assert env.ui_tree_of(second) is tree
    assert dumps(server) == 1
    assert second.ui_elements == ()  # the policy is not shown a tree it did not ask for


def test_off_reads_nothing_and_eager_reads_every_screen(server: AdbServer) -> None:
    off = AndroidEnv(port=server.port, ui_tree=False, **FAST)
    assert off.ui_tree_of(off.reset()) is None and dumps(server) == 0
    eager = AndroidEnv(port=server.port, ui_tree=True, **FAST)
    observation = eager.reset()
    assert dumps(server) == 1 and observation.ui_elements
    assert eager.ui_tree_of(observation) == observation.ui_elements
    assert dumps(server) == 1


@pytest.mark.parametrize(
    ("given", "mode"),
    [("lazy", "lazy"), ("eager", "eager"), ("off", "off"), (True, "eager"), (False, "off")],
)
def test_ui_tree_modes(given: bool | str, mode: str) -> None:
    assert tree_mode(given) == mode


def test_an_unknown_ui_tree_mode_is_refused() -> None:
    with pytest.raises(ConfigError, match="ui_tree must be one of lazy, eager, off"):
        tree_mode("sometimes")


def test_a_dump_the_device_cannot_give_leaves_the_gate_blind_not_the_episode_over(
    server: AdbServer,
) -> None:
    def dump_without_file(args: list[str]) -> tuple[bytes, bytes, int]:
        return b"UI hierchary dumped to: /data/local/tmp/screenpilot_ui.xml\n", b"", 0

    server.device._cmd_uiautomator = dump_without_file  # type: ignore[method-assign]
    env = AndroidEnv(port=server.port, **FAST)
    script = [
        {"type": "tap", "x": 0.5, "y": 0.5},
        {"type": "key", "key": "home"},
        {"type": "finish", "status": "success"},
    ]
    blind = SafetyGate(reader=None)  # no OCR to fall back on
    episode = Agent(env, ScriptedPolicy(script), safety=blind, report=False).run("tap")
    assert [step.status for step in episode.steps] == ["denied", "executed", "executed"]
    review = episode.steps[0].safety
    assert review is not None and not review.looked and review.rules == ("unseen_target",)
    last: Observation | None = episode.steps[2].observation
    assert last is not None
    assert any("could not be read" in note and "No such file" in note for note in last.notes)


def test_without_a_dump_the_gate_reads_the_screenshot_by_ocr(server: AdbServer) -> None:
    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    server.device._cmd_uiautomator = lambda args: (b"", b"", 0)  # type: ignore[method-assign]
    env = AndroidEnv(port=server.port, **FAST)
    script = [{"type": "tap", "x": 0.5, "y": 0.5}, {"type": "finish", "status": "success"}]
    episode = Agent(env, ScriptedPolicy(script), report=False).run("tap")
    review = episode.steps[0].safety
    assert review is not None and review.looked and "unseen_target" not in review.rules
    assert episode.steps[0].status == "executed"


def test_losing_the_device_while_looking_ends_the_run_with_the_step_saved(
    server: AdbServer, tmp_path: Path
) -> None:
    env = AndroidEnv(port=server.port, **FAST)  # the default timeout: the cut fails at once
    env.reset()
    server.device.faults.cut["uiautomator"] = 0  # the connection closes without an answer
    run_dir = tmp_path / "run"
    policy = ScriptedPolicy([{"type": "tap", "x": 0.5, "y": 0.5}])
    with pytest.raises(DeviceError, match="uiautomator dump"):
        Agent(env, policy, run_dir=run_dir, report=False).run("tap")
    run = load_run(run_dir)
    assert run.manifest.outcome == "error"
    assert [step.status for step in run.steps] == ["device_error"]
    assert run.steps[0].action is not None and run.steps[0].action.type == "tap"
    assert ["input", "tap"] not in [argv[:2] for argv in server.device.commands]


@pytest.mark.parametrize("spec", ["sim", "sim:contacts.add", "demo"])
def test_no_ui_tree_is_refused_where_there_is_none_to_turn_off(spec: str) -> None:
    with pytest.raises(ConfigError, match="no device UI tree to turn off"):
        make_env(spec, ui_tree=False)


def test_no_ui_tree_reaches_the_device(server: AdbServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(server.port))
    assert make_env("android", ui_tree=False).describe()["ui_tree"] == "off"
    assert make_env("android").describe()["ui_tree"] == "lazy"
