"""Model servers that stall or misbehave end within their deadline, as the right kind of error.

The deadline is small only where it must fire (a reply the server never completes); where the
server answers, it is one no busy machine comes near. Nothing is asserted about how fast a call
returns, only that the client, not the server, ended a misbehaving exchange: such a reply holds
its connection for ``LINGER`` seconds unless the client leaves.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

import pytest

pytest.importorskip("httpx", reason="needs the openai extra")

from screenpilot.agent import Agent, load_run
from screenpilot.agent.core import Decision, Step, Usage
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import AnswerTooLongError, ConfigError, DeviceError, ModelError
from screenpilot.policies.openai_compat import OpenAIPolicy
from screenpilot.policies.text_scan import MAX_ANSWER_CHARS
from screenpilot.policies.transport import BadResponseError
from tests.policies.chat_server import (
    LINGER,
    Reply,
    Server,
    closed_port_url,
    completion,
    cut,
    garbage,
    hang,
    oversize,
    slow_headers,
    tool_call_completion,
    trickle,
)
from tests.test_cli import screenpilot

pytestmark = pytest.mark.timeout(60)

TIMEOUT = 0.5
"""The deadline of the tests in which it must fire."""
PATIENT = 60.0
"""The deadline where the server answers: no answer is ever late, however busy the machine."""
LEFT_WITHIN = LINGER / 2
"""A handler still busy this long after the call is serving a client that never left."""
BACKOFF = 0.05
FINISH = '<tool_call>{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'


def policy(url: str, **options: Any) -> OpenAIPolicy:
    settings: dict[str, Any] = {
        "card": "qwen25vl",
        "api_key_env": None,
        "timeout": PATIENT,
        "max_retries": 1,
        "backoff": BACKOFF,
    }
    return OpenAIPolicy("qwen-test", base_url=url, **(settings | options))


def act(chosen: OpenAIPolicy) -> tuple[Decision, float]:
    started = time.monotonic()
    decision = chosen.act("t", DemoEnv().reset(), ())
    return decision, time.monotonic() - started


def close_returns(chosen: OpenAIPolicy) -> bool:
    """Whether ``close()`` returns without waiting for a misbehaving reply to end on its own."""
    closing = threading.Thread(target=chosen.close)
    closing.start()
    closing.join(LEFT_WITHIN)
    return not closing.is_alive()


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        (trickle(), "no complete answer within 0.5 s"),
        (trickle(declared=False), "no complete answer within 0.5 s"),
        (slow_headers(), "no complete answer within 0.5 s"),
        (hang(), "no complete answer within 0.5 s"),
        (cut(), "the connection broke"),
    ],
    ids=["trickle", "trickle-until-close", "slow_headers", "hang", "cut"],
)
def test_a_stalling_or_broken_server_is_retried_then_a_device_error(
    server: Server, reply: Reply, cause: str
) -> None:
    server.script = [reply, reply]
    chosen = policy(server.url, timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(DeviceError) as raised:
        act(chosen)
    elapsed = time.monotonic() - started
    message = str(raised.value)
    assert f"{server.url}/chat/completions" in message and cause in message
    assert "gave up after 2 attempts" in message
    assert len(server.requests) == 2 and chosen.retries == 1
    assert server.wait_idle(LEFT_WITHIN)  # the client hung up on both, mid-reply
    if "within" in cause:
        assert elapsed >= 2 * TIMEOUT  # each attempt had its whole deadline
        assert "raise --timeout" in message


def test_a_hanging_server_sees_the_client_leave(server: Server) -> None:
    server.script = [hang()]
    chosen = policy(server.url, max_retries=0, timeout=TIMEOUT)
    with pytest.raises(DeviceError):
        act(chosen)
    assert server.wait_idle(LEFT_WITHIN)  # the connection was closed, not left to linger
    assert close_returns(chosen)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_an_oversized_answer_is_abandoned_at_the_cap_as_a_model_error(
    server: Server, declared: bool
) -> None:
    server.script = [oversize(64 * 2**20, declared=declared)]
    chosen = policy(server.url, max_response_bytes=2**20)
    decision, _ = act(chosen)
    assert isinstance(decision.error, BadResponseError) and decision.error.kind == "bad_response"
    message = str(decision.error)
    assert f"{server.url}/chat/completions" in message
    assert "larger than 1 MiB" in message and "max_response_bytes" in message
    assert len(server.requests) == 1  # the same request would bring the same megabytes
    assert decision.error.received <= 2**20 + 2**17  # at most one chunk past the cap
    assert server.wait_idle(LEFT_WITHIN)
    if not declared:
        assert server.sent[0] < 32 * 2**20  # the rest was never sent: the client hung up
    assert close_returns(chosen)


def test_a_large_but_allowed_answer_is_read(server: Server) -> None:
    # Many read chunks long, yet inside both the byte cap and the parser's character limit.
    server.script = [(200, completion(FINISH + " " * (MAX_ANSWER_CHARS - len(FINISH))), {}, 0.0)]
    decision, _ = act(policy(server.url, max_response_bytes=2**20))
    assert decision.action is not None and decision.action.type == "finish"


def test_an_answer_past_the_character_limit_is_the_models_error_not_a_crash(
    server: Server,
) -> None:
    server.script = [(200, completion(FINISH + " " * MAX_ANSWER_CHARS), {}, 0.0)]
    decision, _ = act(policy(server.url, max_response_bytes=2**20))
    assert decision.action is None
    assert isinstance(decision.error, AnswerTooLongError)
    assert decision.error.kind == "answer_too_long" and len(server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (garbage(), "the answer is not JSON"),
        ((200, {"choices": []}, {}, 0.0), "not a chat completion"),
        ((200, {"error": {"message": "upstream overloaded"}}, {}, 0.0), "upstream overloaded"),
        ((200, [1, 2], {}, 0.0), "not a chat completion"),
        ((200, {"choices": [{"message": {"content": 7}}]}, {}, 0.0), "content is 7"),
    ],
    ids=["html", "no-choices", "error-object", "list", "content-type"],
)
def test_a_body_that_is_not_a_completion_is_retried_then_a_model_error(
    server: Server, reply: Reply, says: str
) -> None:
    server.script = [reply, reply]
    chosen = policy(server.url)
    decision, _ = act(chosen)
    assert isinstance(decision.error, BadResponseError) and decision.error.kind == "bad_response"
    message = str(decision.error)
    assert f"{server.url}/chat/completions" in message and says in message
    assert "2 attempts" in message and len(server.requests) == 2
    assert "\x1b" not in message  # the body's control characters are escaped


def test_a_body_that_is_not_a_completion_then_a_good_one(server: Server) -> None:
    server.script = [garbage(), (200, completion(FINISH), {}, 0.0)]
    decision, _ = act(policy(server.url))
    assert decision.action is not None and len(server.requests) == 2


def test_an_empty_answer_is_the_models_and_not_retried(server: Server) -> None:
    empty = {"choices": [{"message": {"content": None}, "finish_reason": "length"}]}
    server.script = [(200, empty, {}, 0.0)]
    decision, _ = act(policy(server.url))
    assert isinstance(decision.error, BadResponseError)
    assert "no text and no tool calls (finish_reason 'length')" in str(decision.error)
    assert len(server.requests) == 1


def test_a_server_that_never_answered_is_a_configuration_error_at_once() -> None:
    """Nothing listens at the URL on first contact: the address is the caller's to fix, so
    no retry waits it out."""
    url = closed_port_url()
    chosen = policy(url, max_retries=4, backoff=30.0)  # a retry would wait 15 s or more
    with pytest.raises(ConfigError) as raised:
        act(chosen)
    assert not isinstance(raised.value, DeviceError) and chosen.retries == 0
    message = str(raised.value)
    assert message.startswith(f"{url}/chat/completions: no model server answers there (")
    assert message.endswith(
        f"): is it running, and is --base-url {url} its address (host, port, usually ending "
        "in /v1)?"
    )


def test_a_host_name_that_does_not_resolve_is_named_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lookup fails as it does for a misspelt host (no resolver is asked here)."""
    lookups: list[object] = []

    def no_such_host(host: object, *args: object, **kwargs: object) -> NoReturn:
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    url = "http://model-server.example/v1"
    chosen = policy(url, max_retries=4)
    with pytest.raises(ConfigError) as raised:
        act(chosen)
    assert str(raised.value) == (
        f"{url}/chat/completions: the host name in --base-url {url} does not resolve ([Errno "
        f"{socket.EAI_NONAME}] Name or service not known): check its spelling, or use the "
        "server's IP address"
    )
    assert lookups == ["model-server.example"] and chosen.retries == 0


