"""The desktop on an X server started the plain way, by a user who has no ~/.Xauthority.

python3-xlib (pyautogui's X11 backend) raises when the Xauthority file is missing, where every
libX11 client connects without a cookie; ``xlib_authority`` makes the desktop behave like the
latter, for the duration of the connection only. Each display test drives DesktopEnv in a
fresh process (pyautogui connects once, at import) with HOME an empty folder and no
XAUTHORITY, and reads what a Tk window (tests/label_app.py) says was pressed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from screenpilot.agent.recording import load_run
from screenpilot.environments.desktop_io import NO_DISPLAY_HINT, xlib_authority
from screenpilot.environments.xvfb import VirtualDisplay, free_display
from screenpilot.tools import coords
from tests.helpers import LabelApp

CHILD_TIMEOUT = 300
"""Seconds a child process may take before the test gives up on it (a hang, not slowness)."""


# --- the scoped substitute, without a display ----------------------------------------------


def test_without_an_xauthority_file_xlib_reads_an_empty_one_only_while_connecting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XAUTHORITY", raising=False)
    with xlib_authority() as found:
        assert found is None
        assert os.environ["XAUTHORITY"] == os.devnull
        sys.stdout.write("Xlib.xauth: warning, no xauthority details available\n")
        sys.stdout.write("anything else is printed\n")
    assert "XAUTHORITY" not in os.environ
    assert capsys.readouterr().out == "anything else is printed\n"


def test_a_readable_xauthority_file_is_the_one_xlib_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".Xauthority").write_bytes(b"")
    monkeypatch.delenv("XAUTHORITY", raising=False)
    with xlib_authority() as found:
        assert found == str(tmp_path / ".Xauthority")
        assert "XAUTHORITY" not in os.environ
    cookies = tmp_path / "cookies"
    cookies.write_bytes(b"")
    monkeypatch.setenv("XAUTHORITY", str(cookies))
    with xlib_authority() as found:
        assert found == str(cookies) == os.environ["XAUTHORITY"]


def test_a_named_file_that_is_missing_is_named_again_afterwards(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = str(tmp_path / "gone")
    monkeypatch.setenv("XAUTHORITY", missing)
    with xlib_authority() as found:
        assert found is None
        assert os.environ["XAUTHORITY"] == os.devnull
    assert os.environ["XAUTHORITY"] == missing


# --- real servers ----------------------------------------------------------------------------


def _need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"these tests need {', '.join(missing)}: apt-get install xvfb xauth")


@pytest.fixture
def no_cookie_user(tmp_path: Path) -> dict[str, str]:
    """The environment of a user with an empty home (no ~/.Xauthority), no XAUTHORITY and no
    DISPLAY yet."""
    home = tmp_path / "home"
    home.mkdir()
    gone = {"DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY"}
    return {**{k: v for k, v in os.environ.items() if k not in gone}, "HOME": str(home)}


@pytest.fixture
def plain_xvfb(tmp_path: Path) -> Iterator[str]:
    """An 800x600x24 Xvfb started without -auth; Xvfb picks a free display number itself
    (-displayfd) and writes it once it accepts connections."""
    _need("Xvfb")
    read_fd, write_fd = os.pipe()
    screen = ["-screen", "0", "800x600x24"]
    with (tmp_path / "xvfb.log").open("wb") as log:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", *screen],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=(write_fd,),
        )
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as ready:
        number = ready.readline().strip().decode()
    try:
        if not number.isdigit():
            pytest.fail("Xvfb did not start: " + (tmp_path / "xvfb.log").read_text())
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=60)


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=CHILD_TIMEOUT,
    )


TAP_ONCE = """
import json, os, sys
from screenpilot.environments.desktop import DesktopEnv
from screenpilot.tools import Tap
env = DesktopEnv(settle=0, max_settle=0)
observation = env.observe()
env.ui_tree_of(observation)
env.step(Tap(x=float(sys.argv[1]), y=float(sys.argv[2])))
env.close()
print(json.dumps({
    "screenshot": list(observation.screenshot.size),
    "xauthority": os.environ.get("XAUTHORITY"),
    "accessibility_problem": env.accessibility_problem,
}))
"""


@pytest.mark.display
def test_a_plain_xvfb_is_driven_by_a_user_without_an_xauthority_file(
    plain_xvfb: str, no_cookie_user: dict[str, str], tmp_path: Path
) -> None:
    env = {**no_cookie_user, "DISPLAY": plain_xvfb}
    app = LabelApp(tmp_path / "labels.json", ("Left", "Right"), env=env)
    try:
        target = app.point("Right", coords.Screen.same_size(800, 600))
        result = run_python(TAP_ONCE, env, str(target["x"]), str(target["y"]))
        assert result.returncode == 0, result.stderr
        # One JSON line: python3-xlib's warning about the empty file stayed off stdout.
        assert json.loads(result.stdout) == {
            "screenshot": [800, 600],
            "xauthority": None,  # the substitute was only there while connecting
            "accessibility_problem": None,  # the tree's own X connection was made as well
        }
        app.wait_for(lambda state: state["pressed"] == ["Right"], "the tap on Right")
    finally:
        app.stop()


def cli_run(task: str, script: Path, run_dir: Path) -> list[str]:
    command = ["run", task, "--env", "desktop", "--actions", str(script)]
    return [sys.executable, "-m", "screenpilot.cli", *command, "--out", str(run_dir)]


def write_script(path: Path, *steps: dict[str, object]) -> Path:
    lines = [json.dumps(step) + "\n" for step in [*steps, {"type": "finish", "status": "success"}]]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.display
def test_the_cli_runs_on_a_plain_xvfb_without_an_xauthority_file(
    plain_xvfb: str, no_cookie_user: dict[str, str], tmp_path: Path
) -> None:
    env = {**no_cookie_user, "DISPLAY": plain_xvfb}
    app = LabelApp(tmp_path / "labels.json", ("Left", "Right"), env=env)
    try:
        tap = {"type": "tap", **app.point("Left", coords.Screen.same_size(800, 600))}
        script = write_script(tmp_path / "steps.jsonl", tap)
        result = subprocess.run(
            cli_run("press Left", script, tmp_path / "run"),
            capture_output=True,
            text=True,
            env=env,
            timeout=CHILD_TIMEOUT,
        )
        assert result.returncode == 0, result.stderr
        assert "Xlib.xauth" not in result.stdout + result.stderr
        app.wait_for(lambda state: state["pressed"] == ["Left"], "the tap on Left")
    finally:
        app.stop()
    manifest = load_run(tmp_path / "run").manifest
    assert manifest.outcome == "success"
    assert manifest.environment["monitor_rect"] == [0, 0, 800, 600]


def hinted_commands() -> list[str]:
    """The shell commands NO_DISPLAY_HINT suggests, as written in it."""
    return re.findall(r"`([^`]+)`", NO_DISPLAY_HINT)


@pytest.mark.display
def test_the_hint_s_xvfb_command_gives_a_working_display(
    no_cookie_user: dict[str, str], tmp_path: Path
) -> None:
    _need("Xvfb")
    start = hinted_commands()[0]
    assert start == "Xvfb :99 -screen 0 1920x1080x24 -nolisten tcp & export DISPLAY=:99"
    number = free_display(300)  # the hint's :99 may be another server's here
    script = write_script(tmp_path / "steps.jsonl", {"type": "tap", "x": 0.5, "y": 0.5})
    cli = " ".join(f"'{part}'" for part in cli_run("tap", script, tmp_path / "run"))
    shell = (
        f"{start.replace(':99', f':{number}')}\n"
        "server=$!\n"
        f"until [ -S /tmp/.X11-unix/X{number} ] || ! kill -0 $server; do sleep 0.1; done\n"
        f"{cli}\n"
        "status=$?\n"
        "kill $server\n"
        "wait $server\n"
        "exit $status\n"
    )
    result = subprocess.run(
        ["bash", "-c", shell],
        capture_output=True,
        text=True,
        env=no_cookie_user,
        timeout=CHILD_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert load_run(tmp_path / "run").manifest.environment["monitor_rect"] == [0, 0, 1920, 1080]


@pytest.mark.display
def test_the_hint_s_xvfb_run_command_runs_the_cli(
    no_cookie_user: dict[str, str], tmp_path: Path
) -> None:
    _need("xvfb-run", "Xvfb", "xauth")
    wrapper = hinted_commands()[1]
    assert wrapper == "xvfb-run -a -s '-screen 0 1920x1080x24' ..."
    script = write_script(tmp_path / "steps.jsonl", {"type": "tap", "x": 0.5, "y": 0.5})
    cli = " ".join(f"'{part}'" for part in cli_run("tap", script, tmp_path / "run"))
    result = subprocess.run(
        ["bash", "-c", wrapper.replace("...", cli)],
        capture_output=True,
        text=True,
        env=no_cookie_user,
        timeout=CHILD_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert load_run(tmp_path / "run").manifest.environment["monitor_rect"] == [0, 0, 1920, 1080]


CONNECT = """
from screenpilot.environments.desktop import DesktopEnv
from screenpilot.errors import ConfigError
try:
    print(DesktopEnv(settle=0, max_settle=0).screen_size)
except ConfigError as exc:
    print("ConfigError:", exc)
"""


@pytest.mark.display
def test_a_server_that_wants_a_cookie_is_named_with_the_fix_that_works(
    no_cookie_user: dict[str, str], tmp_path: Path
) -> None:
    _need("Xvfb", "xauth")
    with VirtualDisplay(640, 480) as server:  # started with -auth and a fresh cookie
        env = {**no_cookie_user, "DISPLAY": server.display}
        result = run_python(CONNECT, env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"ConfigError: the X server on {server.display} refused")
        assert "there is no Xauthority file to read" in result.stdout
        assert "`export XAUTHORITY=FILE`" in result.stdout

        stale = tmp_path / "stale"
        subprocess.run(
            ["xauth", "-q", "-f", str(stale), "add", server.display, ".", "00" * 16], check=True
        )
        result = run_python(CONNECT, {**env, "XAUTHORITY": str(stale)})
        assert f"{stale} holds no valid cookie for {server.display}" in result.stdout

        # The fix the message gives: XAUTHORITY names the file the server was started with.
        result = run_python(CONNECT, {**env, "XAUTHORITY": str(server.xauthority)})
        assert result.returncode == 0, result.stderr
        assert result.stdout == "(640, 480)\n"
