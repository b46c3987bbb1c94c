"""The command line, run as a user runs it: exit codes, files, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from screenpilot import __version__
from screenpilot.agent import load_run

ROOT = Path(__file__).resolve().parents[1]


def screenpilot(
    *args: str, cwd: Path = ROOT, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh process; ``env`` is added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def test_the_demo_phone_runs_a_script_offline(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = screenpilot(
        "run",
        "Add bread and jam to the shopping list, then tick off bread",
        "--env",
        "demo",
        "--actions",
        "examples/demo_actions.jsonl",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "success after 8 steps" in result.stderr
    run = load_run(out)
    assert run.manifest.outcome == "success" and len(run.steps) == 8
    assert (out / "report.html").exists()


def test_run_exits_1_when_the_task_is_not_accomplished(tmp_path: Path) -> None:
    script = tmp_path / "give_up.json"
    script.write_text('[{"type": "finish", "status": "failure", "answer": "cannot"}]')
    result = screenpilot(
        "run", "impossible", "--env", "demo", "--actions", str(script), "--out", str(tmp_path / "r")
    )
    assert result.returncode == 1 and "failure" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("run", "t", "--env", "dmeo", "--actions", "examples/demo_actions.jsonl"),
            "did you mean 'demo'",
        ),
        (("run", "t", "--policy", "scriptd"), "did you mean 'scripted'"),
        (("run", "t"), "needs a file of actions"),
        (("run", "t", "--actions", "nowhere.jsonl"), "cannot read the action script"),
        (
            (
                "run",
                "t",
                "--actions",
                "examples/demo_actions.jsonl",
                "--secret-env",
                "NO_SUCH_VARIABLE_X",
            ),
            "no such environment variable",
        ),
        (("report", "nowhere"), "not a run directory"),
        (
            (
                "run",
                "t",
                "--env",
                "demo",
                "--no-ui-tree",
                "--actions",
                "examples/demo_actions.jsonl",
            ),
            "--no-ui-tree is for --env android",
        ),
    ],
)
def test_configuration_errors_are_one_line_with_exit_2(args: tuple[str, ...], message: str) -> None:
    result = screenpilot(*args)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_bad_script_line_is_named(tmp_path: Path) -> None:
    script = tmp_path / "bad.jsonl"
    script.write_text('{"type": "tap", "x": 0.5, "y": 0.5}\n{"type": "tap", "x": 5, "y": 0.5}\n')
    result = screenpilot("run", "t", "--actions", str(script))
    assert result.returncode == 2
    assert "action 2 of the script" in result.stderr and "tap.x" in result.stderr


def test_parse_prints_canonical_json() -> None:
    result = screenpilot(
        "parse",
        "--format",
        "canonical",
        "--image-size",
        "1080x2400",
        'Sure!\n```json\n{"name": "swipe", "arguments": {"x": 0.5, "y": 0.8, "x2": 0.5, "y2": 0.2}}\n```',
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "type": "swipe",
        "x": 0.5,
        "y": 0.8,
        "x2": 0.5,
        "y2": 0.2,
        "seconds": 0.3,
    }
    piped = screenpilot(
        "parse", "--image-size", "1080x2400", "-", stdin='{"type": "key", "key": "Back"}'
    )
    assert json.loads(piped.stdout) == {"type": "key", "key": "back"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("parse", "--image-size", "1080x2400", "tap the button"),
            "ParseError: no JSON object found",
        ),
        (
            ("parse", "--image-size", "1080x2400", '{"type": "tap", "x": 2, "y": 0}'),
            "InvalidActionError: invalid action: tap.x",
        ),
        (
            ("parse", "--image-size", "1080by2400", "{}"),
            "ConfigError: --image-size must look like WIDTHxHEIGHT",
        ),
        (
            ("parse", "--format", "nonsense", "--image-size", "10x10", "{}"),
            "ConfigError: unknown output format",
        ),
        (("parse", "--image-size", "10x10", '{"type": "tap", "x": 0.5, "y": 0.5'), "ParseError"),
    ],
)
def test_parse_failures_are_one_line_on_stderr_with_exit_1(
    args: tuple[str, ...], message: str
) -> None:
    result = screenpilot(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message)


def test_report_and_replay_commands(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded"
    assert (
        screenpilot(
            "run",
            "demo",
            "--env",
            "demo",
            "--actions",
            "examples/demo_actions.jsonl",
            "--out",
            str(recorded),
        ).returncode
        == 0
    )
    (recorded / "report.html").unlink()
    result = screenpilot("report", str(recorded))
    assert result.returncode == 0 and (recorded / "report.html").exists()
    replayed = tmp_path / "replayed"
    result = screenpilot(
        "replay", str(recorded), "--actions", "examples/demo_actions.jsonl", "--out", str(replayed)
    )
    assert result.returncode == 0, result.stderr
    assert "8 recorded steps: 8 match\n" in result.stderr
    assert load_run(replayed).manifest.task == "demo"


def test_version() -> None:
    result = screenpilot("version")
    assert result.returncode == 0 and result.stdout.strip() == __version__


def test_markup_in_tasks_answers_and_paths_is_printed_as_it_is(tmp_path: Path) -> None:
    """A task, a model's answer and an output path that look like rich markup are data."""
    script = tmp_path / "finish.jsonl"
    script.write_text('{"type": "finish", "status": "success", "answer": "[/b] and [copy]"}\n')
    out = tmp_path / "[copy] [/b]"
    result = screenpilot(
        "run", "Press [bold]it[/]", "--env", "demo", "--actions", str(script), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Press [bold]it[/]" in result.stderr and "answer: [/b] and [copy]" in result.stderr
    assert f"report: {out / 'report.html'}" in result.stderr


def test_control_characters_in_a_models_answer_are_shown_escaped(tmp_path: Path) -> None:
    """An answer carrying terminal escapes (clear screen, a title, a right-to-left override)
    cannot act on the terminal: they are printed as escapes."""
    script = tmp_path / "finish.jsonl"
    answer = "done\x1b[2J\x1b]0;owned\x07 \u202eevil"
    script.write_text(json.dumps({"type": "finish", "status": "success", "answer": answer}) + "\n")
    result = screenpilot(
        "run", "t", "--env", "demo", "--actions", str(script), "--out", str(tmp_path / "run")
    )
    assert result.returncode == 0, result.stderr
    assert "answer: done\\x1b[2J\\x1b]0;owned\\x07 \\u202eevil" in result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


def without(module: str, folder: Path) -> dict[str, str]:
    """Environment variables under which ``import module`` fails in a child process, as it
    does where the extra that installs it is missing."""
    (folder / "sitecustomize.py").write_text(f"import sys\nsys.modules[{module!r}] = None\n")
    path = os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {"PYTHONPATH": path}


@pytest.mark.parametrize(
    ("module", "env", "extra"),
    [("mss", "desktop", "desktop"), ("adbutils", "android", "android")],
)
def test_the_install_hint_names_the_extra(
    module: str, env: str, extra: str, tmp_path: Path
) -> None:
    """``screenpilot[desktop]`` is data, not a markup tag: the hint is printed whole."""
    variables = without(module, tmp_path) | {"DISPLAY": ":77"}
    result = screenpilot("run", "t", "--env", env, "--actions", "x.jsonl", env=variables)
    assert result.returncode == 2, result.stderr
    assert (
        f"error: {module!r} is needed for this feature but could not be imported (import of "
        f"{module} halted; None in sys.modules); install it with: pip install "
        f'"screenpilot[{extra}]"'
    ) in result.stderr


def test_a_device_serial_that_looks_like_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    from screenpilot.sim.adb_server import AdbServer
    from screenpilot.sim.env import SimEnv

    with AdbServer(SimEnv().phone) as server:
        result = screenpilot(
            "run", "t", "--env", "android:[bold]x", "--actions", "x.jsonl",
            env={"ANDROID_ADB_SERVER_PORT": str(server.port), "ADBUTILS_ADB_PATH": "/bin/false"},
        )  # fmt: skip
    assert "device '[bold]x' is not connected (connected: sim-1)" in result.stderr, result.stderr


def test_an_evaluation_folder_that_looks_like_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "[red]sim [/]"
    result = screenpilot("eval", "sim", "--tasks", "clock.alarm_on", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"report: {out / 'report.html'}" in result.stderr


def test_no_help_text_is_read_as_markup() -> None:
    """Every ``[...]`` in a help text (``{"id", "point": [x, y]}``, ``[desktop]``) shows in
    ``--help`` as written: nothing reads it as markup."""
    import re

    import typer
    from typer.testing import CliRunner

    from screenpilot.cli import app

    def commands(command: Any, words: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
        found = [(words, command)]
        for name, sub in getattr(command, "commands", {}).items():
            found += commands(sub, (*words, name))
        return found

    checked = 0
    for words, command in commands(typer.main.get_command(app)):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        brackets = [b for text in texts for b in re.findall(r"\[[^\]]*\]", text)]
        if not brackets:
            continue
        shown = CliRunner().invoke(app, [*words, "--help"], prog_name="screenpilot").output
        flat = " ".join(shown.split())
        missing = [b for b in brackets if " ".join(b.split()) not in flat]
        assert missing == [], words
        checked += len(brackets)
    assert checked >= 3


def test_usage_errors_print_what_was_typed_as_it_is() -> None:
    """Click's own errors (an unknown option or command) quote the user's words literally."""
    option = screenpilot("run", "--fo[bold]o", "t")
    assert option.returncode == 2 and "No such option: --fo[bold]o" in option.stderr
    command = screenpilot("x[red]y")
    assert command.returncode == 2 and "No such command 'x[red]y'." in command.stderr