def test_a_server_that_answered_then_went_away_is_retried_then_a_device_error(
    server: Server, tmp_path: Path
) -> None:
    """Step 1 is answered, then the server stops: a hiccup mid-run, retried, then the run
    stops with a DeviceError and is saved."""
    tap = '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [540, 1200]}}'
    server.script = [(200, completion(f"<tool_call>{tap}</tool_call>"), {}, 0.0)]
    chosen = policy(server.url, max_retries=2)

    def stop_after_the_first(step: Step) -> None:
        if step.index == 0:
            server.stop()

    agent = Agent(DemoEnv(), chosen, run_dir=tmp_path / "run", on_step=stop_after_the_first)
    with pytest.raises(DeviceError) as raised:
        agent.run("t")
    assert str(raised.value).startswith(
        f"{server.url}/chat/completions: gave up after 3 attempts: could not connect ("
    )
    assert chosen.retries == 2 and len(server.requests) == 1
    run = load_run(tmp_path / "run")
    assert run.manifest.outcome == "error" and len(run.steps) == 1
    assert run.manifest.error is not None and run.manifest.error.startswith("DeviceError: ")


def test_the_key_never_reaches_an_error_message(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-secret-1234")
    echo = {"error": "invalid key sk-secret-1234"}
    server.script = [(401, echo, {}, 0.0), (200, echo, {}, 0.0), (200, echo, {}, 0.0)]
    chosen = policy(server.url, api_key_env="TEST_LLM_KEY")
    with pytest.raises(ConfigError) as raised:
        act(chosen)
    assert "sk-secret-1234" not in str(raised.value) and "invalid key ***" in str(raised.value)
    decision, _ = act(chosen)
    assert decision.error is not None and "sk-secret-1234" not in str(decision.error)


def test_a_redirect_is_a_configuration_error(server: Server) -> None:
    server.script = [(301, "", {"location": "https://example.invalid/v1/chat/completions"}, 0.0)]
    with pytest.raises(ConfigError, match=r"redirected .* to https://example\.invalid"):
        act(policy(server.url))


def test_act_batch_ends_within_its_bound_when_the_server_hangs(server: Server) -> None:
    server.script = [hang()] * 16
    chosen = policy(server.url, concurrency=2, timeout=TIMEOUT)
    screen = DemoEnv().reset()
    with pytest.raises(DeviceError, match="no complete answer"):
        chosen.act_batch([(f"task {n}", screen, ()) for n in range(8)])
    # Two requests at a time; the first to fail for good ends the batch: the queued requests
    # are dropped and the running one abandoned. One request's worth, not four rounds.
    assert len(server.requests) <= 4
    assert server.wait_idle(LEFT_WITHIN)
    assert close_returns(chosen)


def test_act_batch_abandons_running_requests_when_one_fails_for_good(server: Server) -> None:
    refused = (401, {"error": "invalid api key"}, {}, 0.0)
    server.script = [hang(), refused, hang(), refused]
    chosen = policy(server.url, concurrency=2)
    screen = DemoEnv().reset()
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"wants credentials \(HTTP 401\) and none were sent"):
        chosen.act_batch([(f"task {n}", screen, ()) for n in range(4)])
    # Waiting the hanging request out would take until the server lets go, LINGER s from now.
    assert time.monotonic() - started < LEFT_WITHIN
    assert len(server.requests) == 2


