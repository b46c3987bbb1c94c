"""A ``--secret-env`` value, typed by a run on the simulated phone, is nowhere a user can read
it afterwards: not on standard output or error, not in any file of the run folder, not in the
folder's name. The simulated browser echoes the query with its first letter upper-cased, in
result titles and snippets, so exact matching alone would miss it.

Assertions compare booleans and file names only: a failing test never prints the secret.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from screenpilot.agent import load_run
from screenpilot.errors import ConfigError
from tests.helpers import files_holding, holds

ROOT = Path(__file__).resolve().parents[1]
SECRET = 'hunter2 "Pässe"/x&y+z'
"""Lower-case first (the browser capitalizes it), quotes and a non-ASCII letter (JSON escapes),
and ``/ & +`` (URL encoding)."""


def run(tmp_path: Path, typed: str, task: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``screenpilot run TASK --env sim`` searching the browser for ``typed``, from a fresh
    folder (the run folder gets its default name), with ``SP_TEST_SECRET`` set to SECRET."""
    script = tmp_path / "script" / "actions.jsonl"
    script.parent.mkdir()
    actions = [
        {"type": "open_app", "app": "Browser"},
        {"type": "tap", "x": 0.5, "y": 0.08},
        {"type": "type", "text": typed},
        {"type": "key", "key": "enter"},
        {"type": "finish", "status": "success", "answer": f"I searched for {typed}"},
    ]
    script.write_text("\n".join(json.dumps(action) for action in actions), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    command = [
        sys.executable, "-m", "screenpilot.cli", "run", task, "--env", "sim",
        "--actions", str(script), *args,
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=work,
        env={**os.environ, "SP_TEST_SECRET": SECRET},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_typed_secret_reaches_no_output_no_file_and_no_folder_name(tmp_path: Path) -> None:
    task = f"Search the web for {SECRET}"
    result = run(tmp_path, SECRET, task, "--secret-env", "SP_TEST_SECRET", "--blur-secrets")
    # the run's texts stay out of assertions: a failing one prints what it compares
    code, stdout, stderr = result.returncode, result.stdout, result.stderr
    assert code == 0
    printed_secret = holds(stdout, SECRET) or holds(stderr, SECRET)
    assert not printed_secret
    typed_shown_masked = "3 executed     type(text='***')" in stderr
    answer_shown_masked = "answer: I searched for ***" in stderr
    assert typed_shown_masked and answer_shown_masked

    (folder,) = (tmp_path / "work" / "runs").iterdir()
    named_after_secret = holds(folder.name, SECRET) or "hunter2" in folder.name.lower()
    named_neutrally = folder.name.endswith("-search-the-web-for-secret")
    assert named_neutrally and not named_after_secret
    assert files_holding(folder, SECRET) == []
    assert {"manifest.json", "trajectory.jsonl", "report.html"} <= {
        p.name for p in folder.iterdir()
    }

    run_data = load_run(folder)  # redaction keeps the files readable
    assert run_data.manifest.outcome == "success" and len(run_data.steps) == 5
    assert run_data.manifest.settings["blur_flagged"] is True  # and screens that show it blurred
    assert [bool(step.blurred) for step in run_data.steps] == [False, False, False, True, True]
    task_masked = run_data.manifest.task == "Search the web for ***"
    titles = [e.text for e in run_data.steps[4].ui_elements if e.text.endswith(" - Wikipedia")]
    echo_masked = titles == ["*** - Wikipedia"]  # the capitalized echo is caught too
    assert task_masked and echo_masked


def test_text_the_gate_flags_is_hidden_from_the_step_that_types_it(tmp_path: Path) -> None:
    card = "4111 1111 1111 1111"  # a card number: flagged wherever it is typed
    result = run(tmp_path, card, "Search the web for my card number", "--blur-secrets")
    code, stdout, stderr = result.returncode, result.stdout, result.stderr
    assert code == 0
    printed_card = holds(stdout, card) or holds(stderr, card)
    typed_shown_masked = "3 executed     type(text='***')" in stderr
    assert typed_shown_masked and not printed_card
    (folder,) = (tmp_path / "work" / "runs").iterdir()
    assert files_holding(folder, card) == []
    steps = load_run(folder).steps
    assert steps[2].safety is not None and steps[2].safety.concerns
    # blurred: the focused search field where the card is typed and on the next screen, then
    # the results that echo it; never the whole screen (the simulated phone has a UI tree)
    assert [bool(step.blurred) for step in steps] == [False, False, True, True, True]
    field = steps[2].blurred
    assert len(field) == 1 and field[0] != (0.0, 0.0, 1.0, 1.0) and steps[3].blurred == field
    assert len(steps[4].blurred) >= 5  # the query in the address bar and every result


def test_a_secret_too_short_to_redact_is_refused(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    command = [
        sys.executable, "-m", "screenpilot.cli", "run", "t", "--env", "sim", "--actions",
        str(ROOT / "examples/demo_actions.jsonl"), "--secret-env", "SP_SHORT",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=work,
        env={**os.environ, "SP_SHORT": "x7"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, message = result.returncode, " ".join(result.stderr.split())
    assert code == 2
    explained = "--secret-env SP_SHORT: a secret must be at least 3 characters long" in message
    quoted = "x7" in message
    assert explained and not quoted and not (work / "runs").exists()


def test_messages_and_a_crash_report_hide_the_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = importlib.import_module("screenpilot.cli.app")  # the module; the package's app is Typer

    def crash() -> None:
        raise RuntimeError(f"device said {SECRET.upper()}")

    cli.hide([("test", SECRET)])
    try:
        with cli.console.capture() as captured:
            cli.print_error("error", ConfigError(f"bad value {json.dumps(SECRET)}"))
            cli.say("answer: ", (SECRET.title(), "bold"))
        monkeypatch.setattr(cli, "app", crash)
        with pytest.raises(SystemExit):
            cli.main()
        printed = captured.get() + capsys.readouterr().err
        named = cli.default_out(f"log in with {SECRET}").name
    finally:
        cli.hide([])
    leaked = holds(printed, SECRET) or holds(named, SECRET)
    masked = printed.count("***") == 3 and "RuntimeError: device said ***" in printed
    assert masked and not leaked and named.endswith("-log-in-with-secret")
