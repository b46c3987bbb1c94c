"""What every command owes a newcomer: plain help texts, one default per setting, counts that
agree with their noun, and no empty run folder left by a configuration error."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from screenpilot.agent import Decision, Step, load_run
from screenpilot.agent.loop import MAX_STEPS, STALL_LIMIT
from screenpilot.cli import app
from screenpilot.cli.app import live_steps
from screenpilot.tools import Tap
from tests.test_cli import screenpilot


def command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group of the tree (a group has ``commands``), as the words that
    name it."""
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += command_paths(sub, (*path, name))
    return paths


COMMANDS = command_paths(typer.main.get_command(app))


def test_every_command_is_found() -> None:
    assert {("run",), ("eval", "sim"), ("eval", "aitz"), ("sim", "serve")} <= set(COMMANDS)


@pytest.mark.parametrize("words", COMMANDS, ids=lambda words: " ".join(words) or "screenpilot")
def test_help_reads_as_plain_text(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*words, "--help"], prog_name="screenpilot")
    assert result.exit_code == 0, result.output
    assert "Usage: screenpilot" in result.output
    assert "``" not in result.output and "<bool>" not in result.output


def finish_script(tmp_path: Path) -> Path:
    script = tmp_path / "finish.jsonl"
    script.write_text('{"type": "finish", "status": "success"}\n')
    return script


def test_run_and_eval_sim_share_the_agents_step_budget(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    ran = screenpilot(
        "run", "t", "--env", "demo", "--actions", str(finish_script(tmp_path)),
        "--out", str(run_dir),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    settings = load_run(run_dir).manifest.settings
    assert (settings["max_steps"], settings["stall_limit"]) == (MAX_STEPS, STALL_LIMIT)
    out = tmp_path / "eval"
    evaluated = screenpilot("eval", "sim", "--tasks", "home.open_app", "--out", str(out))
    assert evaluated.returncode == 0, evaluated.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["max_steps"] == MAX_STEPS
    assert manifest["settings"]["stall_limit"] == STALL_LIMIT


def test_one_step_is_one_step(tmp_path: Path) -> None:
    result = screenpilot(
        "run", "t", "--env", "demo", "--actions", str(finish_script(tmp_path)),
        "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "success after 1 step\n" in result.stderr


def closed_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def refused_evaluation(out: Path) -> subprocess.CompletedProcess[str]:
    """``eval sim`` against a model server that is not running: a configuration error found
    once the evaluation has started (the first episode asks the server)."""
    return screenpilot(
        "eval", "sim", "--tasks", "home.*", "--policy", "openai", "--model", "m",
        "--base-url", f"http://127.0.0.1:{closed_port()}/v1", "--out", str(out),
    )  # fmt: skip


def test_a_refused_evaluation_leaves_no_folder(tmp_path: Path) -> None:
    """The folder the evaluation had made is taken back, its parents too."""
    out = tmp_path / "evals" / "first"
    result = refused_evaluation(out)
    assert result.returncode == 2 and "no model server answers" in result.stderr
    assert not (tmp_path / "evals").exists()


def test_a_refused_evaluation_keeps_the_empty_folder_it_was_given(tmp_path: Path) -> None:
    out = tmp_path / "given"
    out.mkdir()
    result = refused_evaluation(out)
    assert result.returncode == 2
    assert out.is_dir() and list(out.iterdir()) == []


class FakeStatus:
    """What ``live_steps`` needs of rich's spinner: ``update``."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def update(self, text: object) -> None:
        self.shown.append(str(text))


def test_the_run_spinner_counts_steps_and_their_mean_time() -> None:
    now = [50.0]
    status = FakeStatus()
    on_step = live_steps(status, lambda: now[0])  # type: ignore[arg-type]
    decision = Decision(action=Tap(x=0.5, y=0.5))
    for index, seconds in enumerate([1.5, 2.5]):
        now[0] += seconds
        on_step(Step(index=index, observation=None, decision=decision, status="executed"))
    assert status.shown == [
        "running… 1 step · 1.5 s/step · 0.67 steps/s",
        "running… 2 steps · 2 s/step · 0.5 steps/s",
    ]