def test_act_batch_keeps_model_errors_in_place(server: Server) -> None:
    def answer(body: dict[str, Any]) -> str:
        return FINISH

    server.answer = answer
    server.script = [oversize(2**21)]
    chosen = policy(server.url, concurrency=2, max_response_bytes=2**20)
    screen = DemoEnv().reset()
    decisions = chosen.act_batch([(f"task {n}", screen, ()) for n in range(3)])
    errors = [d.error for d in decisions if isinstance(d, Decision) and d.error is not None]
    assert len(errors) == 1 and isinstance(errors[0], BadResponseError)
    assert sum(1 for d in decisions if isinstance(d, Decision) and d.action) == 2


def test_close_after_an_abandoned_trickle_does_not_hang(server: Server) -> None:
    server.script = [trickle(interval=0.01, padding=200_000)]
    chosen = policy(server.url, max_retries=0, timeout=TIMEOUT)
    with pytest.raises(DeviceError):
        act(chosen)
    assert close_returns(chosen)  # the trickle would take 2000 s to end


def test_close_abandons_a_request_in_flight(server: Server) -> None:
    server.script = [hang()]
    chosen = policy(server.url, max_retries=3)  # a deadline past the server's LINGER
    failures: list[BaseException] = []

    def run() -> None:
        try:
            act(chosen)
        except (DeviceError, ModelError) as exc:
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    while not server.requests:
        time.sleep(0.01)
    chosen.close()
    thread.join(LEFT_WITHIN)
    assert not thread.is_alive()  # not left to the server's LINGER, nor the 60 s deadline
    assert isinstance(failures[0], DeviceError) and len(server.requests) == 1
    assert str(failures[0]).endswith("abandoned: the policy was closed")


