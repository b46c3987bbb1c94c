"""Every registered environment keeps the Environment contract (check_env), and check_env
catches environments that do not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import screenpilot.environments as environments
from screenpilot.agent import Agent, Environment, Observation, StepResult
from screenpilot.environments.android import AndroidEnv
from screenpilot.environments.check import ContractViolation, check_env
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import ConfigError
from screenpilot.policies import ScriptedPolicy
from screenpilot.registry import ENVIRONMENTS, make_env
from screenpilot.sim.adb_server import AdbServer
from screenpilot.tools import Action, OpenApp
from screenpilot.tools.coords import Screen
from tests.android_device import VirtualDevice
from tests.helpers import HOME_ICON, ROW0, tap


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("recorded") / "run"
    script = [
        tap(HOME_ICON),
        tap(ROW0),
        {"type": "scroll", "direction": "down"},
        {"type": "finish", "status": "success"},
    ]
    Agent(DemoEnv(items=("milk", "eggs")), ScriptedPolicy(script), run_dir=run_dir).run(
        "tick off milk"
    )
    return run_dir


@pytest.fixture
def adb_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[AdbServer]]:
    """ADB-protocol servers started by build(), stopped after the test."""
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")  # never start a real adb daemon
    servers: list[AdbServer] = []
    yield servers
    for server in servers:
        server.stop()


def build(
    name: str, recorded_run: Path, adb_servers: list[AdbServer], request: pytest.FixtureRequest
) -> tuple[Environment, dict[str, Action]]:
    """Each registered environment, as the contract test builds it."""
    if name == "android":
        server = AdbServer(VirtualDevice()).start()
        adb_servers.append(server)
        env = AndroidEnv(port=server.port, settle_timeout=0.5, poll_interval=0.01)
        return env, {}
    if name == "demo":
        return make_env("demo"), {"open_app": OpenApp(app="Shopping list")}
    if name == "replay":
        return make_env(f"replay:{recorded_run}"), {}
    if name == "aitz":
        sample = Path(__file__).resolve().parents[1] / "data" / "aitz" / "train"
        return make_env(f"aitz:{sample}"), {}
    if name == "desktop":
        request.getfixturevalue("xvfb")  # a real X server for the whole session
        return make_env("desktop:1"), {}
    if name == "sim":
        return make_env("sim:contacts.add:1"), {}
    raise AssertionError(f"add {name!r} to the contract test")


NEEDS_DISPLAY = {"desktop"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.display) if name in NEEDS_DISPLAY else name
        for name in sorted(ENVIRONMENTS)
    ],
)
def test_every_registered_environment_keeps_the_contract(
    name: str, recorded_run: Path, adb_servers: list[AdbServer], request: pytest.FixtureRequest
) -> None:
    env, samples = build(name, recorded_run, adb_servers, request)
    check_env(env, samples=samples)


def test_environments_are_importable_by_class_name() -> None:
    assert environments.DemoEnv is DemoEnv
    assert environments.ReplayEnvironment is environments.ReplayEnv
    with pytest.raises(AttributeError):
        environments.NoSuchEnv  # noqa: B018


def test_unknown_environment_names_suggest_the_closest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'demo'"):
        make_env("dmeo")
    with pytest.raises(ConfigError, match="takes no argument"):
        make_env("demo:extra")
    with pytest.raises(ConfigError, match="replay needs a run directory"):
        make_env("replay")


class BrokenEnv(Environment):
    """A configurable rule breaker."""

    def __init__(
        self,
        *,
        reuse_image: bool = False,
        wrong_size: bool = False,
        finish_ends: bool = True,
        raises_unsupported: bool = True,
        bad_bounds: bool = False,
        unseeded: bool = False,
    ) -> None:
        self.reuse_image, self.wrong_size, self.finish_ends = reuse_image, wrong_size, finish_ends
        self.raises_unsupported, self.bad_bounds = raises_unsupported, bad_bounds
        self.image = Image.new("RGB", (50, 100))
        self.unseeded, self.resets = unseeded, 0

    simulated = True

    @property
    def screen_size(self) -> tuple[int, int]:
        return (50, 100)

    def _observe(self) -> Observation:
        from screenpilot.agent import UIElement

        size = (60, 100) if self.wrong_size else (50, 100)
        image = self.image if self.reuse_image else Image.new("RGB", size)
        elements = (UIElement((0.5, 0.5, 1.2, 0.6), text="x"),) if self.bad_bounds else ()
        return Observation(image, Screen.same_size(*size), ui_elements=elements)

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self.resets += 1
        observation = self._observe()
        if self.unseeded:  # a dot wherever the reset count says, whatever the seed
            observation.screenshot.putpixel((self.resets % 50, 0), (255, 255, 255))
        return observation

    def step(self, action: Action) -> StepResult:
        if self.raises_unsupported:
            self.check_supported(action)
        return StepResult(self._observe(), terminated=self.finish_ends and action.type == "finish")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, None),
        ({"reuse_image": True}, "returned the previous screenshot object"),
        ({"wrong_size": True}, r"screenshot size \(60, 100\) != screen_size \(50, 100\)"),
        ({"finish_ends": False}, "finish must end the episode"),
        ({"raises_unsupported": False}, "right_click is not supported but step"),
        ({"bad_bounds": True}, "outside"),
        ({"unseeded": True}, r"reset\(seed=0\) twice showed two different screens"),
    ],
)
def test_check_env_catches_broken_environments(
    settings: dict[str, bool], message: str | None
) -> None:
    env = BrokenEnv(**settings)
    if message is None:
        check_env(env)
        return
    with pytest.raises(ContractViolation, match=message):
        check_env(env)


def test_demo_rejects_apps_it_does_not_have(demo: DemoEnv) -> None:
    from screenpilot.errors import InvalidActionError

    demo.reset()
    with pytest.raises(InvalidActionError, match="no app named 'Maps'"):
        demo.step(OpenApp(app="Maps"))
