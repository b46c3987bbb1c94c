"""The simulated phone behind the ADB-protocol server: AndroidEnv (through adbutils), the real
``adb`` client and ``screenpilot sim serve`` drive it like a device."""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from PIL import Image

from screenpilot.agent import Agent
from screenpilot.agent.safety import SafetyGate, allow_all
from screenpilot.environments.android import AndroidEnv
from screenpilot.sim.adb_server import VERSION, AdbServer
from screenpilot.sim.catalog import parse_task
from screenpilot.sim.env import SimEnv
from screenpilot.sim.reference import ReferencePolicy
from screenpilot.tools import TypeText


@pytest.fixture(autouse=True)
def _no_adb_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")  # never start a real adb daemon


def served(spec: str) -> Iterator[tuple[SimEnv, AdbServer, AndroidEnv]]:
    sim = SimEnv(spec)
    server = AdbServer(sim.phone).start()
    try:
        env = AndroidEnv(
            port=server.port, settle_timeout=0.3, poll_interval=0.01, ui_tree=True, screenshot="raw"
        )
        yield sim, server, env
    finally:
        server.stop()


@pytest.mark.parametrize(
    "spec",
    [
        "settings.bluetooth_on:1",
        "contacts.add:4",
        "messages.send_new:2",
        "notes.append_line:0",  # a newline: sent as an ENTER key event
        "clock.delete_alarm:3",  # a confirmation dialog
        "contacts.open_card:1",  # scrolling with swipes
    ],
)
def test_android_env_completes_reference_solutions_over_adb(spec: str) -> None:
    for sim, _server, env in served(spec):
        task = parse_task(spec)
        # The served phone is a real device to AndroidEnv: the safety gate is told to allow.
        gate = SafetyGate(confirm=allow_all)
        agent = Agent(env, ReferencePolicy(task), max_steps=30, stall_limit=None, safety=gate)
        episode = agent.run(task.goal)
        assert episode.outcome == "success", [s.decision.reasoning for s in episode.steps]
        assert task.evaluate(sim.phone, episode.outcome, episode.answer)
        shell = [" ".join(argv) for argv in sim.phone.commands]
        assert any(line.startswith("input tap ") for line in shell)
        assert any(line.startswith("uiautomator dump") for line in shell)
        assert sim.phone.injections == []
        final = episode.steps[-1].observation
        assert final is not None and final.info["screenshot_path"] == "raw"
        assert final.screenshot.tobytes() == sim.phone.render().tobytes()


def test_unicode_text_reaches_the_field_through_adbutils() -> None:
    for sim, _, env in served("contacts.add:0"):
        sim.phone.launch("Contacts")
        sim.phone.focus_field("contact.name")
        env.reset()
        env.step(TypeText(text="Zoë Ørsted 東京"))
        assert sim.phone.fields["contact.name"] == "Zoë Ørsted 東京"
        assert any(argv[:2] == ["am", "broadcast"] for argv in sim.phone.commands)


def switch_checked(dump: str) -> str:
    match = re.search(
        r'resource-id="com.android.settings:id/wifi_switch"[^>]*checked="(\w+)"', dump
    )
    assert match is not None, dump
    return match.group(1)


@pytest.mark.skipif(shutil.which("adb") is None, reason="the adb client is installed in CI")
def test_sim_serve_answers_the_adb_command_line_client() -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "screenpilot.cli",
            "sim",
            "serve",
            "--port",
            "0",
            "--task",
            "settings.wifi_on:0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving sim-1 (1080x2400) on 127.0.0.1:"), line
        port = line.split(" on 127.0.0.1:")[1].split()[0]

        def adb(*args: str) -> bytes:
            done = subprocess.run(
                ["adb", "-P", port, *args], capture_output=True, timeout=60, check=True
            )
            return done.stdout

        assert b"sim-1\tdevice" in adb("devices")
        assert adb("shell", "monkey -p com.android.settings 1").startswith(b"  bash arg")
        dump = adb("shell", "uiautomator dump /sdcard/ui.xml && cat /sdcard/ui.xml").decode()
        assert 'resource-id="com.android.settings:id/wifi_switch"' in dump
        assert switch_checked(dump) == "false"
        before = Image.open(io.BytesIO(adb("exec-out", "screencap -p")))
        assert before.size == (1080, 2400)
        adb("shell", "input", "tap", "934", "440")  # the Wi-Fi switch
        after = adb("shell", "uiautomator dump /sdcard/ui.xml && cat /sdcard/ui.xml").decode()
        assert switch_checked(after) == "true"
        assert Image.open(io.BytesIO(adb("exec-out", "screencap -p"))).tobytes() != before.tobytes()
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the served phone's fault modes ---------------------------------------------------------


def host_version(port: int, wait: float = 60.0) -> tuple[bytes, bool]:
    """Ask for ``host:version`` on a raw socket: the bytes that came, and whether the server
    closed the connection (False: it went silent for ``wait`` seconds, which only a stall, 30 s
    long, does: a reply on a busy machine has all of the default's minute)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(b"000chost:version")
        data = bytearray()
        try:
            while chunk := sock.recv(4096):
                data += chunk
        except TimeoutError:
            return bytes(data), False
    return bytes(data), True


def test_faults_shape_the_servers_replies() -> None:
    sim = SimEnv("settings.wifi_on:0")
    faults = sim.phone.faults
    with AdbServer(sim.phone) as server:
        assert host_version(server.port) == (b"OKAY0004" + f"{VERSION:04x}".encode(), True)
        faults.cut["host"] = 6
        assert host_version(server.port) == (b"OKAY00", True)
        faults.cut.clear()
        faults.garbage["host"] = 4
        data, closed = host_version(server.port)
        assert data.startswith(b"OKAY\xde\xad\xbe\xef") and len(data) == 12 and closed
        faults.garbage.clear()
        faults.stall["host"] = 4
        assert host_version(server.port, wait=0.3) == (b"OKAY", False)
        faults.stall.clear()
        faults.trickle["host"], faults.trickle_bytes = 0.01, 3
        assert host_version(server.port)[0] == b"OKAY0004" + f"{VERSION:04x}".encode()
        faults.trickle.clear()
        faults.cut["host"], faults.times = 0, 1  # the next reply only
        assert host_version(server.port) == (b"", True)
        assert host_version(server.port)[0].startswith(b"OKAY")