def test_transport_settings_are_checked() -> None:
    url = "http://127.0.0.1:9/v1"
    with pytest.raises(ConfigError, match="max_response_bytes"):
        policy(url, max_response_bytes=100)
    with pytest.raises(ConfigError, match="--timeout"):
        policy(url, timeout=0)
    with pytest.raises(ConfigError, match="--max-retries"):
        policy(url, max_retries=-1)
    recorded = policy(url).describe().extra
    assert recorded["settings"]["timeout"] == PATIENT and recorded["settings"]["max_retries"] == 1
    assert recorded["max_response_bytes"] == 4 * 2**20


def run_cli(
    url: str,
    out: Path,
    *options: str,
    env: dict[str, str] | None = None,
    timeout: float = PATIENT,
) -> subprocess.CompletedProcess[str]:
    return screenpilot(
        "run", "Say done", "--policy", "openai", "--model", "qwen-test", "--card", "qwen25vl",
        "--base-url", url, "--max-pixels", str(256 * 28 * 28), "--timeout", str(timeout),
        "--max-retries", "1", "--out", str(out), *options, env=env,
    )  # fmt: skip


KEY = "SCREENPILOT_TEST_SERVER_KEY"


@pytest.mark.parametrize(
    ("status", "key", "says"),
    [
        (
            404,
            None,
            "HTTP 404: the server has no model 'qwen-test'; it serves 'served-model': pass one "
            "to --model",
        ),
        (
            401,
            None,
            f"the server wants credentials (HTTP 401) and none were sent: ${KEY} is not set: put "
            "the key there, or name its variable with --api-key-env",
        ),
        (403, "sk-test-0123456789", f"the server refused the credentials (HTTP 403): check ${KEY}"),
    ],
    ids=["404", "401-no-key", "403-key"],
)
def test_a_misconfigured_server_stops_the_run_with_exit_2(
    server: Server, tmp_path: Path, status: int, key: str | None, says: str
) -> None:
    server.script, server.models = [(status, {"error": "no"}, {}, 0.0)], ["served-model"]
    env = {KEY: key} if key else {}
    result = run_cli(server.url, tmp_path / "run", "--api-key-env", KEY, env=env)
    assert result.returncode == 2, result.stderr
    assert f"error: {server.url}/chat/completions: {says}; " in result.stderr
    assert "device error" not in result.stderr and len(server.requests) == 1
    assert key is None or key not in result.stderr


