"""AndroidEnv through the real adbutils client against an ADB-protocol server on loopback.

Every assertion reads the virtual device's side: the gestures it received, the text its field
holds, the commands its shell ran, and the shell syntax it would have expanded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ImageChops

from screenpilot.agent import Agent, load_run
from screenpilot.environments.android import SECURE_NOTE, AndroidEnv
from screenpilot.errors import DeviceError, InvalidActionError, UnsupportedActionError
from screenpilot.policies import ScriptedPolicy
from screenpilot.registry import make_env
from screenpilot.sim.adb_server import AdbServer
from screenpilot.tools import DoubleTap, Key, LongPress, OpenApp, Scroll, Swipe, Tap, TypeText, Wait
from tests.android_device import ADB_KEYBOARD, VirtualDevice
from tests.helpers import FakeClock

FAST = {"settle_timeout": 1.0, "poll_interval": 0.01}
PATIENT = 600.0
"""An adb timeout no healthy exchange comes near, however busy the machine."""
FIELD = (0.5, 0.18)


@pytest.fixture
def adb(monkeypatch: pytest.MonkeyPatch) -> Iterator[AdbServer]:
    """A server with one 1080x2400 phone; adbutils may never start a real adb daemon."""
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")
    with AdbServer(VirtualDevice()) as server:
        yield server


@pytest.fixture
def env(adb: AdbServer) -> Iterator[AndroidEnv]:
    environment = AndroidEnv(port=adb.port, **FAST)
    environment.reset()
    yield environment
    environment.close()


def events_after(device: VirtualDevice, count: int) -> list[tuple[str, ...]]:
    return device.events[count:]


# --- gestures and coordinates ---------------------------------------------------------------


def test_a_tap_lands_on_the_device_pixel(env: AndroidEnv, adb: AdbServer) -> None:
    result = env.step(Tap(x=0.5, y=0.25))
    assert adb.device.events == [("tap", "540", "600")]
    assert result.info["device_point"] == [540, 600]
    assert result.observation.screenshot.size == (1080, 2400)
    assert adb.device.injections == []


@pytest.mark.parametrize("natural_capture", [False, True])
@pytest.mark.parametrize("rotation", [1, 3])
def test_landscape_screens_and_taps(adb: AdbServer, rotation: int, natural_capture: bool) -> None:
    device = adb.device
    device.rotation, device.screencap_natural = rotation, natural_capture
    env = AndroidEnv(port=adb.port, **FAST)
    observation = env.reset()
    assert env.screen_size == (2400, 1080)
    assert observation.info["rotation"] == rotation
    # The model sees the screen the way the user does, however the device captured it.
    upright = device.render()
    assert ImageChops.difference(observation.screenshot, upright).getbbox() is None
    env.step(Tap(x=0.5, y=0.25))
    assert device.events == [("tap", "1200", "270")]


def test_rotating_between_steps_is_picked_up(env: AndroidEnv, adb: AdbServer) -> None:
    adb.device.rotation = 1
    adb.device.changed()
    result = env.step(Wait(seconds=0.01))
    assert result.observation.screenshot.size == (2400, 1080)
    env.step(Tap(x=0.25, y=0.5))
    assert adb.device.events[-1] == ("tap", "600", "540")


def test_swipes_long_presses_and_double_taps(env: AndroidEnv, adb: AdbServer) -> None:
    env.step(Swipe(x=0.5, y=0.7, x2=0.5, y2=0.3, seconds=0.5))
    env.step(LongPress(x=0.5, y=0.5, seconds=1.2))
    env.step(DoubleTap(x=0.1, y=0.1))
    assert adb.device.events == [
        ("swipe", "540", "1680", "540", "720", "500"),
        ("swipe", "540", "1200", "540", "1200", "1200"),
        ("tap", "108", "240"),
        ("tap", "108", "240"),
    ]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("down", ("540", "1800", "540", "600")),  # content below comes up: finger moves up
        ("up", ("540", "600", "540", "1800")),
        ("right", ("810", "1200", "270", "1200")),
        ("left", ("270", "1200", "810", "1200")),
    ],
)
def test_scroll_directions(
    env: AndroidEnv, adb: AdbServer, direction: str, expected: tuple[str, ...]
) -> None:
    env.step(Scroll(direction=direction))  # type: ignore[arg-type]
    assert adb.device.events == [("swipe", *expected, "300")]


@pytest.mark.parametrize(
    ("key", "code"), [("back", "4"), ("home", "3"), ("enter", "66"), ("app_switch", "187")]
)
def test_keys(env: AndroidEnv, adb: AdbServer, key: str, code: str) -> None:
    env.step(Key(key=key))
    assert adb.device.events == [("key", code)]


def test_a_key_combo_is_refused_before_anything_is_sent(env: AndroidEnv, adb: AdbServer) -> None:
    commands = len(adb.device.commands)
    with pytest.raises(UnsupportedActionError, match="no key 'ctrl\\+c'"):
        env.step(Key(key="ctrl+c"))
    assert adb.device.commands[commands:] == []


def test_open_app_by_label_or_package(env: AndroidEnv, adb: AdbServer) -> None:
    result = env.step(OpenApp(app="Settings"))
    assert result.info["package"] == "com.android.settings"
    assert result.observation.app == "com.android.settings"
    env.step(OpenApp(app="Maps"))
    assert adb.device.app == "com.google.android.apps.maps"
    env.step(OpenApp(app="com.example.notes"))
    assert adb.device.app == "com.example.notes"
    with pytest.raises(InvalidActionError, match="no installed app matches 'Nope'"):
        env.step(OpenApp(app="Nope"))


# --- typing ---------------------------------------------------------------------------------

PIECES = [
    *"aZ09 '\"\\;&|$()`%s!*?[]{}<>#~\n\t-=",
    "%s",
    "$(id)",
    "`id`",
    "'\\''",
    "é",
    "你",
    "🙂",
    "\r",
]
TRICKY = st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join) | st.text(
    min_size=1, max_size=30
)


def small_phone(monkeypatch: pytest.MonkeyPatch, ime: bool) -> tuple[AdbServer, AndroidEnv]:
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")
    device = VirtualDevice(natural_size=(108, 240))
    if ime:
        device.imes.append(ADB_KEYBOARD)
        device.ime = ADB_KEYBOARD
    server = AdbServer(device).start()
    env = AndroidEnv(port=server.port, settle_timeout=0.2, poll_interval=0.0)
    env.reset()
    env.step(Tap(x=FIELD[0], y=FIELD[1]))
    assert device.focused
    return server, env


@pytest.mark.parametrize("ime", [False, True])
def test_typed_text_arrives_exactly_or_not_at_all(
    monkeypatch: pytest.MonkeyPatch, ime: bool
) -> None:
    server, env = small_phone(monkeypatch, ime)
    device = server.device
    allowed = {"input", "am", "screencap", "wm", "dumpsys", "settings", "uiautomator"}  # read-back

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(TRICKY)
    def check(text: str) -> None:
        device.field_text = ""
        before = len(device.commands)
        try:
            env.step(TypeText(text=text))
        except UnsupportedActionError as exc:
            assert not ime
            assert "ADBKeyBoard" in str(exc)
            assert device.field_text == ""
            assert not [c for c in device.commands[before:] if c[0] in {"input", "am"}]
        else:
            assert device.field_text == text
        assert device.injections == []
        assert {command[0] for command in device.commands[before:]} <= allowed

    try:
        check()
    finally:
        server.stop()


def test_percent_s_and_shell_syntax_are_typed_literally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, env = small_phone(monkeypatch, ime=False)
    text = "100%s off; $(reboot) `id` 'q' \"dq\" %%s\nnext\tcol"
    env.step(TypeText(text=text))
    server.stop()
    assert server.device.field_text == text
    assert ["reboot"] not in server.device.commands and server.device.injections == []


def test_read_back_flags_text_the_field_did_not_take(adb: AdbServer) -> None:
    env = AndroidEnv(port=adb.port, ui_tree=True, **FAST)
    env.reset()
    env.step(Tap(x=FIELD[0], y=FIELD[1]))
    ok = env.step(TypeText(text="milk"))
    assert ok.info["typed_check"] == "ok"
    field = ok.observation.focused_element()
    assert field is not None and field.text == "milk" and field.kind == "EditText"
    assert field.bounds == pytest.approx((0.05, 0.15, 0.95, 0.22), abs=1e-3)
    adb.device.max_length = 6
    cut = env.step(TypeText(text=" and eggs"))
    assert cut.info["typed_check"] == "mismatch"
    assert (
        "The 9 typed characters do not all appear in the focused field, which shows 'milk a'."
        in (cut.observation.notes)
    )


# --- observing ------------------------------------------------------------------------------


def test_the_raw_path_is_used_and_matches_the_screen(env: AndroidEnv, adb: AdbServer) -> None:
    observation = env.step(Wait(seconds=0.01)).observation
    assert observation.info["screenshot_path"] == "raw"
    assert observation.info["screenshot_bytes"] == 16 + 1080 * 2400 * 4
    assert ImageChops.difference(observation.screenshot, adb.device.render()).getbbox() is None


@pytest.mark.parametrize("fault", ["raw_screencap", "exec_service"])
def test_png_fallback_when_raw_is_unavailable(adb: AdbServer, fault: str) -> None:
    setattr(adb.device.faults, fault, False)
    env = AndroidEnv(port=adb.port, **FAST)
    observation = env.reset()
    assert observation.info["screenshot_path"] == "png"
    assert ImageChops.difference(observation.screenshot, adb.device.render()).getbbox() is None
    if fault == "exec_service":
        assert "shell:screencap -p" in adb.requests


@pytest.mark.parametrize("raw", [True, False])
def test_a_warning_printed_before_the_image_is_skipped(adb: AdbServer, raw: bool) -> None:
    adb.device.faults.screencap_warning = (
        "[Warning] Multiple displays were found, but no display id was specified! "
        "Defaulting to the first display found, however this default is not guaranteed.\n"
    )
    adb.device.faults.raw_screencap = raw
    observation = AndroidEnv(port=adb.port, **FAST).reset()
    assert observation.info["screenshot_path"] == ("raw" if raw else "png")
    assert ImageChops.difference(observation.screenshot, adb.device.render()).getbbox() is None


def test_secure_screens_are_reported_not_handed_over_silently(
    env: AndroidEnv, adb: AdbServer
) -> None:
    adb.device.secure = True
    observation = env.step(Wait(seconds=0.01)).observation
    assert observation.info["black_frame"] is True
    assert SECURE_NOTE in observation.notes
    adb.device.secure = False
    assert SECURE_NOTE not in env.step(Wait(seconds=0.01)).observation.notes


def on_a_fake_clock(env: AndroidEnv) -> FakeClock:
    """Put every wait of ``env`` on one fake clock: the settle loop's, and the adb deadlines'
    (a raw screenshot that outlasted its share of a real deadline would be taken again as PNG,
    and each capture moves an animation on by one frame). Only the captures move time on the
    device; how fast the machine runs changes nothing. Build ``env`` with a ``PATIENT``
    timeout: a socket still waits in real time, at most the time the deadline has left."""
    env.clock = env.adb.client.clock = clock = FakeClock()
    return clock


def test_the_environment_waits_for_animations_to_end(adb: AdbServer) -> None:
    adb.device.animation_frames = 5
    env = AndroidEnv(port=adb.port, timeout=PATIENT, settle_timeout=1.0, poll_interval=0.125)
    clock = on_a_fake_clock(env)
    env.reset()
    clock.sleeps.clear()
    result = env.step(Tap(x=0.5, y=0.5))
    # The animation moves on with each capture: five captures differ, the sixth repeats the
    # fifth (the animation's last frame), so the screen counts as settled.
    assert result.info["settled"] is True
    assert result.info["settle_polls"] == 6
    assert result.info["settle_s"] == 0.625 and clock.sleeps == [0.125] * 5
    still = adb.device.render()
    assert ImageChops.difference(result.observation.screenshot, still).getbbox() is None


def test_the_stability_wait_is_bounded(adb: AdbServer) -> None:
    adb.device.animation_frames = 10_000
    env = AndroidEnv(port=adb.port, timeout=PATIENT, settle_timeout=1.0, poll_interval=0.25)
    clock = on_a_fake_clock(env)
    result = env.step(Tap(x=0.5, y=0.5))
    assert result.info["settled"] is False
    assert result.info["settle_polls"] == 5 and result.info["settle_s"] == 1.0
    assert clock.sleeps == [0.25] * 4  # the last poll would have gone past the timeout


# --- devices and failures -------------------------------------------------------------------


def test_choosing_a_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")
    phones = VirtualDevice(serial="emulator-5554"), VirtualDevice(serial="R58M123ABC")
    with AdbServer(*phones) as server:
        with pytest.raises(DeviceError, match=r"2 devices connected.*android:SERIAL"):
            AndroidEnv(port=server.port)
        with pytest.raises(DeviceError, match=r"'nope' is not connected.*R58M123ABC"):
            AndroidEnv(serial="nope", port=server.port)
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(server.port))
        env = make_env("android:R58M123ABC")
        assert isinstance(env, AndroidEnv) and env.serial == "R58M123ABC"
        env.step(Tap(x=0.5, y=0.5))
        assert phones[1].events and not phones[0].events


# Lost and misbehaving devices: test_android_faults.py.


# --- command-line tools ---------------------------------------------------------------------


def test_screenpilot_devices_lists_model_size_and_version(adb: AdbServer) -> None:
    environment = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb.port)}
    environment["ADBUTILS_ADB_PATH"] = "/bin/false"
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", "devices"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("\t") == [
        "emulator-5554",
        "Pixel 7",
        "1080x2400",
        "Android 14",
    ]


@pytest.mark.skipif(shutil.which("adb") is None, reason="Debian's adb is installed by .ci/run")
def test_the_real_adb_client_talks_to_the_same_server(adb: AdbServer) -> None:
    def adb_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["adb", "-P", str(adb.port), *args], capture_output=True, timeout=60, check=False
        )

    listing = adb_cli("devices").stdout.decode()
    assert "emulator-5554\tdevice" in listing
    assert adb_cli("shell", "wm", "size").stdout == b"Physical size: 1080x2400\n"
    assert adb_cli("shell", "input", "tap", "12", "34").returncode == 0
    assert adb.device.events == [("tap", "12", "34")]
    assert adb_cli("shell", "nosuchcommand").returncode == 127


def test_screenpilot_run_drives_the_device_through_env_android(
    adb: AdbServer, tmp_path: Path
) -> None:
    actions = tmp_path / "actions.jsonl"
    actions.write_text(
        '{"type": "tap", "x": 0.5, "y": 0.25}\n{"type": "finish", "status": "success"}\n'
    )
    environment = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb.port)}
    environment["ADBUTILS_ADB_PATH"] = "/bin/false"
    out = tmp_path / "run"
    command = ["run", "tap the field", "--env", "android:emulator-5554", "--actions", str(actions)]
    result = subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *command, "--out", str(out)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert adb.device.events == [("tap", "540", "600")]
    run = load_run(out)
    assert run.manifest.environment["serial"] == "emulator-5554"
    assert run.manifest.environment["simulated"] is False
    assert run.steps[0].result_info["device_point"] == [540, 600]
    assert "settle_s" in run.steps[0].result_info


@pytest.mark.parametrize("fail", [False, True])
@pytest.mark.parametrize("password", ["pa ss'%s;w0rd", "pässwörd🙂"])
def test_typed_secrets_stay_out_of_the_run_directory(
    adb: AdbServer, tmp_path: Path, password: str, fail: bool
) -> None:
    import base64
    import shlex

    adb.device.imes.append(ADB_KEYBOARD)
    adb.device.ime = ADB_KEYBOARD
    if fail:
        adb.device.faults.exit_codes.update({"input": 1, "am": 1})
    env = AndroidEnv(port=adb.port, ui_tree=True, **FAST)
    script = [
        {"type": "type", "text": password},
        {"type": "finish", "status": "success"},
    ]
    run_dir = tmp_path / "run"
    agent = Agent(env, ScriptedPolicy(script), run_dir=run_dir, secrets=(password,))
    if fail:
        with pytest.raises(DeviceError, match="output withheld"):
            agent.run("log in")
    else:
        agent.run("log in")
    forms = {
        password,
        shlex.quote(password),
        base64.b64encode(password.encode()).decode(),
        "w0rd",
        "wörd",
    }
    for path in run_dir.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".jsonl", ".html", ".txt"}:
            content = path.read_text(encoding="utf-8")
            assert not [form for form in forms if form in content], path
    if not fail:
        assert "<text>" in load_run(run_dir).steps[0].result_info["commands"][0]
