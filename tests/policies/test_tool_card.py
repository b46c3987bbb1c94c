"""The ``tools`` card: the action space sent as OpenAI ``tools=[...]``, answers read from
``tool_calls``, against a chat-completions server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

from screenpilot.agent import load_run
from screenpilot.errors import InvalidActionError, ParseError
from screenpilot.policies.openai_compat import OpenAIPolicy
from screenpilot.policies.qwen2vl import render_chatml
from screenpilot.policies.tool_card import SYSTEM
from screenpilot.sim.env import SimEnv
from screenpilot.tools.actions import DESKTOP_ACTIONS, MOBILE_ACTIONS, Finish, OpenApp, Tap
from screenpilot.tools.toolset import openai_tools
from tests.policies.chat_server import Server, tool_call_completion
from tests.test_cli import screenpilot


def tools_policy(server: Server, **settings: object) -> OpenAIPolicy:
    return OpenAIPolicy("served", base_url=server.url, card="tools", api_key_env=None, **settings)


def test_the_request_carries_the_action_space_as_tools(server: Server) -> None:
    server.script = [(200, tool_call_completion([("tap", {"x": 0.25, "y": 0.5})]), {}, 0.0)]
    decision = tools_policy(server).act("Open Settings", SimEnv().reset(), ())
    body = server.requests[0][1]
    assert body["tools"] == openai_tools(MOBILE_ACTIONS)
    assert [tool["function"]["name"] for tool in body["tools"]][:2] == ["tap", "double_tap"]
    assert body["messages"][0] == {
        "role": "system",
        "content": SYSTEM.format(screen="an Android phone"),
    }
    user = body["messages"][1]["content"]
    assert user[0] == {"type": "text", "text": "Task: Open Settings\nActions so far: none"}
    assert user[1]["type"] == "image_url"
    assert decision.action == Tap(x=0.25, y=0.5)
    assert decision.raw_output == (
        '<tool_call>\n{"name": "tap", "arguments": {"x": 0.25, "y": 0.5}}\n</tool_call>'
    )


def test_a_desktop_prompt_offers_the_desktop_actions(server: Server) -> None:
    server.script = [(200, tool_call_completion([("right_click", {"x": 0.5, "y": 0.5})]), {}, 0)]
    decision = tools_policy(server, platform="desktop").act("t", SimEnv().reset(), ())
    assert server.requests[0][1]["tools"] == openai_tools(DESKTOP_ACTIONS)
    assert decision.action is not None and decision.action.type == "right_click"


def test_reasoning_extra_calls_and_bad_calls(server: Server) -> None:
    two = tool_call_completion(
        [("open_app", {"app": "Clock"}), ("tap", {"x": 0.1, "y": 0.1})], content="Clock first."
    )
    unknown = tool_call_completion([("fly", {"x": 1})])
    broken = tool_call_completion([("tap", '{"x": 0.5, "y":')])
    outside = tool_call_completion([("tap", {"x": 540, "y": 1200})])
    server.script = [(200, reply, {}, 0.0) for reply in (two, unknown, broken, outside)]
    policy = tools_policy(server)
    observation = SimEnv().reset()

    decision = policy.act("t", observation, ())
    assert decision.action == OpenApp(app="Clock") and decision.reasoning == "Clock first."
    assert decision.info["ignored_calls"] == ['{"name": "tap", "arguments": {"x": 0.1, "y": 0.1}}']

    decision = policy.act("t", observation, ())
    assert isinstance(decision.error, InvalidActionError) and "unknown tool 'fly'" in str(
        decision.error
    )
    decision = policy.act("t", observation, ())
    assert isinstance(decision.error, ParseError | InvalidActionError)
    decision = policy.act("t", observation, ())
    assert isinstance(decision.error, InvalidActionError)
    assert "less than or equal to 1" in str(decision.error)


def test_a_run_with_the_tools_card(server: Server, tmp_path: Path) -> None:
    server.script = [
        (200, tool_call_completion([("open_app", {"app": "Settings"})]), {}, 0.0),
        (200, tool_call_completion([("finish", {"status": "success"})]), {}, 0.0),
    ]
    out = tmp_path / "run"
    result = screenpilot(
        "run", "Open Settings", "--env", "sim", "--policy", "openai", "--model", "served",
        "--card", "tools", "--base-url", server.url, "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run = load_run(out)
    assert [step.action for step in run.steps] == [
        OpenApp(app="Settings"),
        Finish(status="success"),
    ]
    assert run.steps[1].app == "com.android.settings"  # the phone did open Settings
    assert run.manifest.outcome == "success" and run.manifest.policy.prompt_format == "tools/mobile"
    # The second request shows the first action in the card's own call syntax.
    second = server.requests[1][1]["messages"][1]["content"][0]["text"]
    assert second == (
        'Task: Open Settings\nActions so far: 1. {"name": "open_app", "arguments": {"app": "Settings"}}'
    )


def test_a_local_model_reads_the_tools_in_the_qwen25_template_block() -> None:
    """The Hermes block the Qwen2.5 chat template appends to the system message when a request
    has tools (QwenLM/Qwen2.5 ``tokenizer_config.json``, ``{%- if tools %}``): the system text,
    a blank line, the fixed tool preamble, one JSON line per tool (transformers' ``tojson``:
    ``json.dumps`` without sorting or ASCII escapes)."""
    tool = {"type": "function", "function": {"name": "wait", "description": "Wait é."}}
    text, images = render_chatml([{"role": "system", "content": "Act."}], [tool])
    assert images == []
    assert text == (
        "<|im_start|>system\nAct.\n\n# Tools\n\nYou may call one or more functions to assist "
        "with the user query.\n\nYou are provided with function signatures within <tools></tools> "
        "XML tags:\n<tools>\n" + json.dumps(tool, ensure_ascii=False) + "\n</tools>\n\nFor each "
        "function call, return a json object with function name and arguments within "
        '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
        "<args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>assistant\n"
    )
    assert '"Wait é."' in text