def test_a_run_against_a_port_where_nothing_listens_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    url = closed_port_url()
    result = run_cli(url, tmp_path / "run")
    assert result.returncode == 2, result.stderr
    assert f"error: {url}/chat/completions: no model server answers there" in result.stderr
    assert f"is --base-url {url} its address" in result.stderr
    assert "device error" not in result.stderr


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        (hang(), "no complete answer within 0.5 s"),
        (trickle(), "no complete answer within 0.5 s"),
        (cut(), "the connection broke"),
    ],
    ids=["hang", "trickle", "cut"],
)
def test_a_run_against_a_stalling_server_stops_with_a_device_error(
    server: Server, tmp_path: Path, reply: Reply, cause: str
) -> None:
    server.script = [reply, reply]
    out = tmp_path / "run"
    started = time.monotonic()
    result = run_cli(server.url, out, timeout=TIMEOUT)
    assert time.monotonic() - started < 60  # the defaults (120 s, 4 retries) would take 10 min
    assert result.returncode == 3, result.stderr
    said = f"device error: {server.url}/chat/completions: gave up after 2 attempts: "
    assert said in result.stderr and cause in result.stderr
    assert f"screenpilot: the run so far is saved in {out}" in result.stderr
    manifest = load_run(out).manifest
    assert manifest.outcome == "error" and manifest.steps == 0
    assert manifest.error is not None and manifest.error.startswith("DeviceError: ")
    assert manifest.policy.extra["settings"]["timeout"] == TIMEOUT
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (garbage(), "the answer is not JSON"),
        (oversize(8 * 2**20, declared=False), "larger than 4 MiB"),
    ],
    ids=["garbage", "oversize"],
)
def test_a_run_against_a_server_with_unusable_answers_records_model_errors(
    server: Server, tmp_path: Path, reply: Reply, says: str
) -> None:
    server.script = [reply] * 4
    out = tmp_path / "run"
    result = run_cli(server.url, out, "--max-steps", "2")
    assert result.returncode == 1, result.stderr
    run = load_run(out)
    assert run.manifest.outcome == "max_steps" and run.manifest.error is None
    assert [step.status for step in run.steps] == ["model_error", "model_error"]
    for step in run.steps:
        assert step.error is not None and step.error.kind == "bad_response"
        assert says in step.error.message and server.url in step.error.message
    assert "\x1b" not in result.stderr  # the body's escape codes never reach the terminal


def test_nesting_past_the_stack_in_tool_call_arguments_is_the_models_error(
    server: Server,
) -> None:
    deep = "[" * 100_000
    server.script = [(200, tool_call_completion([("tap", deep)]), {}, 0.0)]
    decision, _ = act(policy(server.url, card="tools"))
    assert decision.action is None and isinstance(decision.error, ModelError)
    assert str(decision.error) == "the JSON nests deeper than 64 levels"


def test_token_counts_a_server_cannot_mean_read_as_zero(server: Server) -> None:
    reply = completion(FINISH) | {"usage": {"prompt_tokens": float("inf"), "completion_tokens": 3}}
    server.script = [(200, reply, {}, 0.0)]
    decision, _ = act(policy(server.url))
    assert decision.action is not None and decision.action.type == "finish"
    assert decision.usage == Usage(0, 0)
