"""Shared fixtures. Tests never reach the network: only loopback connections are allowed."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from screenpilot.environments.demo import DemoEnv
from screenpilot.environments.xvfb import VirtualDisplay
from screenpilot.sim.adb_server import AdbServer
from screenpilot.sim.env import SimEnv

# Hypothesis fails an example that runs past 200 ms by default, and a strategy that generates
# slowly: both measure the machine, not the code. Its own CI profile turns both off; so do we,
# everywhere, on top of whichever profile is loaded.
settings.register_profile(
    "any_speed", parent=settings(), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("any_speed")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0] if isinstance(address, tuple) else address
        try:
            loopback = host == "localhost" or ipaddress.ip_address(str(host)).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            msg = f"tests may only connect to loopback, not {address!r}"
            raise RuntimeError(msg)
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def demo() -> Iterator[DemoEnv]:
    env = DemoEnv(items=("milk", "eggs"))
    yield env
    env.close()


# Tiny random-weight Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoints, built once per session, offline.
@pytest.fixture(scope="session")
def tiny_qwen2vl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers", reason="needs the local extra")
    from screenpilot.policies.tiny import build_model_dir

    return build_model_dir(tmp_path_factory.mktemp("qwen2vl") / "model", family="qwen2vl")


@pytest.fixture(scope="session")
def tiny_qwen25vl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers", reason="needs the local extra")
    from screenpilot.policies.tiny import build_model_dir

    return build_model_dir(tmp_path_factory.mktemp("qwen25vl") / "model", family="qwen25vl")


@pytest.fixture(scope="session")
def tiny_qwen3vl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers", reason="needs the local extra")
    from screenpilot.policies.tiny import build_model_dir

    return build_model_dir(tmp_path_factory.mktemp("qwen3vl") / "model", family="qwen3vl")


@pytest.fixture
def served() -> Iterator[Callable[[str], tuple[SimEnv, AdbServer]]]:
    """Serves a simulated phone set up for a task over the ADB protocol on 127.0.0.1; stops
    every server it started."""
    servers: list[AdbServer] = []

    def serve(spec: str) -> tuple[SimEnv, AdbServer]:
        sim = SimEnv(spec)
        servers.append(AdbServer(sim.phone).start())
        return sim, servers[-1]

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return tmp_path / "run"


@pytest.fixture(scope="session")
def xvfb() -> Iterator[VirtualDisplay]:
    """A 1920x1080x24 Xvfb with its own Xauthority, as DISPLAY for the rest of the session.

    One server per session: pyautogui connects to the display once, when first imported, so a
    process cannot move on to a second server. Missing Xvfb fails the test rather than skip it.
    """
    missing = [tool for tool in ("Xvfb", "xauth", "xclip") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"display tests need {', '.join(missing)}: apt-get install xvfb xauth xclip "
            "(or deselect them with -m 'not display')"
        )
    saved = {name: os.environ.get(name) for name in ("DISPLAY", "XAUTHORITY")}
    with VirtualDisplay(1920, 1080) as display:
        os.environ.update(display.environ)
        try:
            yield display
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run only where CUDA is available."""
    try:
        import torch

        has_cuda = bool(torch.cuda.is_available())
    except ImportError:
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
