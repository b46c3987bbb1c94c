"""OpenAIPolicy against a real chat-completions server on 127.0.0.1, started by the tests."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

pytest.importorskip("httpx", reason="needs the openai extra")

from screenpilot.agent.loop import run_episode
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import ConfigError, DeviceError
from screenpilot.policies import PolicySettings
from screenpilot.policies.openai_compat import OpenAIPolicy
from screenpilot.policies.transport_faults import retry_after
from screenpilot.registry import make_policy
from tests.helpers import ADD_BUTTON, FIELD, HOME_ICON
from tests.policies.chat_server import LINGER, Server, completion


def policy(server: Server, **options: Any) -> OpenAIPolicy:
    settings: dict[str, Any] = {"card": "qwen25vl", "backoff": 0.01, "api_key_env": None}
    return OpenAIPolicy("qwen-test", base_url=server.url, **(settings | options))


def click(x: int, y: int) -> str:
    call = {"name": "mobile_use", "arguments": {"action": "click", "coordinate": [x, y]}}
    return f"<tool_call>\n{json.dumps(call)}\n</tool_call>"


def test_a_demo_episode_over_http(server: Server, tmp_path: Path) -> None:
    # 1080x2400 at the default 1280*28*28 budget is 672x1484: the model answers in that frame.
    def px(point: tuple[float, float]) -> tuple[int, int]:
        return round(point[0] * 672), round(point[1] * 1484)

    answers = [
        click(*px(HOME_ICON)),
        click(*px(FIELD)),
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "type", "text": "jam"}}\n</tool_call>',
        click(*px(ADD_BUTTON)),
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}\n</tool_call>',
    ]
    server.script = [(200, completion(text), {}, 0.0) for text in answers]
    env = DemoEnv()
    episode = run_episode(env, policy(server), "Add jam", run_dir=tmp_path / "run")
    assert episode.outcome == "success" and env.state.items == [("jam", False)]
    _, body = server.requests[-1]
    assert body["model"] == "qwen-test" and body["max_tokens"] == 256 and body["temperature"] == 0
    system, user = body["messages"]
    assert "The screen's resolution is 672x1484." in system["content"]
    text, image = user["content"]
    assert text["text"].startswith("The user query: Add jam\nTask progress")
    assert "Step 4: " in text["text"] and "Step 5" not in text["text"]
    url = image["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert sent.size == (672, 1484) and sent.format == "JPEG"
    decision = episode.steps[0].decision
    assert decision.usage is not None and decision.usage.prompt_tokens == 1300


def test_429_and_503_are_retried_with_backoff(server: Server) -> None:
    server.script = [
        (429, {"error": "slow down"}, {"retry-after": "0.2"}, 0.0),
        (503, "overloaded", {}, 0.0),
        (200, completion(click(336, 742)), {}, 0.0),
    ]
    chosen = policy(server)
    started = time.perf_counter()
    decision = chosen.act("t", DemoEnv().reset(), ())
    assert decision.action is not None and decision.action.type == "tap"
    assert len(server.requests) == 3 and chosen.retries == 2
    assert time.perf_counter() - started >= 0.2  # the server's Retry-After was honoured


def test_persistent_overload_gives_up_with_a_device_error(server: Server) -> None:
    server.script = [(500, "boom", {}, 0.0)] * 3
    with pytest.raises(
        DeviceError, match="completions: gave up after 3 attempts: HTTP 500: 'boom'"
    ):
        policy(server, max_retries=2).act("t", DemoEnv().reset(), ())


def test_a_timeout_is_retried_then_reported(server: Server) -> None:
    # The answers come LINGER s late: only a client that slept through its 0.2 s could see one.
    server.script = [(200, completion(click(1, 1)), {}, LINGER)] * 2
    with pytest.raises(DeviceError, match=r"no complete answer within 0\.2 s \(no response by"):
        policy(server, timeout=0.2, max_retries=1).act("t", DemoEnv().reset(), ())
    assert len(server.requests) == 2


def test_malformed_json_is_retried(server: Server) -> None:
    server.script = [
        (200, "{not json", {}, 0.0),
        (200, {"choices": []}, {}, 0.0),
        (200, completion(click(336, 742)), {}, 0.0),
    ]
    decision = policy(server).act("t", DemoEnv().reset(), ())
    assert decision.action is not None and len(server.requests) == 3


def test_an_auth_error_is_a_config_error_at_once_and_the_key_is_never_recorded(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-secret-1234")
    server.script = [(401, {"error": "invalid api key"}, {}, 0.0)]
    chosen = policy(server, api_key_env="TEST_LLM_KEY")
    with pytest.raises(
        ConfigError, match=r"refused the credentials \(HTTP 401\): check \$TEST_LLM_KEY"
    ):
        chosen.act("t", DemoEnv().reset(), ())
    headers, _ = server.requests[0]
    assert headers["Authorization"] == "Bearer sk-secret-1234" and len(server.requests) == 1
    server.answer = lambda body: (
        '{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}'
    )
    run_episode(DemoEnv(), chosen, "t", run_dir=tmp_path / "run")
    written = "".join(
        p.read_text(errors="ignore") for p in (tmp_path / "run").rglob("*") if p.is_file()
    )
    assert "TEST_LLM_KEY" in written and "sk-secret-1234" not in written


MODEL_404 = (404, {"error": "The model `qwen-test` does not exist."}, {}, 0.0)


@pytest.mark.parametrize(
    ("models", "says"),
    [
        (
            ["qwen-a", "qwen-b"],
            "HTTP 404: the server has no model 'qwen-test'; it serves 'qwen-a', 'qwen-b': pass "
            "one to --model",
        ),
        (
            [f"m{n}" for n in range(12)],
            "HTTP 404: the server has no model 'qwen-test'; it serves 'm0', 'm1', 'm2', 'm3', "
            "'m4', 'm5', 'm6', 'm7', 'm8', 'm9' and 2 more: pass one to --model",
        ),
        (
            ["qwen-test"],
            "HTTP 404, although the server lists model 'qwen-test' at {url}/models: --base-url "
            "{url} has a wrong path (it usually ends in /v1)",
        ),
        (
            None,
            "HTTP 404, and {url}/models is not found either: --base-url {url} is not an "
            "OpenAI-compatible endpoint (it usually ends in /v1)",
        ),
    ],
    ids=["unknown-model", "many-models", "listed-model", "no-listing"],
)
def test_a_404_says_whether_the_model_or_the_url_is_wrong(
    server: Server, models: list[str] | None, says: str
) -> None:
    """One GET /models after the 404 tells an unknown model (named with what the server
    serves) from a wrong URL; nothing is retried."""
    server.script, server.models = [MODEL_404], models
    chosen = policy(server)
    with pytest.raises(ConfigError) as raised:
        chosen.act("t", DemoEnv().reset(), ())
    expected = f"{server.url}/chat/completions: {says.format(url=server.url)}; "
    assert str(raised.value).startswith(expected), str(raised.value)
    assert str(raised.value).endswith('\'{"error": "The model `qwen-test` does not exist."}\'')
    assert len(server.requests) == 1 and server.listings == 1 and chosen.retries == 0


def test_a_404_from_a_server_that_lists_nothing_readable_keeps_both_suspects(
    server: Server,
) -> None:
    server.script, server.models = [MODEL_404], []
    with pytest.raises(ConfigError) as raised:
        policy(server).act("t", DemoEnv().reset(), ())
    assert str(raised.value).startswith(
        f"{server.url}/chat/completions: HTTP 404: unknown model 'qwen-test' (--model) or wrong "
        f"--base-url {server.url} (it usually ends in /v1); "
    )


def test_act_batch_sends_requests_concurrently_and_keeps_their_order(server: Server) -> None:
    four_at_once = threading.Barrier(4, timeout=60)  # fewer in flight: the requests fail

    def answer(body: dict[str, Any]) -> str:
        four_at_once.wait()
        n = int(body["messages"][1]["content"][0]["text"].split("task ")[1].split("\n")[0])
        return click(10 * n, 20 * n)

    server.answer = answer
    chosen = policy(server, concurrency=4)
    screen = DemoEnv().reset()
    decisions = chosen.act_batch([(f"task {n}", screen, ()) for n in range(1, 9)])
    assert server.peak == 4
    got = [(d.action.x, d.action.y) for d in decisions if d.action and d.action.type == "tap"]
    assert got == [pytest.approx((10 * n / 672, 20 * n / 1484)) for n in range(1, 9)]


def test_a_bad_answer_is_a_model_error_decision(server: Server) -> None:
    server.script = [(200, completion("I cannot see the screen."), {}, 0.0)]
    decision = policy(server).act("t", DemoEnv().reset(), ())
    assert decision.error is not None and decision.error.kind == "parse_error"
    assert decision.raw_output == "I cannot see the screen."


def test_options_and_their_errors(server: Server) -> None:
    with pytest.raises(ConfigError, match="needs --base-url"):
        make_policy("openai", PolicySettings(model="m"))
    with pytest.raises(ConfigError, match="needs --model"):
        make_policy("openai", PolicySettings(base_url=server.url))
    with pytest.raises(ConfigError, match="too narrow"):
        policy(server, min_pixels=78400, max_pixels=78400).act("t", DemoEnv().reset(), ())
    built = make_policy(
        "openai", PolicySettings(model="ByteDance-Seed/UI-TARS-1.5-7B", base_url=server.url)
    )
    info = built.describe()
    assert info.name == "openai" and info.prompt_format == "uitars15/mobile"
    assert info.extra["base_url"] == server.url and info.min_pixels == 100 * 28 * 28


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        ("-3", 0.0),
        ("nan", None),
        ("inf", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
    ],
)
def test_retry_after_is_a_finite_number_of_seconds_or_ignored(
    value: str, seconds: float | None
) -> None:
    response = SimpleNamespace(headers={"retry-after": value})
    assert retry_after(response) == seconds


@pytest.mark.parametrize("url", ["http://[::1/v1", "http:///v1", "http://localhost:99999/v1"])
def test_a_base_url_without_a_usable_host_is_refused_at_once(url: str) -> None:
    with pytest.raises(ConfigError, match="--base-url must be an http\\(s\\) URL with a host"):
        OpenAIPolicy("qwen-test", base_url=url, api_key_env=None)


@pytest.mark.parametrize("seconds", [float("inf"), 1e12, float("nan")])
def test_a_timeout_no_timer_can_keep_is_refused_at_once(seconds: float) -> None:
    with pytest.raises(ConfigError, match="timeout"):
        OpenAIPolicy("qwen-test", base_url="http://127.0.0.1:9/v1", timeout=seconds)
