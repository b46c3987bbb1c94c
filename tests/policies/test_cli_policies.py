"""The model-card policies and formats from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screenpilot.agent import load_run
from tests.policies.chat_server import Server, completion
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
