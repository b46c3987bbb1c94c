"""The command line, run as a user runs it: exit codes, files, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from screenpilot import __version__
from screenpilot.agent import load_run

ROOT = Path(__file__).resolve().parents[1]


def screenpilot(
    *args: str, cwd: Path = ROOT, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "screenpilot.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
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
    assert "8 of 8 steps chose the recorded action type" in result.stderr
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
