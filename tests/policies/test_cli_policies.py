"""The model-card policies and formats from the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from screenpilot.agent import load_run
from tests.policies.chat_server import Server, completion, hang
from tests.test_cli import screenpilot


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--format", "qwen25vl", "--resized-size", "1092x2408"),
            {"type": "tap", "x": 0.5, "y": 0.25},
        ),
        (("--format", "qwen2vl"), {"type": "tap", "x": 0.5, "y": 0.25}),
        (("--format", "uitars"), {"type": "tap", "x": 0.5, "y": 0.25}),
        (
            ("--format", "uitars15", "--resized-size", "1092x2408"),
            {"type": "tap", "x": 0.5, "y": 0.25},
        ),
        (("--format", "qwen25vl"), {"type": "tap", "x": 546 / 672, "y": 602 / 1484}),
    ],
)
def test_parse_reads_every_card(args: tuple[str, ...], expected: dict[str, object]) -> None:
    texts = {
        "qwen25vl": '<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [546, 602]}}</tool_call>',
        "qwen2vl": '<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [500, 250]}}</tool_call>',
        "uitars": "Thought: x\nAction: click(start_box='(500,250)')",
        "uitars15": "Thought: x\nAction: click(point='<point>546 602</point>')",
    }
    result = screenpilot("parse", *args, "--image-size", "1080x2400", "-", stdin=texts[args[1]])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_parse_explains_a_bad_card_answer() -> None:
    result = screenpilot("parse", "--format", "uitars15", "Action: dance()")
    assert result.returncode == 1
    assert result.stderr.startswith("ParseError: unknown action dance(...)")


def test_run_with_a_served_model(server: Server, tmp_path: Path) -> None:
    finish = '<tool_call>{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'
    server.script = [(200, completion(finish), {}, 0.0)]
    out = tmp_path / "run"
    result = screenpilot(
        "run", "Say done", "--policy", "openai", "--model", "Qwen/Qwen2.5-VL-7B-Instruct",
        "--base-url", server.url, "--max-pixels", str(256 * 28 * 28), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = load_run(out).manifest
    assert manifest.policy.name == "openai" and manifest.policy.max_pixels == 256 * 28 * 28
    assert manifest.policy.prompt_format == "qwen25vl/mobile"
    assert manifest.policy.extra["settings"]["max_pixels"] == 256 * 28 * 28
    assert manifest.policy.extra["settings"]["base_url"] == server.url


def test_run_with_a_local_model(tiny_qwen2vl: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = screenpilot(
        "run", "anything", "--policy", "qwen2vl", "--model", str(tiny_qwen2vl),
        "--card", "qwen2vl", "--max-pixels", str(64 * 28 * 28), "--max-new-tokens", "4",
        "--max-steps", "1", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # a random model does not finish the task
    run = load_run(out)
    assert run.manifest.outcome == "max_steps" and run.manifest.policy.name == "qwen2vl"
    assert run.steps[0].status == "model_error"


def test_missing_options_are_configuration_errors() -> None:
    result = screenpilot("run", "t", "--policy", "openai", "--model", "m")
    assert result.returncode == 2 and "needs --base-url" in result.stderr
    result = screenpilot("run", "t", "--policy", "qwen2vl", "--model", "/no/such/model")
    assert result.returncode == 2 and "cannot load model" in result.stderr


def test_every_policy_setting_is_an_option_of_every_policy_command() -> None:
    """The options come from ``PolicySettings``: one declaration, no drift between commands."""
    import typer

    from screenpilot.cli import app
    from screenpilot.policies.settings import PolicySettings

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    expected = {
        "--policy",
        *("--" + name.replace("_", "-") for name in PolicySettings.model_fields),
    }
    for path in (("run",), ("replay",), ("eval", "aitz"), ("eval", "sim")):
        command = commands[path[0]]
        for part in path[1:]:
            command = command.commands[part]
        options = {option for param in command.params for option in param.opts}
        assert expected <= options, (path, expected - options)


def test_a_bad_setting_is_refused_naming_its_option() -> None:
    result = screenpilot(
        "run", "t", "--policy", "openai", "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
        "--max-pixels", "0",
    )  # fmt: skip
    assert result.returncode == 2
    assert "--max-pixels: Input should be greater than or equal to 1 (got 0)" in result.stderr
    result = screenpilot("run", "t", "--policy", "qwen2vl", "--model", "m", "--platform", "tv")
    assert (
        result.returncode == 2
        and "--platform: Input should be 'mobile' or 'desktop'" in result.stderr
    )


def test_policy_constructors_take_only_declared_settings() -> None:
    from screenpilot.errors import ConfigError
    from screenpilot.policies.openai_compat import OpenAIPolicy
    from screenpilot.policies.settings import PolicySettings

    with pytest.raises(ConfigError, match="unknown policy setting 'max_pixel'"):
        OpenAIPolicy("m", base_url="http://127.0.0.1:9/v1", max_pixel=5)
    base = PolicySettings(model="m", base_url="http://127.0.0.1:9/v1", card="qwen2vl")
    policy = OpenAIPolicy(base, max_pixels=200_000)
    assert policy.settings == PolicySettings.of(base, max_pixels=200_000)
    assert policy.max_pixels == 200_000 and policy.card.name == "qwen2vl"
    recorded = policy.describe().extra["settings"]
    assert recorded["max_pixels"] == 200_000 and recorded["api_key_env"] == "OPENAI_API_KEY"
    policy.close()


def test_a_model_the_server_does_not_know_leaves_no_run_folder(
    server: Server, tmp_path: Path
) -> None:
    server.script = [(404, {"error": {"message": "The model `m` does not exist."}}, {}, 0.0)]
    result = screenpilot(
        "run", "Say done", "--policy", "openai", "--model", "m", "--card", "qwen25vl",
        "--base-url", server.url, "--max-pixels", str(256 * 28 * 28), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2 and "The model `m` does not exist" in result.stderr
    assert "saved in" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # not even runs/


INTERRUPTIBLE = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from screenpilot.cli import main; main()"
)
"""The command line with Ctrl-C raising KeyboardInterrupt, as in a terminal, even where the
test runner's process ignores SIGINT (and its children inherit that)."""


def test_ctrl_c_says_where_the_run_so_far_is_saved(server: Server, tmp_path: Path) -> None:
    tap = '<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [300, 600]}}</tool_call>'
    server.script = [(200, completion(tap), {}, 0.0), hang()]
    out = tmp_path / "run"
    child = subprocess.Popen(
        [
            sys.executable, "-c", INTERRUPTIBLE, "run", "Open it", "--policy", "openai",
            "--model", "m", "--card", "qwen25vl", "--base-url", server.url,
            "--max-pixels", str(256 * 28 * 28), "--out", str(out),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        trajectory = out / "trajectory.jsonl"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if trajectory.exists() and trajectory.read_text().count("\n") >= 1:
                break  # the first step is recorded; the second waits for the model
            time.sleep(0.05)
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130, stderr
    assert f"interrupted\nscreenpilot: the run so far is saved in {out}\n" in stderr
    run = load_run(out)
    assert run.manifest.outcome == "interrupted" and len(run.steps) == 1
