"""A server that refuses a request and echoes its headers, the API key among them, as they came
or changed in case or encoding: the key reaches no message, no file of the run and no terminal.

Assertions compare booleans and file names only: a failing test never prints the key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from screenpilot.agent import load_run
from screenpilot.errors import DeviceError
from tests.helpers import files_holding, holds
from tests.policies.chat_server import EchoForm, Server, echo_headers
from tests.policies.test_openai_failures import act, policy

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-Test/Key+AbC123xyz"
"""Mixed case (changes under upper and lower case) and ``/ +`` (change under URL encoding)."""
FORMS: list[EchoForm] = ["raw", "lower", "upper", "url", "json"]


@pytest.mark.parametrize("form", FORMS)
def test_an_echoed_key_never_reaches_the_error_message(
    server: Server, monkeypatch: pytest.MonkeyPatch, form: EchoForm
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", KEY)
    server.script = [echo_headers(400, form)]
    chosen = policy(server.url, api_key_env="TEST_LLM_KEY")
    with pytest.raises(DeviceError) as raised:
        act(chosen)
    message = str(raised.value)
    sent = server.requests[0][0].get("Authorization") == f"Bearer {KEY}"
    leaked = holds(message, KEY)
    masked = "HTTP 400" in message and "***" in message
    assert sent and masked and not leaked


@pytest.mark.parametrize("form", ["raw", "lower", "url"])
def test_a_run_against_a_server_that_echoes_the_key_keeps_it_secret(
    server: Server, tmp_path: Path, form: EchoForm
) -> None:
    server.script = [echo_headers(400, form)]
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "screenpilot.cli", "run", "Open the settings", "--env", "sim",
        "--policy", "openai", "--model", "qwen-test", "--card", "qwen25vl", "--base-url",
        server.url, "--api-key-env", "SP_TEST_KEY", "--max-retries", "0", "--timeout", "30",
        "--out", str(out),
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "SP_TEST_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, stdout, stderr = result.returncode, result.stdout, result.stderr
    assert code == 3  # a refused request stops the run, saved
    printed_key = holds(stdout, KEY) or holds(stderr, KEY)
    explained = "HTTP 400" in stderr and "***" in stderr
    assert explained and not printed_key
    assert files_holding(out, KEY) == []
    assert {"manifest.json", "trajectory.jsonl", "report.html"} <= {p.name for p in out.iterdir()}
    error = load_run(out).manifest.error or ""
    recorded = error.startswith("DeviceError: ") and "HTTP 400" in error and "***" in error
    assert recorded
